import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lazyGroupSets, writeSummaryFile } from '../src/run/summary-file.js';
import { jsonText } from '../src/files/json.js';
import { simulateScenario } from '../src/run/run.js';
import { loadScenario } from '../src/scenario/load.js';
import type { MetricSet, RunSummary } from '../src/report/types.js';

/** The text the summary writer hands out, joined (writeJsonAtomic's pieces, two levels walked). */
function streamed(summary: RunSummary): string {
  return `${jsonText(summary, 2)}\n`;
}

const set = (v: number | null): MetricSet => ({ scale_ups: { value: v, unit: 'count' }, theta_u: { value: null, unit: '%' } });

function summaryWith(groups: Record<string, MetricSet>): RunSummary {
  return {
    scalelab: '0.0.0',
    scenario: { name: 's', description: 'a "quoted"\nline', file: 's.yaml', seed: 1, duration_s: 60, engine: { name: 'albatross', variant: 'faithful', config: { a: [1, 2] }, options: {} } },
    metrics: { scale_ups: { value: 3, unit: 'count' } },
    groups,
    notes: ['one', 'two'],
  };
}

describe('summary.json streamed group by group', () => {
  it('is byte for byte JSON.stringify(summary, null, 2) plus a newline', () => {
    const s = summaryWith({ web: set(1), db: set(null) });
    expect(streamed(s)).toBe(`${JSON.stringify(s, null, 2)}\n`);
  });

  it('keeps JSON key order: names that are array indices first, ascending, then the rest as inserted', () => {
    // "10" and "2" are array indices, so JSON.stringify (and Object.keys) put them first as 2, 10
    const s = summaryWith(lazyGroupSets(['web', '10', 'db', '2'], (i) => set(i)));
    const text = streamed(s);
    expect(text).toBe(`${JSON.stringify(s, null, 2)}\n`);
    expect(Object.keys(JSON.parse(text).groups)).toEqual(['2', '10', 'web', 'db']);
    expect(JSON.parse(text).groups['db'].scale_ups.value).toBe(2); // 'db' is name index 2
  });

  it('writes no groups as {} (output.groups: none)', () => {
    const s = summaryWith({});
    expect(streamed(s)).toBe(`${JSON.stringify(s, null, 2)}\n`);
    expect(streamed(s)).toContain('"groups": {},');
  });

  it('lazy sets are built when read, each read once by the writer', () => {
    let built = 0;
    const groups = lazyGroupSets(['a', 'b', 'c'], (i) => {
      built++;
      return set(i);
    });
    expect(built).toBe(0);
    expect(Object.keys(groups)).toEqual(['a', 'b', 'c']);
    expect(built).toBe(0);
    streamed(summaryWith(groups));
    expect(built).toBe(3);
    expect(groups['c']).toEqual(set(2));
  });

  it('a real run: the file equals JSON.stringify of its summary; output.groups none leaves the run-level metrics alone', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-summary-'));
    const file = path.join(dir, 'summary.json');
    const all = simulateScenario(loadScenario('scenarios/albatross-default.yaml', { sets: ['duration=2h', 'faults=[]'] })).summary;
    writeSummaryFile(file, all);
    expect(fs.readFileSync(file, 'utf8')).toBe(`${JSON.stringify(all, null, 2)}\n`);
    expect(Object.keys(all.groups).length).toBe(5); // the default scenario's five services
    const none = simulateScenario(loadScenario('scenarios/albatross-default.yaml', { sets: ['duration=2h', 'faults=[]', 'output.groups=none'] })).summary;
    expect(none.groups).toEqual({});
    expect(none.metrics).toEqual(all.metrics);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
