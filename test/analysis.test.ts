/**
 * Outputs for analysis tools (issue 16, item 5): numbers only in timeseries.csv's value column,
 * `time_s` in every event, and the pandas snippet of docs/ANALYSIS.md run as written on a fresh
 * run and sweep — when a python3 with pandas is installed (Debian: `apt-get install
 * python3-pandas`; .ci/run tries). Without it that test is skipped and says so.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const SCENARIO = `name: analysis
seed: 4
duration: 3h
engine: { name: albatross, variant: corrected }
world:
  hosts: [ { name: host, threads: 16, memory: 16GiB } ]
workloads:
  - name: web
    max_instances: 4
    load: { base: 1.1, diurnal: { amplitude: 0.4, period: 3h, phase: 0 }, ar1: { coefficient: 0.9, sigma: 0.1 }, bursts: { rate_per_hour: 3, height: 1.5, duration: 4m } }
`;

let tmp = '';
let run = '';
let sweep = '';

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-analysis-'));
  const file = path.join(tmp, 'analysis.yaml');
  fs.writeFileSync(file, SCENARIO);
  run = path.join(tmp, 'run');
  sweep = path.join(tmp, 'sweep');
  expect((await runCli('run', file, '--out', run, '--quiet')).code).toBe(0);
  const s = await runCli('sweep', file, '--grid', 'engine.config.cooldown_period=60s,5m', '--grid', 'engine.config.scale_up_threshold_percent=80,90', '--seeds', '2', '--workers', '0', '--out', sweep, '--quiet');
  expect(s.code).toBe(0);
}, 120_000);

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Every value of a tidy timeseries.csv is a plain decimal number. */
function expectNumericValues(file: string): void {
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
  expect(lines[0]).toBe('time_s,group,series,value');
  for (const line of lines.slice(1)) {
    const value = line.slice(line.lastIndexOf(',') + 1);
    expect(value, line).toMatch(/^-?\d+(\.\d+)?(e[-+]?\d+)?$/);
  }
}

describe('run outputs', () => {
  it('timeseries.csv has a number in every value cell; events carry time_s', () => {
    expectNumericValues(path.join(run, 'timeseries.csv'));
    const events = fs.readFileSync(path.join(run, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.length).toBeGreaterThan(2);
    for (const e of events) {
      expect(typeof e['time_s']).toBe('number');
      expect(e).not.toHaveProperty('t');
    }
  });

  it('an Incus run: member state as 0/1 flags, no empty cells', async () => {
    const out = path.join(tmp, 'incus');
    expect((await runCli('run', 'scenarios/incus-restricted.yaml', '--out', out, '--quiet', '--set', 'duration=1h')).code).toBe(0);
    expectNumericValues(path.join(out, 'timeseries.csv'));
    const csv = fs.readFileSync(path.join(out, 'timeseries.csv'), 'utf8');
    expect(csv).toMatch(/^0,[^,]+,online,1$/m);
    expect(csv).toMatch(/^0,[^,]+,evacuated,[01]$/m);
    expect(csv).not.toMatch(/,state,/);
  });
});

/** A python3 that can import pandas: the one on PATH, or Debian's. */
function pandasPython(): string | null {
  for (const candidate of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(candidate, ['-c', 'import pandas'], { stdio: 'ignore' });
    if (r.status === 0) return candidate;
  }
  return null;
}

/** The first ```python block of docs/ANALYSIS.md. */
function pandasSnippet(): string {
  const doc = fs.readFileSync('docs/ANALYSIS.md', 'utf8');
  const m = /```python\n([^]*?)```/.exec(doc);
  if (!m) throw new Error('docs/ANALYSIS.md has no python block');
  return m[1]!;
}

const python = pandasPython();

describe('docs/ANALYSIS.md', () => {
  it('has a pandas and an R snippet that name every output', () => {
    const doc = fs.readFileSync('docs/ANALYSIS.md', 'utf8');
    const r = /```r\n([^]*?)```/.exec(doc)?.[1] ?? '';
    for (const file of ['summary.json', 'timeseries.csv', 'events.jsonl', 'sweep.csv', 'sweep.units.csv', 'runs.jsonl']) {
      expect(pandasSnippet(), file).toContain(file);
      expect(r, file).toContain(file);
    }
  });

  it.skipIf(python === null)(`the pandas snippet loads every output${python === null ? ' — SKIPPED: no python3 with pandas here (Debian: apt-get install python3-pandas)' : ''}`, () => {
    // the snippet as written, then checks on what it loaded
    const checks = `
assert ts["value"].dtype.kind == "f", ts["value"].dtype
assert {"demand_cores", "capacity_cores", "cpu_pct", "in_cooldown"} <= set(wide.columns), wide.columns
assert "time_s" in events.columns and events["time_s"].dtype.kind in "if"
assert metrics.set_index("metric").loc["instance_seconds", "unit"] == "instance·s"
assert points["engine.config.cooldown_period_s"].tolist() == [60, 60, 300, 300], points["engine.config.cooldown_period_s"].tolist()
assert units["engine.config.cooldown_period_s"] == "s"
assert len(runs) == 8, len(runs)
assert sorted(set(runs["point/engine.config.cooldown_period"])) == ["5m", "60s"]
assert runs["point/engine.config.scale_up_threshold_percent"].dtype.kind == "i"
assert runs["metrics/instance_seconds"].dtype.kind == "f"
print("ANALYSIS OK")
`;
    const script = path.join(tmp, 'analysis.py');
    fs.writeFileSync(script, pandasSnippet() + checks);
    const r = spawnSync(python!, [script, run, sweep], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('ANALYSIS OK');
  });
});
