/**
 * The numbers of a comparison: each run-level metric of each input over its seeds (mean and
 * 95 % confidence interval, workbench/stats.ts), its difference from the first input (the
 * reference) and a verdict in the metric's better direction (workbench/check.ts).
 *
 * With several seeds on both sides and the same seed list (common random numbers), the
 * difference is the mean of the per-seed differences and its interval is that of the paired
 * differences — far narrower than the two intervals side by side. Otherwise the difference is
 * the difference of the means and has no interval.
 */
import { summarise, type MetricStats } from '../workbench/stats.js';
import { defaultBetter, type Better } from '../workbench/check.js';
import { applies } from '../report/metric-tables.js';

/** What a comparison knows of one input. */
export interface CompareRun {
  /** Unique short name used in tables and charts. */
  label: string;
  /** The path the user gave. */
  source: string;
  kind: 'scenario' | 'run directory';
  scenario: string;
  engine: string;
  variant: string;
  duration_s: number;
  scalelab: string;
  /** One per replication. */
  seeds: number[];
  /** Metric values per seed (same order as `seeds`), and units. */
  values: Map<string, (number | null)[]>;
  units: Map<string, string>;
}

/** How a run compares with the reference on one metric. */
export type Verdict = 'better' | 'worse' | 'same' | 'within noise' | 'no direction' | 'n/a';

/** One run's column of one metric. */
export interface RunCell {
  /** False when the metric is absent from this run or cannot apply to its engine (shown "—"). */
  present: boolean;
  stats: MetricStats;
  /** Against the reference (null for the reference itself or when either side is missing). */
  diff: number | null;
  diffCi95: number | null;
  /** diff / |reference mean| × 100. */
  diffPercent: number | null;
  verdict: Verdict;
}

/** One metric across the runs. */
export interface MetricRow {
  metric: string;
  unit: string;
  better: Better | null;
  cells: RunCell[];
}

const EMPTY: MetricStats = { n: 0, mean: null, sd: null, ci95: null };

/**
 * The metrics to compare: every metric any run reports, in order of first appearance, or just
 * `only` when given.
 *
 * @example metricNames([runA, runB]) // ['instance_seconds', 'vcpu_seconds', …]
 */
export function metricNames(runs: readonly CompareRun[], only?: readonly string[]): string[] {
  if (only !== undefined) return [...only];
  const names = new Set<string>();
  for (const r of runs) for (const name of r.values.keys()) names.add(name);
  return [...names];
}

/**
 * Whether `run` has a value for the metric that its engine can produce.
 *
 * @example hasMetric(albatrossRun, 'migrations') // false: Albatross never migrates
 */
function hasMetric(run: CompareRun, metric: string): boolean {
  return run.values.has(metric) && applies(run.engine, metric);
}

/**
 * Paired differences run − reference on the seeds both ran (null values dropped).
 *
 * @example pairedDiffs([1, 2], [10, 20], [3, 5], [10, 20]) // [2, 3]
 */
export function pairedDiffs(ref: readonly (number | null)[], refSeeds: readonly number[], run: readonly (number | null)[], runSeeds: readonly number[]): number[] {
  const bySeed = new Map<number, number | null>();
  refSeeds.forEach((s, i) => bySeed.set(s, ref[i] ?? null));
  const out: number[] = [];
  runSeeds.forEach((s, i) => {
    const a = bySeed.get(s);
    const b = run[i];
    if (a !== undefined && a !== null && b !== null && b !== undefined && Number.isFinite(a) && Number.isFinite(b)) out.push(b - a);
  });
  return out;
}

/**
 * The verdict of a difference in a direction: within its interval of zero → `within noise`;
 * zero with no interval → `same`; else `better` or `worse`.
 *
 * @example verdictOf(-3, 1, 'lower') // 'better'
 * @example verdictOf(-3, 4, 'lower') // 'within noise'
 * @example verdictOf(2, null, 'lower') // 'worse'
 */
export function verdictOf(diff: number | null, ci95: number | null, better: Better | null): Verdict {
  if (diff === null) return 'n/a';
  if (better === null) return 'no direction';
  if (diff === 0) return 'same';
  if (ci95 !== null && Math.abs(diff) <= ci95) return 'within noise';
  return (better === 'lower') === diff < 0 ? 'better' : 'worse';
}

