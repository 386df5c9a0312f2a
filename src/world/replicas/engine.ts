/**
 * The plug-in interface of the horizontal (replica) world: what a replica autoscaler — an
 * engine that adds and removes whole instances of a workload (Albatross clones, Kubernetes HPA
 * pods, Unikraft Cloud instances) — brings to run on the one world in `src/world/replicas/`.
 *
 * The world owns everything physical and everything measured: the event heap, instances and
 * their lifecycle (placing → booting → running → stopping → gone, boot latency and failures),
 * hosts and placement, the load split and CPU counters, measurement noise, scenario faults,
 * the metrics, `events.jsonl`, `timeseries.csv` and the report's chart data. An engine brings:
 *
 *   1. its descriptor (keys, defaults, variants; `src/engines/descriptor.ts`), and when its
 *      configuration is structured (metric lists, policies, steps), `resolveConfig` on the
 *      descriptor, which turns the written `engine.config` into the resolved one;
 *   2. `bind(scenario)`: a `ReplicaPlugin` for one run (contexts per workload built from the
 *      resolved config, scratch objects for its sensor);
 *   3. in that plug-in: the state of each workload before anything happened, the instances
 *      the world starts warm at t = 0, its *sensor* (what it observes of the world and when),
 *      its decide function (a call of its pure core), its answers to world outcomes (a spawn
 *      placed or refused, an instance gone) and what it offers the metrics and the report.
 *
 * Every answer of the plug-in is a `ReplicaStep`: the workload's next state, commands for the
 * world's one actuator (spawn, destroy, standby, wake, orphan, adopt, note) and optionally when
 * to wake the plug-in next. The world keeps the states (one per workload, `S`) and passes them
 * back in; a plug-in keeps no per-workload memory of its own besides scratch objects it reuses
 * within one call (so the core stays pure and runs are deterministic).
 *
 * Registration (see docs/ARCHITECTURE.md, "Adding an engine"): the descriptor goes into
 * `src/engines/registry.ts`, the engine into the `runners` map of `src/run/run.ts` as
 * `replicaRunner(myEngine)` and into `BUILTIN_RUNNERS` of `src/run/load-runner.ts` (what
 * `scalelab run` imports). Nothing in the world, metrics or report changes.
 *
 * Time is integer µs throughout. Nothing here allocates on the world's hot path: the round
 * sensor fills records the plug-in owns and reuses.
 */
import type { EngineDescriptor } from '../../engines/descriptor.js';
import type { Micros } from '../../kernel/time.js';
import type { RequestFlow } from '../../requests/flow.js';
import type { PanelSource } from '../../report/chart-recorder.js';
import type { Scenario, WorkloadSpec } from '../../scenario/types.js';

// --- what the world shows ------------------------------------------------------------------

/**
 * Lifecycle phase of an instance, as small integers (the hot path compares numbers):
 * Placing (asked for, not on a host yet), Booting (on its host, not serving), Running
 * (serving: takes its share of the demand), Stopping (destroy asked, still costs), Gone
 * (released; never seen by a plug-in). `Standby` is declared for engines that park instances
 * (Unikraft Cloud scale-to-zero): kept on its host, serves nothing, costs memory only; the world
 * carries out the `standby`/`wake` commands (see `ReplicaCommand`).
 */
export const ReplicaPhase = { Placing: 0, Booting: 1, Running: 2, Stopping: 3, Gone: 4, Standby: 5 } as const;
export type ReplicaPhase = (typeof ReplicaPhase)[keyof typeof ReplicaPhase];

/**
 * One instance as a plug-in may read it. The world's own instance objects satisfy this
 * interface; a plug-in must not change them, except the two `reported*` fields, which belong
 * to the sensor (the world only initialises them: −1 and 0).
 */
