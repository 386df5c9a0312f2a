/**
 * The unikernel world: workloads (services) and their instances (a primary and its clones).
 *
 * Lifecycle: placing → booting → running → stopping → gone. A workload's demand (cores) is
 * split evenly over its *running* instances; an instance uses min(share, vCPUs). CPU time is
 * accounted lazily: `settle` advances every running instance's cumulative counter to `t`
 * whenever the split is about to change (a boot completes, an instance stops, demand changes),
 * so the counters are exact for the piecewise-constant load.
 */
import type { Micros } from '../kernel/time.js';
import type { WorkloadSpec } from '../scenario/types.js';
import { advance, cpuDemandCores, createFlow, type RequestFlow } from '../requests/flow.js';
import { ReplicaPhase } from './replicas/engine.js';
import { GONE_SLOT, InstanceSlots } from './instance-slots.js';

/** Lifecycle phase of an instance (small integers, so the hot path compares numbers); the plug-in interface's `ReplicaPhase`. */
export const Phase = ReplicaPhase;
export type Phase = ReplicaPhase;

export const PHASE_NAMES = ['placing', 'booting', 'running', 'stopping', 'gone', 'standby'] as const;

/**
 * An instance (unikernel) as the world tracks it. Its phase, CPU counters and the sensor's last
 * reading live in the world's columns (`InstanceSlots`, in slot `slot` of its workload's block);
 * these accessors read and write them there, so code that holds the instance sees plain fields.
 * Once gone, it points to the gone slot: phase gone, counters 0.
 *
 * @example const inst = new Instance(slots, slots.take(0, w.instances, Phase.Running), 1, 'web', 0, 0, 1, 64 * 2 ** 20, true, false, 0, 0); // warm at t = 0
 */
export class Instance {
  /** Where its numbers are in `slots` (moves when its workload's block moves). */
  slot: number;
  /** Left running and unmanaged by the autoscaler. */
  orphaned = false;
  /** When it got onto its host and began booting (−1 while placing; the creation time when warm). */
  startedAt: Micros;
  /** When it entered its current phase. */
  phaseSince: Micros;

  constructor(
    /** The world's columns. */
    readonly slots: InstanceSlots,
    slot: number,
    /** Unique over the run (never reused). */
    readonly id: number,
    readonly name: string,
    readonly workload: number,
    readonly host: number,
    readonly vcpus: number,
    readonly memoryBytes: number,
    readonly isPrimary: boolean,
    /** Will fail at the end of its boot. */
    readonly bootFails: boolean,
    /** When it was created (spawn asked, or t = 0 when warm). */
    readonly createdAt: Micros,
    startedAt: Micros,
  ) {
    this.slot = slot;
    this.startedAt = startedAt;
    this.phaseSince = createdAt;
  }

  get phase(): Phase {
    return this.slots.phase[this.slot] as Phase;
  }
  set phase(p: Phase) {
    this.slots.phase[this.slot] = p;
  }
  /** Cumulative CPU time in µs (fractional internally; reported as integer µs). */
  get cpuUs(): number {
    return this.slots.cpu[this.slot]!;
  }
  set cpuUs(v: number) {
    this.slots.cpu[this.slot] = v;
  }
  /** The counter at the last stats round, the base that measurement noise perturbs from. */
  get roundCpuUs(): number {
    return this.slots.roundCpu[this.slot]!;
  }
  set roundCpuUs(v: number) {
    this.slots.roundCpu[this.slot] = v;
  }
  /** What the stats sensor last reported: its time (−1 before the first). */
  get reportedAt(): Micros {
    return this.slots.reportedAt[this.slot]!;
  }
  set reportedAt(v: Micros) {
    this.slots.reportedAt[this.slot] = v;
  }
  /** … and the CPU time it read then (µs). */
  get reportedCpuUs(): number {
    return this.slots.reportedCpu[this.slot]!;
  }
  set reportedCpuUs(v: number) {
    this.slots.reportedCpu[this.slot] = v;
  }
}

