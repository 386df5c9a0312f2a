import { describe, expect, it } from 'vitest';
import { leastDisturbedRatio } from '../src/bench/ratios.js';

describe('leastDisturbedRatio', () => {
  it('divides the fastest model run by the fastest baseline run, by CPU time', () => {
    // model CPU 12 and 17 s → 12; baseline 7 and 6 s → 6; 12 / 6 = 2
    expect(leastDisturbedRatio([{ wallSeconds: 13, cpuSeconds: 12 }, { wallSeconds: 18, cpuSeconds: 17 }], [{ wallSeconds: 7, cpuSeconds: 7 }, { wallSeconds: 7, cpuSeconds: 6 }])).toBe(2);
  });
  it('falls back to wall time for runs without CPU time', () => {
    // 9 / 3 = 3 (the CPU-less runs use their wall time)
    expect(leastDisturbedRatio([{ wallSeconds: 9 }, { wallSeconds: 10 }], [{ wallSeconds: 4 }, { wallSeconds: 3 }])).toBe(3);
  });
});