export interface ReplicaInstanceView {
  /** Unique over the run, never reused; increasing in creation order. */
  readonly id: number;
  /** Unique among the workload's live instances (the engine chooses names of what it spawns). */
  readonly name: string;
  /** Started by the world (warm at t = 0 or restarted by a fault), not spawned by the engine. */
  readonly isPrimary: boolean;
  /** The host it is placed on (index into `world.hosts` after `count:` expansion). */
  readonly host: number;
  readonly phase: ReplicaPhase;
  readonly vcpus: number;
  /** Left running and unmanaged by the engine (`orphan` command). */
  readonly orphaned: boolean;
  /** Cumulative CPU time in µs (fractional), settled to the time of the call. */
  readonly cpuUs: number;
  /** When it was created (the spawn command, or t = 0 for warm instances). */
  readonly createdAt: Micros;
  /** When it got onto its host and started booting (Kubernetes `status.startTime`); −1 while placing. */
  readonly startedAt: Micros;
  /** When it last entered its current phase (readiness transition time when running). */
  readonly phaseSince: Micros;
  /** Sensor scratch: time of the sensor's last reading of this instance (−1: never). */
  reportedAt: Micros;
  /** Sensor scratch: the CPU time it read then, in µs (whole µs for the sensors that floor it). */
  reportedCpuUs: number;
  /**
   * Where the world keeps its phase, CPU counter and sensor scratch: this slot of its group's
   * `columns` (the fields above read them there). Changes when the group's block moves: read it
   * anew in each call.
   */
  readonly slot: number;
}

/**
 * The world's instances in columns (`ReplicaGroupView.columns`), for a sensor that reads many
 * instances in a hot loop (Albatross's `RoundSensor.roundBatch`, Unikraft Cloud's decisions): the numbers of the instance in slot `s` — the same ones its
 * `ReplicaInstanceView` shows (the view reads them here). Workload g's live instances hold the
 * slots `first[g]` … `end[g] − 1`, in no particular order, among free slots (a phase that is no
 * `ReplicaPhase`). Read only, except the sensor's two scratch columns. The columns are replaced
 * when the world grows them: read them from this object in each call, never keep them.
 */
export interface ReplicaInstanceColumns {
  readonly phase: Uint8Array;
  /** `cpuUs` of each slot. */
  readonly cpu: Float64Array;
  /** `reportedAt` of each slot (sensor scratch). */
  readonly reportedAt: Float64Array;
  /** `reportedCpuUs` of each slot (sensor scratch). */
  readonly reportedCpu: Float64Array;
  readonly first: Int32Array;
  readonly end: Int32Array;
}

/** One workload as a plug-in may read it (the world's own object; read only). */
export interface ReplicaGroupView {
  /** Position in `scenario.workloads` (and of its state in the world's state array). */
  readonly index: number;
  readonly spec: WorkloadSpec;
  /** Live instances (every phase but gone), sorted by name (albatross-stats order). */
  readonly instances: readonly ReplicaInstanceView[];
  /** Demand in cores in effect now. */
  readonly demand: number;
  readonly placing: number;
  readonly booting: number;
  readonly running: number;
  readonly stopping: number;
  /** Parked instances (phase Standby). */
  readonly standby: number;
  readonly orphaned: number;
  /**
   * Request-driven workloads (`requests:`): the service's request flow (src/requests), advanced
   * by the world whenever the counters are settled (so at `now` in a sensor call); null otherwise.
   */
  readonly requests: RequestFlow | null;
  /** Request-driven workloads: requests per second arriving now (the load series); 0 otherwise. */
  readonly rate: number;
  /**
   * The world's instance columns (`ReplicaInstanceColumns`), one object for all its groups: for a
   * sensor in a hot loop, each instance's numbers at its `slot`, read from the columns taken once
   * a call, not through the instance's fields one by one.
   */
  readonly columns: ReplicaInstanceColumns;
  /**
   * A counter the world bumps whenever an instance is added or removed or changes phase: while
   * it stays the same, `instances` holds the same instances in the same phases (their counters
   * and sensor scratch aside). A sensor may rely on it to reuse what it found out about them.
   */
  readonly changes: number;
}

// --- what the engine asks of the world: the one actuator -----------------------------------

/**
 * `scaling` marks a command that is (part of) a scaling action. The world counts one scaling
 * action per step and direction (metrics `scale_ups`/`scale_downs`, reversals, flip-flops, the
 * chart's action marks) — a step that spawns three pods is one scale-up — and every instance
 * in `clones_spawned` / `clones_destroyed`.
 */
export type ScalingDirection = 'up' | 'down';

