/**
 * Added-latency distribution in fixed memory: a log-bucketed histogram that takes *mass spread
 * uniformly over an interval* in O(1), so a fluid queue can add the waits of a whole span of
 * arrivals at once (no per-request work).
 *
 * Buckets (waits in µs): bucket 0 is [0, 1 µs); bucket k ≥ 1 is [γ^(k−1), γ^k) with γ = 1.02,
 * up to 10^11 µs (≈ 28 h); longer waits go into the last bucket (the exact maximum is kept
 * apart). A quantile is read by walking the buckets and interpolating linearly inside the one
 * where the cumulative mass crosses p · total, so it lies in the same bucket as the true
 * quantile of the mass added: relative error below γ − 1 = 2 % (below 1 µs absolute under 1 µs).
 * Mass at exactly zero (requests that never waited) is kept as its own point mass. The mean is
 * exact, and so is the maximum of point and evenly spread mass (exponential mass, see
 * `addExponential`, reports the end of its last piece).
 *
 * (The P² estimator in src/traces/quantile.ts takes one observation at a time and one quantile
 * per estimator; the fluid adds weighted mass spread over intervals and needs several
 * quantiles, hence this histogram.)
 *
 * A uniform interval [lo, hi] covering many buckets is stored as a density step in a difference
 * array (`densityStep`), so adding it costs two partial buckets plus two array writes; reading
 * a quantile sums the steps once (O(buckets), at report time only).
 *
 * Memory: two Float64Arrays of 1,281 and 1,282 numbers (≈ 20 KB), allocated on the first
 * positive wait; never more, however long the run.
 */

/** Bucket growth factor: relative width (and worst relative error of a quantile) 2 %. */
export const LATENCY_BUCKET_GROWTH = 1.02;
/** Largest wait (µs) with its own bucket; longer waits share the last one. */
export const LATENCY_RANGE_MICROS = 1e11;

const LOG_GROWTH = Math.log(LATENCY_BUCKET_GROWTH);
/** Number of buckets: [0,1) plus one per factor γ from 1 µs to the range. */
const BUCKETS = 1 + Math.ceil(Math.log(LATENCY_RANGE_MICROS) / LOG_GROWTH);
/** Lower bounds of the buckets (index BUCKETS is the upper bound of the last one). */
const BOUNDS = buildBounds();

function buildBounds(): Float64Array {
  const b = new Float64Array(BUCKETS + 1);
  b[0] = 0;
  for (let k = 1; k <= BUCKETS; k++) b[k] = Math.pow(LATENCY_BUCKET_GROWTH, k - 1);
  return b;
}

/**
 * Bucket of a wait in µs (clamped to the last bucket).
 *
 * @example bucketOf(0.5) // 0
 * @example bucketOf(1)   // 1   (1 ≤ w < 1.02)
 */
export function bucketOf(w: number): number {
  if (w < 1) return 0;
  let k = 1 + Math.floor(Math.log(w) / LOG_GROWTH);
  if (k >= BUCKETS) return BUCKETS - 1;
  // guard against rounding at a boundary
  while (k > 1 && BOUNDS[k]! > w) k--;
  while (k < BUCKETS - 1 && BOUNDS[k + 1]! <= w) k++;
  return k;
}

/**
 * Weighted distribution of waits (µs).
 *
 * @example
 * const h = new LatencyHistogram();
 * h.addUniform(100, 0, 1000);   // 100 requests waiting 0…1 ms, evenly spread
 * h.quantile(0.5)               // ≈ 500 (within 2 %)
 * h.mean()                      // 500 exactly
 */
export class LatencyHistogram {
  /** Mass that waited exactly 0. */
  zero = 0;
  /** All mass added (requests). */
  total = 0;
  /** Σ mass × mean wait (request·µs): the exact mean is sum / total. */
  sum = 0;
  /** Largest wait added so far (µs), pending exponential mass included via `max`. */
  private largest = 0;
  /** Exponential mass not yet spread into buckets (`addExponential`), and its mean (µs). */
  private pendingMass = 0;
  private pendingMean = 0;
  private direct: Float64Array | null = null;
  private densityStep: Float64Array | null = null;

  /** `mass` requests that waited exactly `w` µs. */
  addPoint(mass: number, w: number): void {
    if (!(mass > 0)) return;
    this.total += mass;
    if (w <= 0) {
      this.zero += mass;
      return;
    }
    this.sum += mass * w;
    if (w > this.largest) this.largest = w;
    this.ensureArrays();
    this.direct![bucketOf(w)] += mass;
  }

  /**
   * `mass` requests whose waits are spread evenly over [lo, hi] µs (0 ≤ lo ≤ hi).
   *
   * @example h.addUniform(20, 0, 100_000) // 20 requests waiting 0…100 ms (a cold start drained)
   */
  addUniform(mass: number, lo: number, hi: number): void {
    if (!(mass > 0)) return;
    if (hi - lo <= 0) {
      this.addPoint(mass, lo);
      return;
    }
    this.total += mass;
    this.sum += (mass * (lo + hi)) / 2;
    this.spread(mass, lo, hi);
  }

