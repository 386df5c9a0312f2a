/**
 * A scenario after loading and validation: plain data, durations already in integer
 * microseconds, sizes in bytes, `count:` copies expanded, per-copy random draws resolved.
 * The YAML form is documented in docs/SCENARIOS.md, validated by `scenario/schema.ts` and
 * resolved by `scenario/load.ts`.
 */
import type { Micros } from '../kernel/time.js';

export interface Scenario {
  name: string;
  description: string;
  /** Path of the YAML file it came from (for error messages and the report). */
  file: string;
  seed: number;
  duration: Micros;
  engine: EngineSpec;
  world: WorldSpec;
  workloads: WorkloadSpec[];
  faults: FaultSpec[];
  slo: { utilisation_target: number };
  metrics: { flip_flop_window: Micros; elasticity_grid: Micros };
  output: OutputSpec;
}

export interface EngineSpec {
  name: string;
  variant: string;
  /** Engine configuration with upstream key names, defaults filled in, durations in Micros. */
  config: Record<string, unknown>;
  /** Behaviour options: the variant's preset with the scenario's overrides applied. */
  options: Record<string, unknown>;
}

export interface WorldSpec {
  /** Period of the stats sensor (Albatross `--interval`), also the load step. */
  stats_interval: Micros;
  hosts: HostSpec[];
  boot: { latency: LatencySpec; failure_probability: number };
  /** Time from a spawn request until the instance exists on its host and starts booting. */
  placement_latency: Micros;
  /** Time from a destroy request until the instance is gone and its resources are free. */
  stop_latency: Micros;
  /** Relative standard deviation of the measurement noise on each CPU-time sample. */
  measurement_noise: number;
}

export interface HostSpec {
  name: string;
  arch: string;
  threads: number;
  memory_bytes: number;
}

export type LatencySpec =
  | { dist: 'fixed'; value: Micros }
  | { dist: 'uniform'; min: Micros; max: Micros }
  | { dist: 'lognormal'; median: Micros; p99: Micros };

export interface WorkloadSpec {
  /** Name of the service and of its primary unikernel. */
  name: string;
  user: string;
  arch: string;
  vcpus: number;
  memory_bytes: number;
  /** Albatross refuses to clone unikernels with block devices. */
  block_devices: boolean;
  /** Upper bound on primary + clones (scaling policy); null = unbounded. */
  max_instances: number | null;
  /** Lower bound on primary + clones (corrected variant only). */
  min_instances: number;
  load: LoadSpec;
}

export type LoadSpec = { kind: 'synthetic'; synthetic: SyntheticLoadSpec } | { kind: 'trace'; trace: TraceLoadSpec };

/** Demand in cores = (base × (1 + diurnal) + AR(1) + bursts + steps + ramps), floored at 0. */
export interface SyntheticLoadSpec {
  base: number;
  diurnal: { amplitude: number; period: Micros; phase: number } | null;
  ar1: { coefficient: number; sigma: number } | null;
  bursts: { rate_per_hour: number; height: number; duration: Micros } | null;
  steps: Array<{ at: Micros; delta: number }>;
  ramps: Array<{ from: Micros; to: Micros; delta: number }>;
}

export interface TraceLoadSpec {
  /** Resolved path of a canonical trace (docs/TRACES.md) or a `time,workload,demand_cores` CSV. */
  file: string;
  /** Series to read; defaults to the workload's name (ignored when `pattern` or `sum` is set). */
  series: string;
  /** Glob over series names; the workload's demand is the sum of the matching series. */
  pattern?: string;
  /** Series summed into the workload's demand. */
  sum?: string[];
  scale: number;
  /** Trace time τ = (t − shift) × speedup, so a positive shift starts the trace later (µs; may be negative when `start_at` skips ahead). */
  shift?: Micros;
  speedup?: number;
  /** Replay the trace again from its start when it ends. */
  loop?: boolean;
}

export interface FaultSpec {
  at: Micros;
  kill_primary: string;
  /** When set, the primary is started again this long after it was killed. */
  restart_after: Micros | null;
}

export interface OutputSpec {
  /** Write timeseries.csv. */
  timeseries: boolean;
  /** Spacing of timeseries.csv rows (a multiple of the stats interval). */
  timeseries_step: Micros;
  events: boolean;
  report: boolean;
  /** At most this many groups are drawn in report.html (all are in the CSV and summary). */
  chart_groups: number;
}
