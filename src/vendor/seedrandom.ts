/**
 * seedrandom's Alea generator (the one the random streams use, src/kernel/random.ts): its own
 * file of the package (`lib/alea.js`, which `seedrandom.alea` is), so neither seedrandom's other
 * generators nor its `require('crypto')` (~8 ms to load) come with it; one bundled file once
 * built (src/vendor/bundle.ts).
 *
 * @example alea('', { state: aleaSeed('scalelab:1:boot') }).double()
 */
import type seedrandom from 'seedrandom';
// @ts-expect-error -- lib/alea.js has no declarations of its own: typed as seedrandom.alea below
import aleaOnly from 'seedrandom/lib/alea.js';

export const alea: typeof seedrandom.alea = aleaOnly as typeof seedrandom.alea;
