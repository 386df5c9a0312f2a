/**
 * The bounded episode-length sketch (src/metrics/quantiles.ts): exact while small, then a
 * log-bucketed histogram whose percentiles are within RELATIVE_ERROR = 1/257 of the exact R-7
 * percentile. Hand-worked cases first, then the bound against simple-statistics on known data.
 */
import seedrandom from 'seedrandom';
import { quantileSorted } from 'simple-statistics';
import { describe, expect, it } from 'vitest';
import { QuantileSketch, RELATIVE_ERROR, bucketKey, bucketLow, bucketValue } from '../src/metrics/quantiles.js';
import { reactionTimeStats } from '../src/metrics/stats.js';

describe('buckets', () => {
  it('1 is bucket 1023·128 = 130944, spanning [1, 1 + 2⁻⁷) and standing for 258/257', () => {
    // float64 1 = exponent 1023 (biased), mantissa 0 → key 1023 << 7
    expect(bucketKey(1)).toBe(130944);
    expect(bucketLow(130944)).toBe(1);
    expect(bucketLow(130945)).toBe(1.0078125); // 1 + 1/128
    // 2ab/(a+b) = 2 · 129/128 / (257/128) = 258/257
    expect(bucketValue(130944)).toBeCloseTo(258 / 257, 15);
  });

  it('1.5 → mantissa .1000000 → key 130944 + 64; 5 = 1.25 · 2² → [5, 5.03125)', () => {
    expect(bucketKey(1.5)).toBe(130944 + 64);
    expect(bucketLow(bucketKey(5))).toBe(5);
    expect(bucketLow(bucketKey(5) + 1)).toBe(5.03125); // 5 + 4/128
  });

  it('the last bucket of an octave runs into the next power of two', () => {
    // key of 1.9921875 (= 1 + 127/128) + 1 = key of 2
    expect(bucketKey(1.9921875) + 1).toBe(bucketKey(2));
    expect(bucketLow(bucketKey(1.9921875) + 1)).toBe(2);
  });

  it('RELATIVE_ERROR = (b − a)/(b + a) for b = a(1 + 1/128) = 1/257', () => {
    expect(RELATIVE_ERROR).toBe(1 / 257);
  });
});

describe('exact while small', () => {
  it('two episodes 3 and 7: mean 5, p50 5, p95 3 + 0.95·4 = 6.8, max 7 (as reactionTimeStats)', () => {
    const s = new QuantileSketch(4);
    s.add(3);
    s.add(7);
    expect(s.exact).toBe(true);
    const st = s.stats();
    expect(st.mean).toBe(5);
    expect(st.p50).toBe(5);
    expect(st.p95).toBeCloseTo(6.8, 12);
    expect(st.max).toBe(7);
  });

  it('empty: all null', () => {
    expect(new QuantileSketch().stats()).toEqual({ mean: null, p50: null, p95: null, max: null });
  });

  it('divides by the divisor: 3e6 µs and 7e6 µs → [3, 7] s', () => {
    const s = new QuantileSketch();
    s.add(3e6);
    s.add(7e6);
    expect(s.exactValues(1e6)).toEqual([3, 7]);
    expect(s.stats(1e6).max).toBe(7);
  });

  it('refuses a negative, NaN or infinite length', () => {
    const s = new QuantileSketch();
    expect(() => s.add(-1)).toThrow(RangeError);
    expect(() => s.add(NaN)).toThrow(RangeError);
    expect(() => s.add(Infinity)).toThrow(RangeError);
  });
});

describe('histogram after the limit', () => {
  it('3, 7, 5 with a limit of 2: p50 is the stand-in of 5, p95 interpolates to the exact max', () => {
    const s = new QuantileSketch(2);
    for (const x of [3, 7, 5]) s.add(x);
    expect(s.exact).toBe(false);
    expect(s.exactValues()).toBeNull();
    const st = s.stats();
    // sorted 3, 5, 7. p50: index (3−1)·0.5 = 1 → 5's bucket [5, 5.03125) stands for
    // 2 · 5 · 5.03125 / 10.03125 = 50.3125 / 10.03125 = 5.0155763…
    const five = 50.3125 / 10.03125;
    expect(st.p50).toBeCloseTo(five, 12);
    // p95: index 1.9 → x₁ + 0.9 · (x₂ − x₁), x₂ = the exact max 7
    expect(st.p95).toBeCloseTo(five + 0.9 * (7 - five), 12);
    // exact: 5 + 0.9 · 2 = 6.8; within 1/257 relative
    expect(Math.abs(st.p95! - 6.8) / 6.8).toBeLessThanOrEqual(RELATIVE_ERROR);
    expect(st.mean).toBe(5); // (3 + 7 + 5) / 3, exact
    expect(st.max).toBe(7);
  });

  it('zeros are counted apart and come out as exactly 0', () => {
    const s = new QuantileSketch(0);
    for (const x of [0, 0, 0, 4]) s.add(x);
    // index (4−1)·0.5 = 1.5 → between the 2nd and 3rd zero → 0
    expect(s.stats().p50).toBe(0);
    expect(s.stats().max).toBe(4);
  });

  it('memory stays bounded: a million values in [1, 1000] hold ≤ 10 octaves × 128 buckets (+ room)', () => {
    const s = new QuantileSketch();
    const rng = seedrandom('bounded');
    for (let i = 0; i < 1_000_000; i++) s.add(1 + 999 * rng());
    // 1 … 1000 spans log2(1000) < 10 octaves → ≤ 1280 buckets of 8 bytes (key + count); the
    // arrays double, so at most 2048 slots
    expect(s.heldBytes).toBeLessThanOrEqual(8 * 2048);
    expect(s.count).toBe(1_000_000);
  });

  it('sparse: 10,000 lengths that are whole 10 s rounds (60 distinct values) hold ≤ 64 buckets', () => {
    const s = new QuantileSketch();
    for (let i = 0; i < 10_000; i++) s.add(10 * (1 + (i % 60)) + 0.02);
    // 60 distinct values → at most 60 buckets in use; arrays of 8 → 16 → 32 → 64 slots
    expect(s.heldBytes).toBeLessThanOrEqual(8 * 64);
  });

  it('starts with room for 8 values (64 bytes) and doubles while exact: 9 values hold 128 bytes, all kept', () => {
    const s = new QuantileSketch();
    expect(s.heldBytes).toBe(64);
    for (let v = 1; v <= 9; v++) s.add(v);
    expect(s.heldBytes).toBe(128);
    // exact R-7 on 1 … 9: p50 = 5, p95 = 1 + 0.95 · 8 = 8.6
    expect(s.stats()).toEqual({ mean: 5, p50: 5, p95: 8.6, max: 9 });
  });
});

