/**
 * The synchronous transport to an external engine: one request line out, one reply line back,
 * from the simulator thread, which has to block because the world is synchronous.
 *
 * Two named FIFOs (`mkfifo`) are the engine's stdin and stdout; the simulator thread writes and
 * reads them with blocking `fs.writeSync`/`fs.readSync` (a child's stdio pipes are non-blocking
 * in Node and would need a busy loop). A watchdog worker (watchdog.ts) spawns the engine in its
 * own process group, notes its exit, and kills the group when an exchange outlives its deadline;
 * the reply FIFO then reads end-of-file, and `exchange` throws a `TransportFailure` saying what
 * happened. The engine's stderr goes to a file whose last line is quoted when it dies.
 *
 * POSIX only (Linux, macOS). The FIFO directory is removed as soon as both ends are open (the
 * open descriptors keep working), so it cannot outlive the run. Every open transport's process
 * group is killed at `close`, and by a `process.on('exit')` hook for a transport nobody closed.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { clockMs, CTL, STATE, type WatchdogData } from './watchdog.js';

/** The longest reply line accepted (64 MiB). */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;

/** How long the engine gets to exit after its `bye` (or after its stdin closes) before SIGKILL, at least. */
const REAP_MS = 2000;

/** What went wrong with the engine process, for the session's one-line message. */
export type FailureKind = 'timeout' | 'exited' | 'cannot_start' | 'closed_stdout' | 'chatty' | 'too_long' | 'unsupported';

/**
 * A transport-level failure. `what` is the message's middle part, e.g.
 * `no reply within 2 s` or `exited with status 1 before replying: ValueError: x` (the last line
 * of its stderr);
 * the session adds the engine's name and the message it was answering.
 */
export class TransportFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    readonly what: string,
  ) {
    super(what);
    this.name = 'TransportFailure';
  }
}

/** How to start the engine. */
export interface TransportOptions {
  /** the command and its arguments (`command[0]` is looked up on PATH) */
  readonly command: readonly string[];
  /** the engine's working directory */
  readonly cwd: string;
  /** the per-message timeout, ms */
  readonly timeoutMs: number;
  /** the deadline for the process to start and open its stdio, ms (the startup allowance) */
  readonly startupMs: number;
  /** the longest reply line accepted (default `MAX_LINE_BYTES`; smaller in tests) */
  readonly maxLineBytes?: number;
}

/** Engines started and not yet closed (pid → FIFO directory), for the exit hook. */
const live = new Map<number, string>();
let hooked = false;
let lastPid: number | null = null;

/** The pid of the last engine process started in this thread (for tests: is it gone?). */
export function lastEnginePid(): number | null {
  return lastPid;
}

/** How many engine processes this thread has started and not closed yet. */
export function openEngineCount(): number {
  return live.size;
}

/** Kill what nobody closed when the simulator exits (an uncaught error elsewhere). */
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const [pid, dir] of live) {
      killGroup(pid);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

/** SIGKILL a process group; quiet when it is gone. */
function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}

/** The watchdog worker's file: next to this one when built, else in dist/ (tests run src/). */
function watchdogUrl(): URL {
  const here = new URL('./watchdog.js', import.meta.url);
  if (fs.existsSync(fileURLToPath(here))) return here;
  const built = new URL('../../../dist/engines/external/watchdog.js', import.meta.url);
  if (fs.existsSync(fileURLToPath(built))) return built;
  throw new Error('external engines need the built watchdog (dist/engines/external/watchdog.js): run `npm run build`');
}

/**
 * `ms` as the message says it.
 *
 * @example seconds(2000) // '2 s'
 * @example seconds(250) // '0.25 s'
 */
export function seconds(ms: number): string {
  return `${ms / 1000} s`;
}

/**
 * The last non-empty line of a file (a path, or an open fd, which stays open), at most 200
 * characters, read from its last 4 KiB only (an engine's stderr may be large); '' when there is
 * none.
 *
 * @example lastLine('/tmp/x/err') // 'ZeroDivisionError: division by zero'
 */
