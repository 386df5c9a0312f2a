/**
 * Where sweep runs execute: a pool of worker threads (one run at a time per worker, the next
 * one sent as soon as a result comes back), or in-process for `--workers 0` and tests.
 * `runAll` feeds an executor from a task list and hands each result over as it arrives.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { executeRun, type RunnerInit, type RunOutput, type RunTask } from './execute.js';
import { InputError } from '../scenario/errors.js';

/** Something that runs tasks, `slots` at a time. */
export interface Executor {
  readonly slots: number;
  run(task: RunTask): Promise<RunOutput>;
  close(): Promise<void>;
}

/**
 * The compiled worker script: `worker.js` next to this module, or, when this module is the
 * TypeScript source (tests), the compiled one in `dist/workbench/`.
 */
export function defaultWorkerUrl(): URL {
  const here = new URL('./worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  return new URL('../../dist/workbench/worker.js', import.meta.url);
}

/** Runs tasks in the calling thread, one at a time (yielding to the event loop between runs). */
export class InlineExecutor implements Executor {
  readonly slots = 1;
  constructor(private readonly init: RunnerInit) {}

  async run(task: RunTask): Promise<RunOutput> {
    await new Promise((resolve) => setImmediate(resolve));
    return executeRun(this.init, task);
  }

  async close(): Promise<void> {}
}

/** One worker thread and the task it is running. */
interface Slot {
  worker: Worker;
  busy: { resolve: (out: RunOutput) => void; reject: (err: Error) => void } | null;
}

/**
 * `size` worker threads, each running one task at a time. A worker that crashes fails its
 * task and every later one (the sweep stops; finished runs are already saved).
 */
export class WorkerPool implements Executor {
  private readonly pool: Slot[] = [];
  private failure: Error | null = null;
  private closing = false;

  constructor(
    readonly slots: number,
    init: RunnerInit,
    workerUrl: URL = defaultWorkerUrl(),
  ) {
    for (let i = 0; i < slots; i++) this.pool.push(this.start(init, workerUrl));
  }

  /** Start one worker and wire its messages and failures to its slot. */
  private start(init: RunnerInit, workerUrl: URL): Slot {
    const slot: Slot = { worker: new Worker(workerUrl, { workerData: init }), busy: null };
    slot.worker.on('message', (out: RunOutput) => {
      const busy = slot.busy;
      slot.busy = null;
      busy?.resolve(out);
    });
    const fail = (err: Error) => {
      if (this.closing) return;
      this.failure ??= err;
      const busy = slot.busy;
      slot.busy = null;
      busy?.reject(err);
    };
    slot.worker.on('error', fail);
    slot.worker.on('exit', (code) => fail(new Error(`sweep worker exited with code ${code}`)));
    return slot;
  }

  /** Run `task` on an idle worker (the caller keeps at most `slots` tasks in flight). */
  run(task: RunTask): Promise<RunOutput> {
    if (this.failure) return Promise.reject(this.failure);
    const slot = this.pool.find((s) => s.busy === null);
    if (!slot) return Promise.reject(new Error('WorkerPool: more tasks in flight than workers'));
    return new Promise<RunOutput>((resolve, reject) => {
      slot.busy = { resolve, reject };
      slot.worker.postMessage(task);
    });
  }

  /** Stop every worker; tasks still running are abandoned. */
  async close(): Promise<void> {
    this.closing = true;
    for (const s of this.pool) {
      s.busy?.reject(new Error('sweep stopped'));
      s.busy = null;
    }
    await Promise.all(this.pool.map((s) => s.worker.terminate()));
  }
}

/**
 * Run `tasks` on `executor`, at most `executor.slots` at a time, calling `onResult` for each
 * result as it arrives (in completion order). Stops dispatching when `signal` aborts and
 * resolves `'aborted'` once the tasks in flight have been abandoned (the caller closes the
 * executor); a run that fails with an error rejects.
 */
export async function runAll(executor: Executor, tasks: readonly RunTask[], onResult: (out: RunOutput) => void, signal?: AbortSignal): Promise<'done' | 'aborted'> {
  let next = 0;
  let aborted = false;
  const stop = new Promise<'aborted'>((resolve) => {
    if (signal?.aborted) resolve('aborted');
    signal?.addEventListener('abort', () => resolve('aborted'), { once: true });
  });
  const lane = async (): Promise<void> => {
    while (next < tasks.length && !aborted && !signal?.aborted) {
      const task = tasks[next++]!;
      const out = await executor.run(task);
      if (aborted) return;
      if (out.kind === 'error') throw new Error(`run ${task.id} (${task.sets.join(' ')}, seed ${task.seed}) failed: ${out.message}`);
      if (out.kind === 'input') throw new InputError(out.detail, out.where);
      onResult(out);
    }
  };
  const lanes = Promise.all(Array.from({ length: Math.max(1, executor.slots) }, lane)).then(() => 'done' as const);
  const outcome = await Promise.race([lanes, stop]);
  if (outcome === 'aborted') {
    aborted = true;
    lanes.catch(() => undefined); // abandoned lanes reject when the executor closes
  }
  return outcome;
}
