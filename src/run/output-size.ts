/**
 * A warning when a streamed output (timeseries.csv, events.jsonl) will grow past a size the
 * user chose (`output.max_bytes`, `scalelab run --max-output`; default 1 GiB). The size at the
 * end is projected from what was written so far, as a share of simulated time — a linear
 * extrapolation, from 2 % of the run on — so the warning comes early, while the run can still
 * be stopped. One warning per file; the outputs do not change.
 */

/** Do not project from less of the run than this (its start may not be typical). */
export const PROJECT_FROM = 0.02;

/** What to change, per file, to make it smaller. */
const ADVICE: Record<string, string> = {
  'timeseries.csv': 'raise output.timeseries_step or set output.timeseries: false',
  'events.jsonl': 'set output.events: false',
};

/**
 * Bytes as people read them: `1.5 GiB`, `512 MiB`, `900 B`.
 *
 * @example formatBytes(1536 * 1024 ** 2) // '1.5 GiB'
 */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : Number(v.toPrecision(3))} ${units[u]}`;
}

/**
 * The warning for `file` having `written` bytes after `fraction` of the run, or null when it
 * stays within `limit` (a projection is made only from PROJECT_FROM of the run on; at
 * `fraction` 1 it is the final size).
 *
 * @example sizeWarning('timeseries.csv', 50 * 1024 ** 2, 0.025, 1024 ** 3)
 *   // 'timeseries.csv will reach about 1.95 GiB (50 MiB after 2.5 % of the run), more than the 1 GiB output.max_bytes; raise output.timeseries_step or set output.timeseries: false, or raise the limit (--max-output)'
 */
export function sizeWarning(file: string, written: number, fraction: number, limit: number): string | null {
  if (written > limit && fraction >= 1) return `${file} is ${formatBytes(written)}, more than the ${formatBytes(limit)} output.max_bytes`;
  if (fraction < PROJECT_FROM && written <= limit) return null;
  const projected = written / Math.min(1, Math.max(fraction, PROJECT_FROM));
  if (projected <= limit) return null;
  const name = file.split(/[\\/]/).pop()!;
  const advice = ADVICE[name] ? `${ADVICE[name]}, or raise the limit (--max-output)` : 'or raise the limit (--max-output)';
  const sofar = `${formatBytes(written)} after ${Number((fraction * 100).toFixed(1))} % of the run`;
  return `${file} will reach about ${formatBytes(projected)} (${sofar}), more than the ${formatBytes(limit)} output.max_bytes; ${advice}`;
}

/** Counts what is written to each streamed file and warns once per file. */
export class OutputSizeWatch {
  private readonly written = new Map<string, { n: number }>();
  private readonly warned = new Set<string>();

  constructor(
    private readonly limit: number,
    private readonly warn: (line: string) => void,
  ) {}

  /** A line sink for `file` that counts its characters (UTF-16 units: the bytes of ASCII text) and passes the line on. */
  counted(file: string, sink: (line: string) => void): (line: string) => void {
    const count = { n: 0 };
    this.written.set(file, count);
    return (line) => {
      count.n += line.length + 1;
      sink(line);
    };
  }

  /** The run is `fraction` done: warn about any file projected past the limit. */
  check(fraction: number): void {
    for (const [file, count] of this.written) {
      if (this.warned.has(file)) continue;
      const w = sizeWarning(file, count.n, fraction, this.limit);
      if (w !== null) {
        this.warned.add(file);
        this.warn(w);
      }
    }
  }
}