/**
 * What an engine can ask of the world. The world carries out a step's commands in order, at
 * the step's time, and logs each to `events.jsonl`.
 *
 * - `spawn`: create instance `name` (the engine names it; unique among live instances). With
 *   `cloneOf`, it is a clone of that instance and is refused when that one is not live or is
 *   stopping (`primary_missing`), and when the workload has block devices (`block_devices`), as
 *   mollymawk refuses; then placement may fail (`no_capacity`). A spawn placed is answered
 *   by `onSpawnResult(…, 'placed')` after `world.placement_latency`; a refusal at once, inside
 *   the same step. It then boots (sampled latency; may fail — `onGone(…, 'boot_failed')`).
 *   Logged as `scale_up` (scaling) or `spawned`; a refusal as `spawn_failed` (repeated refusals
 *   coalesced and retried with a backoff: `ReplicaPlugin.spawnFailures`).
 * - `spawn_refused`: the engine refused a spawn itself before asking the world (counts a spawn
 *   failure; Albatross's clone name too long).
 * - `destroy`: stop `instance` (a name), or `'newest'` (the live, not stopping instance created
 *   last; ties by higher id). Nothing to stop → `destroy_ignored` is logged. Stopping takes
 *   `world.stop_latency`, then `onGone(…, 'destroyed')`. An engine with a ranking of its own
 *   (the ReplicaSet's, the fewest in-flight requests) picks the names itself.
 * - `standby` / `wake`: park a running instance (it keeps its memory, serves nothing) / bring a
 *   parked one back: it boots again for `latency` (a stateful resume), or for a sampled
 *   `world.boot.latency` when absent (a cold boot), then runs. A parked instance keeps its host
 *   slot and memory, serves nothing and uses no CPU. Logged as `standby` / `wake`; a wake with
 *   reason `request` is counted as a wake, not a cold start, by the request metrics.
 * - `orphan` / `adopt`: the engine lets go of live instances (they keep running and costing,
 *   counted in `orphaned_instances`) / takes one back.
 * - `note`: an event with no effect on the world, logged as `{ type: event, group, ...fields }`.
 */
export type ReplicaCommand =
  | { readonly type: 'spawn'; readonly name: string; readonly cloneOf?: string; readonly scaling?: ScalingDirection }
  | { readonly type: 'spawn_refused'; readonly reason: string; readonly instance?: string }
  | { readonly type: 'destroy'; readonly instance: string | 'newest'; readonly reason: string; readonly scaling?: ScalingDirection }
  | { readonly type: 'standby'; readonly instance: string; readonly reason: string }
  | { readonly type: 'wake'; readonly instance: string; readonly reason: string; readonly latency?: Micros }
  | { readonly type: 'orphan'; readonly instances: readonly string[] }
  | { readonly type: 'adopt'; readonly instance: string }
  | { readonly type: 'note'; readonly event: string; readonly fields?: Readonly<Record<string, unknown>> };

/**
 * A plug-in's answer: the workload's next state, commands for the actuator, and when to call
 * `sensor.onWake` next. `wakeAt`: a time > now replaces the pending wake-up; `null` cancels
 * it; absent keeps it. Return the same state object when nothing changed (the world then does
 * nothing more), and a shared empty `actions` array: a quiet round must allocate nothing.
 */
export interface ReplicaStep<S> {
  readonly state: S;
  readonly actions: readonly ReplicaCommand[];
  readonly wakeAt?: Micros | null;
}

/**
 * A batch round's answer for a group whose step keeps its state and does nothing (see
 * `RoundSensor.roundBatch`): the world compares it by identity and reads nothing more.
 */
export const KEEP_STATE: unique symbol = Symbol('keep state');

/** How a spawn ended, as the world reports it to `onSpawnResult`. */
export type SpawnResult =
  /** on its host, booting now. */
  | 'placed'
  /** no host of the workload's arch has room for it. */
  | 'no_capacity'
  /** the instance it clones (`cloneOf`; Albatross: the group's primary) is not live, or is stopping. */
  | 'primary_missing'
  /** a clone of a workload with block devices (mollymawk refuses to clone those). */
  | 'block_devices';

/** Why an instance is gone, as the world reports it to `onGone`. */
export type GoneCause = 'destroyed' | 'boot_failed' | 'killed';

// --- the sensor ----------------------------------------------------------------------------

/**
 * The world's *round*: every `world.stats_interval` (the load step) one heap event for all
 * workloads. In it, per workload in order: CPU counters are settled to now (measurement noise
 * perturbs each running instance's CPU used since the last round), a round sensor samples the
 * instances and decides, then the next demand takes effect and the metrics take the new values.
 *
 * A `RoundSensor` reads the world in that pass (Albatross: an albatross-stats record for each
 * booting or running instance, every stats interval). Fused into the world's one pass over the
 * instances, so it must allocate nothing: `sample` writes into a record the plug-in owns and
 * reuses, slot `slot` of this round.
 */
