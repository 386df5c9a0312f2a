/**
 * Episode lengths in bounded memory: exact up to a limit, then a log-bucketed histogram with a
 * proven relative error (docs/METRICS.md, "How percentiles are computed").
 *
 * - **Exact while small.** The first `exactLimit` values are kept as they are; mean, p50, p95
 *   and max are then computed from them exactly as before (simple-statistics, R type 7), so
 *   short runs give the same bytes as an unbounded list would.
 * - **Histogram after.** When one more value arrives, every kept value moves into buckets and
 *   the list is dropped. A bucket holds the values whose float64 exponent and top
 *   {@link MANTISSA_BITS} mantissa bits agree: it spans [a, b) with b ≤ a · (1 + 2⁻⁷), for
 *   any magnitude. A bucket stands for 2ab / (a + b), which is within (b − a) / (b + a) ≤ 1/257
 *   of every value in it (relative). An order statistic is the stand-in of the bucket it falls
 *   in (the smallest and largest are kept exactly), so it is within {@link RELATIVE_ERROR} of
 *   the true one; R-7 interpolates between two order statistics with weights that sum to 1, so
 *   a percentile is within the same relative error of the exact percentile. Count, max, min
 *   and mean (a compensated running sum) stay exact.
 *
 * Everything is integer or exactly rounded float arithmetic on the values' bits: the same
 * values in the same order give the same bytes on every machine. Pooling sketches (the
 * run-level statistics over all workloads) adds bucket counts, so it does not depend on order.
 */
import type { ReactionTimeStats } from './stats.js';
import { reactionTimeStats } from './stats.js';

/** Mantissa bits kept in a bucket key: 2⁷ = 128 buckets per power of two. */
export const MANTISSA_BITS = 7;

/**
 * Largest relative error of a percentile once a sketch has left its exact mode:
 * (b − a) / (b + a) with b = a (1 + 2⁻⁷) gives 1 / (2⁸ + 1) = 1/257 ≈ 0.389 %.
 */
export const RELATIVE_ERROR = 1 / (2 ** (MANTISSA_BITS + 1) + 1);

/** Values kept exactly per workload before the histogram takes over (2 KiB a workload at most). */
export const WORKLOAD_EXACT_LIMIT = 256;

// One scratch float64 seen as two uint32 words (little-endian: word 1 holds sign, exponent and
// the top 20 mantissa bits), to read and build bucket bounds without allocating.
const scratchFloat = new Float64Array(1);
const scratchWords = new Uint32Array(scratchFloat.buffer);
const HIGH = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const SHIFT = 20 - MANTISSA_BITS;

/**
 * The bucket of a positive finite value: its biased exponent and top mantissa bits as one integer
 * (monotone in the value).
 *
 * @example bucketKey(1) // 1023 << 7 = 130944; bucketKey(1.5) = 130944 + 64
 */
export function bucketKey(x: number): number {
  scratchFloat[0] = x;
  return scratchWords[HIGH]! >>> SHIFT;
}

/**
 * The smallest value of bucket `key` (its lower bound a).
 *
 * @example bucketLow(bucketKey(1.5)) // 1.5; bucketLow(bucketKey(1.5) + 1) // 1.5078125 (1.5 + 2⁻⁷)
 */
export function bucketLow(key: number): number {
  scratchWords[HIGH] = key << SHIFT;
  scratchWords[1 - HIGH] = 0;
  return scratchFloat[0]!;
}

/**
 * The value a bucket stands for: 2ab / (a + b) for the bucket [a, b), the point with the same
 * relative distance (b − a) / (b + a) to both ends.
 *
 * @example bucketValue(bucketKey(1)) // 2 · 1 · (129/128) / (1 + 129/128) = 258/257 ≈ 1.003891
 */
export function bucketValue(key: number): number {
  const a = bucketLow(key);
  const b = bucketLow(key + 1);
  return (2 * a * b) / (a + b);
}