/** A workload as the world tracks it. Counts are kept incrementally. */
export interface Workload {
  readonly index: number;
  readonly spec: WorkloadSpec;
  /** Instances not yet gone, kept sorted by name (the order albatross-stats reports them). */
  instances: Instance[];
  /** Demand in cores in effect since the last round. */
  demand: number;
  /** Time up to which CPU counters are settled. */
  settledAt: Micros;
  running: number;
  booting: number;
  placing: number;
  stopping: number;
  /** Parked instances (phase Standby). */
  standby: number;
  orphaned: number;
  /** Request-driven workload (`requests:`): its request flow, advanced with the CPU counters (`settleSpan`); null otherwise. */
  requests: RequestFlow | null;
  /** Request-driven workload: the arrival rate in effect (requests/s); 0 otherwise. */
  rate: number;
  /** Bumped whenever an instance is added or removed or changes phase (see `ReplicaGroupView.changes`). */
  changes: number;
  /** The world's instance columns, where this workload's instances keep their numbers (a block of slots). */
  readonly columns: InstanceSlots;
}

/** The objects `primeDoubleFields` made (kept, see there). */
let doubleShapes: readonly [Instance, Workload] | null = null;

/**
 * Make, once a process, an instance and a workload whose number fields that take fractions (CPU
 * counters, times, demand) hold fractions, and keep them for the life of the process. Call it
 * before building a world's instances and workloads.
 *
 * V8 gives a field the representation of the first value stored in it, for every object built
 * with the same fields in the same order, as long as one such object lives. Without these, a run
 * builds its instances and workloads with those fields as small integers (0, −1), and each object
 * is rebuilt ("migrated", with a new box for each number) the first time one turns fractional:
 * a cost an object in the first round, and boxes allocated then, scattered over the heap away
 * from their objects; at 100,000 groups each box read in a round was a cache miss. With them,
 * the boxes are made with each object, beside it. The workload's keys stay in the order of
 * `makeWorkload`; an instance's times are fields of the `Instance` class (its counters are in
 * the world's columns, `InstanceSlots`). A test runs a world with V8's migration trace on and
 * expects none of these objects migrated.
 *
 * @example primeDoubleFields(); makeWorkload(0, spec, slots).demand // 0, held as a double from the start
 */
export function primeDoubleFields(): void {
  if (doubleShapes !== null) return;
  const columns = new InstanceSlots(0, 1);
  doubleShapes = [
    new Instance(columns, GONE_SLOT, 0, '', 0, 0, 1, 0, false, false, 0.5, 0.5),
    { index: 0, spec: null as unknown as WorkloadSpec, instances: [], demand: 0.5, settledAt: 0.5, running: 0, booting: 0, placing: 0, stopping: 0, standby: 0, orphaned: 0, requests: null, rate: 0.5, changes: 0, columns },
  ];
}

/** A workload with nothing running yet. */
export function makeWorkload(index: number, spec: WorkloadSpec, columns: InstanceSlots): Workload {
  const requests = spec.requests ? createFlow(spec.requests) : null;
  return { index, spec, instances: [], demand: 0, settledAt: 0, running: 0, booting: 0, placing: 0, stopping: 0, standby: 0, orphaned: 0, requests, rate: 0, changes: 0, columns };
}

/** Instances that exist and cost (every phase but gone). */
export function existing(w: Workload): number {
  return w.placing + w.booting + w.running + w.stopping;
}

/** Serving capacity in cores: vCPUs of running instances. */
export function capacityCores(w: Workload): number {
  return w.running * w.spec.vcpus;
}

/**
 * Instances the demand needs at utilisation target u: ⌈d / (u × vCPUs)⌉ (0 for no demand).
 *
 * @example demandedInstances(1.5, 1, 1) // 2
 */
export function demandedInstances(demand: number, u: number, vcpus: number): number {
  if (demand <= 0) return 0;
  return Math.ceil(demand / (u * vcpus) - 1e-9);
}

/**
 * Advance the CPU counters of `w`'s running instances from `settledAt` to `t` at the current
 * split, over its block of slots in the world's columns (`settleBlock`).
 */
