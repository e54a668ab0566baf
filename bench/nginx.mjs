// nginx as a benchmark target: answers the seed's three endpoints from config (no disk, no upstream),
// started as our own child in the foreground with every path in a temp dir, pinned to one CPU.
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ITEMS = Array.from({ length: 20 }, (_, i) => ({
  id: i + 1,
  name: `item-${i + 1}`,
  price: (i + 1) * 3.5,
}));
/** Same bodies as the demo target (src/demo/server.ts), so the bytes on the wire match the seed's API. */
export const DATA_BODY = JSON.stringify({ items: ITEMS, total: ITEMS.length });
export const LOGIN_BODY = '{"token":"abc","user":"user-1"}';
export const TRANSACTION_BODY = '{"id":1,"status":"ok"}';

/** A TLS 1.3 listener with HTTP/2 (by ALPN) beside the plain one, when a certificate is given. */
function tlsServer(tls) {
  if (!tls) return '';
  return `
  server {
    listen 127.0.0.1:${tls.port} ssl http2 backlog=8192;
    ssl_certificate ${tls.certFile};
    ssl_certificate_key ${tls.keyFile};
    ssl_protocols TLSv1.3;
    ssl_session_tickets on;
    location = /api/data { return 200 '${DATA_BODY}'; }
    location = /api/login { return 200 '${LOGIN_BODY}'; }
    location = /api/transaction { return 201 '${TRANSACTION_BODY}'; }
  }`;
}

function nginxConfig(dir, port, maxConnections, workerProcesses, tls) {
  // Temp paths point into our dir so nginx never touches /var/lib/nginx or the system service's files.
  // `return` answers POST too, and nginx reads and discards the request body first.
  return `worker_processes ${workerProcesses};
worker_rlimit_nofile ${maxConnections + 1024};
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections ${maxConnections + 512}; }
http {
  access_log off;
  default_type application/json;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_requests 1000000;
  keepalive_timeout 300s;
  server {
    listen 127.0.0.1:${port} backlog=8192;
    location = /api/data { return 200 '${DATA_BODY}'; }
    location = /api/login { return 200 '${LOGIN_BODY}'; }
    location = /api/transaction { return 201 '${TRANSACTION_BODY}'; }
  }${tlsServer(tls)}
}
`;
}

/**
 * Start nginx in the foreground (daemon off) as our child, pinned to `cpu` (a taskset list such as 0 or
 * 0,1); resolves once it answers. `tls: { port, certFile, keyFile }` adds a TLS 1.3 + HTTP/2 listener.
 */
export async function startNginx(dir, port, { cpu, maxConnections = 1024, workerProcesses = 1, tls }) {
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, nginxConfig(dir, port, maxConnections, workerProcesses, tls));
  const args = ['-c', cpu, 'nginx', '-p', dir, '-e', join(dir, 'error.log'), '-c', conf];
  execFileSync('taskset', [...args, '-t'], { stdio: 'pipe' }); // config errors surface here, readably
  const child = spawn('taskset', [...args, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const origin = `http://127.0.0.1:${port}`;
  try {
    await waitForAnswer(`${origin}/api/data`, () => exited, dir);
  } catch (e) {
    child.kill('SIGKILL'); // the caller never gets the child, so it cannot stop it
    throw e;
  }
  return { child, origin };
}

/** Poll until nginx serves the expected body: a wrong body would make every number meaningless. */
async function waitForAnswer(url, hasExited, dir) {
  for (let i = 0; i < 50; i++) {
    if (hasExited()) throw new Error(`nginx exited early; see ${dir}/error.log`);
    let res;
    try {
      res = await fetch(url);
    } catch {
      await new Promise((r) => setTimeout(r, 100)); // not listening yet
      continue;
    }
    const body = await res.text();
    if (res.status === 200 && body === DATA_BODY) return;
    throw new Error(`nginx answered ${res.status}: ${body.slice(0, 200)}`);
  }
  throw new Error('nginx did not answer within 5 s');
}

/** SIGQUIT lets nginx close gracefully; SIGKILL after a second so the bench never leaves it behind. */
export function stopNginx(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((ok) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 1000);
    child.once('exit', () => {
      clearTimeout(timer);
      ok();
    });
    child.kill('SIGQUIT');
  });
}
