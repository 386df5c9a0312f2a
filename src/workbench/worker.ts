/**
 * Worker-thread entry of the sweep pool: receives `RunTask`s, answers `RunOutput`s. The shared
 * `RunnerInit` (scenario text, base overrides) arrives once as `workerData`. A module engine
 * (`engine.kind: module`) is imported once per thread before the first task is taken: messages
 * wait in the port's queue until the listener is attached.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { prepareEngine } from '../engines/external/module.js';
import { scenarioParser } from '../scenario/load.js';
import { executeRun, type RunnerInit, type RunTask } from './execute.js';

const init = workerData as RunnerInit;
const port = parentPort;
if (port === null) throw new Error('workbench/worker.js must run as a worker thread');
try {
  // the engine is fixed for a sweep (no axis may change it): the base scenario names it
  await prepareEngine(scenarioParser(init.text, init.file)({ sets: init.sets, ...(init.allowOutside ? { allowOutside: true } : {}) }));
} catch {
  // the main thread prepared the same scenario first and reported any error; a run that still
  // needs the module fails with its own message
}
port.on('message', (task: RunTask) => {
  port.postMessage(executeRun(init, task));
});