export function settle(w: Workload, t: Micros): void {
  const dt = settleSpan(w, t);
  const share = runningShare(w, dt);
  if (share > 0) settleBlock(w.columns, w.index, w.spec.vcpus, share, dt);
}

/**
 * Advance the counter of each running instance in workload `g`'s block of `slots` over a span
 * of `dt` µs at `share` cores each: `cpuAccrued`, min(share, vCPUs) × dt, the same for all (every
 * instance of a workload has its `vcpus`).
 *
 * @example settleBlock(slots, 0, 1, 0.5, 10e6) // every running instance of workload 0: +5 s of CPU
 */
export function settleBlock(slots: InstanceSlots, g: number, vcpus: number, share: number, dt: Micros): void {
  const used = cpuAccrued(vcpus, share, dt);
  const phase = slots.phase;
  const cpu = slots.cpu;
  const last = slots.end[g]!;
  for (let s = slots.first[g]!; s < last; s++) if (phase[s] === Phase.Running) cpu[s] += used;
}

/**
 * The span `settle` covers — t − settledAt, or 0 when already settled — marking the counters
 * settled at `t`. For a caller that makes the pass over the instances itself (the stats round
 * settles and reads the counters in one pass).
 */
export function settleSpan(w: Workload, t: Micros): Micros {
  // the request flow moves with the counters: every change of the running instances settles first
  const flow = w.requests;
  if (flow !== null && t > flow.now) advance(flow, flow.now, t, w.rate, w.running);
  const dt = t - w.settledAt;
  if (dt <= 0) return 0;
  w.settledAt = t;
  return dt;
}

/** Cores each running instance is offered over a span of `dt` > 0: demand / running (request-driven: the span's served CPU / running; 0 if none). */
export function runningShare(w: Workload, dt: Micros): number {
  if (!(dt > 0 && w.running > 0)) return 0;
  // request-driven: the CPU of the requests served over the span just settled (a backlog drained included)
  return w.requests !== null ? cpuDemandCores(w.requests) / w.running : w.demand / w.running;
}

/**
 * CPU µs a running instance of `vcpus` vCPUs accrues over `dt` offered `share` cores:
 * min(share, vCPUs) × dt.
 *
 * @example cpuAccrued(1, 1.5, 10e6) // 10e6
 */
export function cpuAccrued(vcpus: number, share: number, dt: Micros): number {
  return (share < vcpus ? share : vcpus) * dt;
}

/** Insert an instance keeping the list sorted by name. */
export function addInstance(w: Workload, inst: Instance): void {
  const list = w.instances;
  let i = list.length;
  while (i > 0 && list[i - 1]!.name > inst.name) i--;
  // a new list of exactly the new length: a list grown in place keeps room for 16 more (≈ 130
  // bytes a workload: 13 MB of set-up heap at 100,000 groups, copied by every young collection)
  w.instances = list.toSpliced(i, 0, inst);
  countPhase(w, inst.phase, 1);
  w.changes++;
}

/** Remove a gone instance from its workload's list. */
export function removeInstance(w: Workload, inst: Instance): void {
  const i = w.instances.indexOf(inst);
  if (i >= 0) w.instances.splice(i, 1);
  w.changes++;
}

/** Move an instance to a new phase at `t`, keeping the counts right. Settle first if running changes. */
export function setPhase(w: Workload, inst: Instance, phase: Phase, t: Micros): void {
  countPhase(w, inst.phase, -1);
  inst.phase = phase;
  inst.phaseSince = t;
  countPhase(w, phase, 1);
  w.changes++;
}

function countPhase(w: Workload, phase: Phase, delta: number): void {
  switch (phase) {
    case Phase.Placing:
      w.placing += delta;
      break;
    case Phase.Booting:
      w.booting += delta;
      break;
    case Phase.Running:
      w.running += delta;
      break;
    case Phase.Stopping:
      w.stopping += delta;
      break;
    case Phase.Standby:
      w.standby += delta;
      break;
    case Phase.Gone:
      break;
  }
}

/** Find a live instance of the workload by name. */
export function findInstance(w: Workload, name: string): Instance | undefined {
  for (const inst of w.instances) if (inst.name === name) return inst;
  return undefined;
}
