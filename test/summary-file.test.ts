import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lazyGroupSets, writeSummaryFile } from '../src/run/summary-file.js';
import { jsonText, MEMBER_JSON } from '../src/files/json.js';
import { METRIC_TABLE, workloadMetricSet, workloadMetricSetJson } from '../src/metrics/summary.js';
import type { WorkloadResult } from '../src/metrics/workload.js';
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

  it('a group text made from the numbers is the set stringified and re-indented, for any number', () => {
    // a result with every kind of value JSON can meet: integers, fractions, -0, null, NaN, ±Infinity, tiny and huge
    const odd = [0, -0, 1, 0.1 + 0.2, -2.5e-7, 1e21, 123456789.125, null, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
    const fields: Record<string, unknown> = {};
    const counts: Record<string, number> = {};
    METRIC_TABLE.forEach((m, i) => {
      fields[m.name] = odd[i % odd.length];
      counts[m.name] = i;
    });
    const r = { ...fields, counts } as unknown as WorkloadResult;
    for (const indent of ['', '  ', '    ']) {
      expect(workloadMetricSetJson(r, indent)).toBe(JSON.stringify(workloadMetricSet(r), null, 2).replaceAll('\n', `\n${indent}`));
    }
    // a value JSON would leave out (undefined): no text, the set is built instead
    expect(workloadMetricSetJson({ ...r, theta_u: undefined } as unknown as WorkloadResult, '')).toBeUndefined();
  });

  it('lazy sets with texts: the writer uses the texts, everything else sees the plain record', () => {
    let built = 0;
    const texts: number[] = [];
    const groups = lazyGroupSets(
      ['web', '10', 'db'],
      (i) => {
        built++;
        return set(i);
      },
      (i, indent) => {
        texts.push(i);
        return i === 2 ? undefined : JSON.stringify(set(i), null, 2).replaceAll('\n', `\n${indent}`);
      },
    );
    const s = summaryWith(groups);
    expect(streamed(s)).toBe(`${JSON.stringify(s, null, 2)}\n`);
    expect(texts.sort()).toEqual([0, 1, 2]);
    expect(built).toBe(4); // 'db' (index 2) built by the writer, then the three sets JSON.stringify read above
    expect(Object.keys(groups)).toEqual(['10', 'web', 'db']);
    expect(Object.getOwnPropertySymbols({ ...groups })).toEqual([]);
    expect(Object.prototype.propertyIsEnumerable.call(groups, MEMBER_JSON)).toBe(false);
  });
});
