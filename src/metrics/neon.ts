/**
 * Metrics of a Neon run: exact integrals over piecewise-constant per-VM values (allocation,
 * demand, goal, migrating), counters of the agent's and plugin's outcomes, the migrations, and
 * node overcommit (which must stay zero). Per-VM numbers live in Float64Arrays (one slot per
 * VM and field). Episode lengths go into bounded sketches (exact up to
 * {@link NEON_EXACT_LIMIT} episodes, then a histogram within 1/257: `quantiles.ts`); migration
 * durations keep only their count, sum and max. Nothing grows with simulated duration.
 */
import type { Micros } from '../kernel/time.js';
import type { Metric, MetricSet } from '../report/types.js';
import { QuantileSketch } from './quantiles.js';

/** Episode lengths (of all VMs together) kept exactly before a sketch turns into a histogram. */
export const NEON_EXACT_LIMIT = 65_536;

const GiB = 1024 ** 3;

/** Per-VM fields (stride F). */
const T_LAST = 0;
const ALLOC_CPU = 1; // mCPU
const ALLOC_MEM = 2; // bytes
const DEMAND = 3; // cores
const MEM_DEMAND = 4; // bytes
const GOAL_CPU = 5; // mCPU
const GOAL_MEM = 6; // bytes
const MIGRATING = 7; // 0/1
const PAUSED = 8;
const CU_S = 9;
const UNSERVED = 10;
const MEM_PRESSURE = 11;
const BELOW_CPU = 12;
const BELOW_MEM = 13;
const SLO = 14;
const MIG_S = 15;
const SLO_SINCE = 16; // −1 none
const GOAL_SINCE = 17; // −1 none
const DEMAND_S = 18; // core·s demanded
const F = 19;

/** Docs for the metrics table in the report. */
export const NEON_METRIC_DOCS: Record<string, string> = {
  cu_seconds: 'Cost: ∫ allocation in compute units dt, summed over VMs (a VM with uneven CPU and memory counts the larger, in CU).',
  cu_mean: 'Mean total allocation, compute units.',
  below_goal_cpu_seconds: 'Time VMs spent with less CPU allocated than the agent\'s goal (summed over VMs).',
  below_goal_memory_seconds: 'Time VMs spent with less memory allocated than the agent\'s goal (summed over VMs).',
  upscales: 'Resizes up carried out by NeonVM.',
  downscales: 'Resizes down carried out by NeonVM.',
  denied_upscales: 'Plugin answers granting nothing of a requested increase.',
  partly_granted_upscales: 'Plugin answers granting part of a requested increase (CPU and memory granted unevenly or short).',
  monitor_denied_downscales: 'Downscale requests the vm-monitor denied.',
  monitor_upscale_requests: 'Memory upscale requests from the vm-monitor.',
  request_failures: 'Plugin, NeonVM and vm-monitor requests that failed (cluster.neon.failure_probability); the agent retries after its wait.',
  node_overcommit_seconds: 'Time any node had more reserved (plugin) or allocated (VMs) than its allocatable, summed over nodes. Must be 0.',
  migrations: 'Live migrations completed.',
  migrations_failed: 'Migrations that failed (the VM stays on its node).',
  migrations_unschedulable: 'Migrations the plugin wanted but no node had room for.',
  migration_seconds_mean: 'Mean duration of completed migrations.',
  migration_seconds_max: 'Longest completed migration.',
  migration_downtime_seconds: 'Stop-and-copy time of completed migrations, summed.',
  migrating_percent: 'Share of VM time spent migrating.',
  vms_migrating_over_10_percent: 'VMs that spent more than 10 % of the run migrating.',
  time_to_goal_mean: 'Mean time from the goal rising above the allocation (a load step) to the allocation reaching it.',
  time_to_goal_p95: '95th percentile of the time to goal (closed episodes).',
  time_to_goal_max: 'Longest time to goal (closed episodes).',
  unserved_core_seconds: 'CPU demand above the allocation (or during stop-and-copy), core·s.',
  memory_pressure_gib_seconds: 'Memory demand above the allocation, GiB·s.',
  slo_violation_seconds: 'Time VMs spent with CPU demand above u × allocated vCPU (summed over VMs).',
  slo_violation_percent: 'SLO violation time as a share of T × VMs.',
  reaction_time_mean: 'Mean length of closed SLO-violation episodes.',
  reaction_time_p95: '95th percentile of closed SLO-violation episode length.',
  reaction_time_max: 'Longest closed SLO-violation episode.',
  flip_flops: 'Resizes opposite to the same VM\'s previous one within the flip-flop window.',
};

