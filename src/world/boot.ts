/** Boot latency: fixed, uniform, or lognormal given its median and 99th percentile. */
import type { RandomStream } from '../kernel/random.js';
import { Z99 } from '../kernel/random.js';
import type { Micros } from '../kernel/time.js';
import type { LatencySpec } from '../scenario/types.js';

/**
 * Draw one boot latency in integer µs (at least 1 µs).
 * Lognormal: μ = ln(median), σ = ln(p99 / median) / z₀.₉₉, so the median and p99 are exact.
 *
 * @example sampleLatency({ dist: 'fixed', value: 20_000 }, rng) // 20_000
 */
export function sampleLatency(spec: LatencySpec, rng: RandomStream): Micros {
  switch (spec.dist) {
    case 'fixed':
      return Math.max(1, spec.value);
    case 'uniform':
      return Math.max(1, Math.round(rng.uniform(spec.min, spec.max)));
    case 'lognormal': {
      const sigma = Math.log(spec.p99 / spec.median) / Z99;
      return Math.max(1, Math.round(spec.median * Math.exp(sigma * rng.normal())));
    }
  }
}
