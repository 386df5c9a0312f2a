/**
 * How a sweep's points are judged: the objective to rank by, constraints a point must meet to
 * be feasible, the two metrics of the Pareto front, and the heatmaps to draw. Written on the
 * command line as `--objective instance_seconds:min`, `--constraint 'slo_violation_percent<=1'`,
 * `--pareto instance_seconds,slo_violation_seconds`, `--heatmap flip_flop_rate`, or in the
 * scenario's `sweep:` section under the same names.
 */
import { InputError, type InputLocation } from '../scenario/errors.js';
import { METRIC_TABLE } from '../metrics/summary.js';
import { CLUSTER_METRIC_DOCS } from '../metrics/cluster.js';
import { NEON_METRIC_DOCS } from '../metrics/neon.js';

/** A metric and whether lower or higher is better. */
export interface Goal {
  metric: string;
  direction: 'min' | 'max';
}

/** `metric op value`, applied to the point's mean. */
export interface Constraint {
  metric: string;
  op: '<=' | '<' | '>=' | '>';
  value: number;
}

/** A heatmap of `metric` over two swept keys (default: the first two axes with several values). */
export interface HeatmapSpec {
  metric: string;
  x?: string;
  y?: string;
}

/** Everything that judges points. */
export interface Choice {
  objective: Goal;
  constraints: Constraint[];
  pareto: [Goal, Goal];
  heatmaps: HeatmapSpec[];
}

/**
 * The run-level metrics an engine's runs report, and the defaults that suit them: which names a
 * sweep of that engine can rank, constrain or plot, its default Pareto pair (cost against SLO
 * violation) and its stability metric (for the default heatmaps and sensitivity lines).
 */
export interface MetricCatalog {
  engine: string;
  names: readonly string[];
  /** Names made per run (e.g. one per CPU architecture). */
  patterns: readonly RegExp[];
  pareto: [Goal, Goal];
  stability: string;
}

/** Albatross runs: `src/metrics/summary.ts`'s table. */
const ALBATROSS: MetricCatalog = {
  engine: 'albatross',
  names: METRIC_TABLE.map((m) => m.name),
  patterns: [],
  pareto: [
    { metric: 'instance_seconds', direction: 'min' },
    { metric: 'slo_violation_seconds', direction: 'min' },
  ],
  stability: 'flip_flop_rate',
};

/** Incus cluster runs: `src/metrics/cluster.ts`, plus imbalance per architecture. */
const INCUS: MetricCatalog = {
  engine: 'incus',
  names: Object.keys(CLUSTER_METRIC_DOCS),
  patterns: [/^imbalance_(mean|max)_[A-Za-z0-9_]+$/],
  pareto: [
    { metric: 'migrations', direction: 'min' },
    { metric: 'slo_violation_seconds', direction: 'min' },
  ],
  stability: 'ping_pong_rate',
};

/** Neon runs: `src/metrics/neon.ts` — cost in CU-seconds against time below the goal. */
const NEON: MetricCatalog = {
  engine: 'neon',
  names: Object.keys(NEON_METRIC_DOCS),
  patterns: [],
  pareto: [
    { metric: 'cu_seconds', direction: 'min' },
    { metric: 'below_goal_cpu_seconds', direction: 'min' },
  ],
  stability: 'flip_flops',
};

/**
 * The catalog of an engine; an engine the workbench does not know accepts any metric name
 * (a misspelt one then shows up as an empty column rather than an error).
 *
 * @example metricCatalog('incus').pareto[0].metric // 'migrations'
 */
export function metricCatalog(engine: string): MetricCatalog {
  if (engine === 'albatross') return ALBATROSS;
  if (engine === 'incus') return INCUS;
  if (engine === 'neon') return NEON;
  return { ...ALBATROSS, engine, names: [], patterns: [/^[A-Za-z0-9_]+$/] };
}

/** Metric names in report order across the known engines (albatross, then incus). */
export const KNOWN_METRICS: readonly string[] = [...new Set([...ALBATROSS.names, ...INCUS.names])];

/** The default Pareto pair of Albatross runs: cost against SLO violation time, both minimised. */
export const DEFAULT_PARETO: [Goal, Goal] = ALBATROSS.pareto;

