/**
 * Timer wake-ups batched per instant (src/run/wake-batches.ts): members in the order they were
 * added, one batch per open instant, a due batch takes no more members, batches reused.
 */
import { describe, expect, it } from 'vitest';
import { WakeBatches } from '../src/run/wake-batches.js';

function drain(b: WakeBatches, id: number): number[] {
  const out: number[] = [];
  for (let m = b.next(id); m >= 0; m = b.next(id)) out.push(m);
  return out;
}

describe('WakeBatches', () => {
  it('gathers the wake-ups of one instant into one batch, in the order they were asked for', () => {
    const b = new WakeBatches(true);
    const first = b.add(10_000, 3);
    expect(first).toBeGreaterThanOrEqual(0);
    const other = b.add(15_000, 1);
    expect(other).toBeGreaterThanOrEqual(0);
    expect(other).not.toBe(first);
    // 10 more at 10 ms, past the first capacity of 8 members, and one at 15 ms in between
    for (let i = 10; i < 20; i++) expect(b.add(10_000, i)).toBe(-1);
    expect(b.add(15_000, 0)).toBe(-1);
    b.close(first);
    expect(b.remaining(first)).toBe(11);
    expect(drain(b, first)).toEqual([3, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    expect(b.remaining(first)).toBe(0);
    b.close(other);
    expect(drain(b, other)).toEqual([1, 0]);
  });

  it('a due batch takes no more members: a later wake-up at its instant opens a new batch', () => {
    const b = new WakeBatches(true);
    const id = b.add(10_000, 0);
    b.close(id);
    expect(b.next(id)).toBe(0);
    const again = b.add(10_000, 1);
    expect(again).toBeGreaterThanOrEqual(0);
    expect(again).not.toBe(id);
  });

  it('an interrupted batch keeps the members still to run', () => {
    const b = new WakeBatches(true);
    const id = b.add(10_000, 5);
    b.add(10_000, 6);
    b.add(10_000, 7);
    b.close(id);
    expect(b.next(id)).toBe(5);
    expect(b.remaining(id)).toBe(2);
    b.close(id); // popped again after the interruption: closing twice is harmless
    expect(drain(b, id)).toEqual([6, 7]);
  });

  it('reuses released batches, emptied', () => {
    const b = new WakeBatches(true);
    const id = b.add(10_000, 5);
    b.add(10_000, 6);
    b.close(id);
    drain(b, id);
    b.release(id);
    expect(b.add(20_000, 9)).toBe(id);
    b.close(id);
    expect(drain(b, id)).toEqual([9]);
  });

  it('without gathering, every wake-up is its own batch (one heap event each)', () => {
    const b = new WakeBatches(false);
    const x = b.add(10_000, 0);
    const y = b.add(10_000, 1);
    expect(x).toBeGreaterThanOrEqual(0);
    expect(y).toBeGreaterThanOrEqual(0);
    expect(y).not.toBe(x);
    b.close(x);
    expect(drain(b, x)).toEqual([0]);
  });
});