/**
 * A bounded summary of non-negative values (episode lengths): count, compensated sum, min and
 * max always; the values themselves up to `exactLimit`, then a histogram of 128 buckets per
 * power of two, only those in use stored.
 *
 * @example
 * const s = new QuantileSketch(2);
 * s.add(3); s.add(7);
 * s.stats();           // exact: { mean: 5, p50: 5, p95: 6.8, max: 7 }
 * s.add(5);            // the third value: now a histogram
 * s.stats().p50;       // 5 is in bucket [5, 5.03125): 2 · 5 · 5.03125 / 10.03125 ≈ 5.01558
 * s.stats().max;       // 7 (exact)
 */
export class QuantileSketch {
  /** Values kept exactly, while `exact`. */
  private values: Float64Array | null;
  private n = 0;
  private sum = 0;
  private compensation = 0;
  private lowest = Infinity;
  private highest = -Infinity;
  /**
   * Histogram mode: zeros (no bucket), and the buckets in use as two parallel arrays sorted by
   * key — `used` of them, `counts[j]` values in bucket `keys[j]` (sparse: reaction times that are
   * whole stats rounds use a few dozen buckets, not the whole range).
   */
  private zeros = 0;
  private keys: Int32Array | null = null;
  private counts: Uint32Array | null = null;
  private used = 0;

  /**
   * A sketch whose running sum and compensation hold fractions, kept for the life of the class,
   * so that every sketch holds them as doubles from its construction instead of being rebuilt
   * the first time they turn fractional (see `primeDoubleFields`, src/world/unikernels.ts).
   */
  private static readonly doubleShape: QuantileSketch = (() => {
    const s = new QuantileSketch(0);
    s.sum = 0.5;
    s.compensation = 0.5;
    return s;
  })();

  constructor(readonly exactLimit: number = WORKLOAD_EXACT_LIMIT) {
    this.values = new Float64Array(Math.max(0, Math.min(exactLimit, 8)));
  }

  /** How many values were added. */
  get count(): number {
    return this.n;
  }

  /**
   * Bytes of typed-array storage held now (the kept values, or the buckets in use): bounded by
   * 8 × `exactLimit`, then by 8 bytes a bucket in use — at most 128 per power of two between
   * min and max (twice that with the room left for growth).
   *
   * @example new QuantileSketch().heldBytes // 64 (room for 8 values, few enough for V8 to keep them inside the heap)
   */
  get heldBytes(): number {
    return this.counts === null ? this.values!.byteLength : this.counts.byteLength + this.keys!.byteLength;
  }

  /** True while every value is kept (statistics are exact). */
  get exact(): boolean {
    return this.counts === null;
  }

  /**
   * Add one value (≥ 0, finite).
   *
   * @example s.add(20.02)
   */
  add(x: number): void {
    if (!(x >= 0 && x < Infinity)) throw new RangeError(`an episode length must be finite and ≥ 0, got ${x}`);
    this.n++;
    // Neumaier's compensated sum (the mean stays exact to rounding over any number of values)
    const t = this.sum + x;
    this.compensation += Math.abs(this.sum) >= x ? this.sum - t + x : x - t + this.sum;
    this.sum = t;
    if (x < this.lowest) this.lowest = x;
    if (x > this.highest) this.highest = x;
    if (this.counts === null) {
      if (this.n <= this.exactLimit) {
        this.keep(x);
        return;
      }
      this.toHistogram();
    }
    this.bucket(x, 1);
  }

  /**
   * The values divided by `divisor`, in the order they were added, while the sketch is exact;
   * null once it is a histogram.
   *
   * @example sketch.exactValues(1e6) // [3, 7] (two episodes of 3 s and 7 s kept in µs)
   */
  exactValues(divisor = 1): number[] | null {
    return this.counts === null ? Array.from(this.values!.subarray(0, this.n), (v) => v / divisor) : null;
  }

  /**
   * Mean, p50, p95 and max of the values divided by `divisor` (e.g. µs → s); all null when
   * empty. Exact while the sketch is (the same arithmetic as {@link reactionTimeStats}).
   *
   * @example sketch.stats(1e6) // episode lengths kept in µs, statistics in seconds
   */
  stats(divisor = 1): ReactionTimeStats {
    if (this.n === 0) return { mean: null, p50: null, p95: null, max: null };
    if (this.counts === null) return reactionTimeStats(this.exactValues(divisor)!);
    return {
      mean: (this.sum + this.compensation) / this.n / divisor,
      p50: this.quantile(0.5) / divisor,
      p95: this.quantile(0.95) / divisor,
      max: this.highest / divisor,
    };
  }

