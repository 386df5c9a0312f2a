/**
 * Exact streaming metrics for one workload (definitions: METRICS.md).
 *
 * The simulator reports the values in effect from time t on; between two reports they are
 * constant, so every integral is accumulated exactly as value × (t − tLast) when time moves
 * on. Nothing is re-sampled except υ, which is defined on a fixed grid.
 *
 * Hot-path rules: `update` allocates nothing and touches only numeric fields; memory is
 * constant except the list of closed reaction-time episodes (a doubling Float64Array).
 *
 * Same-timestamp rule: several updates at the same t are normal and the last one wins for
 * time t. Everything time-weighted (integrals, max instances, SLO episodes) is decided on the
 * half-open intervals [tLast, t) of positive length, so a value that is replaced at the same
 * instant it was set never counts — not in max_instances, not as a zero-length episode.
 */
import type { Micros } from '../kernel/time.js';
import { MICROS_PER_HOUR, MICROS_PER_SECOND } from '../kernel/time.js';
import { percentOf, perHour, reactionTimeStats } from './stats.js';

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
  /** W: opposite scaling actions at most this far apart are a flip-flop. */
  flipFlopWindow: Micros;
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
  /** Durations (s) of the closed reaction-time episodes, in the order they ended. */
  reaction_times: number[];
  reaction_episodes: number;
  reaction_episodes_open: number;
  reaction_time_mean: number | null;
  reaction_time_p50: number | null;
  reaction_time_p95: number | null;
  reaction_time_max: number | null;

  flip_flops: number;
  flip_flop_rate: number | null;
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

/**
 * Streaming accumulator for one workload.
 *
 * @example
 * const m = new WorkloadMetrics({ start: 0, utilisationTarget: 1, flipFlopWindow: 600e6, elasticityGrid: 60e6 });
 * m.update(0, 2, 1, 2, 1, 1, 1, 0.5);        // demand 2 cores, capacity 1 core
 * m.update(10e6, 0.5, 1, 1, 1, 1, 1, 0.5);
 * m.finish(20e6).slo_violation_seconds;       // 10
 */
export class WorkloadMetrics {
  private readonly start: Micros;
  private readonly u: number;
  private readonly window: Micros;
  private readonly grid: Micros;

  /** Time of the last update; the current values hold from here on. */
  private tLast: Micros;

  // The values in effect since `tLast` (see `update` for their meaning). The simulator's hot
  // path writes them directly after `advance(t)`: a number passed as an argument to a call V8
  // does not inline is boxed in a fresh heap object, a number stored in a field is not.
  demand = 0;
  capacity = 0;
  demandInstances = 0;
  supplyInstances = 0;
  instances = 0;
  vcpus = 0;
  memoryGiB = 0;

  // Integrals, in value × microseconds.
  private instanceUs = 0;
  private vcpuUs = 0;
  private gibUs = 0;
  private violationUs = 0;
  private unservedUs = 0;
  private thetaUnderUs = 0;
  private thetaOverUs = 0;
  private tauUnderUs = 0;
  private tauOverUs = 0;
  /** Largest instance count held for a positive time (−∞ until time has passed). */
  private maxInstances = -Infinity;

  // Reaction-time episodes.
  private episodeOpen = false;
  private episodeStart: Micros = 0;
  private episodes: Float64Array = new Float64Array(16);
  private episodeCount = 0;

  // Scaling actions and counters.
  private scaleUps = 0;
  private scaleDowns = 0;
  private flipFlops = 0;
  private lastDirection = 0;
  private lastActionTime: Micros = 0;
  private readonly counters = new Float64Array(COUNTER_NAMES.length);
  private migrationSeconds = 0;

  // υ grid: index and time of the next grid point to sample, the previous sample, the tally.
  private nextGridIndex = 0;
  private nextGridTime: Micros;
  private prevGridSupply = 0;
  private prevGridDemand = 0;
  private unstableSteps = 0;

  constructor(opts: WorkloadMetricsOptions) {
    if (!(opts.utilisationTarget > 0)) throw new RangeError(`utilisation target must be > 0, got ${opts.utilisationTarget}`);
    if (!(opts.flipFlopWindow >= 0)) throw new RangeError(`flip-flop window must be ≥ 0, got ${opts.flipFlopWindow}`);
    if (!(opts.elasticityGrid > 0)) throw new RangeError(`elasticity grid must be > 0, got ${opts.elasticityGrid}`);
    this.start = opts.start;
    this.u = opts.utilisationTarget;
    this.window = opts.flipFlopWindow;
    this.grid = opts.elasticityGrid;
    this.tLast = opts.start;
    this.nextGridTime = opts.start;
  }

