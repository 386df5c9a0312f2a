/**
 * `scalelab trace show FILE`: what a canonical trace holds — series, duration, interval,
 * min/mean/p95/max per series, gaps — computed in one streaming pass.
 *
 * Definitions (docs/TRACES.md, "trace show"):
 * - a series' **step** is its most common time step between consecutive rows, to two significant
 *   digits (299 s, 300 s and 301 s are all "300 s"); the trace's **interval** is the declared
 *   `# interval:`, else the most common step over all series;
 * - a **gap** is a step longer than twice the series' step (or the interval, when it has one row);
 *   a series that **ends early** has its last row more than two steps before the trace's last row;
 * - min, mean, p95 and max are over the rows' values (samples, not time-weighted); p95 is exact
 *   while the trace has at most 2 million rows, a P² estimate beyond (memory stays bounded).
 *
 * @example
 * const stats = summarizeTrace('traces/albatross-small.csv');
 * console.log(formatTraceStats(stats));
 */
import { formatDuration, type Micros } from '../kernel/time.js';
import { emptyRow, TraceReader } from '../load/trace-reader.js';
import type { TraceMetadata } from '../load/trace-format.js';
import { exactQuantile, P2Quantile } from './quantile.js';
import { InputError } from '../scenario/errors.js';

const EXACT_LIMIT = 2_000_000;
const MAX_STEP_BUCKETS = 256;
const LONGEST_GAPS = 5;

export interface Gap {
  /** Time of the row before the gap (µs since trace start). */
  at: Micros;
  length: Micros;
}

export interface SeriesStats {
  series: string;
  rows: number;
  first: Micros;
  last: Micros;
  min: number;
  mean: number;
  p95: number;
  max: number;
  /** Most common step (µs, two significant digits); 0 with a single row. */
  step: Micros;
  gaps: number;
  /** The longest gaps, longest first. */
  longestGaps: Gap[];
  endsEarly: boolean;
  /** Mean and max memory (bytes) when the trace records memory; NaN otherwise. */
  memoryMean: number;
  memoryMax: number;
}

export interface TraceStats {
  file: string;
  metadata: TraceMetadata;
  rows: number;
  first: Micros;
  last: Micros;
  /** Declared or detected interval, µs (0 when unknown). */
  interval: Micros;
  intervalDeclared: boolean;
  p95Exact: boolean;
  series: SeriesStats[];
}

/** Running figures for one series. */
class SeriesAccumulator {
  rows = 0;
  first = NaN;
  last = NaN;
  min = Infinity;
  max = -Infinity;
  sum = 0;
  memorySum = 0;
  memoryRows = 0;
  memoryMax = NaN;
  values: number[] | null = [];
  readonly p95 = new P2Quantile(0.95);
  /** Step bucket (µs) → count, and the rows before each step longer than some bucket. */
  readonly steps = new Map<number, number>();
  readonly bigSteps: Gap[] = [];

  add(time: Micros, cores: number, memory: number): void {
    if (this.rows > 0 && time > this.last) this.addStep(this.last, time - this.last);
    if (this.rows === 0) this.first = time;
    this.rows++;
    this.last = time;
    if (cores < this.min) this.min = cores;
    if (cores > this.max) this.max = cores;
    this.sum += cores;
    this.p95.add(cores);
    this.values?.push(cores);
    if (!Number.isNaN(memory)) {
      this.memorySum += memory;
      this.memoryRows++;
      if (!(memory <= this.memoryMax)) this.memoryMax = memory;
    }
  }

  private addStep(at: Micros, length: Micros): void {
    const bucket = roundTwoDigits(length);
    if (this.steps.has(bucket) || this.steps.size < MAX_STEP_BUCKETS) this.steps.set(bucket, (this.steps.get(bucket) ?? 0) + 1);
    // keep the longest steps seen (candidates for the gap list)
    this.bigSteps.push({ at, length });
    if (this.bigSteps.length > 4 * LONGEST_GAPS) {
      this.bigSteps.sort((a, b) => b.length - a.length);
      this.bigSteps.length = LONGEST_GAPS;
    }
  }

  /** Most common step bucket; 0 without steps. */
  usualStep(): Micros {
    let best = 0;
    let bestCount = 0;
    for (const [bucket, count] of this.steps) {
      if (count > bestCount || (count === bestCount && bucket < best)) {
        best = bucket;
        bestCount = count;
      }
    }
    return best;
  }

  finish(name: string, interval: Micros, traceLast: Micros): SeriesStats {
    const step = this.usualStep() || interval;
    let gaps = 0;
    for (const [bucket, count] of this.steps) if (step > 0 && bucket > 2 * step) gaps += count;
    const longestGaps = step > 0 ? [...this.bigSteps].sort((a, b) => b.length - a.length).filter((g) => roundTwoDigits(g.length) > 2 * step).slice(0, LONGEST_GAPS) : [];
    const p95 = this.values ? exactQuantile(this.values.sort((a, b) => a - b), 0.95) : this.p95.value();
    return {
      series: name,
      rows: this.rows,
      first: this.first,
      last: this.last,
      min: this.min,
      mean: this.sum / this.rows,
      p95,
      max: this.max,
      step: this.usualStep(),
      gaps,
      longestGaps,
      endsEarly: step > 0 && traceLast - this.last > 2 * step,
      memoryMean: this.memoryRows > 0 ? this.memorySum / this.memoryRows : NaN,
      memoryMax: this.memoryMax,
    };
  }
}