export function lastLine(file: string | number): string {
  let fd: number;
  try {
    fd = typeof file === 'number' ? file : fs.openSync(file, 'r');
  } catch {
    return '';
  }
  try {
    const size = fs.fstatSync(fd).size;
    const n = Math.min(size, 4096);
    const buf = Buffer.alloc(n);
    fs.readSync(fd, buf, 0, n, size - n);
    const lines = buf.toString('utf8').split('\n');
    for (let i = lines.length - 1; i >= 0; i--) {
      const line = lines[i]!.trim();
      if (line !== '') return line.length > 200 ? `${line.slice(0, 199)}…` : line;
    }
    return '';
  } catch {
    return '';
  } finally {
    if (typeof file !== 'number') fs.closeSync(fd);
  }
}

/** The name of signal number `n` (`SIGKILL`), or `signal n`. */
function signalName(n: number): string {
  for (const [name, num] of Object.entries(os.constants.signals)) if (num === n) return name;
  return `signal ${n}`;
}

/**
 * A running engine process and its two FIFOs. `exchange` is the only hot path: a write, reads
 * until a newline, and four stores into the control array.
 */
export class Transport {
  /** the engine's pid (its process group) */
  readonly pid: number;
  /** the directory holding the FIFOs and the stderr file (removed as soon as all are open) */
  readonly dir: string;
  private readonly ctl: Int32Array;
  private readonly worker: Worker;
  private readonly base: number;
  private readonly fdIn: number;
  private readonly fdOut: number;
  private readonly errFile: string;
  /** our read end of the engine's stderr file (the file itself is unlinked once open) */
  private errFd = -1;
  private buf: Buffer = Buffer.alloc(1 << 16);
  private have = 0;
  private exchanges = 0;
  private failure: TransportFailure | null = null;
  private closed = false;