  /**
   * The values in effect from `t` on (t non-decreasing; the last update at a given t wins).
   * Before the first update everything is 0.
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
    t: Micros,
    demandCores: number,
    capacityCores: number,
    demandInstances: number,
    supplyInstances: number,
    instances: number,
    vcpus: number,
    memoryGiB: number,
  ): void {
    if (t !== this.tLast) this.advance(t);
    this.demand = demandCores;
    this.capacity = capacityCores;
    this.demandInstances = demandInstances;
    this.supplyInstances = supplyInstances;
    this.instances = instances;
    this.vcpus = vcpus;
    this.memoryGiB = memoryGiB;
  }

  /**
   * A scaling action at `t` (1 = up, −1 = down). It is a flip-flop when the previous action on
   * this workload went the other way and happened at most W before (t − previous ≤ W).
   *
   * @example m.scaling(0, 1); m.scaling(30e6, -1); // one flip-flop if W ≥ 30 s
   */
  scaling(t: Micros, direction: 1 | -1): void {
    if (direction === 1) this.scaleUps++;
    else this.scaleDowns++;
    if (this.lastDirection === -direction && t - this.lastActionTime <= this.window) this.flipFlops++;
    this.lastDirection = direction;
    this.lastActionTime = t;
  }

  /** Add `n` to an activity counter. @example m.count('clones_spawned') */
  count(name: CounterName, n = 1): void {
    this.counters[COUNTER_INDEX[name]] += n;
  }

  /** Add time spent migrating (seconds) to `migration_seconds`. */
  addMigrationSeconds(seconds: number): void {
    this.migrationSeconds += seconds;
  }

  /**
   * Close the integrals at `end` (T = end − start) and return the results. This only advances
   * time, so it can be called again later for a running snapshot, provided later updates are
   * strictly after `end` (the grid point at `end` has been sampled).
   */
  finish(end: Micros): WorkloadResult {
    this.advance(end);
    if (this.nextGridTime <= end) this.sampleGrid(this.lastGridIndexAtOrBefore(end));
    return this.result(end);
  }

  /**
   * Move time from the last update to `t`, accounting the interval with the current values;
   * the fields then take the values in effect from `t` on. `update` is this plus the stores.
   *
   * @example m.advance(20e6); m.demand = 1.5; m.capacity = 2;
   */
  advance(t: Micros): void {
    if (!(t >= this.tLast)) throw new RangeError(`metrics time went backwards: ${t} µs after ${this.tLast} µs`);
    if (t === this.tLast) return;
    if (this.nextGridTime < t) {
      // usually exactly one grid point is pending (the grid is the stats interval): no division
      this.sampleGrid(this.nextGridTime + this.grid >= t ? this.nextGridIndex : this.lastGridIndexBefore(t));
    }
    const dt = t - this.tLast;
    const violating = this.demand > this.u * this.capacity;
    this.integrateCost(dt);
    this.integrateService(dt, violating);
    this.integrateElasticity(dt);
    this.trackEpisode(violating, this.tLast);
    this.tLast = t;
  }

  /** instance/vCPU/GiB seconds and the max instance count, over an interval of length dt. */
  private integrateCost(dt: Micros): void {
    this.instanceUs += this.instances * dt;
    this.vcpuUs += this.vcpus * dt;
    this.gibUs += this.memoryGiB * dt;
    if (this.instances > this.maxInstances) this.maxInstances = this.instances;
  }

  /** SLO violation time and unserved core-seconds ∫(d − s)⁺ over an interval of length dt. */
  private integrateService(dt: Micros, violating: boolean): void {
    if (violating) this.violationUs += dt;
    const gap = this.demand - this.capacity;
    if (gap > 0) this.unservedUs += gap * dt;
  }

  /** θ and τ integrands (instances, ε = 1) over an interval of length dt. */
  private integrateElasticity(dt: Micros): void {
    const gap = this.demandInstances - this.supplyInstances;
    if (gap === 0) return;
    const norm = this.demandInstances > 1 ? this.demandInstances : 1;
    if (gap > 0) {
      this.thetaUnderUs += (gap / norm) * dt;
      this.tauUnderUs += dt;
    } else {
      this.thetaOverUs += (-gap / norm) * dt;
      this.tauOverUs += dt;
    }
  }

