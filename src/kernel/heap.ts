/**
 * The event queue: a binary min-heap over parallel typed arrays.
 *
 * Hand-written because it is the hot path: an entry is four numbers in four arrays, so pushing
 * and popping allocates nothing (the arrays double when full). Entries are ordered by
 * (time, priority, insertion sequence), so events at the same instant run in a fixed,
 * reproducible order: lower priority first, then first scheduled first.
 */
import type { Micros } from './time.js';

export class EventQueue {
  private time: Float64Array;
  private prio: Int32Array;
  private seq: Float64Array;
  private kind: Int32Array;
  private arg: Int32Array;
  private count = 0;
  private nextSeq = 0;

  constructor(initialCapacity = 1024) {
    const n = Math.max(4, initialCapacity);
    this.time = new Float64Array(n);
    this.prio = new Int32Array(n);
    this.seq = new Float64Array(n);
    this.kind = new Int32Array(n);
    this.arg = new Int32Array(n);
  }

  /** Number of pending events. */
  get size(): number {
    return this.count;
  }

  /** Total events ever pushed (for benchmarks). */
  get pushed(): number {
    return this.nextSeq;
  }

  /** Schedule event `kind` with integer argument `arg` at `time`; lower `priority` runs first on ties. */
  push(time: Micros, kind: number, arg = 0, priority = 0): void {
    if (this.count === this.time.length) this.grow();
    let i = this.count++;
    const seq = this.nextSeq++;
    // sift up: move parents down until the slot for the new entry is found
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(time, priority, seq, this.time[p]!, this.prio[p]!, this.seq[p]!)) break;
      this.move(p, i);
      i = p;
    }
    this.time[i] = time;
    this.prio[i] = priority;
    this.seq[i] = seq;
    this.kind[i] = kind;
    this.arg[i] = arg;
  }

  /** Time of the earliest event; `Infinity` when empty. */
  peekTime(): Micros {
    return this.count === 0 ? Infinity : this.time[0]!;
  }

  /** Kind of the earliest event (valid after a non-empty check). */
  peekKind(): number {
    return this.kind[0]!;
  }

  /** Argument of the earliest event. */
  peekArg(): number {
    return this.arg[0]!;
  }

  /** Priority of the earliest event (valid after a non-empty check). */
  peekPriority(): number {
    return this.prio[0]!;
  }

  /** Remove the earliest event. Read it first with peekTime/peekKind/peekArg. */
  pop(): void {
    const last = --this.count;
    if (last <= 0) return;
    const t = this.time[last]!;
    const pr = this.prio[last]!;
    const sq = this.seq[last]!;
    const k = this.kind[last]!;
    const a = this.arg[last]!;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= last) break;
      const r = l + 1;
      const c = r < last && before(this.time[r]!, this.prio[r]!, this.seq[r]!, this.time[l]!, this.prio[l]!, this.seq[l]!) ? r : l;
      if (!before(this.time[c]!, this.prio[c]!, this.seq[c]!, t, pr, sq)) break;
      this.move(c, i);
      i = c;
    }
    this.time[i] = t;
    this.prio[i] = pr;
    this.seq[i] = sq;
    this.kind[i] = k;
    this.arg[i] = a;
  }

  /** Drop all events (keeps capacity). */
  clear(): void {
    this.count = 0;
  }

  private move(from: number, to: number): void {
    this.time[to] = this.time[from]!;
    this.prio[to] = this.prio[from]!;
    this.seq[to] = this.seq[from]!;
    this.kind[to] = this.kind[from]!;
    this.arg[to] = this.arg[from]!;
  }

  private grow(): void {
    const n = this.time.length * 2;
    const grow64 = (a: Float64Array) => { const b = new Float64Array(n); b.set(a); return b; };
    const grow32 = (a: Int32Array) => { const b = new Int32Array(n); b.set(a); return b; };
    this.time = grow64(this.time);
    this.prio = grow32(this.prio);
    this.seq = grow64(this.seq);
    this.kind = grow32(this.kind);
    this.arg = grow32(this.arg);
  }
}

/** Does entry (t1, p1, s1) come before entry (t2, p2, s2)? */
function before(t1: number, p1: number, s1: number, t2: number, p2: number, s2: number): boolean {
  if (t1 !== t2) return t1 < t2;
  if (p1 !== p2) return p1 < p2;
  return s1 < s2;
}
