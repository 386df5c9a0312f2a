/**
 * Exact streaming metrics of a cluster run (definitions: METRICS.md, "Cluster scenarios" and
 * "Stability"): migrations and their time, ping-pongs, imbalance per architecture, host
 * overload, and unserved demand and SLO violation of the VMs.
 *
 * The world reports the values in effect from time t on (piecewise constant, like
 * `WorkloadMetrics`): per VM its demand d, its vCPUs, the CPU it is served and its capacity s
 * (vCPUs × its host's CPU share; 0 while paused by a migration or on an offline member); per member its
 * runnable work R and threads T. Integrals are value × (t − t_last), exact. Per-VM and per-member
 * state lives in typed arrays; an update allocates nothing.
 *
 * Definitions used here:
 * - `host_overload_seconds`: Σ over members of the time with R > T.
 * - utilisation of a member: R / T (runnable work over threads, may exceed 100 % when overloaded).
 * - `imbalance` per architecture: max − min utilisation over its members that take instances
 *   (online, not evacuated), in percentage points, when it has at least two; time-weighted mean
 *   and the largest value held for a positive time.
 * - A VM can use at most its vCPUs: its usable demand is d' = min(d, limits.cpu); demand above
 *   that is the tenant's sizing, not the cluster's doing, and is reported apart
 *   (`excess_demand_core_seconds`).
 * - `unserved_core_seconds`: ∫ (d' − served) dt summed over VMs (host contention, migration
 *   downtime, offline members, auto-converge throttling); `steal_core_seconds` the part lost to
 *   host contention, `throttled_core_seconds` the part QEMU's auto-converge took from guests
 *   being live-migrated.
 * - `slo_violation_seconds`: Σ over VMs of the time with d' > u × s.
 * - `ping_pongs`: a migration that starts within W of the end of the same VM's previous one
 *   ("moved more than once within W"); `ping_pongs_back` those of them that return the VM to the
 *   member it left in that previous move ("migrated back to a host it left within W").
 */
import { MICROS_PER_HOUR, MICROS_PER_SECOND, type Micros } from '../kernel/time.js';
import { percentOf, perHour } from './stats.js';
import type { Metric, MetricSet } from './summary.js';

export interface ClusterMetricsOptions {
  start: Micros;
  members: ReadonlyArray<{ name: string; arch: string }>;
  vms: ReadonlyArray<{ name: string; project: number }>;
  projects: readonly string[];
  /** u: a VM violates its SLO while d > u × s. */
  utilisationTarget: number;
  /** W of the ping-pong definition. */
  pingPongWindow: Micros;
}

const GIB = 1024 ** 3;

/** One migration's outcome, as the world reports it. */
export interface MigrationRecord {
  vm: number;
  from: number;
  to: number;
  start: Micros;
  end: Micros;
  ok: boolean;
  /** Live (pre-copy) or cold (stopped VM). */
  live: boolean;
  downtime: Micros;
  bytes: number;
  rounds: number;
}

export class ClusterMetrics {
  private readonly start: Micros;
  private readonly u: number;
  private readonly window: Micros;
  private readonly vmProject: Int32Array;
  private readonly projects: readonly string[];
  private readonly memberNames: readonly string[];
  private readonly memberArch: Int32Array;
  readonly arches: readonly string[];

  // per VM
  private readonly vmT: Float64Array;
  private readonly vmUnservedRate: Float64Array;
  private readonly vmStealRate: Float64Array;
  private readonly vmThrottleRate: Float64Array;
  private readonly vmThrottleUs: Float64Array;
  private readonly vmViolating: Uint8Array;
  private readonly vmDemandRate: Float64Array;
  private readonly vmExcessRate: Float64Array;
  private readonly vmExcessUs: Float64Array;
  private readonly vmUnservedUs: Float64Array;
  private readonly vmStealUs: Float64Array;
  private readonly vmViolationUs: Float64Array;
  private readonly vmDemandUs: Float64Array;
  private readonly vmMoves: Int32Array;
  private readonly vmLastMoveEnd: Float64Array;
  private readonly vmLastLeft: Int32Array;

