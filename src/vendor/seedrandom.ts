/**
 * seedrandom's Alea generator (the one the random streams use, src/kernel/random.ts), in one file
 * once built (src/vendor/bundle.ts) instead of seedrandom's nine CommonJS files.
 *
 * @example alea('', { state: aleaSeed('scalelab:1:boot') }).double()
 */
import seedrandom from 'seedrandom';

export const alea: typeof seedrandom.alea = seedrandom.alea;
