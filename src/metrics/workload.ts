/**
 * Exact streaming metrics for one workload (definitions: METRICS.md).
 *
 * The simulator reports the values in effect from time t on; between two reports they are
 * constant, so every integral is accumulated exactly as value × (t − tLast) when time moves
 * on. Nothing is re-sampled except υ, which is defined on a fixed grid.
 *
 * Hot-path rules: `update` allocates nothing and touches only numeric fields; memory does not
 * grow with simulated duration: closed reaction-time episodes go into a bounded
 * {@link QuantileSketch} per workload (exact up to 256 episodes, then a histogram).
 *
 * Same-timestamp rule: several updates at the same t are normal and the last one wins for
 * time t. Everything time-weighted (integrals, max instances, SLO episodes) is decided on the
 * half-open intervals [tLast, t) of positive length, so a value that is replaced at the same
 * instant it was set never counts — not in max_instances, not as a zero-length episode.
 */
import type { Micros } from '../kernel/time.js';
import { MICROS_PER_HOUR, MICROS_PER_SECOND } from '../kernel/time.js';
import { QuantileSketch } from './quantiles.js';
import { percentOf, perHour } from './stats.js';

/** Activity counters that are plain counts (METRICS.md "Cost and activity", plus ping-pongs). */
export const COUNTER_NAMES = [
  'clones_spawned',
  'clones_destroyed',
  'boot_failures',
  'spawn_failures',
  'orphaned_instances',
  'migrations',
  'migrations_failed',
  'resizes',
  'ping_pongs',
] as const;

/** Name of an activity counter, see {@link COUNTER_NAMES}. */
export type CounterName = (typeof COUNTER_NAMES)[number];

/** Position of each counter in the counters array (looked up per `count` call, no allocation). */
const COUNTER_INDEX = Object.fromEntries(COUNTER_NAMES.map((name, i) => [name, i])) as Record<CounterName, number>;

/** Settings of one workload's metrics, from the scenario. */
export interface WorkloadMetricsOptions {
  /** Start of the measured window (usually 0). */
  start: Micros;
  /** u: demand above u × capacity is an SLO violation (scenario `slo.utilisation_target`). */
  utilisationTarget: number;
  /**
   * W: an opposite scaling action at most this long after the previous action's cooldown has
   * ended is a flip-flop (see {@link WorkloadMetricsBank.scaling}).
   */
  flipFlopWindow: Micros;
  /**
   * The engine's own cooldown after a scaling action (Albatross `cooldown_period`; 0 for an
   * engine without one). The flip-flop window is measured from its end, so a reversal the
   * engine makes as soon as it is allowed to is always inside it. Default 0.
   */
  cooldown?: Micros;
  /** Δt: spacing of the υ evaluation grid. */
  elasticityGrid: Micros;
}

/** Everything one workload measured over [start, end); seconds unless the name says otherwise. */
export interface WorkloadResult {
  start: Micros;
  end: Micros;
  duration_seconds: number;
  utilisation_target: number;
  flip_flop_window: Micros;
  /** The engine cooldown the flip-flop window is measured from (µs). */
  flip_flop_cooldown: Micros;
  elasticity_grid: Micros;

  instance_seconds: number;
  vcpu_seconds: number;
  gib_seconds: number;
  /** Time-weighted mean number of instances; null for an empty window. */
  mean_instances: number | null;
  /** Largest instance count held for a positive time; null for an empty window. */
  max_instances: number | null;
  scale_ups: number;
  scale_downs: number;
  counts: Record<CounterName, number>;
  migration_seconds: number;

  slo_violation_seconds: number;
  slo_violation_percent: number | null;
  unserved_core_seconds: number;
  /**
   * Lengths of the closed reaction-time episodes, in µs (bounded: exact up to 256, then a
   * histogram; `reaction_time_*` are computed from it, the run level pools these).
   */
  reaction_sketch: QuantileSketch;
  reaction_episodes: number;
  reaction_episodes_open: number;
  reaction_time_mean: number | null;
  reaction_time_p50: number | null;
  reaction_time_p95: number | null;
  reaction_time_max: number | null;

  flip_flops: number;
  flip_flop_rate: number | null;
  /** Scaling actions opposite to the previous one, however far apart (window-free). */
  reversals: number;
  reversal_rate: number | null;
  ping_pong_rate: number | null;