  /**
   * Start `opts.command` with its stdin and stdout on two fresh FIFOs, and open their other ends
   * (within the startup allowance). Throws `TransportFailure` ('unsupported', 'cannot_start',
   * 'timeout') when that is impossible.
   */
  constructor(private readonly opts: TransportOptions) {
    if (process.platform === 'win32') throw new TransportFailure('unsupported', 'external engines need a POSIX system (mkfifo); on Windows use a module engine');
    if (opts.command.length === 0 || opts.command[0] === '') throw new TransportFailure('cannot_start', 'cannot start an empty command');
    if (!fs.existsSync(opts.cwd)) throw new TransportFailure('cannot_start', `cannot start \`${opts.command[0]}\`: working directory ${opts.cwd} does not exist`);
    const url = watchdogUrl();
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-engine-'));
    const fifoIn = path.join(this.dir, 'in');
    const fifoOut = path.join(this.dir, 'out');
    this.errFile = path.join(this.dir, 'err');
    try {
      execFileSync('mkfifo', ['-m', '600', fifoIn, fifoOut], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      fs.rmSync(this.dir, { recursive: true, force: true });
      throw new TransportFailure('unsupported', `external engines need a POSIX system (mkfifo failed: ${(err as Error).message.split('\n')[0]})`);
    }
    fs.writeFileSync(this.errFile, '');
    this.ctl = new Int32Array(new SharedArrayBuffer(CTL.SIZE * 4));
    this.base = Math.floor(clockMs());
    const data: WatchdogData = { sab: this.ctl.buffer as SharedArrayBuffer, command: [...opts.command], cwd: opts.cwd, fifoIn, fifoOut, errFile: this.errFile, base: this.base, timeoutMs: opts.timeoutMs };
    // no inherited node flags: `-e CODE` would run CODE again in the worker, `--inspect` would
    // fight over its port; the watchdog needs none
    this.worker = new Worker(url, { workerData: data, execArgv: [] });
    this.worker.unref();
    Atomics.wait(this.ctl, CTL.STATE, STATE.STARTING, opts.startupMs);
    this.pid = Atomics.load(this.ctl, CTL.PID);
    const state = Atomics.load(this.ctl, CTL.STATE);
    if (state === STATE.STARTING) {
      this.dispose();
      throw new TransportFailure('cannot_start', `cannot start \`${opts.command[0]}\`: the watchdog thread did not start within ${seconds(opts.startupMs)}`);
    }
    if (this.pid > 0) {
      lastPid = this.pid;
      live.set(this.pid, this.dir);
      hookExit();
    }
    if (Atomics.load(this.ctl, CTL.SPAWN_FAILED) === 1) {
      this.dispose();
      throw new TransportFailure('cannot_start', `cannot start \`${opts.command[0]}\`: ${lastLine(this.errFile) || 'spawn failed'}`);
    }
    // the opens block until the engine's sh opens the other ends; the watchdog covers them
    this.begin(opts.startupMs);
    try {
      this.fdIn = fs.openSync(fifoIn, 'w');
      this.fdOut = fs.openSync(fifoOut, 'r');
      Atomics.store(this.ctl, CTL.OPENED, 1);
    } catch (err) {
      killGroup(this.pid);
      this.dispose();
      throw err;
    } finally {
      Atomics.store(this.ctl, CTL.BUSY, 0);
    }
    // Both FIFOs are open (and the engine's stderr, opened first): the names are not needed any
    // more. Removing the directory now leaves nothing on disk even when this thread never gets
    // to close() (a sweep worker terminated, the simulator killed).
    this.errFd = fs.openSync(this.errFile, 'r');
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /**
   * Send one line (without its `\n`) and return the engine's one reply line (without its `\n`),
   * waiting at most `deadlineMs` for it (default: the per-message timeout). Throws
   * `TransportFailure`; after one, every later exchange throws it again.
   *
   * @example transport.exchange('{"id":3,"type":"observe","now":20000000,...}') // '{"id":3,"type":"step","actions":[]}'
   */
  exchange(line: string, deadlineMs: number = this.opts.timeoutMs): string {
    if (this.failure !== null) throw this.failure;
    if (this.closed) throw new Error('transport is closed');
    this.begin(deadlineMs);
    try {
      this.send(line);
      const reply = this.receive();
      this.exchanges++;
      return reply;
    } catch (err) {
      if (err instanceof TransportFailure) this.failure = err;
      throw err;
    } finally {
      Atomics.store(this.ctl, CTL.BUSY, 0);
    }
  }

  /** The engine's stderr so far: its last non-empty line (for error messages). */
  stderrLastLine(): string {
    return lastLine(this.errFd >= 0 ? this.errFd : this.errFile);
  }

  /** Mark the pending exchange for the watchdog: a new sequence number and its deadline. */
  private begin(deadlineMs: number): void {
    Atomics.store(this.ctl, CTL.START_MS, Math.floor(clockMs() - this.base));
    Atomics.store(this.ctl, CTL.DEADLINE_MS, Math.max(1, Math.ceil(deadlineMs)));
    Atomics.add(this.ctl, CTL.SEQ, 1);
    Atomics.store(this.ctl, CTL.BUSY, 1);
  }

  /** Write `line` + newline, looping on short writes; a closed reader is the engine gone. */
  private send(line: string): void {
    const text = `${line}\n`;
    let written: number;
    try {
      written = fs.writeSync(this.fdIn, text);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EPIPE') throw this.ended();
      throw err;
    }
    const total = Buffer.byteLength(text);
    if (written >= total) return;
    const bytes = Buffer.from(text).subarray(written);
    let at = 0;
    while (at < bytes.length) {
      try {
        at += fs.writeSync(this.fdIn, bytes, at, bytes.length - at);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EPIPE') throw this.ended();
        throw err;
      }
    }
  }

  /** Read until one whole line is in; more than one line is an unasked line (an error). */
  private receive(): string {
    let scan = 0;
    for (;;) {
      const nl = this.buf.subarray(0, this.have).indexOf(10, scan);
      if (nl !== -1) {
        const text = this.buf.toString('utf8', 0, nl);
        const rest = this.have - nl - 1;
        this.buf.copyWithin(0, nl + 1, this.have);
        this.have = rest;
        if (rest > 0) throw new TransportFailure('chatty', 'wrote more than one line (an engine writes exactly one reply line per request; diagnostics go to stderr)');
        return text;
      }
      scan = this.have;
      if (this.have === this.buf.length) this.grow();
      const n = fs.readSync(this.fdOut, this.buf, this.have, this.buf.length - this.have, null);
      if (n === 0) throw this.ended();
      this.have += n;
    }
  }

  /** Double the read buffer, up to one line of `maxLineBytes` (64 MiB) and its newline. */
  private grow(): void {
    const max = this.opts.maxLineBytes ?? MAX_LINE_BYTES;
    if (this.buf.length > max) throw new TransportFailure('too_long', `reply longer than ${max % (1024 * 1024) === 0 ? `${max / 1024 / 1024} MiB` : `${max} bytes`}`);
    const bigger = Buffer.alloc(Math.min(this.buf.length * 2, max + 1));
    this.buf.copy(bigger, 0, 0, this.have);
    this.buf = bigger;
  }

  /** The engine closed its stdout or stdin: say why (timeout, exit status, signal). */
  private ended(): TransportFailure {
    const timedOut = Atomics.load(this.ctl, CTL.TIMED_OUT) === 1;
    Atomics.store(this.ctl, CTL.BUSY, 0); // the engine is gone or going: no timeout from here on
    if (Atomics.load(this.ctl, CTL.STATE) !== STATE.EXITED) Atomics.wait(this.ctl, CTL.STATE, STATE.RUNNING, 1000);
    if (timedOut) {
      const ms = Atomics.load(this.ctl, CTL.DEADLINE_MS);
      return new TransportFailure('timeout', `no reply within ${seconds(ms)}${this.exchanges === 0 && ms !== this.opts.timeoutMs ? ' (the startup allowance)' : ''}`);
    }
    if (Atomics.load(this.ctl, CTL.STATE) !== STATE.EXITED) {
      killGroup(this.pid);
      return new TransportFailure('closed_stdout', 'closed its stdout before replying (killed)');
    }
    const code = Atomics.load(this.ctl, CTL.EXIT_CODE);
    const signal = Atomics.load(this.ctl, CTL.SIGNAL);
    const err = this.stderrLastLine();
    const said = err === '' ? '' : `: ${err}`;
    if (Atomics.load(this.ctl, CTL.SPAWN_FAILED) === 1 || (this.exchanges === 0 && (code === 126 || code === 127))) {
      return new TransportFailure('cannot_start', `cannot start \`${this.opts.command[0]}\`${said || ` (exit status ${code})`}`);
    }
    if (signal !== 0) return new TransportFailure('exited', `killed by ${signalName(signal)} before replying${said}`);
    return new TransportFailure('exited', `exited with status ${code} before replying${said}`);
  }

  /**
   * Release the engine: close its stdin (a well-behaved engine exits on end-of-file, as after
   * `bye`), give it `graceMs` to exit, then SIGKILL its process group; wait for it to be reaped,
   * close the FIFOs, remove their directory and stop the watchdog. Safe to call twice.
   */
  close(graceMs: number = this.opts.timeoutMs): void {
    if (this.closed) return;
    this.closed = true;
    try {
      fs.closeSync(this.fdIn);
    } catch {
      /* already closed */
    }
    if (this.pid > 0) {
      if (Atomics.load(this.ctl, CTL.STATE) !== STATE.EXITED) Atomics.wait(this.ctl, CTL.STATE, STATE.RUNNING, graceMs);
      killGroup(this.pid); // the engine, if it lingers, and anything it left running in its group
      if (Atomics.load(this.ctl, CTL.STATE) !== STATE.EXITED) Atomics.wait(this.ctl, CTL.STATE, STATE.RUNNING, REAP_MS);
    }
    try {
      fs.closeSync(this.fdOut);
    } catch {
      /* already closed */
    }
    this.dispose();
  }

  /** Stop the watchdog and remove the directory. */
  private dispose(): void {
    this.closed = true;
    if (this.errFd >= 0) {
      fs.closeSync(this.errFd);
      this.errFd = -1;
    }
    Atomics.store(this.ctl, CTL.STOP, 1);
    fs.rmSync(this.dir, { recursive: true, force: true });
    void this.worker.terminate();
    live.delete(this.pid);
  }
}
