/**
 * The Incus cluster world: members (hosts) and virtual machines, and what a member reports in
 * `GET /1.0/resources`.
 *
 * A member's CPU: its runnable work R = host overhead + Σ over its running, unpaused VMs of
 * min(demand, limits.cpu) · (100 − throttle) % + the CPU overhead of migrations it takes part in
 * (a VM being live-migrated may be throttled by QEMU's auto-converge; the throttled share is
 * CPU the guest loses). When R exceeds its
 * threads T every runnable thread gets the share f = T / R (CPU steal): a VM is served
 * min(d, vCPUs) × f and the rest of its demand goes unserved; its capacity is vCPUs × f.
 * The load averages are the kernel's (loadavg.ts) over R, sampled every 5 s.
 *
 * A member's memory: `memory.used` = total − free − cached − buffers, i.e. what processes and
 * the kernel hold and the page cache does not: the host overhead plus the resident memory of its
 * running VMs, plus the memory of VMs migrating in (reserved on the target when the migration
 * starts, freed on the source when it completes), capped at the total.
 *
 * Objects here are the engine's view too (`MemberView`, `VmView`): the engine reads them during
 * a call and keeps nothing.
 */
import type { MemberState, MemberView, SchedulerInstance, VmView } from '../engines/incus/engine.js';
import type { Micros } from '../kernel/time.js';
import type { ClusterMetrics } from '../metrics/cluster.js';
import type { ClusterEvacuate, ClusterHostSpec, ClusterMemberSpec, ClusterVmSpec } from '../scenario/types.js';
import { activeOf, reported, type LoadAverages } from './loadavg.js';

export class ClusterMember implements MemberView {
  readonly name: string;
  readonly arch: string;
  readonly threads: number;
  readonly memoryTotal: number;
  readonly groups: readonly string[];
  /** When its daemon (incusd) started; a crash restarts it. */
  startedAt: Micros;
  readonly scheduler: SchedulerInstance;
  /** The state the cluster database reports (what the rebalancer reads): a member that died stays `online` until the heartbeat threshold passes. */
  state: MemberState;
  /** Whether the machine is really up (an offline member serves nothing and fails migrations). */
  up: boolean;
  readonly overheadCores: number;
  readonly memoryOverhead: number;
  /** VM indices on this member, in database order (project, then name). */
  readonly vms: number[] = [];
  /** Resident memory of its running VMs and of VMs migrating in, bytes. */
  vmMemory = 0;
  /** Σ min(demand, limits.cpu) of its running, unpaused VMs. */
  vmRunnable = 0;
  /** CPU overhead of the migrations it takes part in. */
  migrationCores = 0;
  /** CPU share of each runnable thread: min(1, T / R). */
  share = 1;
  /** The kernel's fixed-point load averages. */
  readonly la: LoadAverages = { avg1: 0, avg5: 0, avg15: 0 };
  /** Its VMs that auto-converge is throttling now (refreshMember skips the throttle when 0). */
  throttled = 0;
  /** Migrations in flight leaving / entering through its network link. */
  outgoing = 0;
  incoming = 0;

  constructor(
    readonly index: number,
    spec: ClusterMemberSpec,
    host: ClusterHostSpec,
  ) {
    this.name = spec.name;
    this.arch = spec.arch;
    this.threads = spec.threads;
    this.memoryTotal = spec.memory_bytes;
    this.groups = spec.groups;
    this.startedAt = spec.started;
    this.scheduler = spec.scheduler_instance;
    this.state = spec.state;
    this.up = spec.state !== 'offline';
    this.overheadCores = host.overhead_cores;
    this.memoryOverhead = host.memory_overhead_bytes;
  }

  /** `memory.used` as reported. */
  get memoryUsed(): number {
    const used = this.memoryOverhead + this.vmMemory;
    return used < this.memoryTotal ? used : this.memoryTotal;
  }

  /** `load.Average1Min` as reported. */
  get load1(): number {
    return reported(this.la.avg1);
  }

  /** Runnable work R (threads); 0 when down (powered off). */
  runnable(): number {
    return this.up ? this.overheadCores + this.vmRunnable + this.migrationCores : 0;
  }

  /** Whether it answers API calls (the engine's view). */
  get reachable(): boolean {
    return this.up;
  }

  /** The state a report shows: `offline` as soon as the machine is down. */
  get shownState(): MemberState {
    return this.up ? this.state : 'offline';
  }

  /** Set all three load averages to the steady state of the current runnable work. */
  steadyLoad(): void {
    const a = activeOf(this.runnable());
    this.la.avg1 = a;
    this.la.avg5 = a;
    this.la.avg15 = a;
  }
}