  // per member
  private readonly mT: Float64Array;
  private readonly mUtil: Float64Array;
  private readonly mEligible: Uint8Array;
  private readonly mOverUs: Float64Array;
  private readonly mUtilUs: Float64Array;
  private readonly mUtilMax: Float64Array;
  private readonly mIn: Int32Array;
  private readonly mOut: Int32Array;
  private readonly mEligibleUs: Float64Array;

  // per architecture
  private readonly archT: Float64Array;
  private readonly archValue: Float64Array;
  private readonly archHas: Uint8Array;
  private readonly archUs: Float64Array;
  private readonly archSpanUs: Float64Array;
  private readonly archMax: Float64Array;
  private readonly archDirty: Uint8Array;
  private anyDirty = false;

  // counters
  private migrations = 0;
  private migrationsFailed = 0;
  private coldMoves = 0;
  private migrationUs = 0;
  private downtimeUs = 0;
  private bytes = 0;
  private pingPongs = 0;
  private pingPongsBack = 0;
  private runs = 0;
  private runsAborted = 0;
  private runsAbandoned = 0;
  private runsCrashed = 0;
  private ticks = 0;

  constructor(opts: ClusterMetricsOptions) {
    this.start = opts.start;
    this.u = opts.utilisationTarget;
    this.window = opts.pingPongWindow;
    this.projects = opts.projects;
    const nv = opts.vms.length;
    const nm = opts.members.length;
    this.vmProject = Int32Array.from(opts.vms, (v) => v.project);
    this.memberNames = opts.members.map((m) => m.name);
    this.arches = [...new Set(opts.members.map((m) => m.arch))];
    this.memberArch = Int32Array.from(opts.members, (m) => this.arches.indexOf(m.arch));
    this.vmT = new Float64Array(nv).fill(opts.start);
    this.vmUnservedRate = new Float64Array(nv);
    this.vmStealRate = new Float64Array(nv);
    this.vmThrottleRate = new Float64Array(nv);
    this.vmThrottleUs = new Float64Array(nv);
    this.vmViolating = new Uint8Array(nv);
    this.vmDemandRate = new Float64Array(nv);
    this.vmExcessRate = new Float64Array(nv);
    this.vmExcessUs = new Float64Array(nv);
    this.vmUnservedUs = new Float64Array(nv);
    this.vmStealUs = new Float64Array(nv);
    this.vmViolationUs = new Float64Array(nv);
    this.vmDemandUs = new Float64Array(nv);
    this.vmMoves = new Int32Array(nv);
    this.vmLastMoveEnd = new Float64Array(nv).fill(-Infinity);
    this.vmLastLeft = new Int32Array(nv).fill(-1);
    this.mT = new Float64Array(nm).fill(opts.start);
    this.mUtil = new Float64Array(nm);
    this.mEligible = new Uint8Array(nm);
    this.mOverUs = new Float64Array(nm);
    this.mUtilUs = new Float64Array(nm);
    this.mUtilMax = new Float64Array(nm).fill(-Infinity);
    this.mIn = new Int32Array(nm);
    this.mOut = new Int32Array(nm);
    this.mEligibleUs = new Float64Array(nm);
    const na = this.arches.length;
    this.archT = new Float64Array(na).fill(opts.start);
    this.archValue = new Float64Array(na);
    this.archHas = new Uint8Array(na);
    this.archUs = new Float64Array(na);
    this.archSpanUs = new Float64Array(na);
    this.archMax = new Float64Array(na).fill(-Infinity);
    this.archDirty = new Uint8Array(na);
  }

  /**
   * VM `i` from `t` on: demand d and vCPUs (cores), CPU served (cores), the part of
   * min(d, vCPUs) lost to its host's contention, and capacity s (cores).
   */
  vm(i: number, t: Micros, demand: number, vcpus: number, served: number, steal: number, capacity: number): void {
    this.advanceVm(i, t);
    const usable = demand < vcpus ? demand : vcpus;
    const gap = usable - served;
    this.vmUnservedRate[i] = gap > 0 ? gap : 0;
    this.vmStealRate[i] = steal;
    this.vmDemandRate[i] = demand;
    this.vmExcessRate[i] = demand - usable;
    this.vmViolating[i] = usable > this.u * capacity ? 1 : 0;
  }

  /**
   * The part of VM `i`'s usable demand an auto-converge throttle takes (cores), from the time of
   * its last `vm()` call on. Called only while it changes (rarely: not on the hot path, where an
   * eighth number argument would be boxed on every call).
   */
  vmThrottled(i: number, cores: number): void {
    this.vmThrottleRate[i] = cores;
  }

