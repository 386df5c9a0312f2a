/**
 * The output shape of the metrics (every value with its unit) and the run-level aggregation
 * over workloads. Definitions: METRICS.md; per-workload accumulation: `workload.ts`.
 */
import type { Micros } from '../kernel/time.js';
import { MICROS_PER_HOUR, MICROS_PER_SECOND } from '../kernel/time.js';
import { QuantileSketch } from './quantiles.js';
import { meanOrNull, percentOf, perHour } from './stats.js';
import { COUNTER_NAMES, type CounterName, type FleetResult, type WorkloadResult } from './workload.js';

// FleetMetrics lives next to WorkloadMetrics (same streaming rules); re-exported here for the aggregation's callers.
export { FleetMetrics, type FleetResult } from './workload.js';

/** One reported number and its unit; null when undefined for the run (e.g. no episodes). */
export interface Metric {
  value: number | null;
  unit: string;
}

/** Metrics by name, in the order of {@link METRIC_TABLE}. */
export type MetricSet = Record<string, Metric>;

/** Every metric the run reports: name, unit and a one-line description. */
export const METRIC_TABLE = [
  { name: 'instance_seconds', unit: 'instance·s', doc: 'Time integral of the number of instances that exist (any state but gone).' },
  { name: 'vcpu_seconds', unit: 'vCPU·s', doc: 'Time integral of the vCPUs of existing instances.' },
  { name: 'gib_seconds', unit: 'GiB·s', doc: 'Time integral of the memory (GiB) of existing instances.' },
  { name: 'mean_instances', unit: 'instances', doc: 'Time-weighted mean number of existing instances (run level: the whole fleet).' },
  { name: 'max_instances', unit: 'instances', doc: 'Largest number of existing instances held at any time (run level: the fleet total, not a sum of maxima).' },
  { name: 'scale_ups', unit: 'count', doc: 'Scaling actions that added capacity.' },
  { name: 'scale_downs', unit: 'count', doc: 'Scaling actions that removed capacity.' },
  { name: 'clones_spawned', unit: 'count', doc: 'Clone instances requested and placed.' },
  { name: 'clones_destroyed', unit: 'count', doc: 'Clone instances destroyed.' },
  { name: 'boot_failures', unit: 'count', doc: 'Instances that failed to boot.' },
  { name: 'spawn_failures', unit: 'count', doc: 'Spawn requests that could not be placed or were refused.' },
  { name: 'orphaned_instances', unit: 'count', doc: 'Instances left running and unmanaged (e.g. after their primary died).' },
  { name: 'migrations', unit: 'count', doc: 'Completed live migrations.' },
  { name: 'migrations_failed', unit: 'count', doc: 'Migrations that were started and failed.' },
  { name: 'migration_seconds', unit: 's', doc: 'Total time spent migrating.' },
  { name: 'resizes', unit: 'count', doc: 'In-place resizes (vCPU or memory changes).' },
  { name: 'slo_violation_seconds', unit: 's', doc: 'Time during which demand exceeded u × capacity (summed over workloads).' },
  { name: 'slo_violation_percent', unit: '%', doc: 'SLO violation time as a share of T (run level: of T × number of workloads).' },
  { name: 'unserved_core_seconds', unit: 'core·s', doc: 'Integral of demand above capacity, ∫ (d − s)⁺ dt.' },
  { name: 'reaction_time_mean', unit: 's', doc: 'Mean length of closed SLO-violation episodes (d > u × s until it no longer is).' },
  { name: 'reaction_time_p50', unit: 's', doc: 'Median closed-episode length (linear interpolation, R type 7).' },
  { name: 'reaction_time_p95', unit: 's', doc: '95th percentile of closed-episode length (linear interpolation, R type 7).' },
  { name: 'reaction_time_max', unit: 's', doc: 'Longest closed SLO-violation episode.' },
  { name: 'reaction_episodes', unit: 'count', doc: 'Closed SLO-violation episodes (the basis of the reaction-time statistics).' },
  { name: 'reaction_episodes_open', unit: 'count', doc: 'Episodes still open at the end of the run (not in the statistics).' },
  { name: 'flip_flops', unit: 'count', doc: 'Scaling actions opposite to the previous one on the same workload, at most W after that one\'s cooldown ended (gap ≤ cooldown + W).' },
  { name: 'flip_flop_rate', unit: 'per hour', doc: 'Flip-flops per hour of run time (run level: all workloads together).' },
  { name: 'reversals', unit: 'count', doc: 'Scaling actions opposite to the previous one on the same workload, however far apart (window-free).' },
  { name: 'reversal_rate', unit: 'per hour', doc: 'Direction reversals per hour of run time (run level: all workloads together).' },
  { name: 'ping_pongs', unit: 'count', doc: 'Instances migrated back to a host they left, or moved more than once, within W.' },
  { name: 'ping_pong_rate', unit: 'per hour', doc: 'Ping-pongs per hour of run time (run level: all workloads together).' },
  { name: 'theta_u', unit: '%', doc: 'θ_U under-provisioning accuracy: 100/T ∫ (d − s)⁺ / max(d, 1) dt, in instances (run level: mean over workloads).' },
  { name: 'theta_o', unit: '%', doc: 'θ_O over-provisioning accuracy: 100/T ∫ (s − d)⁺ / max(d, 1) dt, in instances (run level: mean over workloads).' },
  { name: 'tau_u', unit: '%', doc: 'τ_U under-provisioning timeshare: share of T with d > s, in instances (run level: mean over workloads).' },
  { name: 'tau_o', unit: '%', doc: 'τ_O over-provisioning timeshare: share of T with s > d, in instances (run level: mean over workloads).' },
  { name: 'upsilon', unit: '%', doc: 'υ instability: share of elasticity-grid steps on which sgn Δs ≠ sgn Δd, in instances (run level: mean over workloads).' },
] as const;

