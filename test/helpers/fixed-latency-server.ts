/**
 * A server that answers every request after a fixed hold and records how long it really held each one.
 * It runs in its own worker thread, so its timers and the generator under test never share an event loop:
 * the generator's added latency is then its own, not the server's queueing behind the generator's work.
 */
import { Worker } from 'node:worker_threads';

// Plain JavaScript: evaluated as the worker's source.
const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createServer } = require('node:http');
const held = [];
let requests = 0;
const server = createServer((_req, res) => {
  requests++;
  const arrivedMs = performance.now();
  const dueMs = arrivedMs + workerData.holdMs;
  // Timers may fire early; re-arm until the hold has really passed.
  const answer = () => {
    const leftMs = dueMs - performance.now();
    if (leftMs > 0) setTimeout(answer, leftMs);
    else {
      res.end('ok');
      held.push(performance.now() - arrivedMs);
    }
  };
  answer();
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', (m) => {
  if (m === 'stats') parentPort.postMessage({ held, requests });
  if (m === 'close') server.close(() => parentPort.close());
});
`;

export interface FixedLatencyServer {
  url: string;
  /** Hold times in ms as the server measured them, and the number of requests it received. */
  stats(): Promise<{ held: number[]; requests: number }>;
  close(): Promise<void>;
}

export async function startFixedLatencyServer(holdMs: number): Promise<FixedLatencyServer> {
  const worker = new Worker(SOURCE, { eval: true, workerData: { holdMs } });
  const next = <T>() =>
    new Promise<T>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
  const { port } = await next<{ port: number }>();
  return {
    url: `http://127.0.0.1:${port}`,
    stats: () => {
      const reply = next<{ held: number[]; requests: number }>();
      worker.postMessage('stats');
      return reply;
    },
    async close() {
      worker.postMessage('close');
      await new Promise((r) => worker.once('exit', r));
    },
  };
}
