/**
 * Worker-thread entry of the sweep pool: receives `RunTask`s, answers `RunOutput`s. The shared
 * `RunnerInit` (scenario text, base overrides) arrives once as `workerData`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { executeRun, type RunnerInit, type RunTask } from './execute.js';

const init = workerData as RunnerInit;
const port = parentPort;
if (port === null) throw new Error('workbench/worker.js must run as a worker thread');
port.on('message', (task: RunTask) => {
  port.postMessage(executeRun(init, task));
});