  /** Elasticity metrics in percent, supply and demand in instances, ε = 1 instance. */
  theta_u: number | null;
  theta_o: number | null;
  tau_u: number | null;
  tau_o: number | null;
  upsilon: number | null;
  /** Number of grid steps υ was evaluated on (k = 1 … n, g_n ≤ end). */
  upsilon_steps: number;
}

// A workload's numbers in WorkloadMetricsBank.f: slot F_* of its STRIDE-long block.
// The values in effect since its last update (see `update`):
const F_DEMAND = 0;
const F_CAPACITY = 1;
const F_DEMAND_INSTANCES = 2;
const F_SUPPLY_INSTANCES = 3;
const F_INSTANCES = 4;
const F_VCPUS = 5;
const F_MEMORY_GIB = 6;
// The time of its last update, its integrals (value × µs) and the largest instance count held
// for a positive time (−∞ until time has passed):
const F_T_LAST = 7;
const F_INSTANCE_US = 8;
const F_VCPU_US = 9;
const F_GIB_US = 10;
const F_VIOLATION_US = 11;
const F_UNSERVED_US = 12;
const F_THETA_UNDER_US = 13;
const F_THETA_OVER_US = 14;
const F_TAU_UNDER_US = 15;
const F_TAU_OVER_US = 16;
const F_MAX_INSTANCES = 17;
// Reaction-time episodes (open: 1 or 0, and since when), scaling actions, migration time:
const F_EPISODE_OPEN = 18;
const F_EPISODE_START = 19;
const F_SCALE_UPS = 20;
const F_SCALE_DOWNS = 21;
const F_FLIP_FLOPS = 22;
const F_LAST_DIRECTION = 23;
const F_LAST_ACTION_TIME = 24;
const F_MIGRATION_SECONDS = 25;
// The υ grid: index and time of the next point to sample, the previous sample, the tally:
const F_NEXT_GRID_INDEX = 26;
const F_NEXT_GRID_TIME = 27;
const F_PREV_GRID_SUPPLY = 28;
const F_PREV_GRID_DEMAND = 29;
const F_UNSTABLE_STEPS = 30;
// Direction reversals, window-free:
const F_REVERSALS = 31;
/** Slots per workload (all 32 used; 32 × 8 bytes = four cache lines). */
const STRIDE = 32;

/**
 * Streaming accumulators for `size` workloads at once, in one typed array: workload i owns
 * `STRIDE` consecutive numbers from i × STRIDE. The stats round advances every workload in one
 * sequential pass (`advanceAll`) and then stores each one's new values (`set`); a thousand
 * separate objects, each with a dozen boxed numbers, would be a cache miss apiece.
 *
 * @example
 * const bank = new WorkloadMetricsBank(2, { start: 0, utilisationTarget: 1, flipFlopWindow: 600e6, elasticityGrid: 60e6 });
 * bank.update(0, 0, 2, 1, 2, 1, 1, 1, 0.5);    // workload 0 at t = 0: demand 2 cores, capacity 1 core
 * bank.advanceAll(10e6);                         // both workloads to 10 s with what they had
 * bank.set(0, 0.5, 1, 1, 1, 1, 1, 0.5);          // workload 0 from 10 s on
 * bank.finish(0, 20e6).slo_violation_seconds;    // 10
 */
export class WorkloadMetricsBank {
  readonly size: number;
  private readonly start: Micros;
  private readonly u: number;
  private readonly window: Micros;
  private readonly cooldown: Micros;
  private readonly grid: Micros;

  /** Every workload's numbers: slot `F_*` of workload i at i × STRIDE + F_*. */
  private readonly f: Float64Array;
  /**
   * Each workload's closed reaction-time episode lengths (µs), in a sketch made at its first
   * closed episode (null before): at 100,000 workloads a sketch each from the start is ≈ 42 MB
   * that every young-generation collection of the set-up copies, for workloads most of which
   * close none for a while.
   */
  private readonly episodes: (QuantileSketch | null)[];
  /** `COUNTER_NAMES.length` counters per workload, workload after workload. */
  private readonly counters: Float64Array;

