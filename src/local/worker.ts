/** Worker-thread entry: runs one shard and streams snapshots to the coordinator. */
import { parentPort, workerData } from 'node:worker_threads';
import { ShardRunner } from '../engine/shard-runner.js';
import type { FromWorker, ToWorker, WorkerInput } from './messages.js';

const port = parentPort;
if (!port) throw new Error('worker.js must run as a worker thread');
const input = workerData as WorkerInput;
const send = (m: FromWorker) => port.postMessage(m);

try {
  const runner = new ShardRunner(input);
  let intervalsSent = 0;
  // Each message carries only the seconds not sent before (see FromWorker).
  const sinceLastSend = () => {
    const intervalsFrom = intervalsSent;
    const snapshot = runner.snapshot(intervalsFrom);
    intervalsSent += snapshot.intervals.length;
    return { snapshot, intervalsFrom };
  };
  // Encoding every cumulative histogram takes the load thread 0.3-2 ms; between full snapshots a second
  // costs only its own interval, so a quiet run's load is not held up once a second.
  let seconds = 0;
  const everySecond = (): FromWorker => {
    seconds++;
    // The first second too: a shard that dies early still leaves figures to report.
    if (seconds === 1 || seconds % Math.max(1, input.fullSnapshotEverySeconds) === 0)
      return { type: 'snapshot', ...sinceLastSend() };
    const intervalsFrom = intervalsSent;
    const intervals = runner.intervalsSince(intervalsFrom);
    intervalsSent += intervals.length;
    return { type: 'intervals', intervals, intervalsFrom };
  };
  port.on('message', (m: ToWorker) => {
    if (m.type === 'stop') runner.stop();
    else if (m.type === 'stop-stepping') runner.stopStepping(m.order);
    else if (m.type === 'start') {
      runner
        .run(m.startAtEpochMs, () => send(everySecond()))
        .then(() => {
          send({ type: 'done', ...sinceLastSend() });
          port.close();
        })
        .catch((error: Error) => send({ type: 'failed', message: error.message }));
    }
  });
  // Connections, compiled flows and the clock thread first: the start instant comes soon after `ready`.
  runner.ready().then(
    () => send({ type: 'ready' }),
    (error: Error) => send({ type: 'failed', message: error.message }),
  );
} catch (error) {
  send({ type: 'failed', message: (error as Error).message });
}
