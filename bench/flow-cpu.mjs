#!/usr/bin/env node
/**
 * The engine's own CPU per request for a bench workload's flow (bench/stampede-manifests.mjs): the compiled
 * flow, request building and serialization, response parsing, checks, extraction and recording all run for
 * real, but each request is answered in-process with the bytes nginx sends (bench/nginx.mjs), so no socket
 * or kernel time is counted. The number moves only when the engine's work per request does, even on a busy
 * machine (the socket write alone costs several times this; bench/cpu-per-request.mjs counts everything).
 *
 * Usage: npm run build && node bench/flow-cpu.mjs [workload=extract] [checkout=.]
 *   (a second checkout, built, compares another commit: node bench/flow-cpu.mjs extract ../other)
 * Prints ns of CPU per request, median of 5 rounds after a warm-up.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DATA_BODY, LOGIN_BODY, TRANSACTION_BODY } from './nginx.mjs';
import { manifestFor } from './stampede-manifests.mjs';

const [workload = 'extract', checkout = '.'] = process.argv.slice(2);
const dist = (path) => import(pathToFileURL(resolve(checkout, 'dist', path)).href);
const { parseManifest } = await dist('manifest/validate.js');
const { compileFlow } = await dist('engine/flow.js');
const { createVU } = await dist('engine/vu.js');
const { ShardRecorder } = await dist('metrics/recorder.js');
const { invalidHeader, serializeRequest } = await dist('protocols/http1/request-head.js');
const { ResponseParser } = await dist('protocols/http1/response-parser.js');
const { pendingResponse } = await dist('protocols/http-types.js');

const VUS = 50;
const ROUNDS = 5;
const ITERATIONS_PER_ROUND = 1000;
const ORIGIN = 'http://127.0.0.1:9';

const parsed = parseManifest(manifestFor(workload, ORIGIN, { vus: VUS, connections: VUS, durationS: 5 }));
if (!parsed.ok) throw new Error(`bench manifest invalid: ${JSON.stringify(parsed.problems)}`);
/** What nginx answers (same head fields, same bodies), by path. */
const answer = (status, body) =>
  Buffer.from(
    `HTTP/1.1 ${status} OK\r\nServer: nginx/1.22.1\r\nDate: Mon, 30 Nov 2026 04:00:00 GMT\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: keep-alive\r\n\r\n${body}`,
  );
const ANSWERS = {
  '/api/data': answer(200, DATA_BODY),
  '/api/login': answer(200, LOGIN_BODY),
  '/api/transaction': answer(201, TRANSACTION_BODY),
};
/** As the HTTP/1.1 client does: every answer is parsed out of one shared read buffer. */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);
const parser = new ResponseParser();
let sent = 0;

// The HTTP/1.1 client's per-request work (Http1Client.send and Http1Connection.finish), minus the socket.
const http = {
  send(request) {
    sent++;
    const response = pendingResponse();
    let payload = request.wire;
    if (payload === undefined) {
      const invalid = invalidHeader(request);
      if (invalid) throw new Error(invalid);
      payload = serializeRequest(request, '127.0.0.1:9');
      request.wire = payload;
    }
    response.bytesOut += payload.length;
    parser.start(false, request.captureBody, request.captureHeaders, request.maxBodyBytes);
    const bytes = ANSWERS[request.path];
    bytes.copy(READ_BUFFER, 0);
    parser.feed(READ_BUFFER, bytes.length);
    response.status = parser.status;
    response.rawHeaders = parser.rawHeaders;
    response.body = parser.bodyText();
    response.bodyTruncated = parser.body?.truncated ?? false;
    parser.releaseBody?.(); // absent in older checkouts
    response.bytesIn += parser.bytes;
    response.doneAtMs = performance.now();
    return Promise.resolve(response);
  },
};
const recorder = new ShardRecorder(0, 1, { cores: 2, threads: 1 });
const env = {
  target: { origin: ORIGIN, basePath: '/', headers: {}, timeoutMs: 10_000, maxBodyBytes: 1 << 20 },
  http,
  recorder: (step, protocol) => recorder.step(workload, step, 'closed', protocol),
  isHardStopped: () => false,
  live: new Set(),
};
const flow = compileFlow(parsed.loadTest.spec.scenarios[workload].flow, env);
const vus = Array.from({ length: VUS }, (_, i) => createVU(i, workload, {}));

async function round(iterations) {
  const loop = async (vu) => {
    for (let i = 0; i < iterations; i++) {
      const it = { scheduledAtMs: undefined, failed: false, aborted: false };
      await flow(vu, it);
      if (it.failed) throw new Error(`an iteration of ${workload} failed`);
      vu.ctx.iteration++;
    }
  };
  await Promise.all(vus.map(loop));
}

await round(ITERATIONS_PER_ROUND / 2); // warm-up: JIT
const ns = [];
for (let r = 0; r < ROUNDS; r++) {
  sent = 0;
  const cpu = process.cpuUsage();
  await round(ITERATIONS_PER_ROUND);
  const used = process.cpuUsage(cpu);
  ns.push(((used.user + used.system) * 1000) / sent);
}
ns.sort((a, b) => a - b);
console.log(
  `${workload} (${checkout}): ${ns[Math.floor(ROUNDS / 2)].toFixed(0)} ns CPU per request, engine only (rounds ${ns.map((x) => x.toFixed(0)).join(', ')})`,
);