  constructor(size: number, opts: WorkloadMetricsOptions) {
    if (!(opts.utilisationTarget > 0)) throw new RangeError(`utilisation target must be > 0, got ${opts.utilisationTarget}`);
    if (!(opts.flipFlopWindow >= 0)) throw new RangeError(`flip-flop window must be ≥ 0, got ${opts.flipFlopWindow}`);
    if (!(opts.elasticityGrid > 0)) throw new RangeError(`elasticity grid must be > 0, got ${opts.elasticityGrid}`);
    this.size = size;
    this.start = opts.start;
    this.u = opts.utilisationTarget;
    this.window = opts.flipFlopWindow;
    this.cooldown = opts.cooldown ?? 0;
    if (!(this.cooldown >= 0)) throw new RangeError(`cooldown must be ≥ 0, got ${this.cooldown}`);
    this.grid = opts.elasticityGrid;
    this.f = new Float64Array(size * STRIDE);
    for (let i = 0; i < size; i++) {
      this.f[i * STRIDE + F_T_LAST] = opts.start;
      this.f[i * STRIDE + F_NEXT_GRID_TIME] = opts.start;
      this.f[i * STRIDE + F_MAX_INSTANCES] = -Infinity;
    }
    this.episodes = new Array<QuantileSketch | null>(size).fill(null);
    this.counters = new Float64Array(size * COUNTER_NAMES.length);
  }

  /**
   * The values in effect for workload `i` from `t` on (t non-decreasing per workload; the last
   * update at a given t wins). Before the first update everything is 0.
   *
   * @param demandCores d(t), CPU demand in cores
   * @param capacityCores s(t), vCPUs of booted instances (minus migration overhead)
   * @param demandInstances d(t) in instances, for θ/τ/υ
   * @param supplyInstances s(t) in instances, for θ/τ/υ
   * @param instances instances that exist and cost (any state but gone)
   * @param vcpus their vCPUs
   * @param memoryGiB their memory in GiB
   */
  update(
    i: number,
    t: Micros,
    demandCores: number,
    capacityCores: number,
    demandInstances: number,
    supplyInstances: number,
    instances: number,
    vcpus: number,
    memoryGiB: number,
  ): void {
    this.advance(i, t);
    this.f[i * STRIDE + F_DEMAND] = demandCores;
    this.f[i * STRIDE + F_CAPACITY] = capacityCores;
    this.f[i * STRIDE + F_DEMAND_INSTANCES] = demandInstances;
    this.f[i * STRIDE + F_SUPPLY_INSTANCES] = supplyInstances;
    this.f[i * STRIDE + F_INSTANCES] = instances;
    this.f[i * STRIDE + F_VCPUS] = vcpus;
    this.f[i * STRIDE + F_MEMORY_GIB] = memoryGiB;
  }

  /**
   * A scaling action of workload `i` at `t` (1 = up, −1 = down). It is a *reversal* when its
   * previous action went the other way (however long ago), and a *flip-flop* when it is a
   * reversal that came at most W after the previous action's cooldown ended:
   * t − previous ≤ cooldown + W. Returns what it was, for the charts: 0 neither, 1 a reversal,
   * 2 a flip-flop (a flip-flop is also counted as a reversal).
   *
   * @example
   * // cooldown 600 s, W 600 s: up at 0, down at 630 s (630 ≤ 600 + 600) → a flip-flop
   * bank.scaling(0, 0, 1); bank.scaling(0, 630e6, -1); // returns 2
   */
  scaling(i: number, t: Micros, direction: 1 | -1): 0 | 1 | 2 {
    const b = i * STRIDE;
    if (direction === 1) this.f[b + F_SCALE_UPS]++;
    else this.f[b + F_SCALE_DOWNS]++;
    let kind: 0 | 1 | 2 = 0;
    if (this.f[b + F_LAST_DIRECTION] === -direction) {
      this.f[b + F_REVERSALS]++;
      kind = 1;
      if (t - this.f[b + F_LAST_ACTION_TIME]! <= this.cooldown + this.window) {
        this.f[b + F_FLIP_FLOPS]++;
        kind = 2;
      }
    }
    this.f[b + F_LAST_DIRECTION] = direction;
    this.f[b + F_LAST_ACTION_TIME] = t;
    return kind;
  }

  /**
   * Workload `i`'s SLO-violation time so far (µs, up to its last advance), for the charts.
   *
   * @example bank.advanceAll(t); bank.violationMicros(0) // time with d > u·s in [start, t)
   */
  violationMicros(i: number): number {
    return this.f[i * STRIDE + F_VIOLATION_US]!;
  }

  /** Add `n` to an activity counter of workload `i`. @example bank.count(0, 'clones_spawned') */
  count(i: number, name: CounterName, n = 1): void {
    this.counters[i * COUNTER_NAMES.length + COUNTER_INDEX[name]] += n;
  }

