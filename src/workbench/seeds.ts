/**
 * Replication seeds. Every point of a sweep runs with the same K seeds (common random numbers:
 * two configurations are compared on the same load, noise and failures, which makes their
 * difference far less noisy than their values). Replication 0 uses the scenario's own seed, so
 * a one-seed sweep point is exactly `scalelab run --set …`; replication r ≥ 1 uses a seed
 * derived from (base seed, r) by SHA-256 (a cryptographic hash: neighbouring r give unrelated
 * seeds; the first draw of a stream seeded with similar names would not).
 */
import { createHash } from 'node:crypto';

/** Largest derived seed + 1 (seeds stay plain non-negative 31-bit integers). */
const SEED_SPACE = 2 ** 31;

/**
 * The seed of replication `r` for the base seed.
 *
 * @example replicationSeed(42, 0) // 42
 * @example replicationSeed(42, 1) // a fixed number in [0, 2^31), the same on every machine
 */
export function replicationSeed(base: number, r: number): number {
  if (r === 0) return base;
  const digest = createHash('sha256').update(`scalelab:sweep:${base}:replication:${r}`).digest();
  return digest.readUInt32BE(0) % SEED_SPACE;
}

/**
 * The K distinct seeds of a sweep: replication 0 is `base`, the others derived; a derived seed
 * that repeats an earlier one (a 1-in-2^31 event) is replaced by the next derivation.
 *
 * @example deriveSeeds(42, 3) // [42, s1, s2], the same every time
 */
export function deriveSeeds(base: number, k: number): number[] {
  const seeds: number[] = [];
  const seen = new Set<number>();
  for (let r = 0; seeds.length < k; r++) {
    const s = replicationSeed(base, r);
    if (seen.has(s)) continue;
    seen.add(s);
    seeds.push(s);
  }
  return seeds;
}