/** Exact R-7 percentiles of `values` (simple-statistics, the reference). */
function exactPercentiles(values: number[], ps: number[]): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  return ps.map((p) => quantileSorted(sorted, p));
}

describe('the error bound against exact percentiles (simple-statistics quantileSorted)', () => {
  const rng = seedrandom('quantile-bound');
  const data: Record<string, (n: number) => number[]> = {
    // lognormal: median 30 s, wide spread
    lognormal: (n) => Array.from({ length: n }, () => 30 * Math.exp(1.2 * Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng()))),
    // reaction times as PB1 makes them: whole stats intervals plus a 20 ms boot
    'multiples of 10 s + 0.02': (n) => Array.from({ length: n }, () => 10 * (1 + Math.floor(60 * rng() ** 3)) + 0.02),
    // integer microseconds from 1 µs to 1 day
    'µs over 11 decades': (n) => Array.from({ length: n }, () => Math.round(10 ** (11 * rng()))),
    'uniform with zeros': (n) => Array.from({ length: n }, () => (rng() < 0.2 ? 0 : 5 * rng())),
  };
  const ps = [0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999];
  for (const [name, make] of Object.entries(data)) {
    for (const n of [3, 257, 10_000, 100_000]) {
      it(`${name}, n = ${n}: |estimate − exact| ≤ exact / 257`, () => {
        const values = make(n);
        const s = new QuantileSketch(2);
        for (const v of values) s.add(v);
        const exact = exactPercentiles(values, ps);
        for (let k = 0; k < ps.length; k++) {
          const est = (s as unknown as { quantile(p: number): number }).quantile(ps[k]!);
          // 1e-12 relative: floating rounding of the interpolation itself
          expect(Math.abs(est - exact[k]!)).toBeLessThanOrEqual(exact[k]! * (RELATIVE_ERROR + 1e-12));
        }
        const st = s.stats();
        expect(st.max).toBe(Math.max(...values));
        expect(st.mean!).toBeCloseTo(values.reduce((a, b) => a + b, 0) / n, 6);
      });
    }
  }
});

describe('pooling (the run level over all workloads)', () => {
  it('parts that are all exact pool exactly: the same numbers as reactionTimeStats of the concatenation', () => {
    const a = new QuantileSketch(4);
    const b = new QuantileSketch(4);
    for (const x of [3e6, 7e6]) a.add(x);
    for (const x of [1e6, 20e6, 5e6]) b.add(x);
    const pooled = QuantileSketch.pool([a, b]);
    expect(pooled.exact).toBe(true);
    expect(pooled.stats(1e6)).toEqual(reactionTimeStats([3, 7, 1, 20, 5]));
  });

  it('a part past its limit makes a histogram; the result does not depend on the order of the parts', () => {
    const rng = seedrandom('pool');
    const parts = Array.from({ length: 5 }, (_, i) => {
      const s = new QuantileSketch(i === 2 ? 10 : 10_000);
      for (let k = 0; k < 50 + 30 * i; k++) s.add(1 + 100 * rng());
      return s;
    });
    const forward = QuantileSketch.pool(parts);
    const backward = QuantileSketch.pool([...parts].reverse());
    expect(forward.exact).toBe(false);
    expect(forward.count).toBe(parts.reduce((n, p) => n + p.count, 0));
    expect(forward.stats().p50).toBe(backward.stats().p50);
    expect(forward.stats().p95).toBe(backward.stats().p95);
    expect(forward.stats().max).toBe(backward.stats().max);
    // the parts are untouched
    expect(parts[0]!.exact).toBe(true);
  });

  it('pooled histogram percentiles keep the bound', () => {
    const rng = seedrandom('pool-bound');
    const all: number[] = [];
    const parts = Array.from({ length: 20 }, () => {
      const s = new QuantileSketch(64);
      for (let k = 0; k < 200; k++) {
        const v = 10 * (1 + Math.floor(30 * rng() ** 2)) + 0.02;
        all.push(v);
        s.add(v);
      }
      return s;
    });
    const st = QuantileSketch.pool(parts).stats();
    const [p50, p95] = exactPercentiles(all, [0.5, 0.95]);
    expect(Math.abs(st.p50! - p50!)).toBeLessThanOrEqual(p50! * (RELATIVE_ERROR + 1e-12));
    expect(Math.abs(st.p95! - p95!)).toBeLessThanOrEqual(p95! * (RELATIVE_ERROR + 1e-12));
  });
});
