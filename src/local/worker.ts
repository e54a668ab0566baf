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
  port.on('message', (m: ToWorker) => {
    if (m.type === 'stop') runner.stop();
    else if (m.type === 'stop-stepping') runner.stopStepping(m.order);
    else if (m.type === 'start') {
      runner
        .run(m.startAtEpochMs, () => send({ type: 'snapshot', ...sinceLastSend() }))
        .then(() => {
          send({ type: 'done', ...sinceLastSend() });
          port.close();
        })
        .catch((error: Error) => send({ type: 'failed', message: error.message }));
    }
  });
  send({ type: 'ready' });
} catch (error) {
  send({ type: 'failed', message: (error as Error).message });
}
