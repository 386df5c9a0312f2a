/**
 * Plain data the report is made from: the run summary (exactly what `summary.json` holds) and
 * the time series behind the charts. Both are produced elsewhere (metrics, world); the report
 * only reads them.
 */

/** One measured value with its unit; `null` when the metric is undefined for the run. */
export interface Metric {
  value: number | null;
  unit: string;
}

/** Metrics by name, in the order they should be shown. */
export type MetricSet = Record<string, Metric>;

/** What `summary.json` holds. */
export interface RunSummary {
  /** scalelab version that produced the run. */
  scalelab: string;
  scenario: {
    name: string;
    description: string;
    file: string;
    seed: number;
    duration_s: number;
    engine: {
      name: string;
      variant: string;
      config: Record<string, unknown>;
      options: Record<string, unknown>;
    };
  };
  /** Run-level metrics. */
  metrics: MetricSet;
  /** Per-workload metrics (there can be 1,000 groups). */
  groups: Record<string, MetricSet>;
  /** Free-form remarks, e.g. "elasticity metrics in instances, ε = 1; υ grid 10 s". */
  notes: string[];
}

/** One sample of a group's state; `t` in seconds since the start of the run. */
export interface ChartPoint {
  t: number;
  group: string;
  demand: number;
  capacity: number;
  running: number;
  booting: number;
  stopping: number;
  orphaned: number;
  /** Group average CPU as the engine saw it; `null` when it saw none. */
  cpu_pct: number | null;
  high_ticks: number;
  low_ticks: number;
  in_cooldown: 0 | 1;
}

/** Every kind of event the charts mark. */
export type ChartActionKind =
  | 'scale_up'
  | 'scale_down'
  | 'spawn_failed'
  | 'boot_failed'
  | 'primary_killed'
  | 'primary_restarted'
  | 'orphaned'
  | 'clone_destroyed';

/** One scaling action or fault at time `t` (seconds). */
export interface ChartAction {
  t: number;
  group: string;
  action: ChartActionKind;
}

/** A cooldown window, `start` and `end` in seconds. */
export interface ChartCooldown {
  group: string;
  start: number;
  end: number;
}

/** Everything the four charts need; the caller has already limited `groups` (≈ 8). */
export interface ChartData {
  groups: string[];
  points: ChartPoint[];
  actions: ChartAction[];
  cooldowns: ChartCooldown[];
  /** CPU thresholds in percent. */
  thresholds: { up: number; down: number };
}
