/** What a matched step does to the number of instances: change, exact, percent with rounding. */
import type { Adjustment, PercentRounding } from './config.js';

/**
 * Round a percent change of `capacity` instances to whole instances. `aws` (default, the EC2
 * Auto Scaling rule): above 1 rounds down, between 0 and 1 becomes 1, negative symmetric
 * (below −1 rounds toward zero, between −1 and 0 becomes −1), exactly 0 stays 0.
 *
 * @example percentChange(3, 50, 'aws') // 1   (1.5 rounds down)
 * @example percentChange(1, 50, 'aws') // 1   (0.5 becomes 1)
 * @example percentChange(1, -50, 'aws') // -1 (−0.5 becomes −1)
 */
export function percentChange(capacity: number, percent: number, rounding: PercentRounding): number {
  const v = (capacity * percent) / 100;
  if (v === 0) return 0;
  const magnitude = Math.abs(v);
  const whole = rounding === 'aws' ? (magnitude < 1 ? 1 : Math.floor(magnitude)) : rounding === 'toward_zero' ? Math.floor(magnitude) : rounding === 'away_from_zero' ? Math.ceil(magnitude) : Math.round(magnitude);
  return whole === 0 ? 0 : v > 0 ? whole : -whole;
}

/**
 * The number of instances a step asks for, before min/max: `change` adds, `exact` sets,
 * `percent` adds a rounded percentage of the current capacity.
 *
 * @example targetOf(4, 'percent', 50, 'aws') // 6
 * @example targetOf(4, 'exact', 2, 'aws') // 2
 */
export function targetOf(capacity: number, adjustment: Adjustment, value: number, rounding: PercentRounding): number {
  switch (adjustment) {
    case 'change':
      return capacity + value;
    case 'exact':
      return value;
    case 'percent':
      return capacity + percentChange(capacity, value, rounding);
  }
}
