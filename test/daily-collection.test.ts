import { constants, PerformanceObserver } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { dailyCollection } from '../src/cli/young-generation.js';

const DAY = 86_400_000_000;

/** Full (mark-compact) collections V8 reports while `work` runs. */
async function majorCollections(work: () => void): Promise<number> {
  let n = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if ((entry.detail as { kind?: number } | undefined)?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) n++;
  });
  observer.observe({ entryTypes: ['gc'] });
  work();
  // gc entries are delivered asynchronously
  await new Promise((resolve) => setTimeout(resolve, 50));
  observer.disconnect();
  return n;
}

describe('dailyCollection (src/cli/young-generation.ts)', () => {
  it('is not wanted for a run of a day or less', () => {
    expect(dailyCollection(DAY)).toBeUndefined();
    expect(dailyCollection(10_000_000)).toBeUndefined();
  });

  it('collects the heap once each time the run passes into another simulated day, and not within a day', async () => {
    const collect = dailyCollection(3 * DAY)!;
    expect(collect).toBeTypeOf('function');
    // 3 days: fractions 0.1 and 0.3 are 0.3 d and 0.9 d (day 0): nothing
    expect(await majorCollections(() => [0.1, 0.3].forEach(collect))).toBe(0);
    // 0.34 is 1.02 d (day 1): one; 0.5 is 1.5 d, still day 1: none more
    expect(await majorCollections(() => [0.34, 0.5].forEach(collect))).toBe(1);
    // 0.99 is 2.97 d (day 2): one
    expect(await majorCollections(() => collect(0.99))).toBe(1);
  });
});