  /** Add time spent migrating (seconds) to workload `i`'s `migration_seconds`. */
  addMigrationSeconds(i: number, seconds: number): void {
    this.f[i * STRIDE + F_MIGRATION_SECONDS] += seconds;
  }

  /**
   * Close workload `i`'s integrals at `end` (T = end − start) and return its results. This
   * only advances time, so it can be called again later for a running snapshot, provided
   * later updates are strictly after `end` (the grid point at `end` has been sampled).
   */
  finish(i: number, end: Micros): WorkloadResult {
    this.close(i, end);
    return this.result(i, end);
  }

  /** Close workload `i`'s integrals at `end` (what `finish` does) without building its result. */
  close(i: number, end: Micros): void {
    this.advance(i, end);
    if (this.f[i * STRIDE + F_NEXT_GRID_TIME]! <= end) this.sampleGrid(i, this.lastGridIndexAtOrBefore(end));
  }

  /** Store workload `i`'s values in effect since its last advance (see `update`). */
  set(i: number, demandCores: number, capacityCores: number, demandInstances: number, supplyInstances: number, instances: number, vcpus: number, memoryGiB: number): void {
    const f = this.f;
    const b = i * STRIDE;
    f[b + F_DEMAND] = demandCores;
    f[b + F_CAPACITY] = capacityCores;
    f[b + F_DEMAND_INSTANCES] = demandInstances;
    f[b + F_SUPPLY_INSTANCES] = supplyInstances;
    f[b + F_INSTANCES] = instances;
    f[b + F_VCPUS] = vcpus;
    f[b + F_MEMORY_GIB] = memoryGiB;
  }

  /** `advance(i, t)` for every workload, in one pass over the arrays. */
  advanceAll(t: Micros): void {
    this.advanceRange(0, this.size, t);
  }

  /**
   * Move workload `i` from its last update to `t`, accounting the interval with its current
   * values; the input arrays then take the values in effect from `t` on (`update` is this
   * plus the stores).
   */
  advance(i: number, t: Micros): void {
    this.advanceRange(i, i + 1, t);
  }

  /** `advance` for workloads `from` … `to − 1`, the arrays held in locals across the loop. */
  private advanceRange(from: number, to: number, t: Micros): void {
    const f = this.f;
    const { u, grid, start } = this;
    for (let i = from; i < to; i++) {
      const b = i * STRIDE;
      const last = f[b + F_T_LAST]!;
      if (t === last) continue;
      if (!(t > last)) backwards(t, last);
      const dt = t - last;
      const di = f[b + F_DEMAND_INSTANCES]!;
      const si = f[b + F_SUPPLY_INSTANCES]!;
      if (f[b + F_NEXT_GRID_TIME]! < t) {
        if (f[b + F_NEXT_GRID_TIME]! + grid >= t) {
          // usually exactly one grid point is pending (the grid is the stats interval): it is
          // unstable when sgn Δs ≠ sgn Δd (min(|sgn Δs − sgn Δd|, 1) = 1)
          const k = f[b + F_NEXT_GRID_INDEX]!;
          if (k > 0 && Math.sign(si - f[b + F_PREV_GRID_SUPPLY]!) !== Math.sign(di - f[b + F_PREV_GRID_DEMAND]!)) f[b + F_UNSTABLE_STEPS]++;
          f[b + F_PREV_GRID_SUPPLY] = si;
          f[b + F_PREV_GRID_DEMAND] = di;
          f[b + F_NEXT_GRID_INDEX] = k + 1;
          f[b + F_NEXT_GRID_TIME] = start + (k + 1) * grid;
        } else {
          this.sampleGrid(i, this.lastGridIndexBefore(t));
        }
      }
      // cost: instance/vCPU/GiB seconds and the max instance count
      const n = f[b + F_INSTANCES]!;
      f[b + F_INSTANCE_US] += n * dt;
      f[b + F_VCPU_US] += f[b + F_VCPUS]! * dt;
      f[b + F_GIB_US] += f[b + F_MEMORY_GIB]! * dt;
      if (n > f[b + F_MAX_INSTANCES]!) f[b + F_MAX_INSTANCES] = n;
      // service: SLO violation time and unserved core-seconds ∫(d − s)⁺
      const d = f[b + F_DEMAND]!;
      const s = f[b + F_CAPACITY]!;
      const violating = d > u * s;
      if (violating) f[b + F_VIOLATION_US] += dt;
      const gap = d - s;
      if (gap > 0) f[b + F_UNSERVED_US] += gap * dt;
      // elasticity: θ and τ integrands (instances, ε = 1)
      const shortfall = di - si;
      if (shortfall !== 0) {
        const norm = di > 1 ? di : 1;
        if (shortfall > 0) {
          f[b + F_THETA_UNDER_US] += (shortfall / norm) * dt;
          f[b + F_TAU_UNDER_US] += dt;
        } else {
          f[b + F_THETA_OVER_US] += (-shortfall / norm) * dt;
          f[b + F_TAU_OVER_US] += dt;
        }
      }
      // reaction-time episodes: one opens when a violating interval starts with none open, the
      // open one closes when a non-violating interval starts
      if (violating !== (f[b + F_EPISODE_OPEN] === 1)) this.toggleEpisode(i, violating);
      f[b + F_T_LAST] = t;
    }
  }

