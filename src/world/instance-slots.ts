/**
 * The replica world's hot per-instance numbers — phase, CPU counter, the counter at the last
 * round, and the sensor's last reading — in columns (typed arrays), each workload's instances in
 * a block of slots of its own, next to each other.
 *
 * Why: a round touches every instance's counter twice (settled, then read). As fields of the
 * instance objects, each number was a box of its own (V8 keeps a double field as a pointer to a
 * heap number), and one instance's phase, counter and last reading lay on three or four cache
 * lines scattered over the heap; at 100,000 groups nearly every one was a cache miss. In columns,
 * a workload's counters are one cache line, its phases a few bytes, and a pass over the groups in
 * order reads memory in order. The instance objects keep everything else and read and write
 * these numbers through accessors (`Instance` in unikernels.ts), so every other path is unchanged.
 *
 * A block holds its workload's live instances (every phase but gone) in any order, with free
 * slots (phase `FREE_SLOT`) where instances have gone; a new instance takes the first free slot.
 * A full block moves to the end of the columns with twice the room (its instances are told their
 * new slots), so what a run keeps grows with the most instances a workload ever had at once, never
 * with its duration. Slot 0 is no workload's: a gone instance points there (phase gone, counters 0).
 *
 * @example
 * const slots = new InstanceSlots(2, 4); // two workloads, room for 4 instances each
 * const s = slots.take(1, [], ReplicaPhase.Running); // 5: workload 1's first slot (slot 0 is the gone slot)
 * slots.cpu[s] = 1e6;
 */
import { ReplicaPhase } from './replicas/engine.js';

/** The phase of a slot no instance holds. Neither running nor booting, so no pass reads it. */
export const FREE_SLOT = 255;

/** The slot every gone instance points to: phase gone, counters 0, never handed out. */
export const GONE_SLOT = 0;

/** Something holding a slot: the world's instances. */
export interface SlotHolder {
  slot: number;
}

export class InstanceSlots {
  /** Phase of the instance in each slot (`ReplicaPhase`), `FREE_SLOT` for none. */
  phase: Uint8Array;
  /** Cumulative CPU time in µs (fractional). */
  cpu: Float64Array;
  /** The CPU counter at the last round (the base measurement noise perturbs from). */
  roundCpu: Float64Array;
  /** Sensor scratch: when the sensor last read the instance (−1: never). */
  reportedAt: Float64Array;
  /** Sensor scratch: the CPU time it read then. */
  reportedCpu: Float64Array;
  /** Workload g's block: its first slot, one past its last slot in use, and its room. */
  readonly first: Int32Array;
  readonly end: Int32Array;
  readonly room: Int32Array;
  /** Slots handed out to blocks so far (the columns' used length). */
  private top: number;

  /**
   * Columns for `workloads` workloads with room for `perWorkload` instances each, in workload
   * order after the gone slot.
   */
  constructor(workloads: number, perWorkload: number) {
    if (!(perWorkload >= 1)) throw new RangeError(`room per workload must be at least 1, got ${perWorkload}`);
    this.first = new Int32Array(workloads);
    this.end = new Int32Array(workloads);
    this.room = new Int32Array(workloads);
    const size = 1 + workloads * perWorkload;
    this.phase = new Uint8Array(size).fill(FREE_SLOT);
    this.cpu = new Float64Array(size);
    this.roundCpu = new Float64Array(size);
    this.reportedAt = new Float64Array(size);
    this.reportedCpu = new Float64Array(size);
    this.phase[GONE_SLOT] = ReplicaPhase.Gone;
    for (let g = 0; g < workloads; g++) {
      this.first[g] = this.end[g] = 1 + g * perWorkload;
      this.room[g] = perWorkload;
    }
    this.top = size;
  }

  /**
   * A free slot in workload `g`'s block for a new instance in `phase`, its numbers set as a new
   * instance's (a slot may have been another's): counters 0, never read by a sensor (−1). `live`
   * are the instances holding the block's slots: when the block is full it moves to the end of the
   * columns with twice the room, and each of them gets its new slot.
   *
   * @example slots.take(0, w.instances, ReplicaPhase.Placing) // the first free slot of workload 0's block
   */
  take(g: number, live: readonly SlotHolder[], phase: ReplicaPhase): number {
    const s = this.free(g, live);
    this.phase[s] = phase;
    this.cpu[s] = 0;
    this.roundCpu[s] = 0;
    this.reportedAt[s] = -1;
    this.reportedCpu[s] = 0;
    return s;
  }

  /** The first free slot of `g`'s block: one in it, else past its end, else after moving it (`take`). */
  private free(g: number, live: readonly SlotHolder[]): number {
    const first = this.first[g]!;
    const end = this.end[g]!;
    for (let s = first; s < end; s++) if (this.phase[s] === FREE_SLOT) return s;
    if (end < first + this.room[g]!) {
      this.end[g] = end + 1;
      return end;
    }
    return this.move(g, live);
  }

  /**
   * Free `slot` (its instance has gone): the block's end comes back over free slots at its end.
   *
   * @example slots.release(0, s) // slot s is free again for workload 0
   */
  release(g: number, slot: number): void {
    this.phase[slot] = FREE_SLOT;
    const first = this.first[g]!;
    let end = this.end[g]!;
    while (end > first && this.phase[end - 1] === FREE_SLOT) end--;
    this.end[g] = end;
  }

  /** Move `g`'s full block to the end with twice the room; its instances (`live`) in order, then the new free slot. */
  private move(g: number, live: readonly SlotHolder[]): number {
    const room = 2 * this.room[g]!;
    const first = this.top;
    this.ensure(first + room);
    let s = first;
    for (const holder of live) {
      const from = holder.slot;
      this.phase[s] = this.phase[from]!;
      this.cpu[s] = this.cpu[from]!;
      this.roundCpu[s] = this.roundCpu[from]!;
      this.reportedAt[s] = this.reportedAt[from]!;
      this.reportedCpu[s] = this.reportedCpu[from]!;
      this.phase[from] = FREE_SLOT;
      holder.slot = s++;
    }
    this.top = first + room;
    this.first[g] = first;
    this.room[g] = room;
    this.end[g] = s + 1;
    return s;
  }

  /** Grow the columns (doubling) to at least `size` slots. */
  private ensure(size: number): void {
    const length = this.phase.length;
    if (size <= length) return;
    const next = Math.max(size, 2 * length);
    const phase = new Uint8Array(next).fill(FREE_SLOT);
    phase.set(this.phase);
    this.phase = phase;
    this.cpu = grown(this.cpu, next);
    this.roundCpu = grown(this.roundCpu, next);
    this.reportedAt = grown(this.reportedAt, next);
    this.reportedCpu = grown(this.reportedCpu, next);
  }
}

/** `column` copied into a new column of `size` (the rest 0). */
function grown(column: Float64Array, size: number): Float64Array {
  const out = new Float64Array(size);
  out.set(column);
  return out;
}