export interface RoundSensor<S> {
  readonly kind: 'round';
  /**
   * Read `inst` (its counter settled to `now`, noise applied) into record `slot`; true when a
   * record was taken (the next one goes to `slot + 1`), false when the engine does not see this
   * instance (Albatross: placing or stopping).
   */
  sample(inst: ReplicaInstanceView, slot: number, now: Micros): boolean;
  /**
   * Decide on the `count` records just taken; null when the engine is not called this round
   * (nothing reported and nothing to do). A step with no actions only replaces the state.
   */
  decide(group: ReplicaGroupView, state: S, count: number, now: Micros): ReplicaStep<S> | null;
  /**
   * Optional, for speed: the round of groups `from` … `to − 1` in one call, their counters
   * already settled. For each group in order: `sample` on each of its instances in list order
   * (slots 0, 1, …), then `decide` on the records taken, its answer in `steps[index]` — exactly
   * what the world would get calling the two itself, except that a step keeping the state
   * with no actions and no wake-up may be given as `KEEP_STATE` (the world then only counts
   * the call, without reading the step). The world then carries out the steps in
   * group order (a decision reads only its own group, so deciding a batch first changes
   * nothing). It calls the two itself for the groups whose reading it needs (time-series rows,
   * charts), since the records are gone after the batch. One call per round lets the engine's
   * per-group step compile as one unit: its sampling and its fast path inlined into the loop.
   * Each group's `columns` hold its instances' numbers side by side (`ReplicaInstanceColumns`),
   * for a sensor that need not build records or read the instance objects. Returns the records
   * taken.
   *
   * @example sensor.roundBatch(groups, states, 0, groups.length, now, steps) // 1230 records; steps[i] as decide would answer
   */
  roundBatch?(groups: readonly ReplicaGroupView[], states: readonly S[], from: number, to: number, now: Micros, steps: (ReplicaStep<S> | typeof KEEP_STATE | null)[]): number;
  /**
   * Optional: how many groups the world hands `roundBatch` at once (default 64, so that a chunk's
   * groups are still in cache for the world's next pass). An engine that pays per call (an
   * external process: one `batch` message per call) asks for `Infinity`: the whole round at once.
   */
  readonly batchChunk?: number;
}

/**
 * A `TimerSensor` observes the world at times the engine chooses (HPA: the metrics-server view
 * at every `syncPeriod`; Unikraft Cloud: millicores and in-flight requests per instance at its
 * decision period). The world calls `onWake` at `firstWake`, then at each step's `wakeAt`; one
 * heap event per workload and wake-up, ordered before the round at the same time and after the
 * lifecycle events (placed, boot done, wake done, gone) and faults at that time: an observation at
 * t sees what changed at t (test/replica-order.test.ts). Counters are
 * settled to `now` before the call. `observe` builds the core's observation from the world
 * (the sensor proper); `decide` calls the pure core on it. The world always calls them as the
 * pair `decide(state, observe(group, state, now), now)`; they are separate so tests and docs can
 * show what the engine saw.
 */
export interface TimerSensor<S, O> {
  readonly kind: 'timer';
  /** First wake-up of a workload (e.g. 0, or the first decision tick); null: none. */
  firstWake(group: ReplicaGroupView, state: S): Micros | null;
  observe(group: ReplicaGroupView, state: S, now: Micros): O;
  decide(group: ReplicaGroupView, state: S, observation: O, now: Micros): ReplicaStep<S>;
}

/** A sweep over all workloads every `every` µs (Albatross's sync pass every `death_timeout`). */
export interface PeriodicPass<S> {
  readonly every: Micros;
  /** The step for one workload; a step returning the same state and no actions is a no-op. */
  run(group: ReplicaGroupView, state: S, now: Micros): ReplicaStep<S>;
}

// --- what the engine offers the metrics and the report -------------------------------------

/**
 * What the engine evaluated at a round, for `timeseries.csv` and the charts (a reused object
 * the plug-in fills; allocate nothing). `cpu`: the load the engine read, in percent (null: it
 * read none this round — no `cpu_pct` row); `highTicks`/`lowTicks`: consecutive-tick counters
 * (0 for engines without them); `inCooldown`: the engine refuses to scale now.
 */
export interface EngineReading {
  cpu: number | null;
  highTicks: number;
  lowTicks: number;
  inCooldown: boolean;
}