export interface NeonMigrationRecord {
  vm: number;
  from: number;
  to: number;
  start: Micros;
  end: Micros;
  downtime: Micros;
  ok: boolean;
}

export class NeonMetrics {
  private readonly v: Float64Array;
  private readonly lastResize: Float64Array;
  private readonly lastDirection: Int8Array;
  private readonly overSince: Float64Array;
  private readonly sloEpisodes = new QuantileSketch(NEON_EXACT_LIMIT);
  private readonly goalEpisodes = new QuantileSketch(NEON_EXACT_LIMIT);
  /** Completed migrations: how many, their summed and their longest duration (s). */
  private migrationCount = 0;
  private migrationSum = 0;
  private migrationMax = -Infinity;
  counts = { upscales: 0, downscales: 0, denied: 0, partly: 0, monitorDenied: 0, monitorUpscales: 0, migrationsFailed: 0, unschedulable: 0, flipFlops: 0, requestFailures: 0 };
  private downtime = 0;
  private overcommitSeconds = 0;

  constructor(
    readonly vmCount: number,
    readonly nodeCount: number,
    private readonly utilisationTarget: number,
    private readonly flipFlopWindow: Micros,
  ) {
    this.v = new Float64Array(vmCount * F);
    for (let i = 0; i < vmCount; i++) {
      this.v[i * F + SLO_SINCE] = -1;
      this.v[i * F + GOAL_SINCE] = -1;
    }
    this.lastResize = new Float64Array(vmCount).fill(-1);
    this.lastDirection = new Int8Array(vmCount);
    this.overSince = new Float64Array(nodeCount).fill(-1);
  }

  /** Integrate VM `i`'s values from its last change up to `t`. */
  advance(i: number, t: Micros): void {
    const v = this.v;
    const o = i * F;
    const dt = (t - v[o + T_LAST]!) / 1e6;
    if (dt <= 0) return;
    v[o + T_LAST] = t;
    const vcpu = v[o + ALLOC_CPU]! / 1000;
    const mem = v[o + ALLOC_MEM]!;
    const d = v[o + DEMAND]!;
    const paused = v[o + PAUSED]! > 0;
    const served = paused ? 0 : d < vcpu ? d : vcpu;
    v[o + CU_S] += Math.max(vcpu / 0.25, mem / GiB) * dt;
    v[o + DEMAND_S] += d * dt;
    v[o + UNSERVED] += (d - served) * dt;
    const md = v[o + MEM_DEMAND]!;
    if (md > mem) v[o + MEM_PRESSURE] += ((md - mem) / GiB) * dt;
    if (v[o + ALLOC_CPU]! < v[o + GOAL_CPU]!) v[o + BELOW_CPU] += dt;
    if (mem < v[o + GOAL_MEM]!) v[o + BELOW_MEM] += dt;
    if (this.violating(o)) v[o + SLO] += dt;
    if (v[o + MIGRATING]! > 0) v[o + MIG_S] += dt;
  }

  private violating(o: number): boolean {
    const v = this.v;
    const cap = v[o + PAUSED]! > 0 ? 0 : v[o + ALLOC_CPU]! / 1000;
    return v[o + DEMAND]! > this.utilisationTarget * cap;
  }

