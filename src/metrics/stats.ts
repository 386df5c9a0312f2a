/**
 * Small statistics helpers shared by the per-workload results and the run-level aggregation.
 * The arithmetic is simple-statistics'; these functions only handle the empty cases (→ null).
 */
import { max, mean, quantileSorted } from '../vendor/statistics.js';

/** Summary of reaction-time episodes, in seconds; all null when there are no episodes. */
export interface ReactionTimeStats {
  mean: number | null;
  p50: number | null;
  p95: number | null;
  max: number | null;
}

/**
 * Mean, p50, p95 and max of reaction times (seconds).
 *
 * Percentiles use simple-statistics `quantileSorted`, which (in the 7.12 line this project
 * pins) interpolates linearly between order statistics: index (n − 1)·p, i.e. R's type 7 and
 * NumPy's default `linear` method. With two episodes a and b (a ≤ b), p95 = a + 0.95·(b − a).
 *
 * @example reactionTimeStats([3, 7]) // { mean: 5, p50: 5, p95: 6.8, max: 7 }
 * @example reactionTimeStats([])     // { mean: null, p50: null, p95: null, max: null }
 */
export function reactionTimeStats(times: readonly number[]): ReactionTimeStats {
  if (times.length === 0) return { mean: null, p50: null, p95: null, max: null };
  const sorted = [...times].sort((a, b) => a - b);
  return {
    mean: mean(sorted),
    p50: quantileSorted(sorted, 0.5),
    p95: quantileSorted(sorted, 0.95),
    max: max(sorted),
  };
}

/**
 * Mean of the non-null values, or null when there are none.
 *
 * @example meanOrNull([10, null, 20]) // 15
 */
export function meanOrNull(values: readonly (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length === 0 ? null : mean(present);
}

/**
 * 100 · part / whole, or null when the whole is zero (an empty run).
 *
 * @example percentOf(5, 40) // 12.5
 */
export function percentOf(part: number, whole: number): number | null {
  return whole > 0 ? (100 * part) / whole : null;
}

/**
 * Events per hour over a span of `hours`, or null when the span is empty.
 *
 * @example perHour(3, 0.5) // 6
 */
export function perHour(events: number, hours: number): number | null {
  return hours > 0 ? events / hours : null;
}
