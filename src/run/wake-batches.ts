/**
 * Timer wake-ups batched per instant, for the replica world's timer sensors (src/run/replicas.ts).
 *
 * A timer sensor (Unikraft Cloud's 10 ms decision loop, the HPA's sync period) wakes every
 * workload at its own times, and most of them at the same instants: a hundred services on a 10 ms
 * loop are a hundred wake-ups per tick. Instead of one heap event each, every workload whose
 * wake-up falls at the same µs joins one *batch*, and the batch is one heap event. Its members
 * run in the order their wake-ups were asked for — the order one heap event each would run in
 * (same time, same priority: first scheduled first). The world keeps that order exact where
 * other events come between (see `simulateReplicas`, EV_WAKE): a batch only gathers wake-ups
 * while nothing else of its priority can be scheduled at its instant, and a batch interrupted by
 * an event due at its instant goes back into the heap with the members still to run.
 *
 * A workload may be a member of several batches (a wake-up replaced by another leaves the old
 * one behind, as it left a stale heap event); the world skips a member whose pending wake-up is
 * not the batch's instant, as it skipped a stale event. Batches are reused: nothing is allocated
 * per wake-up once the pool is warm.
 */
import type { Micros } from '../kernel/time.js';

export class WakeBatches {
  /** Per batch: its instant (µs), its members in order, how many of them, the next one to run. */
  private time: number[] = [];
  private members: Int32Array[] = [];
  private count: number[] = [];
  private cursor: number[] = [];
  /** Batches not in use. */
  private free: number[] = [];
  /**
   * Open batches (still gathering): their ids, in no order — a handful at most (the next tick and
   * a few deadlines), so a scan beats a map that would rehash as batches come and go. The last
   * one used is looked at first (most wake-ups go to it).
   */
  private open: number[] = [];
  private lastTime = -1;
  private lastId = -1;

  /** `gather`: false makes every wake-up its own batch (one heap event each, as without batches). */
  constructor(private readonly gather: boolean) {}

  /**
   * Add workload `member` to the batch at `at`. Returns the id of the batch it opened, whose heap
   * event the caller schedules, or −1 when it joined an open one.
   *
   * @example const b = new WakeBatches(true); b.add(10_000, 0) // 0 (new batch: schedule it); b.add(10_000, 1) // −1
   */
  add(at: Micros, member: number): number {
    if (this.gather) {
      const id = at === this.lastTime ? this.lastId : this.openAt(at);
      if (id >= 0) {
        this.append(id, member);
        this.lastTime = at;
        this.lastId = id;
        return -1;
      }
    }
    const id = this.take(at);
    this.append(id, member);
    if (this.gather) {
      this.open.push(id);
      this.lastTime = at;
      this.lastId = id;
    }
    return id;
  }

  /** Batch `id` is due: it takes no more members (call once, when its heap event is first popped). */
  close(id: number): void {
    const k = this.open.indexOf(id);
    if (k >= 0) {
      this.open[k] = this.open[this.open.length - 1]!;
      this.open.pop();
    }
    if (this.lastId === id) {
      this.lastTime = -1;
      this.lastId = -1;
    }
  }

  /** The next member of batch `id` to run, or −1 when all have run. */
  next(id: number): number {
    const k = this.cursor[id]!;
    if (k >= this.count[id]!) return -1;
    this.cursor[id] = k + 1;
    return this.members[id]![k]!;
  }

  /** Members of batch `id` still to run. */
  remaining(id: number): number {
    return this.count[id]! - this.cursor[id]!;
  }

  /** Batch `id` has run: back to the pool. */
  release(id: number): void {
    this.free.push(id);
  }

  /** The open batch at `at`, or −1. */
  private openAt(at: Micros): number {
    const open = this.open;
    for (let k = 0; k < open.length; k++) if (this.time[open[k]!] === at) return open[k]!;
    return -1;
  }

  private take(at: Micros): number {
    let id = this.free.pop();
    if (id === undefined) {
      id = this.time.length;
      this.time.push(0);
      this.members.push(new Int32Array(8));
      this.count.push(0);
      this.cursor.push(0);
    }
    this.time[id] = at;
    this.count[id] = 0;
    this.cursor[id] = 0;
    return id;
  }

  private append(id: number, member: number): void {
    const n = this.count[id]!;
    let list = this.members[id]!;
    if (n === list.length) {
      const grown = new Int32Array(n * 2);
      grown.set(list);
      this.members[id] = list = grown;
    }
    list[n] = member;
    this.count[id] = n + 1;
  }
}
