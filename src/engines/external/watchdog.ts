/**
 * The external engine's watchdog: a worker thread that starts the engine process and watches
 * it while the simulator thread is blocked in `readSync`/`writeSync` on the engine's FIFOs
 * (transport.ts). It is the one with a running event loop, so it is the one that sees the engine
 * exit and that enforces the per-message timeout: when an exchange has been pending longer than
 * its deadline it kills the engine's process group, which closes the reply FIFO, so the blocked
 * `readSync` returns end-of-file and the transport reports the timeout.
 *
 * Shared state is one `Int32Array` over a SharedArrayBuffer (the `CTL` slots below); this file
 * never touches the simulation. Loaded as a worker only (`new Worker(url-of-watchdog.js)`).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { constants as osConstants } from 'node:os';
import { workerData } from 'node:worker_threads';

/** Slots of the shared control array (Int32). */
export const CTL = {
  /** the engine's pid (= its process group), -1 when it could not be spawned */
  PID: 0,
  /** 0 starting, 1 running, 2 exited (or never started) */
  STATE: 1,
  /** exit status, -1 when killed by a signal */
  EXIT_CODE: 2,
  /** signal number that killed it, 0 for none */
  SIGNAL: 3,
  /** 1 while the simulator thread waits on the engine (an exchange, or the opens) */
  BUSY: 4,
  /** increases with every exchange */
  SEQ: 5,
  /** 1 once the watchdog killed the engine for a timeout */
  TIMED_OUT: 6,
  /** 1 when the transport closes: the watchdog stops */
  STOP: 7,
  /** the pending exchange's deadline, in ms */
  DEADLINE_MS: 8,
  /** when the pending exchange started, in ms since `base` */
  START_MS: 9,
  /** 1 when the spawn itself failed (no /bin/sh, no such working directory) */
  SPAWN_FAILED: 10,
  /** 1 once the simulator thread has opened both FIFOs */
  OPENED: 11,
  /** slot count */
  SIZE: 12,
} as const;

/** State values of `CTL.STATE`. */
export const STATE = { STARTING: 0, RUNNING: 1, EXITED: 2 } as const;

/** What the transport hands the worker. */
export interface WatchdogData {
  readonly sab: SharedArrayBuffer;
  readonly command: readonly string[];
  readonly cwd: string;
  /** the FIFO the engine reads its requests from (its stdin) */
  readonly fifoIn: string;
  /** the FIFO the engine writes its replies to (its stdout) */
  readonly fifoOut: string;
  /** a plain file for the engine's stderr */
  readonly errFile: string;
  /** `clockMs()` at open: `START_MS` counts from it */
  readonly base: number;
  /** the per-message timeout, in ms: sets how often the watchdog looks */
  readonly timeoutMs: number;
}

/**
 * The shell line that connects the engine to the FIFOs. `exec` replaces sh by the engine, so the
 * spawned pid is the engine's; `"$@"` passes the command's words without any quoting issue; the
 * redirections open stderr first (so it is open once stdout is, and the transport may then
 * remove the directory), then stdin before stdout, the order in which the transport opens the
 * other ends.
 *
 * @example spawn('/bin/sh', ['-c', SHELL_LINE, 'sh', '/tmp/d/in', '/tmp/d/out', '/tmp/d/err', 'python3', 'x.py'])
 */
export const SHELL_LINE = 'in=$1; out=$2; err=$3; shift 3; exec "$@" 2>"$err" <"$in" >"$out"';

/**
 * Milliseconds on a clock both threads share and that does not jump with the wall clock: each
 * thread's monotonic `performance.now()` from its own (wall-clock) `timeOrigin`. Only timeouts
 * read it; it never reaches a simulation.
 *
 * @example clockMs() - start >= deadline // the exchange is overdue
 */
export function clockMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * How often the watchdog looks at the pending exchange: an eighth of the timeout, between 5 ms
 * and 250 ms, so a timeout fires between T and T + that.
 *
 * @example lookEvery(2000) // 250
 * @example lookEvery(200) // 25
 */
