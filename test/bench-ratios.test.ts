import { describe, expect, it } from 'vitest';
import { leastDisturbedRatio, marginalNsPerRecord, nsPerRecord, pairedRatio, setupOnly } from '../src/bench/ratios.js';

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

describe('pairedRatio', () => {
  it('is the median of the round-by-round ratios', () => {
    // rounds: 1.4 / 0.29 = 4.83, 1.8 / 0.36 = 5, 1.5 / 0.3 = 5 → median 5
    expect(pairedRatio([1.4, 1.8, 1.5], [0.29, 0.36, 0.3])).toBeCloseTo(5, 12);
    // an even count: the mean of the two middle ratios, (2 + 3) / 2
    expect(pairedRatio([2, 3, 8, 1], [1, 1, 2, 1])).toBe(2.5);
  });
  it('pairs runs by round, not by speed: a slow round on both sides gives its own ratio', () => {
    // rounds 1.2 / 0.3 = 4, 2.0 / 0.5 = 4, 1.5 / 0.3 = 5 → 4; the medians of each side (1.5 / 0.3) would say 5
    expect(pairedRatio([1.2, 2.0, 1.5], [0.3, 0.5, 0.3])).toBeCloseTo(4, 12);
  });
  it('leaves out rounds one side lacks, and is NaN without any', () => {
    expect(pairedRatio([3, 100], [1])).toBe(3);
    expect(pairedRatio([], [1])).toBeNaN();
  });
});

describe('nsPerRecord', () => {
  it("divides a whole run's time, set-up included, by its records", () => {
    // 1.5 s / 15 M records = 100 ns; by CPU time 2.4 s / 15 M = 160 ns
    expect(nsPerRecord({ wallSeconds: 1.5, events: 15_000_000 }, 'wall')).toBeCloseTo(100, 9);
    expect(nsPerRecord({ wallSeconds: 1.5, cpuSeconds: 2.4, events: 15_000_000 }, 'CPU')).toBeCloseTo(160, 9);
    expect(nsPerRecord({ wallSeconds: 1.5, events: 15_000_000 }, 'CPU')).toBeNaN();
  });
});

describe('marginalNsPerRecord', () => {
  it('takes the set-up run off the run and its records off the records', () => {
    // (4.5 − 0.5) s / (26,010,000 − 10,000) records = 4 s / 26 M = 153.846… ns
    expect(marginalNsPerRecord({ wallSeconds: 4.5, events: 26_010_000 }, { wallSeconds: 0.5, events: 10_000 }, 'wall')).toBeCloseTo(153.846, 3);
    // by CPU time: (3.1 − 0.1) s / 30 M records = 100 ns
    expect(marginalNsPerRecord({ wallSeconds: 9, cpuSeconds: 3.1, events: 30_001_000 }, { wallSeconds: 1, cpuSeconds: 0.1, events: 1_000 }, 'CPU')).toBeCloseTo(100, 9);
  });
  it('is NaN by CPU time when a run has none', () => {
    expect(marginalNsPerRecord({ wallSeconds: 2, events: 20 }, { wallSeconds: 1, events: 10 }, 'CPU')).toBeNaN();
  });
});

describe('setupOnly', () => {
  it('cuts a case to 10 simulated seconds (the round at 0) for the argument setup, and to nothing else', () => {
    expect(setupOnly(['setup'])).toEqual(['duration=10s']);
    expect(setupOnly([])).toEqual([]);
    expect(setupOnly(['other'])).toEqual([]);
  });
});