/** The comparison of every named metric across the runs; the first run is the reference. */
export function compareMetrics(runs: readonly CompareRun[], names: readonly string[]): MetricRow[] {
  const ref = runs[0]!;
  const rows: MetricRow[] = [];
  for (const metric of names) {
    if (!runs.some((r) => hasMetric(r, metric))) continue;
    const better = defaultBetter(metric);
    const unit = runs.map((r) => r.units.get(metric)).find((u) => u !== undefined) ?? '';
    const refPresent = hasMetric(ref, metric);
    const refStats = refPresent ? summarise(ref.values.get(metric)!) : EMPTY;
    const cells = runs.map((run, i): RunCell => {
      const present = hasMetric(run, metric);
      const stats = present ? summarise(run.values.get(metric)!) : EMPTY;
      if (i === 0 || !present || !refPresent || stats.mean === null || refStats.mean === null) {
        return { present, stats, diff: null, diffCi95: null, diffPercent: null, verdict: i === 0 ? 'n/a' : verdictOf(null, null, better) };
      }
      const sameSeeds = run.seeds.length >= 2 && run.seeds.length === ref.seeds.length && run.seeds.every((s, k) => s === ref.seeds[k]);
      let diff = stats.mean - refStats.mean;
      let diffCi95: number | null = null;
      if (sameSeeds) {
        const d = summarise(pairedDiffs(ref.values.get(metric)!, ref.seeds, run.values.get(metric)!, run.seeds));
        if (d.mean !== null) diff = d.mean;
        diffCi95 = d.ci95;
      }
      const diffPercent = refStats.mean !== 0 ? (diff / Math.abs(refStats.mean)) * 100 : null;
      return { present, stats, diff, diffCi95, diffPercent, verdict: verdictOf(diff, diffCi95, better) };
    });
    rows.push({ metric, unit, better, cells });
  }
  return rows;
}

/** The verdict table's metrics when `--metrics` is not given, those a run reports in order. */
export const HEADLINE_METRICS: readonly string[] = [
  'instance_seconds',
  'vcpu_seconds',
  'mean_instances',
  'slo_violation_percent',
  'unserved_core_seconds',
  'reaction_time_mean',
  'reaction_time_p95',
  'flip_flops',
  'reversals',
  'orphaned_instances',
  'boot_failures',
  'spawn_failures',
  'imbalance_mean',
  'host_overload_percent',
  'ping_pongs',
  'migrations_failed',
  'migration_downtime_seconds',
];

/** One line of the verdict table. */
export interface VerdictLine {
  metric: string;
  better: Better;
  /** The label of the best run, or null when no run is clearly best. */
  best: string | null;
  /** Plain words: "corrected lower by 12.3 (−40.1 %)", "within noise", … */
  text: string;
}

/**
 * The verdict table: for each headline metric with a better direction that at least two runs
 * report, the best run — the one with the best mean, provided it is clearly ahead of every other
 * run (a difference outside the paired interval with several seeds, any difference with one);
 * otherwise no winner.
 *
 * @example verdictTable(runs, rows, ['instance_seconds'])[0].best // 'corrected'
 */
export function verdictTable(runs: readonly CompareRun[], rows: readonly MetricRow[], headline: readonly string[]): VerdictLine[] {
  const lines: VerdictLine[] = [];
  for (const metric of headline) {
    const row = rows.find((r) => r.metric === metric);
    if (row === undefined || row.better === null) continue;
    const better = row.better;
    const candidates = row.cells.map((c, i) => ({ i, mean: c.stats.mean })).filter((c): c is { i: number; mean: number } => c.mean !== null);
    if (candidates.length < 2) continue;
    const sign = better === 'lower' ? 1 : -1;
    candidates.sort((a, b) => sign * (a.mean - b.mean) || a.i - b.i);
    const best = candidates[0]!;
    const runner = candidates[1]!;
    const clear = candidates.slice(1).every((c) => clearlyApart(runs, row.metric, best.i, c.i));
    if (!clear) {
      const tied = candidates.filter((c) => !clearlyApart(runs, row.metric, best.i, c.i)).map((c) => runs[c.i]!.label);
      const how = best.mean === runner.mean ? 'equal' : 'within noise of each other';
      lines.push({ metric, better, best: null, text: `no clear winner: ${tied.join(', ')} ${how}` });
      continue;
    }
    const gap = Math.abs(runner.mean - best.mean);
    const pct = runner.mean !== 0 ? ` (${((gap / Math.abs(runner.mean)) * 100).toFixed(1)} %)` : '';
    const word = better === 'lower' ? 'lower' : 'higher';
    lines.push({ metric, better, best: runs[best.i]!.label, text: `${runs[best.i]!.label}: ${word} by ${roundText(gap)}${pct} than ${runs[runner.i]!.label}` });
  }
  return lines;
}

/** Up to 4 significant digits, plain. */
function roundText(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(4)));
}

/**
 * Whether runs `a` and `b` clearly differ on a metric: with the same ≥ 2 seeds, the paired
 * interval excludes zero; otherwise their means differ at all.
 */
function clearlyApart(runs: readonly CompareRun[], metric: string, a: number, b: number): boolean {
  const ra = runs[a]!;
  const rb = runs[b]!;
  const va = ra.values.get(metric)!;
  const vb = rb.values.get(metric)!;
  const sameSeeds = ra.seeds.length >= 2 && ra.seeds.length === rb.seeds.length && ra.seeds.every((s, k) => s === rb.seeds[k]);
  if (sameSeeds) {
    const d = summarise(pairedDiffs(va, ra.seeds, vb, rb.seeds));
    if (d.mean === null) return false;
    return d.ci95 === null ? d.mean !== 0 : Math.abs(d.mean) > d.ci95;
  }
  return summarise(va).mean !== summarise(vb).mean;
}