  /** After VM `i`'s values changed at `t`: open or close its episodes. */
  private episodes(i: number, t: Micros): void {
    const v = this.v;
    const o = i * F;
    const viol = this.violating(o);
    if (viol && v[o + SLO_SINCE]! < 0) v[o + SLO_SINCE] = t;
    else if (!viol && v[o + SLO_SINCE]! >= 0) {
      this.sloEpisodes.add((t - v[o + SLO_SINCE]!) / 1e6);
      v[o + SLO_SINCE] = -1;
    }
    const below = v[o + ALLOC_CPU]! < v[o + GOAL_CPU]! || v[o + ALLOC_MEM]! < v[o + GOAL_MEM]!;
    if (below && v[o + GOAL_SINCE]! < 0) v[o + GOAL_SINCE] = t;
    else if (!below && v[o + GOAL_SINCE]! >= 0) {
      this.goalEpisodes.add((t - v[o + GOAL_SINCE]!) / 1e6);
      v[o + GOAL_SINCE] = -1;
    }
  }

  /** Start VM `i` at time 0. */
  init(i: number, cpu: number, mem: number): void {
    const o = i * F;
    this.v[o + ALLOC_CPU] = cpu;
    this.v[o + ALLOC_MEM] = mem;
    this.v[o + GOAL_CPU] = cpu;
    this.v[o + GOAL_MEM] = mem;
  }

  demand(i: number, t: Micros, cores: number, memBytes: number): void {
    this.advance(i, t);
    this.v[i * F + DEMAND] = cores;
    this.v[i * F + MEM_DEMAND] = memBytes;
    this.episodes(i, t);
  }

  goal(i: number, t: Micros, cpu: number, mem: number): void {
    const o = i * F;
    if (this.v[o + GOAL_CPU] === cpu && this.v[o + GOAL_MEM] === mem) return;
    this.advance(i, t);
    this.v[o + GOAL_CPU] = cpu;
    this.v[o + GOAL_MEM] = mem;
    this.episodes(i, t);
  }

  /** NeonVM resized VM `i` at `t`. */
  resized(i: number, t: Micros, cpu: number, mem: number): void {
    const o = i * F;
    const up = cpu > this.v[o + ALLOC_CPU]! || mem > this.v[o + ALLOC_MEM]!;
    this.advance(i, t);
    this.v[o + ALLOC_CPU] = cpu;
    this.v[o + ALLOC_MEM] = mem;
    if (up) this.counts.upscales++;
    else this.counts.downscales++;
    const dir = up ? 1 : -1;
    if (this.lastResize[i]! >= 0 && this.lastDirection[i] === -dir && t - this.lastResize[i]! <= this.flipFlopWindow) this.counts.flipFlops++;
    this.lastResize[i] = t;
    this.lastDirection[i] = dir;
    this.episodes(i, t);
  }

  migrating(i: number, t: Micros, migrating: boolean, paused: boolean): void {
    this.advance(i, t);
    this.v[i * F + MIGRATING] = migrating ? 1 : 0;
    this.v[i * F + PAUSED] = paused ? 1 : 0;
    this.episodes(i, t);
  }

  migration(r: NeonMigrationRecord): void {
    if (!r.ok) {
      this.counts.migrationsFailed++;
      return;
    }
    const seconds = (r.end - r.start) / 1e6;
    this.migrationCount++;
    this.migrationSum += seconds;
    if (seconds > this.migrationMax) this.migrationMax = seconds;
    this.downtime += r.downtime / 1e6;
  }

  /** Node `n` is (or is no longer) overcommitted from `t`. */
  overcommit(n: number, t: Micros, over: boolean): void {
    const since = this.overSince[n]!;
    if (over && since < 0) this.overSince[n] = t;
    else if (!over && since >= 0) {
      this.overcommitSeconds += (t - since) / 1e6;
      this.overSince[n] = -1;
    }
  }

  /** Allocation CU, goal CU and migration share of VM `i` so far (for charts). */
  allocCU(i: number): number {
    const o = i * F;
    return Math.max(this.v[o + ALLOC_CPU]! / 250, this.v[o + ALLOC_MEM]! / GiB);
  }

  goalCU(i: number): number {
    const o = i * F;
    return Math.max(this.v[o + GOAL_CPU]! / 250, this.v[o + GOAL_MEM]! / GiB);
  }