  private advanceVm(i: number, t: Micros): void {
    const dt = t - this.vmT[i]!;
    if (dt <= 0) return;
    this.vmUnservedUs[i]! += this.vmUnservedRate[i]! * dt;
    this.vmStealUs[i]! += this.vmStealRate[i]! * dt;
    if (this.vmThrottleRate[i] !== 0) this.vmThrottleUs[i]! += this.vmThrottleRate[i]! * dt;
    this.vmDemandUs[i]! += this.vmDemandRate[i]! * dt;
    this.vmExcessUs[i]! += this.vmExcessRate[i]! * dt;
    if (this.vmViolating[i] === 1) this.vmViolationUs[i]! += dt;
    this.vmT[i] = t;
  }

  /**
   * Member `m` from `t` on: runnable work and threads; `eligible` when it takes instances
   * (online, not evacuated) and so counts in its architecture's imbalance.
   */
  member(m: number, t: Micros, runnable: number, threads: number, eligible: boolean): void {
    this.advanceMember(m, t);
    const util = (100 * runnable) / threads;
    const e = eligible ? 1 : 0;
    if (util !== this.mUtil[m] || e !== this.mEligible[m]) {
      this.mUtil[m] = util;
      this.mEligible[m] = e;
      const a = this.memberArch[m]!;
      if (this.archDirty[a] === 0) {
        this.archDirty[a] = 1;
        this.anyDirty = true;
      }
    }
  }

  private advanceMember(m: number, t: Micros): void {
    const dt = t - this.mT[m]!;
    if (dt <= 0) return;
    const util = this.mUtil[m]!;
    if (util > 100) this.mOverUs[m]! += dt;
    this.mUtilUs[m]! += util * dt;
    if (this.mEligible[m] === 1) this.mEligibleUs[m]! += dt;
    if (util > this.mUtilMax[m]!) this.mUtilMax[m] = util;
    this.mT[m] = t;
  }

  /** Recompute the imbalance of the architectures whose members changed, in effect from `t`. */
  commit(t: Micros): void {
    if (!this.anyDirty) return;
    this.anyDirty = false;
    for (let a = 0; a < this.arches.length; a++) {
      if (this.archDirty[a] === 0) continue;
      this.archDirty[a] = 0;
      this.advanceArch(a, t);
      let max = -Infinity;
      let min = Infinity;
      let n = 0;
      for (let m = 0; m < this.mUtil.length; m++) {
        if (this.memberArch[m] !== a || this.mEligible[m] === 0) continue;
        const u = this.mUtil[m]!;
        if (u > max) max = u;
        if (u < min) min = u;
        n++;
      }
      this.archHas[a] = n >= 2 ? 1 : 0;
      this.archValue[a] = n >= 2 ? max - min : 0;
    }
  }

  private advanceArch(a: number, t: Micros): void {
    const dt = t - this.archT[a]!;
    if (dt <= 0) return;
    if (this.archHas[a] === 1) {
      const v = this.archValue[a]!;
      this.archUs[a]! += v * dt;
      this.archSpanUs[a]! += dt;
      if (v > this.archMax[a]!) this.archMax[a] = v;
    }
    this.archT[a] = t;
  }

  /** Current imbalance of architecture `a` (percentage points), or null without two members. */
  imbalanceNow(a: number): number | null {
    return this.archHas[a] === 1 ? this.archValue[a]! : null;
  }

  /** A finished migration (completed or failed); true when it counts as a ping-pong. */
  migration(r: MigrationRecord): boolean {
    this.migrationUs += r.end - r.start;
    if (!r.ok) {
      this.migrationsFailed++;
      return false;
    }
    this.migrations++;
    if (!r.live) this.coldMoves++;
    this.downtimeUs += r.downtime;
    this.bytes += r.bytes;
    this.mOut[r.from]!++;
    this.mIn[r.to]!++;
    const v = r.vm;
    const pingPong = r.start - this.vmLastMoveEnd[v]! <= this.window;
    if (pingPong) {
      this.pingPongs++;
      if (r.to === this.vmLastLeft[v]) this.pingPongsBack++;
    }
    this.vmMoves[v]!++;
    this.vmLastMoveEnd[v] = r.end;
    this.vmLastLeft[v] = r.from;
    return pingPong;
  }