  /**
   * Several sketches as one (the run level pools every workload's episodes): exact when every
   * part still is, else a histogram of all of them. The parts are left unchanged.
   *
   * @example QuantileSketch.pool(workloads.map((w) => w.sketch)).stats(1e6)
   */
  static pool(parts: readonly QuantileSketch[]): QuantileSketch {
    const allExact = parts.every((p) => p.exact);
    const total = parts.reduce((s, p) => s + p.n, 0);
    const pooled = new QuantileSketch(allExact ? total : 0);
    for (const p of parts) pooled.absorb(p);
    return pooled;
  }

  /** Add every value of `other` (exactly while this is exact, else into buckets). */
  private absorb(other: QuantileSketch): void {
    if (other.counts === null) {
      for (let i = 0; i < other.n; i++) this.add(other.values![i]!);
      return;
    }
    if (this.counts === null) this.toHistogram();
    this.n += other.n;
    const t = this.sum + other.sum;
    this.compensation += (Math.abs(this.sum) >= Math.abs(other.sum) ? this.sum - t + other.sum : other.sum - t + this.sum) + other.compensation;
    this.sum = t;
    if (other.lowest < this.lowest) this.lowest = other.lowest;
    if (other.highest > this.highest) this.highest = other.highest;
    this.zeros += other.zeros;
    for (let j = 0; j < other.used; j++) this.countKey(other.keys![j]!, other.counts[j]!);
  }

  /** Append to the exact list, doubling it up to the limit. */
  private keep(x: number): void {
    let list = this.values!;
    if (this.n > list.length) {
      const bigger = new Float64Array(Math.min(list.length * 2, this.exactLimit));
      bigger.set(list);
      this.values = list = bigger;
    }
    list[this.n - 1] = x;
  }

  /** Move the kept values into buckets and drop the list. */
  private toHistogram(): void {
    const list = this.values;
    const kept = Math.min(this.n, this.exactLimit);
    this.values = null;
    this.keys = new Int32Array(8);
    this.counts = new Uint32Array(8);
    if (list) for (let i = 0; i < kept; i++) this.bucket(list[i]!, 1);
  }

  /** Count value x in its bucket (zeros apart). */
  private bucket(x: number, k: number): void {
    if (x === 0) this.zeros += k;
    else this.countKey(bucketKey(x), k);
  }

  /** Add `k` to bucket `key`, inserting it in key order when new. */
  private countKey(key: number, k: number): void {
    const keys = this.keys!;
    // binary search for the first bucket with a key ≥ `key`
    let lo = 0;
    let hi = this.used;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    if (lo < this.used && keys[lo] === key) {
      this.counts![lo] += k;
      return;
    }
    if (this.used === keys.length) this.grow();
    const ks = this.keys!;
    const cs = this.counts!;
    ks.copyWithin(lo + 1, lo, this.used);
    cs.copyWithin(lo + 1, lo, this.used);
    ks[lo] = key;
    cs[lo] = k;
    this.used++;
  }

  /** Double the room for buckets. */
  private grow(): void {
    const keys = new Int32Array(this.keys!.length * 2);
    const counts = new Uint32Array(keys.length);
    keys.set(this.keys!);
    counts.set(this.counts!);
    this.keys = keys;
    this.counts = counts;
  }

  /** R-7 percentile of the histogram: (n − 1)p between two estimated order statistics. */
  private quantile(p: number): number {
    const h = (this.n - 1) * p;
    const lo = Math.floor(h);
    const x = this.orderStatistic(lo);
    if (h === lo) return x;
    return x + (h - lo) * (this.orderStatistic(lo + 1) - x);
  }

  /** The k-th smallest value (0-based): exact at both ends, else its bucket's stand-in. */
  private orderStatistic(k: number): number {
    if (k <= 0) return this.lowest;
    if (k >= this.n - 1) return this.highest;
    if (k < this.zeros) return 0;
    let seen = this.zeros;
    const counts = this.counts!;
    for (let j = 0; j < this.used; j++) {
      seen += counts[j]!;
      if (seen > k) return Math.min(this.highest, Math.max(this.lowest, bucketValue(this.keys![j]!)));
    }
    return this.highest;
  }
}
