/**
 * A warning when a streamed output (timeseries.csv, events.jsonl) will grow past a size the
 * user chose (`output.max_bytes`, `scalelab run --max-output`; default 1 GiB). The size at the
 * end is projected from the growth so far per share of simulated time — a linear
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
  return `${u === 0 ? Math.round(v) : Number(v.toPrecision(3))} ${units[u]}`;
}

/** What a file held at an earlier point of the run (the first check): the projection starts from there. */
export interface SizeBase {
  written: number;
  fraction: number;
}

/**
 * The warning for `file` having `written` bytes after `fraction` of the run, or null when it
 * stays within `limit`. The projection extends the growth since `base` (what the start of the
 * run wrote at once, e.g. the primaries' creation events, is not extrapolated) to the end, once
 * PROJECT_FROM of the run has passed since `base`; at `fraction` 1 it is the final size.
 *
 * @example sizeWarning('timeseries.csv', 50 * 1024 ** 2, 0.025, 1024 ** 3)
 *   // 'timeseries.csv will reach about 1.95 GiB (50 MiB after 2.5 % of the run), more than the 1 GiB output.max_bytes; raise output.timeseries_step or set output.timeseries: false, or raise the limit (--max-output)'
 */
export function sizeWarning(file: string, written: number, fraction: number, limit: number, base: SizeBase = { written: 0, fraction: 0 }): string | null {
  if (fraction >= 1) return written > limit ? `${file} is ${formatBytes(written)}, more than the ${formatBytes(limit)} output.max_bytes` : null;
  const span = fraction - base.fraction;
  let projected = written;
  if (span >= PROJECT_FROM) projected = written + ((written - base.written) / span) * (1 - fraction);
  if (projected <= limit) return null;
  const name = file.split(/[\\/]/).pop()!;
  const advice = ADVICE[name] ? `${ADVICE[name]}, or raise the limit (--max-output)` : 'or raise the limit (--max-output)';
  const sofar = `${formatBytes(written)} after ${Number((fraction * 100).toFixed(1))} % of the run`;
  return `${file} will reach ${projected > written ? 'about ' : 'at least '}${formatBytes(projected)} (${sofar}), more than the ${formatBytes(limit)} output.max_bytes; ${advice}`;
}

/** Counts what is written to each streamed file and warns once per file. */
export class OutputSizeWatch {
  private readonly files = new Map<string, { n: number; base: SizeBase | null }>();
  private readonly warned = new Set<string>();

  constructor(
    private readonly limit: number,
    private readonly warn: (line: string) => void,
  ) {}

  /** A line sink for `file` that counts its characters (UTF-16 units: the bytes of ASCII text) and passes the line on. */
  counted(file: string, sink: (line: string) => void): (line: string) => void {
    const count: { n: number; base: SizeBase | null } = { n: 0, base: null };
    this.files.set(file, count);
    return (line) => {
      count.n += line.length + 1;
      sink(line);
    };
  }

  /** The run is `fraction` done: warn about any file projected past the limit (the first call sets the base of the projection). */
  check(fraction: number): void {
    for (const [file, count] of this.files) {
      if (count.base === null && fraction < 1) {
        count.base = { written: count.n, fraction };
        if (count.n <= this.limit) continue;
      }
      if (this.warned.has(file)) continue;
      const w = sizeWarning(file, count.n, fraction, this.limit, count.base ?? undefined);
      if (w !== null) {
        this.warned.add(file);
        this.warn(w);
      }
    }
  }
}