  /** The leader's task ticked (whether or not a run was due). */
  tick(): void {
    this.ticks++;
  }

  /** A rebalancing run ended. */
  run(outcome: 'done' | 'aborted' | 'abandoned' | 'crashed'): void {
    this.runs++;
    if (outcome === 'aborted') this.runsAborted++;
    if (outcome === 'crashed') this.runsCrashed++;
    if (outcome === 'abandoned') this.runsAbandoned++;
  }

  /** Close every integral at `end` and return the metric sets. */
  finish(end: Micros): ClusterResult {
    for (let i = 0; i < this.vmT.length; i++) this.advanceVm(i, end);
    for (let m = 0; m < this.mT.length; m++) this.advanceMember(m, end);
    this.commit(end);
    for (let a = 0; a < this.arches.length; a++) this.advanceArch(a, end);
    const T = end - this.start;
    const seconds = (us: number): number => us / MICROS_PER_SECOND;
    const hours = T / MICROS_PER_HOUR;
    const sum = (a: Float64Array): number => a.reduce((x, y) => x + y, 0);
    const vmCount = this.vmT.length;
    const overload = sum(this.mOverUs);
    const violation = sum(this.vmViolationUs);
    const m = (value: number | null, unit: string): Metric => ({ value, unit });
    const metrics: MetricSet = {
      migrations: m(this.migrations, 'count'),
      migrations_failed: m(this.migrationsFailed, 'count'),
      cold_moves: m(this.coldMoves, 'count'),
      migration_seconds: m(seconds(this.migrationUs), 's'),
      migration_mean_seconds: m(this.migrations + this.migrationsFailed > 0 ? seconds(this.migrationUs) / (this.migrations + this.migrationsFailed) : null, 's'),
      migration_downtime_seconds: m(seconds(this.downtimeUs), 's'),
      migration_gib: m(this.bytes / GIB, 'GiB'),
      ping_pongs: m(this.pingPongs, 'count'),
      ping_pongs_back: m(this.pingPongsBack, 'count'),
      ping_pong_rate: m(perHour(this.pingPongs, hours), 'per hour'),
      rebalance_ticks: m(this.ticks, 'count'),
      rebalance_runs: m(this.runs, 'count'),
      rebalance_runs_aborted: m(this.runsAborted, 'count'),
      rebalance_runs_abandoned: m(this.runsAbandoned, 'count'),
      rebalance_runs_crashed: m(this.runsCrashed, 'count'),
    };
    const means: number[] = [];
    let worst: number | null = null;
    this.arches.forEach((arch, a) => {
      const span = this.archSpanUs[a]!;
      const mean = span > 0 ? this.archUs[a]! / span : null;
      const max = span > 0 ? this.archMax[a]! : null;
      metrics[`imbalance_mean_${arch}`] = m(mean, '%');
      metrics[`imbalance_max_${arch}`] = m(max, '%');
      if (mean !== null) means.push(mean);
      if (max !== null && (worst === null || max > worst)) worst = max;
    });
    Object.assign(metrics, {
      imbalance_mean: m(means.length > 0 ? means.reduce((x, y) => x + y, 0) / means.length : null, '%'),
      imbalance_max: m(worst, '%'),
      host_overload_seconds: m(seconds(overload), 's'),
      host_overload_percent: m(percentOf(overload, T * this.mT.length), '%'),
      demand_core_seconds: m(seconds(sum(this.vmDemandUs)), 'core·s'),
      unserved_core_seconds: m(seconds(sum(this.vmUnservedUs)), 'core·s'),
      steal_core_seconds: m(seconds(sum(this.vmStealUs)), 'core·s'),
      throttled_core_seconds: m(seconds(sum(this.vmThrottleUs)), 'core·s'),
      excess_demand_core_seconds: m(seconds(sum(this.vmExcessUs)), 'core·s'),
      slo_violation_seconds: m(seconds(violation), 's'),
      slo_violation_percent: m(percentOf(violation, T * vmCount), '%'),
    });

    const members: Record<string, MetricSet> = {};
    this.memberNames.forEach((name, i) => {
      members[name] = {
        utilisation_mean: m(T > 0 ? this.mUtilUs[i]! / T : null, '%'),
        utilisation_max: m(T > 0 ? this.mUtilMax[i]! : null, '%'),
        host_overload_seconds: m(seconds(this.mOverUs[i]!), 's'),
        migrations_in: m(this.mIn[i]!, 'count'),
        migrations_out: m(this.mOut[i]!, 'count'),
      };
    });

    const projects: Record<string, MetricSet> = {};
    this.projects.forEach((name, p) => {
      let vms = 0;
      let moves = 0;
      let demand = 0;
      let unserved = 0;
      let steal = 0;
      let viol = 0;
      for (let i = 0; i < vmCount; i++) {
        if (this.vmProject[i] !== p) continue;
        vms++;
        moves += this.vmMoves[i]!;
        demand += this.vmDemandUs[i]!;
        unserved += this.vmUnservedUs[i]!;
        steal += this.vmStealUs[i]!;
        viol += this.vmViolationUs[i]!;
      }
      projects[name] = {
        vms: m(vms, 'count'),
        migrations: m(moves, 'count'),
        demand_core_seconds: m(seconds(demand), 'core·s'),
        unserved_core_seconds: m(seconds(unserved), 'core·s'),
        steal_core_seconds: m(seconds(steal), 'core·s'),
        slo_violation_seconds: m(seconds(viol), 's'),
        slo_violation_percent: m(percentOf(viol, T * vms), '%'),
      };
    });
    return { metrics, members, projects };
  }
}

