/**
 * Memory flat in simulated duration (issue 13, item 5): a 30-day run with ≈ 270,000 closed
 * reaction-time episodes (test/fixtures/many-days.yaml: 25 groups, one round a minute, demand
 * that crosses the SLO line every few minutes) completes as a whole CLI process under
 * `node --max-old-space-size=16`. Before the bounded sketch every episode was kept (8 bytes in
 * a Float64Array, then copied to arrays and sorted at the end) and the same run died of heap
 * exhaustion at this limit. Needs dist/ (`npm test` builds it first).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WORKLOAD_EXACT_LIMIT } from '../src/metrics/quantiles.js';

const built = fs.existsSync('dist/cli/main.js');

describe('memory does not grow with simulated duration', () => {
  it.skipIf(!built)('30 days, 25 groups, ≈ 270,000 episodes under --max-old-space-size=16', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-mem-'));
    try {
      const child = spawnSync(process.execPath, ['--max-old-space-size=16', 'dist/cli/main.js', 'run', 'test/fixtures/many-days.yaml', '--out', out, '--quiet'], { encoding: 'utf8', timeout: 60_000 });
      expect(child.stderr).not.toMatch(/heap out of memory/);
      expect(child.status).toBe(0);
      const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')) as {
        metrics: Record<string, { value: number | null }>;
        groups: Record<string, Record<string, { value: number | null }>>;
      };
      // every group went far past what is kept exactly: the histogram is what ran
      for (const g of Object.values(summary.groups)) expect(g['reaction_episodes']!.value!).toBeGreaterThan(10 * WORKLOAD_EXACT_LIMIT);
      const m = summary.metrics;
      // percentiles stay ordered and inside [0, max] (max is exact)
      expect(m['reaction_time_p50']!.value!).toBeGreaterThan(0);
      expect(m['reaction_time_p50']!.value!).toBeLessThanOrEqual(m['reaction_time_p95']!.value!);
      expect(m['reaction_time_p95']!.value!).toBeLessThanOrEqual(m['reaction_time_max']!.value!);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 90_000);
});
