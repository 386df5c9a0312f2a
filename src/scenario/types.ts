/**
 * A scenario after loading and validation: plain data, durations already in integer
 * microseconds, sizes in bytes, `count:` copies expanded, per-copy random draws resolved.
 * The YAML form is documented in docs/SCENARIOS.md, validated by `scenario/schema.ts` and
 * resolved by `scenario/load.ts`.
 */
import type { Micros } from '../kernel/time.js';
import type { RequestSpec } from '../requests/flow.js';

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
  /**
   * The Incus cluster (engine `incus` only; absent otherwise). For an incus scenario
   * `world.hosts` mirrors the members and `workloads` is empty.
   */
  cluster?: ClusterSpec;
}

export interface EngineSpec {
  name: string;
  variant: string;
  /** Engine configuration with upstream key names, defaults filled in, durations in Micros. */
  config: Record<string, unknown>;
  /** Behaviour options: the variant's preset with the scenario's overrides applied. */
  options: Record<string, unknown>;
  /**
   * Who makes the decisions (docs/PROTOCOL.md): `builtin` (absent: the pure core), `module` (a
   * JavaScript module in process, `path`) or `external` (a child process speaking the protocol,
   * `command`). `name` stays the dialect: which world, sensor and actuator.
   */
  kind?: 'builtin' | 'module' | 'external';
  /** external: the command and its arguments (`command[0]` found on PATH) */
  command?: readonly string[] | null;
  /** module and external: the per-message timeout (default 2 s) */
  timeout?: Micros;
  /** module: the module's absolute path */
  path?: string | null;
  /** module and external: the scenario file's directory (the engine's working directory) */
  cwd?: string;
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
  /**
   * Request-driven workload (`requests:`): the load series is requests per second, served
   * `concurrency` at a time per instance for `serviceTime` each; CPU demand follows (src/requests).
   * Absent: the load series is demand in cores.
   */
  requests?: Required<RequestSpec>;
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

/**
 * A scenario fault: the primary of workload `kill_primary` is killed (and restarted after
 * `restart_after`), or, with `kill_instance`, one live instance of that workload.
 */
export type FaultSpec = KillPrimary | KillInstance;

export interface KillPrimary {
  at: Micros;
  kill_primary: string;
  /** When set, the primary is started again this long after it was killed. */
  restart_after: Micros | null;
}

/**
 * Kill one live, not stopping instance of workload `kill_instance`: the `instance`-th oldest
 * (0 = the oldest, by creation), or `any` one, drawn from the seeded stream `world:faults`.
 * Nothing is restarted: the engine replaces what it misses.
 *
 * @example { at: 300e6, kill_instance: 'web', instance: 'any' }
 */
export interface KillInstance {
  at: Micros;
  kill_instance: string;
  instance: number | 'any';
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
  /** Per-group metrics in summary.json (and the reports' group tables): `all` (default) or `none`. */
  groups: 'all' | 'none';
  /** `scalelab run` warns when a streamed output (timeseries.csv, events.jsonl) will grow past this many bytes. */
  max_bytes: number;
}

/** An Incus cluster: members, projects, VMs, the host observables and the migration model. */
export interface ClusterSpec {
  /** Name of the member that starts as the leader. */
  leader: string;
  /** Period at which VM demand is re-sampled from the load sources (a multiple of 5 s). */
  load_step: Micros;
  host: ClusterHostSpec;
  migration: ClusterMigrationSpec;
  members: ClusterMemberSpec[];
  projects: ClusterProjectSpec[];
  vms: ClusterVmSpec[];
  events: ClusterEventSpec[];
  /** `cluster.offline_threshold`: a member that stopped answering still counts as online this long. */
  offline_threshold: Micros;
  /** Engine neon only: the compute-unit world. */
  neon?: NeonSpec;
}

export interface ClusterHostSpec {
  /** Runnable threads of the host itself (kernel, incusd, QEMU I/O threads), always present. */
  overhead_cores: number;
  /** Memory the host uses besides the VMs (kernel, incusd, QEMU overhead), bytes. */
  memory_overhead_bytes: number;
  /** Load averages at time 0: `steady` (as if the initial load had lasted forever) or `zero`. */
  initial_loadavg: 'steady' | 'zero';
}

export interface ClusterMigrationSpec {
  /** Network bandwidth of each member, bytes/s, shared by the migrations using its link. */
  bandwidth_bytes: number;
  /** QEMU `max-bandwidth`, bytes/s (Incus sets none: QEMU's 128 MiB/s); 0 = the link only. */
  max_bandwidth_bytes: number;
  /** QEMU downtime limit: pre-copy ends when the rest can be sent within this. */
  downtime_limit: Micros;
  /** Dirty-bitmap syncs at most before stop-and-copy regardless; 0 = no cap (QEMU). */
  max_rounds: number;
  /** QEMU auto-converge (Incus always enables it). */
  auto_converge: boolean;
  /** Fixed cost of the switchover (device state, resume on the target), added to the downtime. */
  switchover: Micros;
  /** Fixed time before memory moves (connection, target QEMU start). */
  setup: Micros;
  /** Runnable cores a migration adds on the source and on the target while it runs. */
  cpu_overhead: number;
  /** Probability that a migration fails (during pre-copy; the VM stays on the source). */
  failure_probability: number;
}

export type ClusterMemberState = 'online' | 'evacuated' | 'offline';

export interface ClusterMemberSpec {
  name: string;
  arch: string;
  threads: number;
  memory_bytes: number;
  groups: string[];
  state: ClusterMemberState;
  /** `scheduler.instance`. */
  scheduler_instance: 'all' | 'manual' | 'group';
  /** When the member's daemon started, µs relative to the simulation start (≤ 0). */
  started: Micros;
}

export type ClusterEvacuate = 'auto' | 'live-migrate' | 'refresh-migrate' | 'migrate' | 'stop' | 'stateful-stop' | 'force-stop';

export interface ClusterProjectSpec {
  name: string;
  /** Project config `restricted`. */
  restricted: boolean;
  /** `restricted.cluster.target` (`block` by default; only enforced when `restricted`). */
  cluster_target: 'block' | 'allow';
  /** `restricted.cluster.groups` (enforced only when `restricted`). */
  cluster_groups: string[];
}

export interface ClusterVmSpec {
  name: string;
  project: string;
  /** Member it starts on. */
  member: string;
  /** `limits.cpu` (count). */
  limits_cpu: number;
  /** `limits.memory`, bytes. */
  limits_memory_bytes: number;
  /** Memory the running VM holds on its host, bytes. */
  memory_used_bytes: number;
  /** `migration.stateful`. */
  stateful: boolean;
  /** Devices that cannot be live-migrated (e.g. a passed-through GPU). */
  blocking_devices: string[];
  running: boolean;
  /** `volatile.rebalance.last_move` as µs relative to the simulation start (≤ 0), or null. */
  last_move: Micros | null;
  /** Rate at which the guest dirties memory while running, bytes/s. */
  dirty_rate_bytes: number;
  /** Root disk on a local (not shared) pool that a move must copy, bytes; 0 = shared storage. */
  root_disk_bytes: number;
  /** `cluster.evacuate` (`auto` by default). */
  evacuate: ClusterEvacuate;
  /** CPU demand in cores; null for no demand. */
  load: LoadSpec | null;
}

/** A member changes state at `at` (the leader moves when it goes offline). */
export interface ClusterEventSpec {
  at: Micros;
  member: string;
  state: ClusterMemberState;
}

/**
 * Neon's part of a cluster scenario (engine `neon` only): the latencies of the messages between
 * the agent, the scheduler plugin, NeonVM and the vm-monitor, and each VM's compute-unit range
 * and memory demand. `vms` is index-aligned with `ClusterSpec.vms`.
 */
export interface NeonSpec {
  /** One-way agent ↔ scheduler plugin latency. */
  plugin_latency: Micros;
  /** Time from a recorded increase to the node's reconcile (upstream: within 1 s). */
  reconcile_delay: Micros;
  /** Time from a resize request to the VM running with the new size (NeonVM + hot-plug). */
  neonvm_latency: Micros;
  /** One-way agent ↔ vm-monitor latency. */
  monitor_latency: Micros;
  /** Upper bound of the random time the executor takes off each 15 s plugin request tick. */
  request_jitter: Micros;
  /** vm-monitor memory threshold (0.85). */
  monitor_threshold: number;
  /** Probability that a plugin request, a NeonVM resize or a monitor request fails (the agent retries). */
  failure_probability: { plugin: number; neonvm: number; monitor: number };
  vms: NeonVmSpec[];
}

export interface NeonVmSpec {
  min_cu: number;
  max_cu: number;
  /** Compute units at the start. */
  cu: number;
  /** Memory demand in GiB (non-reclaimable); null for none. */
  memory: LoadSpec | null;
  /** LFC working set in GiB (pages Postgres touches), read with enableLFCMetrics; null for none. */
  lfc: LoadSpec | null;
  /** Labelled for auto-migration by the scheduler plugin. */
  auto_migrate: boolean;
}