/** Plain data for the metrics and the report, fixed for a run. */
export interface ReplicaReportInfo<S> {
  /**
   * The engine's cooldown after a scaling action (µs; 0 without one). The flip-flop rule counts
   * an opposite action at most cooldown + `metrics.flip_flop_window` after the previous one.
   */
  readonly cooldown: Micros;
  /** CPU lines drawn on the CPU chart, percent (Albatross: its thresholds; HPA: target ± tolerance). */
  readonly thresholds: { readonly up: number; readonly down: number };
  /** One sentence for summary.json's notes on what the sensor reads and when ("stats records every 10 s"). */
  readonly sensorNote: string;
  /**
   * When the cooldown band that started last began (µs), or null when none: the chart shades
   * [start, start + cooldown]; a change of this value after a step starts a new band, a change to
   * null cuts the open band. Omit for engines without a cooldown.
   */
  cooldownStart?(state: S): Micros | null;
  /**
   * Fill `out` with what the engine evaluated in the step from `before` to `after` at `now` (the
   * round sensor's records of this round are still in the plug-in's scratch). Called at each
   * round for time-series rows and charted groups only, after the round's decision; with a timer
   * sensor `before` and `after` are both the current state (the last decision is in it).
   */
  reading(group: ReplicaGroupView, before: S, after: S, now: Micros, out: EngineReading): void;
  /**
   * Charts of the engine's own, drawn in place of the tick-counter chart (HPA: desired vs ready
   * replicas, each metric against its target). Each panel owns a `values` array (one slot per
   * series) that `reading` fills for the group it is called for (NaN: no value this round); the
   * world charts it right after. Omit for engines whose tick counters are the story (Albatross).
   */
  readonly panels?: readonly ReplicaPanel[];
}

/**
 * An engine's own chart: title, subtitle, y-axis title, the lines (`series`) and dashed
 * reference lines (`rules`); `integer` for counts. `values` is the plug-in's scratch, one number
 * per series, filled by `reading`.
 *
 * @example { title: 'HPA replicas', subtitle: '…', axis: 'pods', series: ['desired', 'ready'], integer: true, values: new Float64Array(2) }
 */
export type ReplicaPanel = PanelSource;

// --- the plug-in ---------------------------------------------------------------------------

/** An instance the world starts for a workload: warm (running) at t = 0. */
export interface InitialInstance {
  readonly name: string;
  /** Target of the scenario's `kill_primary` faults (which name the workload). */
  readonly primary: boolean;
}

/** One run's plug-in, made by `ReplicaEngine.bind`. `S` is the engine's per-workload state. */
export interface ReplicaPlugin<S, O = unknown> {
  /** Instances warm at t = 0 (Albatross: the primary, named after the workload). */
  initialInstances(spec: WorkloadSpec): readonly InitialInstance[];
  /** The workload's state before the first event (after its initial instances exist). */
  initialState(group: ReplicaGroupView): S;
  readonly sensor: RoundSensor<S> | TimerSensor<S, O>;
  /** Optional sweep over all workloads at a fixed period (heap event before the round at the same time). */
  readonly periodic?: PeriodicPass<S>;
  /**
   * How the world treats spawns that fail (default `'backoff'`). `'backoff'`: after a spawn of a
   * workload finds no room (`no_capacity`), the world tries no placement for that workload for
   * 10 ms, then 20, 40, … (doubling at each failed try, at most `world.stats_interval`; a spawn
   * placed resets it), refusing its spawns at once as `no_capacity` meanwhile; and in
   * `events.jsonl` a run of failures with the same reason is one `spawn_failed` line for the
   * first and, when the run ends (a spawn placed, another reason, the end of the run), one
   * `spawn_failed` line with `count` (failures after the first), `first_s` and `last_s`.
   * `'each'`: every spawn is tried and every failure logged (Albatross: its failure path is
   * upstream's, one failure per stats record at most).
   */
  readonly spawnFailures?: 'backoff' | 'each';
  /** A spawn the engine asked for was placed (after `placement_latency`) or refused (at once). */
  onSpawnResult(group: ReplicaGroupView, state: S, name: string, result: SpawnResult, now: Micros): ReplicaStep<S>;
  /** An instance is gone (a destroy finished, its boot failed, a fault killed it); null: not interested. */
  onGone(group: ReplicaGroupView, state: S, name: string, cause: GoneCause, now: Micros): ReplicaStep<S> | null;
  readonly report: ReplicaReportInfo<S>;
}

/** A replica autoscaler as the world runs it: its descriptor and how to bind it to a scenario. */
export interface ReplicaEngine<S = unknown, O = unknown> {
  readonly descriptor: EngineDescriptor;
  /** A plug-in for one run of `scenario` (whose `engine` section names this engine). */
  bind(scenario: Scenario): ReplicaPlugin<S, O>;
}

export type { ConfigWhere, StructuredKeySpec } from '../../engines/descriptor.js';