export interface ClusterResult {
  /** Run-level metrics, with units. */
  metrics: MetricSet;
  /** Per member. */
  members: Record<string, MetricSet>;
  /** Per project (sums over its VMs). */
  projects: Record<string, MetricSet>;
}

/** Metric names and what they mean, for reports and docs. */
export const CLUSTER_METRIC_DOCS: Readonly<Record<string, string>> = {
  migrations: 'Completed moves (live migrations and cold moves of stopped VMs).',
  migrations_failed: 'Migrations that were started and failed.',
  cold_moves: 'Completed moves of stopped VMs (no memory to copy).',
  migration_seconds: 'Total time migrations ran (completed and failed).',
  migration_mean_seconds: 'Mean duration of a migration.',
  migration_downtime_seconds: 'Total stop-and-copy time: VMs paused, serving nothing.',
  migration_gib: 'Memory sent over the network by completed migrations.',
  ping_pongs: 'Migrations starting within W of the same VM\'s previous one.',
  ping_pongs_back: 'Ping-pongs that returned the VM to the member it had just left.',
  ping_pong_rate: 'Ping-pongs per hour.',
  rebalance_ticks: 'Leader task ticks (once a minute).',
  rebalance_runs: 'Rebalancing runs (ticks where round(minutes since start) % interval == 0).',
  rebalance_runs_aborted: 'Runs ended by an error: a failed migration, a member that could not be scored, a move outside the default project (before main).',
  rebalance_runs_abandoned: 'Runs lost because the leader changed.',
  rebalance_runs_crashed: 'Runs that died with the leader\'s task in the target check (lxc/incus#2808).',
  imbalance_mean: 'Time-weighted mean over time of max − min member utilisation (R/T), averaged over architectures.',
  imbalance_max: 'Largest imbalance held for a positive time, over architectures.',
  host_overload_seconds: 'Σ over members of the time their runnable work exceeds their threads.',
  host_overload_percent: 'Overload time as a share of T × members.',
  demand_core_seconds: 'CPU demanded by the VMs, ∫ d dt.',
  unserved_core_seconds: 'Usable demand d\' = min(d, limits.cpu) not served, ∫ (d\' − served) dt (host contention, migration downtime, offline members).',
  steal_core_seconds: 'The part of the unserved CPU lost to host contention (CPU steal).',
  throttled_core_seconds: 'The part of the unserved CPU QEMU\'s auto-converge took from guests while they were live-migrated.',
  excess_demand_core_seconds: 'Demand above the VMs\' own limits.cpu, ∫ (d − limits.cpu)⁺ dt (sizing, not placement).',
  slo_violation_seconds: 'Σ over VMs of the time with d\' > u × s, s = limits.cpu × host CPU share (0 when paused or offline).',
  slo_violation_percent: 'SLO violation time as a share of T × VMs.',
};