  /**
   * Open an episode when a violating interval starts at `at` with none open; close the open
   * one when a non-violating interval starts at `at`.
   */
  private trackEpisode(violating: boolean, at: Micros): void {
    if (violating === this.episodeOpen) return;
    if (violating) {
      this.episodeOpen = true;
      this.episodeStart = at;
    } else {
      this.episodeOpen = false;
      this.recordEpisode(at - this.episodeStart);
    }
  }

  /** Append one closed episode's duration (µs), doubling the buffer when full. */
  private recordEpisode(duration: Micros): void {
    if (this.episodeCount === this.episodes.length) {
      const bigger = new Float64Array(this.episodes.length * 2);
      bigger.set(this.episodes);
      this.episodes = bigger;
    }
    this.episodes[this.episodeCount++] = duration;
  }

  /**
   * Sample the pending grid points up to index `last` with the current values. Only the first
   * can see a change; the rest see Δs = Δd = 0 (sgn 0 = sgn 0, nothing to add) and are skipped
   * arithmetically, so a long quiet stretch costs O(1).
   */
  private sampleGrid(last: number): void {
    if (last < this.nextGridIndex) return;
    this.sampleGridPoint();
    this.nextGridIndex = last + 1;
    this.nextGridTime = this.start + this.nextGridIndex * this.grid;
  }

  /** Sample one grid point: count it unstable when sgn Δs ≠ sgn Δd (min(|sgn Δs − sgn Δd|, 1) = 1). */
  private sampleGridPoint(): void {
    if (this.nextGridIndex > 0) {
      const ds = Math.sign(this.supplyInstances - this.prevGridSupply);
      const dd = Math.sign(this.demandInstances - this.prevGridDemand);
      if (ds !== dd) this.unstableSteps++;
    }
    this.prevGridSupply = this.supplyInstances;
    this.prevGridDemand = this.demandInstances;
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

  /** Closed reaction-time episodes in seconds, in the order they ended. */
  private reactionTimesSeconds(): number[] {
    const out = new Array<number>(this.episodeCount);
    for (let i = 0; i < this.episodeCount; i++) out[i] = this.episodes[i]! / MICROS_PER_SECOND;
    return out;
  }

  /** Copy of the activity counters keyed by name. */
  private countsRecord(): Record<CounterName, number> {
    return Object.fromEntries(COUNTER_NAMES.map((name, i) => [name, this.counters[i]!])) as Record<CounterName, number>;
  }

  /** Build the result for the window [start, end); integrals must already be closed at end. */
  private result(end: Micros): WorkloadResult {
    const T = end - this.start;
    const hours = T / MICROS_PER_HOUR;
    const times = this.reactionTimesSeconds();
    const reaction = reactionTimeStats(times);
    const steps = this.nextGridIndex - 1;
    return {
      start: this.start,
      end,
      duration_seconds: T / MICROS_PER_SECOND,
      utilisation_target: this.u,
      flip_flop_window: this.window,
      elasticity_grid: this.grid,
      instance_seconds: this.instanceUs / MICROS_PER_SECOND,
      vcpu_seconds: this.vcpuUs / MICROS_PER_SECOND,
      gib_seconds: this.gibUs / MICROS_PER_SECOND,
      mean_instances: T > 0 ? this.instanceUs / T : null,
      max_instances: T > 0 ? this.maxInstances : null,
      scale_ups: this.scaleUps,
      scale_downs: this.scaleDowns,
      counts: this.countsRecord(),
      migration_seconds: this.migrationSeconds,
      slo_violation_seconds: this.violationUs / MICROS_PER_SECOND,
      slo_violation_percent: percentOf(this.violationUs, T),
      unserved_core_seconds: this.unservedUs / MICROS_PER_SECOND,
      reaction_times: times,
      reaction_episodes: this.episodeCount,
      reaction_episodes_open: this.episodeOpen ? 1 : 0,
      reaction_time_mean: reaction.mean,
      reaction_time_p50: reaction.p50,
      reaction_time_p95: reaction.p95,
      reaction_time_max: reaction.max,
      flip_flops: this.flipFlops,
      flip_flop_rate: perHour(this.flipFlops, hours),
      ping_pong_rate: perHour(this.counters[COUNTER_INDEX.ping_pongs]!, hours),
      theta_u: percentOf(this.thetaUnderUs, T),
      theta_o: percentOf(this.thetaOverUs, T),
      tau_u: percentOf(this.tauUnderUs, T),
      tau_o: percentOf(this.tauOverUs, T),
      upsilon: steps > 0 ? (100 * this.unstableSteps) / steps : null,
      upsilon_steps: Math.max(steps, 0),
    };
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
