/**
 * Seeded, named random streams. Each concern (boot latency, measurement noise, failures, the
 * load of one workload …) draws from its own stream, derived from (scenario seed, stream name),
 * so adding a consumer never perturbs the numbers another one sees.
 *
 * Streams use seedrandom's Alea generator: seedrandom's default (ARC4) is several times slower,
 * and a day of 1,000 workloads draws tens of millions of numbers.
 */
import { alea } from '../vendor/seedrandom.js';

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
  const prng = alea('', { state: aleaSeed(`scalelab:${seed}:${name}`) });
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

/** Alea's generator state, as seedrandom's `alea(seed, { state: true }).state()` returns it. */
export interface AleaState {
  c: number;
  s0: number;
  s1: number;
  s2: number;
}

const MASH_START = 0xefc8249d;
const TWO_POW_MINUS_32 = 2.3283064365386963e-10;

/**
 * One step of Baagøe's Mash hash over `text`, from hash state `n`; returns the new state. (The
 * fraction Mash yields is `(n >>> 0) × 2⁻³²`.)
 */
function mash(n: number, text: string): number {
  for (let i = 0; i < text.length; i++) {
    n += text.charCodeAt(i);
    let h = 0.02519603282416938 * n;
    n = h >>> 0;
    h -= n;
    h *= n;
    n = h >>> 0;
    h -= n;
    n += h * 0x100000000;
  }
  return n;
}

/** Mash's state after the three blanks Alea hashes first, and the three fractions they give. */
const BLANKS = (() => {
  const n0 = mash(MASH_START, ' ');
  const n1 = mash(n0, ' ');
  const n2 = mash(n1, ' ');
  return { n: n2, s0: (n0 >>> 0) * TWO_POW_MINUS_32, s1: (n1 >>> 0) * TWO_POW_MINUS_32, s2: (n2 >>> 0) * TWO_POW_MINUS_32 };
})();

/**
 * The Alea state seedrandom derives from `seed` (Baagøe's seeding: three Mash fractions of a
 * blank, each reduced by a Mash fraction of the seed), computed here because seedrandom's own
 * seeding keeps the hash in a closure variable and costs tens of µs a stream — a second at
 * 100,000 groups, whose scenarios seed two streams per group. The numbers are seedrandom's:
 * test/kernel.test.ts compares both on thousands of seeds.
 *
 * @example aleaSeed('x') // deep-equals alea('x', { state: true }).state()
 */
export function aleaSeed(seed: string): AleaState {
  let n = mash(BLANKS.n, seed);
  let s0 = BLANKS.s0 - (n >>> 0) * TWO_POW_MINUS_32;
  if (s0 < 0) s0 += 1;
  n = mash(n, seed);
  let s1 = BLANKS.s1 - (n >>> 0) * TWO_POW_MINUS_32;
  if (s1 < 0) s1 += 1;
  n = mash(n, seed);
  let s2 = BLANKS.s2 - (n >>> 0) * TWO_POW_MINUS_32;
  if (s2 < 0) s2 += 1;
  return { c: 1, s0, s1, s2 };
}

/**
 * Mash states kept by {@link firstUniform} (Mash reads its text a character at a time, so the
 * state after a prefix is where every text with that prefix goes on from): the seed's
 * `scalelab:SEED:`, and the last name's part up to its last colon (`scenario:12:`, shared by a
 * copy's `base` and `phase`). A cache only: the numbers are those of the whole text hashed.
 */
const mashed = { seed: undefined as number | string | undefined, seedState: 0, prefix: '', prefixState: 0 };

/**
 * The first number of stream (`seed`, `name`) scaled to [lo, hi): `stream(seed, name).uniform(lo,
 * hi)` without building the stream — one step of Alea (`t = 2091639·s0 + c·2⁻³²`, the fraction
 * of t) from the seeded state. A scenario draws each `{ uniform: [lo, hi] }` of each workload
 * copy from a stream of its own and uses one number of it: 2,000 streams for PB1, 200,000 at
 * 100,000 groups. Alea's first number reads only s0 (and c = 1), which the first of
 * {@link aleaSeed}'s three Mash passes gives; that pass goes on from the states `mashed` keeps.
 * test/kernel.test.ts compares it with the stream on thousands of names.
 *
 * @example firstUniform(1, 'scenario:0:base', 0.3, 0.9) === stream(1, 'scenario:0:base').uniform(0.3, 0.9) // true
 */
export function firstUniform(seed: number | string, name: string, lo: number, hi: number): number {
  if (seed !== mashed.seed) {
    mashed.seed = seed;
    mashed.seedState = mash(BLANKS.n, `scalelab:${seed}:`);
    mashed.prefix = '';
    mashed.prefixState = mashed.seedState;
  }
  const cut = name.lastIndexOf(':') + 1;
  const prefix = name.slice(0, cut);
  if (prefix !== mashed.prefix) {
    mashed.prefix = prefix;
    mashed.prefixState = mash(mashed.seedState, prefix);
  }
  const n = mash(mashed.prefixState, name.slice(cut));
  let s0 = BLANKS.s0 - (n >>> 0) * TWO_POW_MINUS_32;
  if (s0 < 0) s0 += 1;
  const t = 2091639 * s0 + TWO_POW_MINUS_32;
  return lo + (hi - lo) * (t - (t | 0));
}

/** z-score of the 99th percentile of the standard normal distribution. */
export const Z99 = 2.3263478740408408;
