/**
 * The scenario as written in YAML (after `--set` and schema validation): optional keys may be
 * missing, durations are strings or numbers, sizes strings or integers, and load numbers may
 * be `{ uniform: [lo, hi] }`. `resolve.ts` turns this into a `Scenario`.
 */

/** A duration as written: `'10s'`, `'1h 30m'`, or a number of seconds. */
export type RawDuration = string | number;
/** A size as written: `'256MiB'` or an integer number of bytes. */
export type RawSize = string | number;
/** A load number, or a range to draw it from once per `count:` copy. */
export type RawNumber = number | { uniform: [number, number] };

export interface RawScenario {
  name: string;
  description?: string;
  seed?: number;
  duration: RawDuration;
  engine: RawEngine;
  world: RawWorld;
  workloads: RawWorkload[];
  faults?: RawFault[];
  slo?: { utilisation_target?: number };
  metrics?: { flip_flop_window?: RawDuration; elasticity_grid?: RawDuration };
  output?: { timeseries?: boolean; timeseries_step?: RawDuration; events?: boolean; report?: boolean; chart_groups?: number; groups?: 'all' | 'none'; max_bytes?: RawSize };
}

export interface RawEngine {
  /** the dialect; defaults to `replica` before validation when `kind` is module or external (load.ts) */
  name: string;
  variant?: string;
  config?: Record<string, unknown>;
  options?: Record<string, unknown>;
  /** who decides: the built-in core (default), a JS module in process, or a child process */
  kind?: 'builtin' | 'module' | 'external';
  /** kind external: the program and its arguments */
  command?: string[];
  /** kind module or external: the per-message timeout */
  timeout?: RawDuration;
  /** kind module: the module file, relative to the scenario's folder */
  path?: string;
}

export type RawLatency = RawDuration | { fixed: RawDuration } | { uniform: [RawDuration, RawDuration] } | { lognormal: { median: RawDuration; p99: RawDuration } };

export interface RawWorld {
  stats_interval?: RawDuration;
  placement_latency?: RawDuration;
  stop_latency?: RawDuration;
  measurement_noise?: number;
  boot?: { latency?: RawLatency; failure_probability?: number };
  hosts: RawHost[];
}

export interface RawHost {
  name: string;
  count?: number;
  arch?: string;
  threads: number;
  memory: RawSize;
}

export interface RawWorkload {
  name: string;
  count?: number;
  user?: string;
  arch?: string;
  vcpus?: number;
  memory?: RawSize;
  block_devices?: boolean;
  max_instances?: number | null;
  min_instances?: number;
  load: RawLoad;
  /** Request-driven: the load series is requests per second (src/requests/spec.ts). */
  requests?: unknown;
}

export type RawLoad = RawSyntheticLoad | { trace: RawTraceLoad };

/** A trace load as written (replay options: docs/TRACES.md). */
export interface RawTraceLoad {
  file: string;
  series?: string;
  pattern?: string;
  sum?: string[];
  series_pattern?: string;
  scale?: number;
  shift?: RawDuration;
  start_at?: RawDuration;
  speedup?: number;
  loop?: boolean;
}

export interface RawSyntheticLoad {
  base: RawNumber;
  diurnal?: { amplitude: RawNumber; period?: RawDuration; phase?: RawNumber };
  ar1?: { coefficient: RawNumber; sigma: RawNumber };
  bursts?: { rate_per_hour: RawNumber; height: RawNumber; duration: RawDuration };
  steps?: Array<{ at: RawDuration; delta: RawNumber }>;
  ramps?: Array<{ from: RawDuration; to: RawDuration; delta: RawNumber }>;
}

export interface RawFault {
  at: RawDuration;
  kill_primary?: string;
  kill_instance?: string;
  instance?: number | 'any';
  restart_after?: RawDuration | null;
}