/** A metric name the engine reports, or an InputError listing them. */
export function checkMetric(name: string, where: InputLocation, catalog: MetricCatalog = ALBATROSS): string {
  if (catalog.names.includes(name) || catalog.patterns.some((p) => p.test(name))) return name;
  const extra = catalog.patterns.length > 0 && catalog.engine === 'incus' ? ', imbalance_mean_<arch>, imbalance_max_<arch>' : '';
  throw new InputError(`unknown metric ${JSON.stringify(name)} for engine ${catalog.engine}; expected one of: ${catalog.names.join(', ')}${extra}`, where);
}

/**
 * Read `METRIC[:min|max]` (default min); the metric must be one the engine reports (the
 * catalog; Albatross when not given).
 *
 * @example parseGoal('flip_flop_rate', where) // { metric: 'flip_flop_rate', direction: 'min' }
 */
export function parseGoal(text: string, where: InputLocation, catalog: MetricCatalog = ALBATROSS): Goal {
  const m = /^\s*([A-Za-z0-9_]+)\s*(?::\s*(min|max))?\s*$/.exec(text);
  if (!m) throw new InputError(`expected METRIC or METRIC:min or METRIC:max, got ${JSON.stringify(text)}`, where);
  return { metric: checkMetric(m[1]!, where, catalog), direction: (m[2] as 'min' | 'max' | undefined) ?? 'min' };
}

/**
 * Read `METRIC<=VALUE` (also `<`, `>=`, `>`).
 *
 * @example parseConstraint('slo_violation_percent <= 1', where) // { metric: 'slo_violation_percent', op: '<=', value: 1 }
 */
export function parseConstraint(text: string, where: InputLocation, catalog: MetricCatalog = ALBATROSS): Constraint {
  const m = /^\s*([A-Za-z0-9_]+)\s*(<=|>=|<|>)\s*(\S+)\s*$/.exec(text);
  const value = m ? Number(m[3]) : Number.NaN;
  if (!m || !Number.isFinite(value)) throw new InputError(`expected METRIC<=VALUE (or <, >=, >), got ${JSON.stringify(text)}`, where);
  return { metric: checkMetric(m[1]!, where, catalog), op: m[2] as Constraint['op'], value };
}

/**
 * Read the Pareto pair `X,Y` (each `METRIC[:min|max]`).
 *
 * @example parsePareto('instance_seconds,slo_violation_seconds', where)
 */
export function parsePareto(text: string, where: InputLocation, catalog: MetricCatalog = ALBATROSS): [Goal, Goal] {
  const parts = text.split(',');
  if (parts.length !== 2) throw new InputError(`expected two metrics X,Y, got ${JSON.stringify(text)}`, where);
  const x = parseGoal(parts[0]!, where, catalog);
  const y = parseGoal(parts[1]!, where, catalog);
  if (x.metric === y.metric) throw new InputError(`the Pareto front needs two different metrics, got ${x.metric} twice`, where);
  return [x, y];
}

/**
 * Read `METRIC` or `METRIC:KEY_X,KEY_Y`.
 *
 * @example parseHeatmap('flip_flop_rate:engine.config.scale_up_threshold_percent,engine.config.cooldown_period', where)
 */
export function parseHeatmap(text: string, where: InputLocation, catalog: MetricCatalog = ALBATROSS): HeatmapSpec {
  const colon = text.indexOf(':');
  const metric = checkMetric((colon < 0 ? text : text.slice(0, colon)).trim(), where, catalog);
  if (colon < 0) return { metric };
  const keys = text.slice(colon + 1).split(',').map((k) => k.trim());
  if (keys.length !== 2 || keys.some((k) => k === '')) throw new InputError(`expected METRIC:KEY_X,KEY_Y, got ${JSON.stringify(text)}`, where);
  return { metric, x: keys[0]!, y: keys[1]! };
}

/**
 * Does `value` meet the constraint? A missing value (null) does not.
 *
 * @example meets({ metric: 'x', op: '<=', value: 1 }, 0.5) // true
 */
export function meets(c: Constraint, value: number | null): boolean {
  if (value === null) return false;
  switch (c.op) {
    case '<=':
      return value <= c.value;
    case '<':
      return value < c.value;
    case '>=':
      return value >= c.value;
    case '>':
      return value > c.value;
  }
}

/** `slo_violation_percent<=1`. */
export function formatConstraint(c: Constraint): string {
  return `${c.metric}${c.op}${c.value}`;
}

/** `instance_seconds:min`. */
export function formatGoal(g: Goal): string {
  return `${g.metric}:${g.direction}`;
}
