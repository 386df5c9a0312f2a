import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeFixtures } from '../src/traces/fixtures.js';
import { TraceSource } from '../src/load/trace.js';
import { summarizeTrace } from '../src/traces/show.js';

const S = 1_000_000;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-fixtures-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('fixed traces in traces/', () => {
  it('are exactly what src/traces/fixtures.ts writes', () => {
    const written = makeFixtures(dir);
    expect(written.length).toBe(13);
    for (const file of written) {
      const committed = path.join('traces', path.relative(dir, file));
      expect(fs.readFileSync(file, 'utf8'), committed).toBe(fs.readFileSync(committed, 'utf8'));
    }
  });

  it('the Albatross trace replays: web saturates at 20–26 min, db restarts at 40 min', () => {
    const source = new TraceSource('traces/albatross-small.csv', ['alice:web', 'alice:db']);
    const out = new Float64Array(2);
    source.sample(22 * 60 * S, out, 0);
    expect(out[0]).toBeGreaterThan(0.99);
    const stats = summarizeTrace('traces/albatross-small.csv');
    const db = stats.series.find((s) => s.series === 'alice:db')!;
    expect(db.gaps).toBe(1);
    expect(db.longestGaps[0]!.at).toBeGreaterThan(39 * 60 * S);
    source.close();
  });

  it('the Incus trace replays: the batch job runs at 15–35 min, db1 is stopped at 45–50 min', () => {
    const source = new TraceSource('traces/incus-small.csv', ['batch/etl', 'db1', { pattern: 'web*', name: 'web' }], { loop: true });
    const out = new Float64Array(3);
    source.sample(10 * 60 * S, out, 0);
    expect(out[0]).toBeLessThan(0.5);
    source.sample(25 * 60 * S, out, 0);
    expect(out[0]).toBeGreaterThan(1.5);
    source.sample(47 * 60 * S, out, 0);
    expect(out[1]).toBe(0);
    expect(out[2]).toBeGreaterThan(0.5);
    source.sample(85 * 60 * S, out, 0); // second round of the loop: the batch job again
    expect(out[0]).toBeGreaterThan(1.5);
    source.close();
  });
});
