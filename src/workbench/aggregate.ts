/**
 * Per-point aggregation: the runs of each point of the plan, in seed order, summarised per
 * metric (mean, sd, 95 % CI). Runs are sorted before summing, so the numbers are identical
 * whatever order the runs finished in — and so whatever the number of workers or shards.
 */
import { KNOWN_METRICS } from './choice.js';
import type { RunRecord } from './journal.js';
import { enumeratePoints, type SweepPlan } from './plan.js';
import { summarise, type MetricStats } from './stats.js';

/** One point with its statistics. */
export interface PointResult {
  index: number;
  id: string;
  /** `--set` text of each axis's value, in axis order. */
  values: string[];
  /** Runs with metrics. */
  runs: number;
  /** Runs the plan asks for (the number of seeds). */
  expected: number;
  /** Why the configuration was refused, when it was. */
  invalid: string | null;
  stats: Record<string, MetricStats>;
  /** Each metric's value per replication, in seed order (null: no run or no value). */
  samples: Record<string, Array<number | null>>;
}

/** Every point of a sweep, with the metric names and units seen. */
export interface Aggregate {
  plan: SweepPlan;
  points: PointResult[];
  /** Metric names in report order (the metric table's order, then others by name). */
  metrics: string[];
  units: Record<string, string>;
}

/**
 * Aggregate the runs of `plan`'s points (runs of points outside the plan are ignored).
 *
 * @example aggregate(plan, runs).points[0].stats.instance_seconds // { n: 3, mean: …, sd: …, ci95: … }
 */
export function aggregate(plan: SweepPlan, runs: readonly RunRecord[]): Aggregate {
  const byPoint = groupRuns(runs);
  const replicationOf = new Map(plan.seeds.map((s, r) => [s, r]));
  const units: Record<string, string> = {};
  for (const r of runs) Object.assign(units, r.units ?? {});
  const metrics = orderMetrics(Object.keys(units));
  const points = enumeratePoints(plan).map((p): PointResult => {
    const mine = (byPoint.get(p.id) ?? []).filter((r) => replicationOf.has(r.seed));
    mine.sort((a, b) => replicationOf.get(a.seed)! - replicationOf.get(b.seed)!);
    const ok = mine.filter((r) => r.metrics !== undefined);
    const invalid = mine.find((r) => r.invalid !== undefined)?.invalid ?? null;
    const stats: Record<string, MetricStats> = {};
    const samples: Record<string, Array<number | null>> = {};
    for (const m of metrics) {
      stats[m] = summarise(ok.map((r) => r.metrics![m] ?? null));
      samples[m] = plan.seeds.map((seed) => ok.find((r) => r.seed === seed)?.metrics![m] ?? null);
    }
    return { index: p.index, id: p.id, values: p.values, runs: ok.length, expected: plan.seeds.length, invalid, stats, samples };
  });
  return { plan, points, metrics, units };
}

/**
 * The difference `a − b` of a metric, paired seed by seed (both points ran every seed on the
 * same load and noise, so the pairing removes the noise they share), summarised like a metric.
 *
 * @example pairedDifference(best, asWritten, 'slo_violation_percent') // { n: 5, mean: -4.9, sd: …, ci95: 0.6 }
 */
export function pairedDifference(a: PointResult, b: PointResult, metric: string): MetricStats {
  const xs = a.samples[metric] ?? [];
  const ys = b.samples[metric] ?? [];
  return summarise(xs.map((x, i) => (x === null || ys[i] === null || ys[i] === undefined ? null : x - ys[i]!)));
}

/** Runs by point id. */
function groupRuns(runs: readonly RunRecord[]): Map<string, RunRecord[]> {
  const by = new Map<string, RunRecord[]>();
  for (const r of runs) {
    const list = by.get(r.point);
    if (list) list.push(r);
    else by.set(r.point, [r]);
  }
  return by;
}

/** Known metrics in table order, then any others by name. */
function orderMetrics(names: readonly string[]): string[] {
  const known = KNOWN_METRICS.filter((m) => names.includes(m));
  const others = names.filter((m) => !KNOWN_METRICS.includes(m)).sort();
  return [...known, ...others];
}