  /** Put `mass` evenly over [lo, hi] (lo < hi) into the buckets; total and sum are the caller's. */
  private spread(mass: number, lo: number, hi: number): void {
    if (hi > this.largest) this.largest = hi;
    this.ensureArrays();
    const direct = this.direct!;
    const step = this.densityStep!;
    const kl = bucketOf(lo);
    const kh = bucketOf(hi);
    if (kl === kh) {
      direct[kl] += mass;
      return;
    }
    const density = mass / (hi - lo);
    direct[kl] += density * (BOUNDS[kl + 1]! - lo);
    direct[kh] += density * (hi - BOUNDS[kh]!);
    if (kh > kl + 1) {
      step[kl + 1] += density;
      step[kh] -= density;
    }
  }

  /**
   * `mass` requests whose waits are exponentially distributed with mean `mean` µs (the queueing
   * of random arrivals below saturation). Mass with the same mean accumulates and is spread into
   * the buckets when the mean changes or the histogram is read: as pieces k = 0, 1, … over
   * [k·ln2, (k+1)·ln2]·mean holding half the remaining mass each (the exponential's own halving
   * intervals), each evenly spread, until under one request is left, which goes into the next
   * piece. The sum (mean) is exact; the largest wait is the end of the last piece, about
   * mean × (ln n + 1.4) for n requests (the expected maximum of n such waits is mean × (ln n + 0.58)).
   *
   * @example h.addExponential(1000, 10_000) // 1000 requests waiting 10 ms on average; p50 ≈ 6.9 ms
   */
  addExponential(mass: number, mean: number): void {
    if (!(mass > 0)) return;
    if (!(mean > 0)) {
      this.addPoint(mass, 0);
      return;
    }
    if (this.pendingMass > 0 && mean !== this.pendingMean) this.flush();
    this.total += mass;
    this.sum += mass * mean;
    this.pendingMass += mass;
    this.pendingMean = mean;
  }

  /** Largest wait (µs); 0 when nothing waited. */
  get max(): number {
    this.flush();
    return this.largest;
  }

  /** Spread pending exponential mass into the buckets (see `addExponential`). */
  private flush(): void {
    let left = this.pendingMass;
    if (!(left > 0)) return;
    const width = Math.LN2 * this.pendingMean;
    this.pendingMass = 0;
    let k = 0;
    // the mass halves at each piece: at most ~40 pieces for any realistic count
    while (left >= 1 && k < 64) {
      this.spread(left / 2, k * width, (k + 1) * width);
      left /= 2;
      k++;
    }
    this.spread(left, k * width, (k + 1) * width);
  }

  /**
   * Add everything `other` holds (e.g. to combine the services of a run into one distribution:
   * the buckets are the same, so the result is what one histogram fed both would hold).
   *
   * @example const all = new LatencyHistogram(); for (const f of flows) all.addHistogram(f.latency);
   */
  addHistogram(other: LatencyHistogram): void {
    other.flush();
    this.flush();
    this.total += other.total;
    this.sum += other.sum;
    this.zero += other.zero;
    if (other.largest > this.largest) this.largest = other.largest;
    if (other.direct === null || other.densityStep === null) return;
    this.ensureArrays();
    const direct = this.direct!;
    const step = this.densityStep!;
    for (let k = 0; k < BUCKETS; k++) direct[k] += other.direct[k]!;
    for (let k = 0; k <= BUCKETS; k++) step[k] += other.densityStep[k]!;
  }

  /** Exact mean wait (µs) over all mass, zeros included; NaN when empty. */
  mean(): number {
    return this.total > 0 ? this.sum / this.total : NaN;
  }

  /**
   * The p-quantile (0 < p ≤ 1) of the waits in µs: the smallest w with F(w) ≥ p, within 2 %
   * (one bucket); NaN when empty. p = 1 gives the exact maximum.
   *
   * @example // 33.3 zeros and 266.7 spread over 0…250 ms: p50 = 116.7/266.7 · 250 ms
   * h.quantile(0.5) // ≈ 109_375
   */
  quantile(p: number): number {
    this.flush();
    if (!(this.total > 0)) return NaN;
    if (p >= 1) return this.largest;
    const target = p * this.total;
    if (target <= this.zero) return 0;
    const direct = this.direct;
    const step = this.densityStep;
    if (direct === null || step === null) return 0;
    let cum = this.zero;
    let density = 0;
    for (let k = 0; k < BUCKETS; k++) {
      density += step[k]!;
      const lo = BOUNDS[k]!;
      const hi = k === BUCKETS - 1 ? Math.max(this.largest, lo) : BOUNDS[k + 1]!;
      const mass = direct[k]! + density * (BOUNDS[k + 1]! - lo);
      if (mass > 0 && cum + mass >= target) {
        const frac = (target - cum) / mass;
        return Math.min(this.largest, lo + frac * (hi - lo));
      }
      cum += mass;
    }
    return this.largest;
  }

  /** Allocate the buckets once, on the first positive wait. */
  private ensureArrays(): void {
    if (this.direct === null || this.densityStep === null) {
      this.direct = new Float64Array(BUCKETS);
      this.densityStep = new Float64Array(BUCKETS + 1);
    }
  }
}
