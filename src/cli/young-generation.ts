/**
 * Stop V8's young generation from growing once a `scalelab run` has loaded its scenario, and
 * keep its old generation close to what is alive (`OLD_GENERATION_GROWING_PERCENT`).
 *
 * V8 doubles the young generation (1 → 2 → … → 16 MiB a semi-space, two semi-spaces) each time
 * the bytes that survived its scavenges since the last doubling exceed its size. Loading and
 * setting up a scenario makes mostly survivors, so the young generation grows there in
 * proportion to the scenario (to 2–8 MiB for PB1's 1,000 groups, to the 16 MiB maximum for
 * 100,000). During the simulation a steady trickle survives (each round's new engine states
 * live until the next scavenge), and over a PB1 day that alone doubled it again to 2 × 16 MiB
 * late in the run: ~16 MB more RSS for no speed, and PB1's peak at ~100 MB (bench
 * `pb1-process`, target ≤ 100 MB). Frozen after loading, the young generation keeps the size
 * the scenario's set-up gave it; measured side by side in docs/ARCHITECTURE.md. (Frozen at its
 * 1 MiB start instead, PB1 peaked lower still, but 100,000 groups promoted every round's states
 * and took 1.6× the CPU time.)
 *
 * The growth factor is read by V8 each time it would grow the young generation, so setting it
 * during the run takes effect (a `node --max-semi-space-size=…` flag cannot be passed through
 * `#!/usr/bin/env node`). Garbage collection never changes what a run computes: the outputs are
 * byte-identical either way.
 *
 * @example freezeYoungGeneration() // in `scalelab run`, right after loadScenario
 */
import { createRequire } from 'node:module';
import { MICROS_PER_DAY, type Micros } from '../kernel/time.js';

/**
 * How far V8 lets the old generation grow past what survived its last full collection before
 * collecting again, in per cent. Left to itself V8 picks 1.1–4× from its own speed; a long run's
 * heap is mostly the world, alive until the end, so for 100,000 groups it let ~400 MB of live
 * objects take 1.05 GB of RSS over a day, and 1.15 GB while the summary was written. With 25 %
 * the same day peaks at 510 MB, no slower, and PB1's time and peak are unchanged
 * (docs/ARCHITECTURE.md, What is kept in memory).
 */
export const OLD_GENERATION_GROWING_PERCENT = 25;

export function freezeYoungGeneration(): void {
  // node:v8 loaded here, not imported: it costs ~1.4 MB of RSS that `scalelab --version` need not pay
  const v8 = createRequire(import.meta.url)('node:v8') as typeof import('node:v8');
  v8.setFlagsFromString('--semi-space-growth-factor=1');
  // and the old generation grows by a quarter past what survived its last full collection (see above)
  v8.setFlagsFromString(`--heap-growing-percent=${OLD_GENERATION_GROWING_PERCENT}`);
}

/**
 * For a run longer than a simulated day: a progress hook that makes V8 collect its whole heap
 * each time the run passes into another simulated day; undefined for a day or less.
 *
 * What a run keeps alive does not grow with duration (PB1: ≈ 10 MB after a full collection at
 * 1 d and at 30 d alike), but between full collections V8 lets the old generation grow by a
 * fixed step of garbage (the engine's dropped states) whatever the percentage above says, so a
 * 30-day PB1 peaked ~10 MB above a 1-day one (1.14×, target ≤ 1.1). One full collection per
 * simulated day (~10 ms for PB1) keeps every day like the first. A 1-day run never calls it.
 * Garbage collection never changes what a run computes.
 *
 * @example const collect = dailyCollection(scenario.duration); collect?.(fraction) // from the run's progress
 */
export function dailyCollection(duration: Micros): ((fraction: number) => void) | undefined {
  if (!(duration > MICROS_PER_DAY)) return undefined;
  const require = createRequire(import.meta.url);
  (require('node:v8') as typeof import('node:v8')).setFlagsFromString('--expose-gc');
  // a context made after the flag is set has V8's `gc` function
  const gc = (require('node:vm') as typeof import('node:vm')).runInNewContext('gc') as () => void;
  let day = 0;
  return (fraction: number) => {
    const now = Math.floor((fraction * duration) / MICROS_PER_DAY);
    if (now > day) {
      day = now;
      gc();
    }
  };
}