  /**
   * Open an episode of workload `i` at its last update (the start of the interval `advance` is
   * accounting), or close its open one there. (The time is read here, not passed: a double
   * passed to a call V8 does not inline is boxed, an allocation a toggle.)
   */
  private toggleEpisode(i: number, open: boolean): void {
    const at = this.f[i * STRIDE + F_T_LAST]!;
    if (open) {
      this.f[i * STRIDE + F_EPISODE_OPEN] = 1;
      this.f[i * STRIDE + F_EPISODE_START] = at;
      return;
    }
    this.f[i * STRIDE + F_EPISODE_OPEN] = 0;
    (this.episodes[i] ??= new QuantileSketch()).add(at - this.f[i * STRIDE + F_EPISODE_START]!);
  }

  /**
   * Sample workload `i`'s pending grid points up to index `last` with its current values. Only
   * the first can see a change; the rest see Δs = Δd = 0 (sgn 0 = sgn 0, nothing to add) and
   * are skipped arithmetically, so a long quiet stretch costs O(1).
   */
  private sampleGrid(i: number, last: number): void {
    const next = this.f[i * STRIDE + F_NEXT_GRID_INDEX]!;
    if (last < next) return;
    const supply = this.f[i * STRIDE + F_SUPPLY_INSTANCES]!;
    const demand = this.f[i * STRIDE + F_DEMAND_INSTANCES]!;
    if (next > 0 && Math.sign(supply - this.f[i * STRIDE + F_PREV_GRID_SUPPLY]!) !== Math.sign(demand - this.f[i * STRIDE + F_PREV_GRID_DEMAND]!)) this.f[i * STRIDE + F_UNSTABLE_STEPS]++;
    this.f[i * STRIDE + F_PREV_GRID_SUPPLY] = supply;
    this.f[i * STRIDE + F_PREV_GRID_DEMAND] = demand;
    this.f[i * STRIDE + F_NEXT_GRID_INDEX] = last + 1;
    this.f[i * STRIDE + F_NEXT_GRID_TIME] = this.start + (last + 1) * this.grid;
  }

  /** Largest k with start + k·Δt ≤ t (exact even where the division rounds). */
  private lastGridIndexAtOrBefore(t: Micros): number {
    let k = Math.floor((t - this.start) / this.grid);
    if (this.start + k * this.grid > t) k--;
    else if (this.start + (k + 1) * this.grid <= t) k++;
    return k;
  }

  /** Largest k with start + k·Δt < t. */
  private lastGridIndexBefore(t: Micros): number {
    const k = this.lastGridIndexAtOrBefore(t);
    return this.start + k * this.grid === t ? k - 1 : k;
  }