  /** Per-VM metric set. */
  vmMetrics(i: number): MetricSet {
    const o = i * F;
    const v = this.v;
    return {
      cu_seconds: m(v[o + CU_S]!, 'CU·s'),
      below_goal_cpu_seconds: m(v[o + BELOW_CPU]!, 's'),
      below_goal_memory_seconds: m(v[o + BELOW_MEM]!, 's'),
      unserved_core_seconds: m(v[o + UNSERVED]!, 'core·s'),
      memory_pressure_gib_seconds: m(v[o + MEM_PRESSURE]!, 'GiB·s'),
      slo_violation_seconds: m(v[o + SLO]!, 's'),
      migrating_seconds: m(v[o + MIG_S]!, 's'),
    };
  }

  /** Close everything at `end` and return the run-level metrics. */
  finish(end: Micros): MetricSet {
    for (let i = 0; i < this.vmCount; i++) this.advance(i, end);
    for (let n = 0; n < this.nodeCount; n++) this.overcommit(n, end, false);
    const sum = (field: number): number => {
      let s = 0;
      for (let i = 0; i < this.vmCount; i++) s += this.v[i * F + field]!;
      return s;
    };
    const T = end / 1e6;
    let heavy = 0;
    for (let i = 0; i < this.vmCount; i++) if (this.v[i * F + MIG_S]! > 0.1 * T) heavy++;
    const goal = this.goalEpisodes.stats();
    const slo = this.sloEpisodes.stats();
    const migrations = this.migrationCount;
    const c = this.counts;
    const vmTime = T * this.vmCount;
    return {
      cu_seconds: m(sum(CU_S), 'CU·s'),
      cu_mean: m(T > 0 ? sum(CU_S) / T : null, 'CU'),
      below_goal_cpu_seconds: m(sum(BELOW_CPU), 's'),
      below_goal_memory_seconds: m(sum(BELOW_MEM), 's'),
      upscales: m(c.upscales, 'count'),
      downscales: m(c.downscales, 'count'),
      denied_upscales: m(c.denied, 'count'),
      partly_granted_upscales: m(c.partly, 'count'),
      monitor_denied_downscales: m(c.monitorDenied, 'count'),
      monitor_upscale_requests: m(c.monitorUpscales, 'count'),
      request_failures: m(c.requestFailures, 'count'),
      node_overcommit_seconds: m(this.overcommitSeconds, 's'),
      migrations: m(migrations, 'count'),
      migrations_failed: m(c.migrationsFailed, 'count'),
      migrations_unschedulable: m(c.unschedulable, 'count'),
      migration_seconds_mean: m(migrations > 0 ? this.migrationSum / migrations : null, 's'),
      migration_seconds_max: m(migrations > 0 ? this.migrationMax : null, 's'),
      migration_downtime_seconds: m(this.downtime, 's'),
      migrating_percent: m(vmTime > 0 ? (100 * sum(MIG_S)) / vmTime : null, '%'),
      vms_migrating_over_10_percent: m(heavy, 'count'),
      time_to_goal_mean: m(goal.mean, 's'),
      time_to_goal_p95: m(goal.p95, 's'),
      time_to_goal_max: m(goal.max, 's'),
      unserved_core_seconds: m(sum(UNSERVED), 'core·s'),
      memory_pressure_gib_seconds: m(sum(MEM_PRESSURE), 'GiB·s'),
      slo_violation_seconds: m(sum(SLO), 's'),
      slo_violation_percent: m(vmTime > 0 ? (100 * sum(SLO)) / vmTime : null, '%'),
      reaction_time_mean: m(slo.mean, 's'),
      reaction_time_p95: m(slo.p95, 's'),
      reaction_time_max: m(slo.max, 's'),
      flip_flops: m(c.flipFlops, 'count'),
    };
  }
}

/** A metric rounded to 6 decimals (text outputs). */
function m(value: number | null, unit: string): Metric {
  return { value: value === null ? null : Math.round(value * 1e6) / 1e6, unit };
}