/** Read the whole trace once and compute its statistics. */
export function summarizeTrace(file: string): TraceStats {
  const reader = new TraceReader(file);
  const row = emptyRow();
  const perSeries = new Map<string, SeriesAccumulator>();
  let rows = 0;
  let exact = true;
  let first = NaN;
  let last = NaN;
  try {
    while (reader.next(row)) {
      let acc = perSeries.get(row.series);
      if (!acc) {
        acc = new SeriesAccumulator();
        perSeries.set(row.series, acc);
      }
      acc.add(row.time, row.cores, row.memory);
      if (rows === 0) first = row.time;
      last = row.time;
      rows++;
      if (exact && rows > EXACT_LIMIT) {
        exact = false;
        for (const a of perSeries.values()) a.values = null;
      }
      if (!exact) acc.values = null;
    }
  } finally {
    reader.close();
  }
  if (rows === 0) throw new InputError('trace has a header but no data rows', { file, line: reader.lineNumber + 1 });
  const declared = reader.metadata.interval;
  const interval = declared ?? mostCommonStep([...perSeries.values()]);
  return {
    file,
    metadata: reader.metadata,
    rows,
    first,
    last,
    interval,
    intervalDeclared: declared !== null,
    p95Exact: exact,
    series: [...perSeries].map(([name, acc]) => acc.finish(name, interval, last)),
  };
}

function mostCommonStep(accumulators: SeriesAccumulator[]): Micros {
  const counts = new Map<number, number>();
  for (const acc of accumulators) for (const [bucket, count] of acc.steps) counts.set(bucket, (counts.get(bucket) ?? 0) + count);
  let best = 0;
  let bestCount = 0;
  for (const [bucket, count] of counts) {
    if (count > bestCount) {
      best = bucket;
      bestCount = count;
    }
  }
  return best;
}

/**
 * Round to two significant digits. @example roundTwoDigits(301_000_000) // 300_000_000
 */
export function roundTwoDigits(x: number): number {
  if (x <= 0) return 0;
  const scale = 10 ** (Math.floor(Math.log10(x)) - 1);
  return Math.round(x / scale) * scale;
}

/** The report `scalelab trace show` prints. */
export function formatTraceStats(stats: TraceStats, maxSeries = 50): string {
  const m = stats.metadata;
  const lines = [
    `${stats.file}`,
    `  source:   ${m.source ?? '(not stated)'}`,
    ...(m.all['start'] ? [`  start:    ${m.all['start']}`] : []),
    `  rows:     ${stats.rows} in ${stats.series.length} series`,
    `  time:     ${fmtTime(stats.first)} … ${fmtTime(stats.last)} (duration ${formatDuration(stats.last - stats.first)})`,
    `  interval: ${stats.interval > 0 ? formatDuration(stats.interval) : 'unknown'} (${stats.intervalDeclared ? 'declared' : 'most common step'})`,
    '',
  ];
  const header = ['series', 'rows', 'first', 'last', 'step', 'min', 'mean', 'p95', 'max', 'gaps'];
  const table = stats.series.slice(0, maxSeries).map((s) => [
    s.series,
    String(s.rows),
    fmtTime(s.first),
    fmtTime(s.last) + (s.endsEarly ? ' (early)' : ''),
    s.step > 0 ? formatDuration(s.step) : '-',
    fmtCores(s.min),
    fmtCores(s.mean),
    fmtCores(s.p95),
    fmtCores(s.max),
    String(s.gaps),
  ]);
  lines.push(...alignColumns([header, ...table]));
  if (stats.series.length > maxSeries) lines.push(`  … and ${stats.series.length - maxSeries} more series`);
  lines.push(`  (CPU in cores; p95 ${stats.p95Exact ? 'exact' : 'P² estimate'})`);
  const gapLines = stats.series.flatMap((s) => s.longestGaps.map((g) => `  ${s.series}: ${formatDuration(g.length)} without a row after ${fmtTime(g.at)}`));
  const early = stats.series.filter((s) => s.endsEarly).map((s) => `  ${s.series}: last row at ${fmtTime(s.last)}`);
  lines.push('', gapLines.length === 0 ? 'gaps: none' : `gaps (longest per series, up to ${LONGEST_GAPS}):`, ...gapLines.slice(0, 50));
  if (early.length > 0) lines.push('series ending early:', ...early.slice(0, 50));
  return lines.join('\n');
}

function fmtTime(us: Micros): string {
  return Number.isNaN(us) ? '-' : `${us / 1_000_000}s`;
}

function fmtCores(x: number): string {
  if (!Number.isFinite(x)) return '-';
  if (x === 0) return '0';
  const text = x.toPrecision(4);
  return text.includes('e') || !text.includes('.') ? text : text.replace(/0+$/, '').replace(/\.$/, '');
}

function alignColumns(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => '  ' + r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
}