  /** Workload `i`'s result for the window [start, end); its integrals must be closed at end. */
  private result(i: number, end: Micros): WorkloadResult {
    const T = end - this.start;
    const hours = T / MICROS_PER_HOUR;
    const sketch = this.episodes[i] ?? new QuantileSketch();
    const reaction = sketch.stats(MICROS_PER_SECOND);
    const steps = this.f[i * STRIDE + F_NEXT_GRID_INDEX]! - 1;
    const counters = this.counters.subarray(i * COUNTER_NAMES.length, (i + 1) * COUNTER_NAMES.length);
    const flipFlops = this.f[i * STRIDE + F_FLIP_FLOPS]!;
    const reversals = this.f[i * STRIDE + F_REVERSALS]!;
    return {
      start: this.start,
      end,
      duration_seconds: T / MICROS_PER_SECOND,
      utilisation_target: this.u,
      flip_flop_window: this.window,
      flip_flop_cooldown: this.cooldown,
      elasticity_grid: this.grid,
      instance_seconds: this.f[i * STRIDE + F_INSTANCE_US]! / MICROS_PER_SECOND,
      vcpu_seconds: this.f[i * STRIDE + F_VCPU_US]! / MICROS_PER_SECOND,
      gib_seconds: this.f[i * STRIDE + F_GIB_US]! / MICROS_PER_SECOND,
      mean_instances: T > 0 ? this.f[i * STRIDE + F_INSTANCE_US]! / T : null,
      max_instances: T > 0 ? this.f[i * STRIDE + F_MAX_INSTANCES]! : null,
      scale_ups: this.f[i * STRIDE + F_SCALE_UPS]!,
      scale_downs: this.f[i * STRIDE + F_SCALE_DOWNS]!,
      counts: Object.fromEntries(COUNTER_NAMES.map((name, k) => [name, counters[k]!])) as Record<CounterName, number>,
      migration_seconds: this.f[i * STRIDE + F_MIGRATION_SECONDS]!,
      slo_violation_seconds: this.f[i * STRIDE + F_VIOLATION_US]! / MICROS_PER_SECOND,
      slo_violation_percent: percentOf(this.f[i * STRIDE + F_VIOLATION_US]!, T),
      unserved_core_seconds: this.f[i * STRIDE + F_UNSERVED_US]! / MICROS_PER_SECOND,
      reaction_sketch: sketch,
      reaction_episodes: sketch.count,
      reaction_episodes_open: this.f[i * STRIDE + F_EPISODE_OPEN]!,
      reaction_time_mean: reaction.mean,
      reaction_time_p50: reaction.p50,
      reaction_time_p95: reaction.p95,
      reaction_time_max: reaction.max,
      flip_flops: flipFlops,
      flip_flop_rate: perHour(flipFlops, hours),
      reversals,
      reversal_rate: perHour(reversals, hours),
      ping_pong_rate: perHour(counters[COUNTER_INDEX.ping_pongs]!, hours),
      theta_u: percentOf(this.f[i * STRIDE + F_THETA_UNDER_US]!, T),
      theta_o: percentOf(this.f[i * STRIDE + F_THETA_OVER_US]!, T),
      tau_u: percentOf(this.f[i * STRIDE + F_TAU_UNDER_US]!, T),
      tau_o: percentOf(this.f[i * STRIDE + F_TAU_OVER_US]!, T),
      upsilon: steps > 0 ? (100 * this.f[i * STRIDE + F_UNSTABLE_STEPS]!) / steps : null,
      upsilon_steps: Math.max(steps, 0),
    };
  }
}

/**
 * Up to this many workloads, {@link lazyResults} keeps each result once built: summary.json reads
 * every result twice (the run's totals, then each group's set), and 1,000 results (~1.2 MB) cost
 * less to keep than to build again (~5 ms of a short PB1 run). Above it each is built when read
 * and dropped.
 */
export const KEPT_RESULTS_UP_TO = 10_000;

/**
 * Every workload of `bank` closed at `end`, its result built when read (the same values each
 * time: nothing updates a closed bank); kept for the next read up to {@link KEPT_RESULTS_UP_TO}
 * workloads, built again each time above. A result is ~1.2 KB of boxed numbers (120 MB at
 * 100,000 groups); built while the world's state is still alive they added to its peak, built
 * here after the run they replace it. Defined out of the run's function so the getters hold only
 * the bank, not the world.
 *
 * @example lazyResults(bank, ['web'], end)[0].result.slo_violation_seconds // built on this read
 */
export function lazyResults(bank: WorkloadMetricsBank, names: readonly string[], end: Micros): { name: string; result: WorkloadResult }[] {
  for (let i = 0; i < names.length; i++) bank.close(i, end);
  const keep = names.length <= KEPT_RESULTS_UP_TO;
  return names.map((name, i) => {
    let kept: WorkloadResult | undefined;
    const result = keep ? () => (kept ??= bank.finish(i, end)) : () => bank.finish(i, end);
    return Object.defineProperty({ name } as { name: string; result: WorkloadResult }, 'result', { enumerable: true, get: result });
  });
}

