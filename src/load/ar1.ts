/**
 * AR(1) noise for many series at once: x ← coefficient·x + sigma·N(0,1), one named random stream
 * per series, without a closure call or an allocation per draw.
 *
 * `Ar1Noise` holds the Alea generator state of `stream(seed, name)` for each name in parallel
 * typed arrays and runs Alea inline, so `uniform(i)` yields *exactly* the numbers
 * `stream(seed, name).next()` would (test/load.test.ts checks this). Normals are drawn by
 * inversion of one uniform (see `normal`) rather than the kernel stream's polar method: with
 * 8.6 million AR(1) updates per simulated day of PB1, the polar method alone cost ~150 ms, the
 * inversion costs a third of that.
 *
 * @example
 * const noise = new Ar1Noise(42, [{ stream: 'load:web', coefficient: 0.9, sigma: 0.05 }]);
 * noise.step(); // noise.value[0] is now 0.05 × (first normal of stream(42, 'load:web'))
 * noise.uniform(0) === stream(42, 'load:web').next() // on fresh objects: same generator, same seed
 */
import { aleaSeed } from '../kernel/random.js';

const TWO_POW_MINUS_32 = 2.3283064365386963e-10;

/**
 * The seed string the kernel's `stream(seed, name)` gives Alea. Kept in step with
 * `kernel/random.ts`; the test "NormalBank matches stream()" fails if the two ever drift apart.
 */
export function streamSeedString(seed: number | string, name: string): string {
  return `scalelab:${seed}:${name}`;
}

/** One AR(1) process: the random stream it draws from and its parameters. */
export interface Ar1Process {
  stream: string;
  coefficient: number;
  sigma: number;
}

export class Ar1Noise {
  /** Current value x of each process (0 until the first `step`). */
  readonly value: Float64Array;
  private readonly coefficient: Float64Array;
  private readonly sigma: Float64Array;
  private readonly c: Float64Array;
  private readonly s0: Float64Array;
  private readonly s1: Float64Array;
  private readonly s2: Float64Array;

  /** One generator per process, seeded as `stream(seed, process.stream)` would be. */
  constructor(seed: number | string, processes: readonly Ar1Process[]) {
    const n = processes.length;
    this.value = new Float64Array(n);
    this.coefficient = Float64Array.from(processes, (p) => p.coefficient);
    this.sigma = Float64Array.from(processes, (p) => p.sigma);
    this.c = new Float64Array(n);
    this.s0 = new Float64Array(n);
    this.s1 = new Float64Array(n);
    this.s2 = new Float64Array(n);
    processes.forEach((process, i) => {
      const state = aleaSeed(streamSeedString(seed, process.stream));
      this.c[i] = state.c;
      this.s0[i] = state.s0;
      this.s1[i] = state.s1;
      this.s2[i] = state.s2;
    });
  }

  /**
   * Advance every process by one step: x ← coefficient·x + sigma·N(0,1). The generator and the
   * central quantile table are inlined over local references (same numbers as `normal(i)`): this
   * loop runs 8.6 million times per simulated day of PB1.
   */
  step(): void {
    const { value, coefficient, sigma, c, s0, s1, s2 } = this;
    const table = QUANTILE_TABLE;
    for (let i = 0; i < value.length; i++) {
      const t = 2091639 * s0[i]! + c[i]! * TWO_POW_MINUS_32;
      const carry = t | 0;
      const u = t - carry;
      s0[i] = s1[i]!;
      s1[i] = s2[i]!;
      s2[i] = u;
      c[i] = carry;
      // two separate stores, no variable joining the tail's call result with the table's value:
      // V8 would keep such a variable boxed, one fresh heap number per draw
      if (u < P_LOW || u > P_HIGH) {
        value[i] = coefficient[i]! * value[i]! + sigma[i]! * normalQuantile(u === 0 ? TWO_POW_MINUS_32 / 2 : u);
        continue;
      }
      const x = u * TABLE_CELLS;
      const k = x | 0;
      const lo = table[k]!;
      value[i] = coefficient[i]! * value[i]! + sigma[i]! * (lo + (x - k) * (table[k + 1]! - lo));
    }
  }

