#!/usr/bin/env node
/**
 * CPU per request of the HTTP clients alone (no engine, no start-up): `concurrency` closed loops send GET
 * through the built HttpClient (dist/) to an origin you started (bench/cpu-per-request.mjs starts nginx; any
 * server works), and the process's own CPU time over the sends is divided by the requests. The machine may be
 * busy: CPU per request barely moves with contention, requests per second do.
 *
 * Usage: npm run build && node bench/client-cpu.mjs ORIGIN [h1|h2] [requests=100000] [concurrency=50]
 *   e.g. node bench/client-cpu.mjs https://127.0.0.1:8443 h2   (TLS is not verified; HTTP/2 uses 10 sessions)
 * Prints CPU-seconds per 100k requests, median of 3 rounds after one warm-up round.
 */
import { HttpClient } from '../dist/protocols/http.js';

const [origin, mode = 'h1', total = '100000', conc = '50'] = process.argv.slice(2);
if (!origin || !['h1', 'h2'].includes(mode)) {
  console.error('usage: node bench/client-cpu.mjs ORIGIN [h1|h2] [requests] [concurrency]');
  process.exit(2);
}
const REQUESTS = Number(total);
const CONCURRENCY = Number(conc);
/** As in bench/peers.mjs: HTTP/2's streams share 10 sessions. */
const H2_SESSIONS = Number(process.env.H2_SESSIONS ?? 10);
const ROUNDS = 3;

const client = new HttpClient({
  connections: CONCURRENCY,
  vus: CONCURRENCY,
  connectTimeoutMs: 5000,
  insecureSkipTLSVerify: true,
  ...(mode === 'h2' ? { http2: { connections: H2_SESSIONS } } : {}),
});
// One static request object, as a step without templates sends.
const request = {
  origin,
  path: '/api/data',
  method: 'GET',
  headers: [],
  body: undefined,
  timeoutMs: 10_000,
  captureBody: false,
  captureHeaders: false,
};

async function round(n) {
  let sent = 0;
  let failed = 0;
  const loop = async (lane) => {
    while (sent < n) {
      sent++;
      const r = await client.send(request, lane);
      if (r.error || r.status !== 200) failed++;
    }
  };
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, lane) => loop(lane)));
  const used = process.cpuUsage(cpu);
  const seconds = (performance.now() - t0) / 1000;
  if (failed) throw new Error(`${failed} of ${n} requests failed`);
  return { cpuPer100k: ((used.user + used.system) / 1e6 / n) * 100_000, rps: n / seconds };
}

await round(Math.ceil(REQUESTS / 5)); // warm-up: connections, JIT
const results = [];
for (let i = 0; i < ROUNDS; i++) results.push(await round(REQUESTS));
results.sort((a, b) => a.cpuPer100k - b.cpuPer100k);
const mid = results[Math.floor(ROUNDS / 2)];
console.log(
  `${mode} ${origin}: ${mid.cpuPer100k.toFixed(2)} CPU-s per 100k requests (rounds ${results.map((r) => r.cpuPer100k.toFixed(2)).join(', ')}), ${Math.round(mid.rps)} req/s`,
);
await client.destroy();
