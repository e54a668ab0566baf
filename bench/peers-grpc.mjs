/**
 * The gRPC workload of bench/peers.mjs: unary demo.Greeter/Hello against the demo target's gRPC service
 * (grpc-js, `stampede demo-target --grpc-port`), pinned to the target CPU like nginx. The peer is ghz, built
 * from the Go module proxy (`GOFLAGS=-mod=mod go install github.com/bojand/ghz/cmd/ghz@v0.93.0`, which is
 * what `@latest` resolved to here); without it the table says so. Both use one HTTP/2 connection
 * (Stampede: one channel per shard; ghz: --connections 1) carrying 50 concurrent calls.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { hasCommand, ROOT } from './lib.mjs';

export const DEMO_PROTO = join(ROOT, 'examples', 'demo.proto');
export const GHZ_MODULE = 'github.com/bojand/ghz/cmd/ghz@v0.93.0';
const GHZ_INSTALL = `GOFLAGS=-mod=mod go install ${GHZ_MODULE}`;

/** ghz from PATH, else where `go install` puts it; undefined when neither has it. */
export function ghzPath() {
  if (hasCommand('ghz')) return 'ghz';
  const built = join(process.env.GOPATH || join(homedir(), 'go'), 'bin', 'ghz');
  return existsSync(built) ? built : undefined;
}

export const GRPC_FLOW = `        - name: hello
          grpc:
            service: demo.Greeter
            method: Hello
            proto: ${DEMO_PROTO}
            message: { name: bench }`;

/** ghz's JSON report: count, total (ns), rps, statusCodeDistribution, errorDistribution. */
export function parseGhz(stdout) {
  const r = JSON.parse(stdout);
  const statuses = r.statusCodeDistribution ?? {};
  const ok = statuses.OK ?? 0;
  // -z ends the run by cancelling the calls in flight (at most -c of them): not the target's errors.
  const cancelled = statuses.Canceled ?? 0;
  return {
    rps: r.rps,
    requests: r.count,
    seconds: r.total / 1e9,
    errors: r.count - ok - cancelled,
    extra: `${ok} OK, ${cancelled} cancelled at the end of the run`,
  };
}

/** The ghz tool entry for peers.mjs TOOLS, or why it does not run. */
export function ghzTool(connections, durationS) {
  const ghz = ghzPath();
  if (!ghz) return `not run: ghz not found; build it with: ${GHZ_INSTALL}`;
  return {
    command: (ctx) => [
      ghz,
      '--insecure',
      '--proto',
      DEMO_PROTO,
      '--call',
      'demo.Greeter.Hello',
      '-d',
      '{"name":"bench"}',
      '--connections',
      '1',
      '-c',
      String(connections),
      '-z',
      `${durationS}s`,
      '--cpus',
      '1',
      '-O',
      'json',
      ctx.grpcAddress,
    ],
    parse: parseGhz,
  };
}

/** The demo target with its gRPC service, pinned to `cpu`; resolves once it prints its addresses. */
export function startGrpcTarget(cpu, grpcPort, httpPort) {
  const child = spawn(
    'taskset',
    [
      '-c',
      cpu,
      'node',
      'bin/stampede.js',
      'demo-target',
      '--port',
      String(httpPort),
      '--grpc-port',
      String(grpcPort),
      '--latency',
      '0ms',
      '--jitter',
      '0ms',
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((ok, ko) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      ko(new Error(`the demo gRPC target did not start within 10 s:\n${out}`));
    }, 10_000);
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('demo target listening')) {
        clearTimeout(timer);
        ok({ child, address: `127.0.0.1:${grpcPort}` });
      }
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      ko(new Error(`the demo gRPC target exited ${code}:\n${out}`));
    });
  });
}
