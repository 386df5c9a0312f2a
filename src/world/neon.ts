/**
 * The Neon world on top of the cluster world (cluster.ts: nodes are `ClusterMember`s, VMs are
 * `ClusterVm`s for placement, demand and the migration flags): each VM also has a current
 * allocation in compute units, its own load averages (the kernel's damped formula over the
 * VM's runnable work, loadavg.ts) and a memory demand.
 *
 * - CPU: runnable work inside the VM is its CPU demand d (cores), uncapped — threads waiting for
 *   a vCPU count in the load average as in Linux; the VM is served min(d, vCPUs) (0 while paused
 *   by a migration's stop-and-copy); the rest is unserved.
 * - Memory: the demand m (non-reclaimable bytes) is held up to the allocation M; the agent reads
 *   usage = min(m, M) + 100 MiB (`total − available + 100 MiB`); m above M is memory pressure.
 *
 * All VMs' state lives in one `NeonVmBank` of typed arrays (one slot per VM), so the 5 s sample
 * updates every VM's load averages in one pass over contiguous memory; a `NeonVm` is a named
 * view of one slot. Only the 1- and 5-minute averages are kept: the agent reads no other.
 */
import type { Micros } from '../kernel/time.js';
import { activeOf, calcLoad, EXP_1, EXP_5, reported } from './loadavg.js';

const MiB = 1024 ** 2;

/** Every Neon VM's world state, one slot per VM. */
export class NeonVmBank {
  /** Allocation: milli-vCPU and bytes. */
  readonly cpu: Float64Array;
  readonly mem: Float64Array;
  /** CPU demand (cores) and memory demand (bytes) in effect. */
  readonly cpuDemand: Float64Array;
  readonly memDemand: Float64Array;
  /** Load averages, kernel fixed point (FIXED_1 = 2048). */
  readonly avg1: Float64Array;
  readonly avg5: Float64Array;
  /** Start of the current migration, or −1. */
  readonly migratingSince: Float64Array;
  /** 1 while stopped for a migration's stop-and-copy. */
  readonly paused: Uint8Array;
  /** 1: a resize finished while the VM was migrating, applied when the migration ends. */
  readonly resizeDeferred: Uint8Array;

  constructor(readonly size: number) {
    this.cpu = new Float64Array(size);
    this.mem = new Float64Array(size);
    this.cpuDemand = new Float64Array(size);
    this.memDemand = new Float64Array(size);
    this.avg1 = new Float64Array(size);
    this.avg5 = new Float64Array(size);
    this.migratingSince = new Float64Array(size).fill(-1);
    this.paused = new Uint8Array(size);
    this.resizeDeferred = new Uint8Array(size);
  }

  /** Runnable threads inside VM `v` (what the load average counts): its demand, 0 while paused. */
  runnable(v: number): number {
    return this.paused[v] === 1 ? 0 : this.cpuDemand[v]!;
  }

  /** One 5 s load-average sample of every VM (`calc_load` for the 1- and 5-minute averages). */
  sampleLoads(): void {
    const { avg1, avg5 } = this;
    for (let v = 0; v < this.size; v++) {
      const active = activeOf(this.runnable(v));
      avg1[v] = calcLoad(avg1[v]!, EXP_1, active);
      avg5[v] = calcLoad(avg5[v]!, EXP_5, active);
    }
  }

  /** Start VM `v`'s load averages at the steady state of its current demand. */
  steadyLoad(v: number): void {
    const a = activeOf(this.runnable(v));
    this.avg1[v] = a;
    this.avg5[v] = a;
  }

  /** load1 as the VM's /proc/loadavg prints it. @example 0.16 after one sample of 2 runnable threads from 0 */
  load1(v: number): number {
    return reported(this.avg1[v]!);
  }

  load5(v: number): number {
    return reported(this.avg5[v]!);
  }

  /** Memory usage the agent reads: min(demand, allocation) + 100 MiB. */
  memoryUsage(v: number): number {
    return this.monitorMemory(v) + 100 * MiB;
  }

  /** What the vm-monitor measures (non-reclaimable memory, capped at the allocation). */
  monitorMemory(v: number): number {
    const d = this.memDemand[v]!;
    const m = this.mem[v]!;
    return d < m ? d : m;
  }
}

/** One Neon VM: its name and a view of its slot in the bank. */
export class NeonVm {
  constructor(
    readonly bank: NeonVmBank,
    readonly index: number,
    readonly name: string,
    cpu: number,
    mem: number,
  ) {
    bank.cpu[index] = cpu;
    bank.mem[index] = mem;
  }

  /** Allocation: milli-vCPU. */
  get cpu(): number {
    return this.bank.cpu[this.index]!;
  }

  set cpu(x: number) {
    this.bank.cpu[this.index] = x;
  }

  /** Allocation: bytes. */
  get mem(): number {
    return this.bank.mem[this.index]!;
  }

  set mem(x: number) {
    this.bank.mem[this.index] = x;
  }

  /** CPU demand in effect, cores. */
  get cpuDemand(): number {
    return this.bank.cpuDemand[this.index]!;
  }

  set cpuDemand(x: number) {
    this.bank.cpuDemand[this.index] = x;
  }

  /** Memory demand in effect, bytes. */
  get memDemand(): number {
    return this.bank.memDemand[this.index]!;
  }

  set memDemand(x: number) {
    this.bank.memDemand[this.index] = x;
  }

  /** Start of the current migration, or −1. */
  get migratingSince(): Micros {
    return this.bank.migratingSince[this.index]!;
  }

  set migratingSince(t: Micros) {
    this.bank.migratingSince[this.index] = t;
  }

  /** Stopped for a migration's stop-and-copy. */
  get paused(): boolean {
    return this.bank.paused[this.index] === 1;
  }

  set paused(p: boolean) {
    this.bank.paused[this.index] = p ? 1 : 0;
  }

  /** A resize that finished while the VM was migrating: applied when the migration ends. */
  get resizeDeferred(): boolean {
    return this.bank.resizeDeferred[this.index] === 1;
  }

  set resizeDeferred(d: boolean) {
    this.bank.resizeDeferred[this.index] = d ? 1 : 0;
  }

  /** Memory usage the agent reads: min(demand, allocation) + 100 MiB. */
  memoryUsage(): number {
    return this.bank.memoryUsage(this.index);
  }

  /** What the vm-monitor measures (non-reclaimable memory, capped at the allocation). */
  monitorMemory(): number {
    return this.bank.monitorMemory(this.index);
  }

  /** Start the load averages at the steady state of the current demand. */
  steadyLoad(): void {
    this.bank.steadyLoad(this.index);
  }

  get load1(): number {
    return this.bank.load1(this.index);
  }

  get load5(): number {
    return this.bank.load5(this.index);
  }
}