  /** Next uniform in [0, 1) of stream `i` (Alea, as seedrandom computes it). */
  uniform(i: number): number {
    const t = 2091639 * this.s0[i]! + this.c[i]! * TWO_POW_MINUS_32;
    const c = t | 0;
    this.s0[i] = this.s1[i]!;
    this.s1[i] = this.s2[i]!;
    this.c[i] = c;
    return (this.s2[i] = t - c);
  }

  /**
   * Next standard normal of stream `i`, by inversion of one uniform: z = Φ⁻¹(u). In the central
   * 95 % (0.02425 ≤ u ≤ 0.97575) Φ⁻¹ is read from a 4,096-cell table with linear interpolation
   * (absolute error below 5e-6); in the tails it is computed with Acklam's rational approximation
   * (relative error below 1.2e-9). One uniform per draw, no logarithm and no rejection loop for
   * 95 % of draws: about three times cheaper than the polar method. `u` = 0 (possible, if rare,
   * with Alea) is taken as 2⁻³³, so the result is always finite.
   */
  normal(i: number): number {
    const u = this.uniform(i);
    if (u < P_LOW || u > P_HIGH) return normalQuantile(u === 0 ? TWO_POW_MINUS_32 / 2 : u);
    const x = u * TABLE_CELLS;
    const k = x | 0;
    const lo = QUANTILE_TABLE[k]!;
    return lo + (x - k) * (QUANTILE_TABLE[k + 1]! - lo);
  }
}

// Acklam's coefficients for the inverse of the standard normal CDF.
const A1 = -3.969683028665376e1;
const A2 = 2.209460984245205e2;
const A3 = -2.759285104469687e2;
const A4 = 1.38357751867269e2;
const A5 = -3.066479806614716e1;
const A6 = 2.506628277459239;
const B1 = -5.447609879822406e1;
const B2 = 1.615858368580409e2;
const B3 = -1.556989798598866e2;
const B4 = 6.680131188771972e1;
const B5 = -1.328068155288572e1;
const C1 = -7.784894002430293e-3;
const C2 = -3.223964580411365e-1;
const C3 = -2.400758277161838;
const C4 = -2.549732539343734;
const C5 = 4.374664141464968;
const C6 = 2.938163982698783;
const D1 = 7.784695709041462e-3;
const D2 = 3.224671290700398e-1;
const D3 = 2.445134137142996;
const D4 = 3.754408661907416;
const P_LOW = 0.02425;
const P_HIGH = 1 - P_LOW;

/** Φ⁻¹(p) for the lower tail, 0 < p < P_LOW. */
function tail(p: number): number {
  const q = Math.sqrt(-2 * Math.log(p));
  return (((((C1 * q + C2) * q + C3) * q + C4) * q + C5) * q + C6) / ((((D1 * q + D2) * q + D3) * q + D4) * q + 1);
}

/**
 * Φ⁻¹(p), the standard normal quantile, for 0 < p < 1 (Acklam's approximation).
 *
 * @example normalQuantile(0.5) // 0
 * @example normalQuantile(0.975) // ≈ 1.959964
 */
export function normalQuantile(p: number): number {
  if (p < P_LOW) return tail(p);
  if (p > P_HIGH) return -tail(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((A1 * r + A2) * r + A3) * r + A4) * r + A5) * r + A6) * q) / (((((B1 * r + B2) * r + B3) * r + B4) * r + B5) * r + 1);
}

const TABLE_CELLS = 4096;
/** Φ⁻¹(k / 4096) for k = 0 … 4096 (the ends, ±∞, are never read: the table serves the central region only). */
const QUANTILE_TABLE: Float64Array = quantileTable();

/** The table, filled in a plain loop (every process start builds it: `Float64Array.from` with a callback took ~4 ms, this ~0.5). */
function quantileTable(): Float64Array {
  const table = new Float64Array(TABLE_CELLS + 1);
  for (let k = 1; k < TABLE_CELLS; k++) table[k] = normalQuantile(k / TABLE_CELLS);
  return table;
}
