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
 */
import type { Micros } from '../kernel/time.js';
import { activeOf, reported, sampleLoad, type LoadAverages } from './loadavg.js';

const MiB = 1024 ** 2;

/** One Neon VM's world state. */
export class NeonVm {
  /** Allocation: milli-vCPU and bytes. */
  cpu: number;
  mem: number;
  readonly la: LoadAverages = { avg1: 0, avg5: 0, avg15: 0 };
  /** CPU demand (cores) and memory demand (bytes) in effect. */
  cpuDemand = 0;
  memDemand = 0;
  /** A resize that finished while the VM was migrating: applied when the migration ends. */
  resizeDeferred = false;
  /** Start of the current migration, or −1. */
  migratingSince: Micros = -1;
  paused = false;

  constructor(
    readonly index: number,
    readonly name: string,
    cpu: number,
    mem: number,
  ) {
    this.cpu = cpu;
    this.mem = mem;
  }

  /** Runnable threads inside the VM (what the load average counts). */
  runnable(): number {
    return this.paused ? 0 : this.cpuDemand;
  }

  /** CPU served, cores. @example served() with demand 1.5 on 1 vCPU → 1 */
  served(): number {
    if (this.paused) return 0;
    const v = this.cpu / 1000;
    return this.cpuDemand < v ? this.cpuDemand : v;
  }

  /** Memory usage the agent reads: min(demand, allocation) + 100 MiB. */
  memoryUsage(): number {
    return (this.memDemand < this.mem ? this.memDemand : this.mem) + 100 * MiB;
  }

  /** What the vm-monitor measures (non-reclaimable memory, capped at the allocation). */
  monitorMemory(): number {
    return this.memDemand < this.mem ? this.memDemand : this.mem;
  }

  /** One 5 s load-average sample. */
  sampleLoad(): void {
    sampleLoad(this.la, this.runnable());
  }

  /** Start the load averages at the steady state of the current demand. */
  steadyLoad(): void {
    const a = activeOf(this.runnable());
    this.la.avg1 = a;
    this.la.avg5 = a;
    this.la.avg15 = a;
  }

  get load1(): number {
    return reported(this.la.avg1);
  }

  get load5(): number {
    return reported(this.la.avg5);
  }
}
