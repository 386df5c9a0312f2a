/**
 * Does a replayed trace cover the run? A trace whose times are Unix epoch seconds, or which
 * starts late, replays zero demand until its first row — for an epoch trace, the whole run;
 * a trace that ends before the run does (without `loop`) holds its last values to the end.
 * Neither is an error (a shifted start is sometimes meant), so they are warnings: one line
 * each, naming the file, on stderr; the outputs do not change.
 *
 * Simulated time t maps to trace time τ = (t − shift) × speedup (load/trace.ts), so trace
 * time τ is reached at t = τ / speedup + shift.
 */
import fs from 'node:fs';
import { formatDuration, MICROS_PER_SECOND, type Micros } from '../kernel/time.js';
import { emptyRow } from './trace-reader.js';
import { parseRow, type TraceColumns } from './trace-format.js';

/** What is known of a trace's extent (µs of trace time). */
export interface TraceSpan {
  /** Time of the first data row. */
  first: Micros;
  /** Time of the last data row; null when it could not be read. */
  last: Micros | null;
  /** The `# interval:` metadata, when given (the last row then holds one interval more). */
  interval: Micros | null;
}

/** How the trace is replayed. */
export interface ReplayMapping {
  /** Simulated µs before trace time 0. */
  shift: Micros;
  speedup: number;
  loop: boolean;
}

/** Trace times above this (about 2001-09-09 as Unix seconds) look like epoch timestamps. */
const EPOCH_LIKE_US = 1e9 * MICROS_PER_SECOND;

/** A duration for messages, at second resolution beyond a minute. */
function human(us: Micros): string {
  return formatDuration(us >= 60 * MICROS_PER_SECOND ? Math.round(us / MICROS_PER_SECOND) * MICROS_PER_SECOND : Math.round(us));
}

/**
 * The warnings for a trace replayed over simulated time [0, end). Empty when it covers the run.
 *
 * @example coverageWarnings('t.csv', { first: 3_600e6, last: 7_200e6, interval: null }, { shift: 0, speedup: 1, loop: true }, 86_400e6)
 *   // ['t.csv: the trace starts at 3600 s of trace time: demand is 0 until 1h into the run']
 */
export function coverageWarnings(file: string, span: TraceSpan, replay: ReplayMapping, end: Micros): string[] {
  const out: string[] = [];
  const atSim = (tau: Micros) => tau / replay.speedup + replay.shift;
  const from = Math.max(0, replay.shift); // a positive shift's zero demand is asked for
  const firstAt = atSim(span.first);
  const firstS = span.first / MICROS_PER_SECOND;
  const epoch = span.first >= EPOCH_LIKE_US ? ' (Unix epoch timestamps? rebase the times to start at 0)' : '';
  if (firstAt >= end) {
    out.push(`${file}: the trace starts at ${firstS} s of trace time, after the run's ${human(end)} end: the run replays zero demand throughout${epoch}`);
    return out;
  }
  if (firstAt > from) out.push(`${file}: the trace starts at ${firstS} s of trace time: demand is 0 until ${human(firstAt)} into the run${epoch}`);
  if (!replay.loop && span.last !== null) {
    const coveredUntil = atSim(span.last + (span.interval ?? 0));
    if (coveredUntil < end) {
      out.push(`${file}: the trace ends at ${span.last / MICROS_PER_SECOND} s of trace time, ${human(coveredUntil)} into the run: its last values are held for the remaining ${human(end - coveredUntil)} (loop: true repeats it)`);
    }
  }
  return out;
}

/**
 * The time of the last data row, read from the end of the file (at most its last 64 KiB);
 * null when no complete row is found there.
 *
 * @example lastRowTime('traces/albatross-small.csv', columns) // 3_590_002_000
 */
export function lastRowTime(file: string, columns: TraceColumns): Micros | null {
  let fd = -1;
  try {
    fd = fs.openSync(file, 'r');
    const size = fs.fstatSync(fd).size;
    const length = Math.min(size, 64 * 1024);
    const buf = Buffer.alloc(length);
    fs.readSync(fd, buf, 0, length, size - length);
    const lines = buf.toString('utf8').split(/\r?\n/);
    const row = emptyRow();
    // the first line of the slice may be cut: never use it unless the slice is the whole file
    for (let i = lines.length - 1; i >= (length < size ? 1 : 0); i--) {
      const line = lines[i]!;
      if (line.trim() === '' || line.startsWith('#')) continue;
      try {
        parseRow(line, columns, row, file, 0);
        return row.time;
      } catch {
        return null; // a header, or not a row: leave the end unchecked
      }
    }
    return null;
  } catch {
    return null;
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
}
