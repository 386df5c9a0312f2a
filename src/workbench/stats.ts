/**
 * Statistics over replications: mean, sample standard deviation and the 95 % confidence
 * interval of the mean, mean ± t(0.975, n − 1) · sd / √n (Student's t: the runs of a point are
 * independent replications whose spread is estimated from the runs themselves).
 *
 * The t quantile: exact table values for 1–30 degrees of freedom; above 30 the Cornish–Fisher
 * expansion of t in terms of the normal quantile (Abramowitz & Stegun 26.7.5, four terms),
 * which is within 2·10⁻⁵ of the exact value there.
 */
import { mean as ssMean, sampleStandardDeviation } from 'simple-statistics';

/** t(0.975, df) for df = 1 … 30. */
const T975: readonly number[] = [
  12.706204736, 4.30265273, 3.182446305, 2.776445105, 2.570581836, 2.446911851, 2.364624252, 2.306004135, 2.262157163, 2.228138852,
  2.200985160, 2.178812830, 2.160368656, 2.144786688, 2.131449546, 2.119905299, 2.109815578, 2.100922040, 2.093024054, 2.085963447,
  2.079613845, 2.073873068, 2.068657610, 2.063898562, 2.059538553, 2.055529439, 2.051830516, 2.048407142, 2.045229642, 2.042272456,
];

/** The standard normal's 97.5 % quantile. */
const Z975 = 1.959963984540054;

/**
 * The 97.5 % quantile of Student's t with `df` degrees of freedom (the half-width factor of a
 * two-sided 95 % interval).
 *
 * @example tQuantile975(1) // 12.706…
 * @example tQuantile975(Infinity) // 1.95996…
 */
export function tQuantile975(df: number): number {
  if (!(df >= 1)) throw new RangeError(`degrees of freedom must be >= 1, got ${df}`);
  if (Number.isInteger(df) && df <= T975.length) return T975[df - 1]!;
  if (!Number.isFinite(df)) return Z975;
  const z = Z975;
  const z3 = z ** 3;
  const z5 = z ** 5;
  const z7 = z ** 7;
  const z9 = z ** 9;
  return (
    z +
    (z3 + z) / (4 * df) +
    (5 * z5 + 16 * z3 + 3 * z) / (96 * df ** 2) +
    (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * df ** 3) +
    (79 * z9 + 776 * z7 + 1482 * z5 - 1920 * z3 - 945 * z) / (92160 * df ** 4)
  );
}

/** Summary of one metric over a point's replications. */
export interface MetricStats {
  /** Replications with a value (a null value, e.g. no reaction episodes, is left out). */
  n: number;
  mean: number | null;
  /** Sample standard deviation (n − 1); null below two values. */
  sd: number | null;
  /** Half-width of the 95 % confidence interval of the mean; null below two values. */
  ci95: number | null;
}

/**
 * Mean, sd and 95 % CI half-width of the non-null values.
 *
 * @example summarise([1, 2, 3]) // { n: 3, mean: 2, sd: 1, ci95: 2.484… }
 */
export function summarise(values: ReadonlyArray<number | null>): MetricStats {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (xs.length === 0) return { n: 0, mean: null, sd: null, ci95: null };
  const mean = ssMean(xs);
  if (xs.length < 2) return { n: 1, mean, sd: null, ci95: null };
  const sd = sampleStandardDeviation(xs);
  return { n: xs.length, mean, sd, ci95: (tQuantile975(xs.length - 1) * sd) / Math.sqrt(xs.length) };
}