export function lookEvery(timeoutMs: number): number {
  return Math.min(250, Math.max(5, Math.floor(timeoutMs / 8)));
}

/** Run the watchdog (the worker's body). */
function main(data: WatchdogData): void {
  const ctl = new Int32Array(data.sab);
  const exited = (code: number, signal: number): void => {
    Atomics.store(ctl, CTL.EXIT_CODE, code);
    Atomics.store(ctl, CTL.SIGNAL, signal);
    Atomics.store(ctl, CTL.STATE, STATE.EXITED);
    Atomics.notify(ctl, CTL.STATE);
    releaseOpens(data, ctl);
  };
  const child = spawn('/bin/sh', ['-c', SHELL_LINE, 'sh', data.fifoIn, data.fifoOut, data.errFile, ...data.command], {
    cwd: data.cwd,
    stdio: 'ignore',
    detached: true,
  });
  child.on('error', (err) => {
    // sh never ran: say why where the transport looks for the engine's last words
    try {
      fs.writeFileSync(data.errFile, `${err.message}\n`);
    } catch {
      /* the directory is gone: the transport reports the exit status alone */
    }
    Atomics.store(ctl, CTL.SPAWN_FAILED, 1);
    exited(127, 0);
  });
  child.on('exit', (code, signal) => {
    // whatever the engine left running in its group may hold the FIFOs open: the simulator
    // thread would not see end-of-file until it exits
    if (child.pid !== undefined) killGroup(child.pid);
    exited(code ?? -1, signal === null ? 0 : (osConstants.signals[signal] ?? 0));
  });
  Atomics.store(ctl, CTL.PID, child.pid ?? -1);
  if (child.pid !== undefined) {
    Atomics.compareExchange(ctl, CTL.STATE, STATE.STARTING, STATE.RUNNING);
    Atomics.notify(ctl, CTL.STATE);
  }
  const every = lookEvery(data.timeoutMs);
  const look = (): void => {
    if (Atomics.load(ctl, CTL.STOP) === 1) return;
    if (Atomics.load(ctl, CTL.BUSY) === 1 && Atomics.load(ctl, CTL.STATE) !== STATE.EXITED) {
      const waited = clockMs() - data.base - Atomics.load(ctl, CTL.START_MS);
      if (waited >= Atomics.load(ctl, CTL.DEADLINE_MS) && child.pid !== undefined) {
        Atomics.store(ctl, CTL.TIMED_OUT, 1);
        killGroup(child.pid);
      }
    }
    setTimeout(look, every);
  };
  look();
}

/** SIGKILL the engine's process group (it was spawned detached: its pid is the group's id). */
function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

/**
 * The engine died before the simulator thread opened both FIFOs: that thread is blocked in an
 * `open()` waiting for a partner that will never come. Play the partner: hold the request FIFO
 * open for reading (so the pending open-for-write returns), then open the reply FIFO for writing
 * (non-blocking: it succeeds once the simulator thread waits as its reader) and close both at
 * once, so that thread's write fails (EPIPE) and its read sees end-of-file. It then reads the
 * exit status from the control array and reports "cannot start" or the crash.
 */
function releaseOpens(data: WatchdogData, ctl: Int32Array): void {
  if (Atomics.load(ctl, CTL.OPENED) === 1) return;
  let reader: number;
  try {
    reader = fs.openSync(data.fifoIn, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch {
    return; // the directory is gone: the transport has closed
  }
  const giveUp = Date.now() + 30_000;
  const attempt = (): void => {
    if (Atomics.load(ctl, CTL.OPENED) === 1 || Atomics.load(ctl, CTL.STOP) === 1 || Date.now() > giveUp) {
      fs.closeSync(reader);
      return;
    }
    try {
      const writer = fs.openSync(data.fifoOut, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
      fs.closeSync(writer);
      fs.closeSync(reader);
    } catch {
      setTimeout(attempt, 2); // ENXIO: the simulator thread is not waiting on it yet
    }
  };
  attempt();
}

if (workerData !== null && typeof workerData === 'object' && (workerData as { sab?: unknown }).sab instanceof SharedArrayBuffer) {
  main(workerData as WatchdogData);
}