/** Throw for time going backwards (out of line, so the hot loop stays small). */
function backwards(t: Micros, last: Micros): never {
  throw new RangeError(`metrics time went backwards: ${t} µs after ${last} µs`);
}

/**
 * Streaming accumulator for one workload: a {@link WorkloadMetricsBank} of one.
 *
 * @example
 * const m = new WorkloadMetrics({ start: 0, utilisationTarget: 1, flipFlopWindow: 600e6, elasticityGrid: 60e6 });
 * m.update(0, 2, 1, 2, 1, 1, 1, 0.5);        // demand 2 cores, capacity 1 core
 * m.update(10e6, 0.5, 1, 1, 1, 1, 1, 0.5);
 * m.finish(20e6).slo_violation_seconds;       // 10
 */
export class WorkloadMetrics {
  private readonly bank: WorkloadMetricsBank;

  constructor(opts: WorkloadMetricsOptions) {
    this.bank = new WorkloadMetricsBank(1, opts);
  }

  /** The values in effect from `t` on; see {@link WorkloadMetricsBank.update}. */
  update(t: Micros, demandCores: number, capacityCores: number, demandInstances: number, supplyInstances: number, instances: number, vcpus: number, memoryGiB: number): void {
    this.bank.update(0, t, demandCores, capacityCores, demandInstances, supplyInstances, instances, vcpus, memoryGiB);
  }

  /** A scaling action at `t` (1 = up, −1 = down); see {@link WorkloadMetricsBank.scaling}. */
  scaling(t: Micros, direction: 1 | -1): 0 | 1 | 2 {
    return this.bank.scaling(0, t, direction);
  }

  /** Add `n` to an activity counter. @example m.count('clones_spawned') */
  count(name: CounterName, n = 1): void {
    this.bank.count(0, name, n);
  }

  /** Add time spent migrating (seconds) to `migration_seconds`. */
  addMigrationSeconds(seconds: number): void {
    this.bank.addMigrationSeconds(0, seconds);
  }

  /** Close the integrals at `end` and return the results; see {@link WorkloadMetricsBank.finish}. */
  finish(end: Micros): WorkloadResult {
    return this.bank.finish(0, end);
  }
}

/** What {@link FleetMetrics} measured over [start, end). */
export interface FleetResult {
  instance_seconds: number;
  /** Time-weighted mean of the fleet total; null for an empty window. */
  mean_instances: number | null;
  /** Largest fleet total held for a positive time; null for an empty window. */
  max_instances: number | null;
}

/**
 * The fleet's total instance count over time, for the true run-level maximum. Same rules as
 * `WorkloadMetrics`: the value holds from t on, the last update at a given t wins, and only
 * values held for a positive time count, so a transient total while several workloads are
 * updated at the same instant never shows up as the maximum. No allocation per update.
 *
 * @example
 * const fleet = new FleetMetrics(0);
 * fleet.update(0, 2); fleet.update(10e6, 5); fleet.update(20e6, 2);
 * fleet.finish(30e6).max_instances; // 5
 */
export class FleetMetrics {
  private readonly start: Micros;
  private tLast: Micros;
  private total = 0;
  private instanceUs = 0;
  private max = -Infinity;

  constructor(start: Micros = 0) {
    this.start = start;
    this.tLast = start;
  }

  /** The fleet total from `t` on (t non-decreasing). */
  update(t: Micros, totalInstances: number): void {
    if (t !== this.tLast) this.advance(t);
    this.total = totalInstances;
  }

  /** Change the fleet total by `delta` at `t` (for callers that only know the change). */
  adjust(t: Micros, delta: number): void {
    if (t !== this.tLast) this.advance(t);
    this.total += delta;
  }

  /** Close the integral at `end`; may be called again later for a running snapshot. */
  finish(end: Micros): FleetResult {
    this.advance(end);
    const T = end - this.start;
    return {
      instance_seconds: this.instanceUs / MICROS_PER_SECOND,
      mean_instances: T > 0 ? this.instanceUs / T : null,
      max_instances: T > 0 ? this.max : null,
    };
  }

  /** Account the interval [tLast, t) with the current total. */
  private advance(t: Micros): void {
    if (!(t >= this.tLast)) throw new RangeError(`fleet metrics time went backwards: ${t} µs after ${this.tLast} µs`);
    if (t === this.tLast) return;
    this.instanceUs += this.total * (t - this.tLast);
    if (this.total > this.max) this.max = this.total;
    this.tLast = t;
  }
}