/** Name of a reported metric. */
export type MetricName = (typeof METRIC_TABLE)[number]['name'];

/** Metric values by name, before units are attached. */
type MetricValues = Record<MetricName, number | null>;

/** Unit of every metric, by name. */
export const METRIC_UNITS: Readonly<Record<MetricName, string>> = Object.fromEntries(
  METRIC_TABLE.map((m) => [m.name, m.unit]),
) as Record<MetricName, string>;

/** One line per metric saying what it is (for reports). */
export const METRIC_DOCS: Readonly<Record<string, string>> = Object.fromEntries(METRIC_TABLE.map((m) => [m.name, m.doc]));

/**
 * Attach units to values, in table order.
 *
 * @example withUnits(values).slo_violation_seconds // { value: 10, unit: 's' }
 */
function withUnits(values: MetricValues): MetricSet {
  const set: MetricSet = {};
  for (const m of METRIC_TABLE) set[m.name] = { value: values[m.name], unit: m.unit };
  return set;
}

/**
 * Where each metric of a workload comes from in its result: the field of the same name, or for
 * an activity counter `counts[name]`. (Every name of {@link METRIC_TABLE} is one or the other.)
 */
const WORKLOAD_SOURCES = METRIC_TABLE.map((m) => ({ name: m.name, unit: m.unit, counter: (COUNTER_NAMES as readonly string[]).includes(m.name) }));

/** The value of metric `source` in result `r` (a field, or a counter). */
function workloadValue(r: WorkloadResult, source: (typeof WORKLOAD_SOURCES)[number]): number | null {
  return source.counter ? r.counts[source.name as CounterName] : (r as unknown as Record<string, number | null>)[source.name]!;
}

/**
 * Every metric of one workload with its unit.
 *
 * @example workloadMetricSet(metrics.finish(end)).unserved_core_seconds // { value: 10, unit: 'core·s' }
 */
export function workloadMetricSet(r: WorkloadResult): MetricSet {
  const set: MetricSet = {};
  for (const source of WORKLOAD_SOURCES) set[source.name] = { value: workloadValue(r, source), unit: source.unit };
  return set;
}

/** The constant parts of a workload set's JSON text at one indentation (see {@link workloadMetricSetJson}). */
interface SetPieces {
  /** Before each value: `{` or `,`, the line break, the metric's name and `"value": `. */
  before: string[];
  /** After each value: its unit and the closing brace. */
  after: string[];
  /** The set's closing brace. */
  end: string;
}

const piecesByIndent = new Map<string, SetPieces>();

/** The pieces of {@link workloadMetricSetJson} for `indent`, made once per indentation. */
function setPieces(indent: string): SetPieces {
  let pieces = piecesByIndent.get(indent);
  if (pieces === undefined) {
    pieces = {
      before: WORKLOAD_SOURCES.map((s, i) => `${i === 0 ? '{' : ','}\n${indent}  ${JSON.stringify(s.name)}: {\n${indent}    "value": `),
      after: WORKLOAD_SOURCES.map((s) => `,\n${indent}    "unit": ${JSON.stringify(s.unit)}\n${indent}  }`),
      end: `\n${indent}}`,
    };
    piecesByIndent.set(indent, pieces);
  }
  return pieces;
}

/**
 * `JSON.stringify(workloadMetricSet(r), null, 2)` with `indent` after each line break, put
 * together from the result's numbers (no set built, nothing stringified twice): what
 * summary.json holds for a group, written this way because 1,000 groups' sets built and
 * stringified were ~1/8 of a short run. Undefined when a value is not a number or null (it
 * would be left out of the JSON): build the set then.
 *
 * @example workloadMetricSetJson(r, '    ') === JSON.stringify(workloadMetricSet(r), null, 2).replaceAll('\n', '\n    ') // true
 */
export function workloadMetricSetJson(r: WorkloadResult, indent: string): string | undefined {
  const { before, after, end } = setPieces(indent);
  let text = '';
  for (let i = 0; i < WORKLOAD_SOURCES.length; i++) {
    const v = workloadValue(r, WORKLOAD_SOURCES[i]!);
    let shown: string;
    if (v === null) shown = 'null';
    else if (typeof v === 'number') shown = Number.isFinite(v) ? String(v) : 'null'; // as JSON.stringify writes numbers
    else return undefined;
    text += before[i]! + shown + after[i]!;
  }
  return text + end;
}

