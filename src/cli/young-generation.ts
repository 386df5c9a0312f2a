/**
 * Keep V8's young generation at its starting size for a `scalelab run` process.
 *
 * V8 doubles the young generation (1 → 2 → … → 16 MiB a semi-space, two semi-spaces) each time
 * the bytes that survived its scavenges since the last doubling exceed its size. A simulation
 * keeps a steady trickle of survivors (each round's new engine states live until the next
 * scavenge), so over a PB1 day V8 doubles it to 2 × 16 MiB late in the run: ~20 MB more RSS for
 * nothing, the difference between ~80 and ~102 MB peak for PB1 (bench `pb1-process`, target
 * ≤ 100 MB). At the starting size the same run does ~6× as many scavenges, each tiny, and
 * takes the same CPU time (measured side by side, 4 runs each; see docs/ARCHITECTURE.md).
 *
 * The growth factor is read by V8 each time it grows the young generation, so setting it once
 * at the start of the command takes effect (a `node --max-semi-space-size=…` flag cannot be
 * passed through `#!/usr/bin/env node`). Garbage collection never changes what a run computes:
 * outputs are byte-identical either way.
 *
 * @example keepYoungGenerationSmall() // at the start of `scalelab run`
 */
import { createRequire } from 'node:module';

export function keepYoungGenerationSmall(): void {
  // node:v8 loaded here, not imported: it costs ~1.4 MB of RSS that `scalelab --version` need not pay
  const v8 = createRequire(import.meta.url)('node:v8') as typeof import('node:v8');
  v8.setFlagsFromString('--semi-space-growth-factor=1');
}
