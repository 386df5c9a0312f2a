/**
 * Seeded, named random streams. Each concern (boot latency, measurement noise, failures, the
 * load of one workload …) draws from its own stream, derived from (scenario seed, stream name),
 * so adding a consumer never perturbs the numbers another one sees.
 *
 * Streams use seedrandom's Alea generator: seedrandom's default (ARC4) is several times slower,
 * and a day of 1,000 workloads draws tens of millions of numbers.
 */
import seedrandom from 'seedrandom';

/** A random stream: uniform numbers in [0, 1) plus the distributions the world needs. */
export interface RandomStream {
  /** Uniform in [0, 1). */
  next(): number;
  /** Standard normal (mean 0, sd 1). */
  normal(): number;
  /** Exponential with the given mean. */
  exponential(mean: number): number;
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number;
}

/**
 * Derive the stream for `name` from the scenario seed.
 *
 * @example const a = stream(42, 'boot'); const b = stream(42, 'boot'); a.next() === b.next()
 */
export function stream(seed: number | string, name: string): RandomStream {
  const prng = seedrandom.alea(`scalelab:${seed}:${name}`);
  let spare = 0;
  let hasSpare = false;
  const next = (): number => prng();
  return {
    next,
    normal(): number {
      // Marsaglia polar method; keeps the second value for the next call
      if (hasSpare) {
        hasSpare = false;
        return spare;
      }
      let u: number;
      let v: number;
      let s: number;
      do {
        u = 2 * prng() - 1;
        v = 2 * prng() - 1;
        s = u * u + v * v;
      } while (s >= 1 || s === 0);
      const m = Math.sqrt((-2 * Math.log(s)) / s);
      spare = v * m;
      hasSpare = true;
      return u * m;
    },
    exponential(mean: number): number {
      return -Math.log(1 - prng()) * mean;
    },
    uniform(lo: number, hi: number): number {
      return lo + (hi - lo) * prng();
    },
  };
}

/** z-score of the 99th percentile of the standard normal distribution. */
export const Z99 = 2.3263478740408408;
