// A target that answers every request after a fixed hold and records how long it really held each one.
// Plain JavaScript, run as its own process (optionally pinned to a core with taskset), so its timers and
// the generator under test never share an event loop or a core. Talks to its parent over the IPC channel:
// it sends { port } once listening; on 'stats' it replies { held, requests }; on 'close' it exits.
import { createServer } from 'node:http';

const holdMs = Number(process.argv[2] ?? '20');
const held = [];
let requests = 0;
const server = createServer((_req, res) => {
  requests++;
  const arrivedMs = performance.now();
  const dueMs = arrivedMs + holdMs;
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
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
process.on('message', (m) => {
  if (m === 'stats') process.send?.({ held, requests });
  if (m === 'close') {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  }
});
// The parent went away: do not linger.
process.on('disconnect', () => process.exit(0));
