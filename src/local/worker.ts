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
  port.on('message', (m: ToWorker) => {
    if (m.type === 'stop') runner.stop();
    else if (m.type === 'stop-stepping') runner.stopStepping(m.order);
    else if (m.type === 'start') {
      runner
        .run(m.startAtEpochMs, (snapshot) => send({ type: 'snapshot', snapshot }))
        .then((snapshot) => {
          send({ type: 'done', snapshot });
          port.close();
        })
        .catch((error: Error) => send({ type: 'failed', message: error.message }));
    }
  });
  send({ type: 'ready' });
} catch (error) {
  send({ type: 'failed', message: (error as Error).message });
}
