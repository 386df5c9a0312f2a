/**
 * Progress of long work (a run, a sweep) on stderr. On a terminal: one line redrawn in place at
 * every update. Anywhere else (a CI log, a batch job's output file, `2> log`): a plain line at
 * most once every `everyMs` of wall time (10 s), so a log shows that the work is alive and how
 * far it got without filling up with carriage returns. Nothing is written to stdout, and no
 * output file depends on it.
 */

/** Where progress goes: stderr, or a stand-in in tests. */
export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

/** Lines on a non-terminal stream are at least this far apart (wall time). */
export const PROGRESS_EVERY_MS = 10_000;

/** What the command calls as the work goes on. */
export interface Progress {
  /** Report progress; `text` is called only when a line is written. */
  update(text: () => string): void;
  /** The work is over: clear the terminal line (nothing to do elsewhere). */
  done(): void;
}

/**
 * A progress writer for `stream`.
 *
 * @example
 * const p = progressWriter(process.stderr);
 * p.update(() => 'sweep 30/100 runs …'); // a terminal redraws its line; a log gets a line every 10 s
 * p.done();
 */
export function progressWriter(stream: ProgressStream, everyMs = PROGRESS_EVERY_MS, now: () => number = Date.now): Progress {
  if (stream.isTTY) {
    return {
      update: (text) => void stream.write(`\r\x1b[K  ${text()}`),
      done: () => void stream.write('\r\x1b[K'),
    };
  }
  let last = now();
  return {
    update: (text) => {
      const t = now();
      if (t - last < everyMs) return;
      last = t;
      stream.write(`${text()}\n`);
    },
    done: () => undefined,
  };
}