/** The fields summed over workloads, in the order of summary.json's run-level metrics. */
const SUMMED = ['instance_seconds', 'vcpu_seconds', 'gib_seconds', 'mean_instances', 'scale_ups', 'scale_downs', 'migration_seconds', 'slo_violation_seconds', 'unserved_core_seconds', 'reaction_episodes', 'reaction_episodes_open', 'flip_flops', 'reversals'] as const;
/** The fields averaged over workloads (nulls left out). */
const AVERAGED = ['theta_u', 'theta_o', 'tau_u', 'tau_o', 'upsilon'] as const;

/**
 * Everything the run level needs from the results, in one pass that reads each result once:
 * the sums (each added in workload order from 0, as a loop per field would), the counters'
 * sums, the sketches to pool and the values to average.
 *
 * @example totalsOf([a, b]).sums.flip_flops // a.flip_flops + b.flip_flops
 */
function totalsOf(results: Iterable<WorkloadResult>) {
  const sums = Object.fromEntries(SUMMED.map((k) => [k, 0])) as Record<(typeof SUMMED)[number], number>;
  const counts = Object.fromEntries(COUNTER_NAMES.map((k) => [k, 0])) as Record<CounterName, number>;
  const averaged = Object.fromEntries(AVERAGED.map((k) => [k, [] as (number | null)[]])) as Record<(typeof AVERAGED)[number], (number | null)[]>;
  const sketches: QuantileSketch[] = [];
  for (const r of results) {
    for (const k of SUMMED) sums[k] += r[k] ?? 0; // mean_instances: null (empty window) counts 0
    for (const k of COUNTER_NAMES) counts[k] += r.counts[k];
    for (const k of AVERAGED) averaged[k].push(r[k]);
    sketches.push(r.reaction_sketch);
  }
  return { sums, counts, averaged, sketches, n: sketches.length };
}

/**
 * The run-level totals over all workloads, for a run of length `duration` (T).
 *
 * - Counts, seconds, core-seconds, instance/vCPU/GiB-seconds: summed over workloads.
 * - `mean_instances`: summed — the fleet's time-weighted mean instance count.
 * - `max_instances`: the maximum over time of the fleet total, which only `FleetMetrics`
 *   knows (the sum of per-workload maxima overstates it when peaks do not coincide); pass its
 *   result as `fleet`, otherwise the value is null.
 * - `slo_violation_seconds`: summed; `slo_violation_percent` = that sum / (T × number of
 *   workloads) × 100, i.e. the share of workload-time spent in violation.
 * - Reaction times: pooled over all closed episodes of all workloads, then mean/p50/p95/max
 *   (exact while every workload has at most 256 episodes, else within 1/257 relative; see
 *   `quantiles.ts`).
 * - `flip_flop_rate`, `reversal_rate`, `ping_pong_rate`: totals per hour of T.
 * - θ_U, θ_O, τ_U, τ_O, υ: the mean over workloads (ignoring workloads where it is null).
 *
 * All results are expected to cover the same window of length `duration`.
 */
export function aggregateMetricSets(results: Iterable<WorkloadResult>, duration: Micros, fleet?: FleetResult): MetricSet {
  const hours = duration / MICROS_PER_HOUR;
  // one pass: `results` may build each result as it is read (replicas.ts lazyResults)
  const { sums, counts, averaged, sketches, n } = totalsOf(results);
  const reaction = QuantileSketch.pool(sketches).stats(MICROS_PER_SECOND);
  return withUnits({
    instance_seconds: sums.instance_seconds,
    vcpu_seconds: sums.vcpu_seconds,
    gib_seconds: sums.gib_seconds,
    mean_instances: duration > 0 ? sums.mean_instances : null,
    max_instances: fleet ? fleet.max_instances : null,
    scale_ups: sums.scale_ups,
    scale_downs: sums.scale_downs,
    ...counts,
    migration_seconds: sums.migration_seconds,
    slo_violation_seconds: sums.slo_violation_seconds,
    slo_violation_percent: percentOf(sums.slo_violation_seconds, (duration / MICROS_PER_SECOND) * n),
    unserved_core_seconds: sums.unserved_core_seconds,
    reaction_time_mean: reaction.mean,
    reaction_time_p50: reaction.p50,
    reaction_time_p95: reaction.p95,
    reaction_time_max: reaction.max,
    reaction_episodes: sums.reaction_episodes,
    reaction_episodes_open: sums.reaction_episodes_open,
    flip_flops: sums.flip_flops,
    flip_flop_rate: perHour(sums.flip_flops, hours),
    reversals: sums.reversals,
    reversal_rate: perHour(sums.reversals, hours),
    ping_pong_rate: perHour(counts.ping_pongs, hours),
    theta_u: meanOrNull(averaged.theta_u),
    theta_o: meanOrNull(averaged.theta_o),
    tau_u: meanOrNull(averaged.tau_u),
    tau_o: meanOrNull(averaged.tau_o),
    upsilon: meanOrNull(averaged.upsilon),
  });
}