export class ClusterVm implements VmView {
  readonly name: string;
  readonly limitsCpu: number;
  readonly limitsMemory: number;
  readonly stateful: boolean;
  readonly blockingDevices: boolean;
  /** Resident memory while running, bytes. */
  readonly residentBytes: number;
  readonly dirtyRate: number;
  /** Root disk bytes a move must copy (local pool); 0 on shared storage. */
  readonly rootDiskBytes: number;
  /** `cluster.evacuate`. */
  readonly evacuate: ClusterEvacuate;
  running: boolean;
  /** CPU throttle QEMU's auto-converge imposes while it migrates, percent (0: none). */
  throttle = 0;
  migrating = false;
  /** Paused for the stop-and-copy phase of a migration. */
  paused = false;
  lastMove: number | null;
  /** CPU demand (cores) in effect. */
  demand = 0;
  /** CPU served (cores) in effect. */
  served = 0;
  /** Slot in the demand vector of the load sources; −1 without load. */
  slot = -1;

  constructor(
    readonly index: number,
    spec: ClusterVmSpec,
    readonly project: number,
    public member: number,
  ) {
    this.name = spec.name;
    this.limitsCpu = spec.limits_cpu;
    this.limitsMemory = spec.limits_memory_bytes;
    this.stateful = spec.stateful;
    this.blockingDevices = spec.blocking_devices.length > 0;
    this.residentBytes = spec.memory_used_bytes;
    this.dirtyRate = spec.dirty_rate_bytes;
    this.rootDiskBytes = spec.root_disk_bytes;
    this.evacuate = spec.evacuate;
    this.running = spec.running;
    this.lastMove = spec.last_move === null ? null : Math.floor(spec.last_move / 1e6);
  }

  get cpuUsage(): number {
    return this.served;
  }

  get memoryUsage(): number {
    return this.running ? this.residentBytes : 0;
  }
}

/**
 * Set the auto-converge throttle of `vm` (on member `m`) to `percent` (0: none), keeping the
 * member's count of throttled VMs. Call `refreshMember` afterwards.
 *
 * @example setThrottle(source, vm, 50) // the guest now runs half the time
 */
export function setThrottle(m: ClusterMember, vm: ClusterVm, percent: number): void {
  if (vm.throttle === 0 && percent !== 0) m.throttled++;
  else if (vm.throttle !== 0 && percent === 0) m.throttled--;
  vm.throttle = percent;
}

/** Insert VM `vm` into `list` keeping database order (project, then name). */
export function insertVm(list: number[], vm: number, vms: readonly ClusterVm[]): void {
  const v = vms[vm]!;
  let i = list.length;
  while (i > 0) {
    const o = vms[list[i - 1]!]!;
    if (o.project < v.project || (o.project === v.project && o.name < v.name)) break;
    i--;
  }
  list.splice(i, 0, vm);
}

/** Remove VM `vm` from `list`. */
export function removeVm(list: number[], vm: number): void {
  const i = list.indexOf(vm);
  if (i >= 0) list.splice(i, 1);
}

/**
 * Recompute member `m`'s CPU (runnable work, share, each VM's service) from its VMs' current
 * demand, and report it all to the metrics as in effect from `t`. Two passes over its VMs, no
 * allocation.
 */
export function refreshMember(m: ClusterMember, vms: readonly ClusterVm[], metrics: ClusterMetrics, t: Micros): void {
  const list = m.vms;
  const up = m.up;
  const throttling = m.throttled > 0;
  let runnable = 0;
  for (let k = 0; k < list.length; k++) {
    const vm = vms[list[k]!]!;
    if (vm.running && !vm.paused) {
      const r = vm.demand < vm.limitsCpu ? vm.demand : vm.limitsCpu;
      runnable += throttling && vm.throttle !== 0 ? (r * (100 - vm.throttle)) / 100 : r;
    }
  }
  m.vmRunnable = runnable;
  const R = m.runnable();
  const f = R > m.threads ? m.threads / R : 1;
  m.share = f;
  for (let k = 0; k < list.length; k++) {
    const vm = vms[list[k]!]!;
    const active = up && vm.running && !vm.paused;
    const r = active ? (vm.demand < vm.limitsCpu ? vm.demand : vm.limitsCpu) : 0;
    // a guest throttled by auto-converge runs (100 − p) % of the time: the rest is lost CPU
    const keep = throttling && vm.throttle !== 0 ? (100 - vm.throttle) / 100 : 1;
    const runs = r * keep;
    const served = runs * f;
    vm.served = served;
    metrics.vm(vm.index, t, vm.running ? vm.demand : 0, vm.limitsCpu, served, runs - served, active ? vm.limitsCpu * keep * f : 0);
    if (throttling) metrics.vmThrottled(vm.index, r - runs);
  }
  metrics.member(m.index, t, R, m.threads, up && m.state === 'online');
}
