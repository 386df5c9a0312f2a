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

/**
 * One time bucket [t0, t1) of one group (seconds since the start): min, mean and max of the
 * stats-round samples that fell in it, means of the instance counts, the largest tick counts,
 * and the time in cooldown and in SLO violation (exact), and the reversals and flip-flops.
 */
export interface ChartBucket {
  group: string;
  t0: number;
  t1: number;
  /** Stats rounds sampled in the bucket. */
  samples: number;
  demand_min: number;
  demand_mean: number;
  demand_max: number;
  capacity_min: number;
  capacity_mean: number;
  capacity_max: number;
  running: number;
  booting: number;
  stopping: number;
  orphaned: number;
  /** Group-average CPU % as the engine evaluated it; null when it saw none in the bucket. */
  cpu_min: number | null;
  cpu_mean: number | null;
  cpu_max: number | null;
  /** True utilisation: served demand / serving capacity × 100 (the simulator's view). */
  true_cpu: number | null;
  high_ticks: number;
  low_ticks: number;
  cooldown_s: number;
  violation_s: number;
  reversals: number;
  flip_flops: number;
  /**
   * An engine's own panels (`ChartData.panels`), when it has some: per panel, the mean of each
   * series over the bucket's samples (null: none in it). Absent otherwise.
   */
  panels?: (number | null)[][];
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
  | 'clone_destroyed'
  | 'instance_killed';

/** One scaling action or fault at time `t` (seconds). */
export interface ChartAction {
  t: number;
  group: string;
  action: ChartActionKind;
}

/** How many actions of one kind a group had in the bucket [t0, t1). */
export interface ChartActionCount {
  group: string;
  t0: number;
  t1: number;
  action: ChartActionKind;
  count: number;
}

/** Everything the report's charts need, for at most `output.chart_groups` groups. */
export interface ChartData {
  groups: string[];
  /** Run length, seconds. */
  duration: number;
  /** Bucket width, seconds. */
  bucket: number;
  buckets: ChartBucket[];
  /** Every action one by one, or null when there were too many to draw (counts only). */
  actions: ChartAction[] | null;
  actionCounts: ChartActionCount[];
  /** CPU thresholds in percent. */
  thresholds: { up: number; down: number };
  /**
   * Charts an engine asks for in place of the tick-counter chart (the HPA: desired vs ready
   * replicas, each metric against its target); their values are in each bucket's `panels`.
   * Absent for engines without (the report is then the same as before panels existed).
   */
  panels?: PanelSpec[];
}

/** An engine's own chart: lines of its values per group over time, with reference lines. */
export interface PanelSpec {
  title: string;
  subtitle: string;
  /** Title of the y axis. */
  axis: string;
  /** Names of the lines, in the order of the bucket's values. */
  series: string[];
  /** Dashed horizontal lines (a target, a tolerance band). */
  rules: { value: number; label: string }[];
  /** Whole numbers (counts): the axis has integer ticks. */
  integer: boolean;
}
