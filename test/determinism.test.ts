/** Same scenario + seed ⇒ byte-identical summary.json, timeseries.csv and events.jsonl. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../src/scenario/load.js';
import { runScenario } from '../src/run/run.js';

const FILES = ['summary.json', 'timeseries.csv', 'events.jsonl'];

async function runTo(dir: string, seed?: number) {
  const scenario = loadScenario('scenarios/albatross-default.yaml', { sets: ['duration=6h', 'faults=[]', 'output.report=false'], ...(seed !== undefined ? { seed } : {}) });
  await runScenario(scenario, { outDir: dir });
  return Object.fromEntries(FILES.map((f) => [f, fs.readFileSync(path.join(dir, f))]));
}

describe('determinism', () => {
  it('two runs of the same scenario and seed write identical bytes', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-det-'));
    const a = await runTo(path.join(tmp, 'a'));
    const b = await runTo(path.join(tmp, 'b'));
    for (const f of FILES) {
      expect(a[f]!.length, f).toBeGreaterThan(100);
      expect(a[f]!.equals(b[f]!), `${f} differs`).toBe(true);
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('a different seed gives a different run', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-det-'));
    const a = await runTo(path.join(tmp, 'a'), 1);
    const b = await runTo(path.join(tmp, 'b'), 2);
    expect(a['events.jsonl']!.equals(b['events.jsonl']!)).toBe(false);
    fs.rmSync(tmp, { recursive: true, force: true });
  });
});
