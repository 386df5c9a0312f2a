/**
 * Sweeps end to end: bad sweep keys refused before anything runs, results independent of the
 * number of workers, resume after a killed sweep (nothing lost, nothing twice), Ctrl-C, shards
 * merged, invalid combinations, the `sweep:` section of a scenario.
 *
 * Worker threads and the child CLI run the compiled code in dist/ (`npm test` builds first).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';
import { progressText } from '../src/cli/sweep.js';
import { readJournal, RUNS_FILE } from '../src/workbench/journal.js';
import { mergeSweeps } from '../src/workbench/merge.js';
import { runKey } from '../src/workbench/plan.js';
import { runSweep, writtenValues, type SweepOptions } from '../src/workbench/sweep.js';
import { asWrittenPoint } from '../src/workbench/report.js';
import { parseAxisArg } from '../src/workbench/axis.js';

const CLI = path.resolve('dist/cli/main.js');

const SCENARIO = `name: wb-test
seed: 5
duration: 6h
engine: { name: albatross, variant: corrected }
world:
  hosts: [ { name: host, threads: 16, memory: 16GiB } ]
workloads:
  - name: web
    max_instances: 6
    load: { base: 1.0, diurnal: { amplitude: 0.5, period: 6h, phase: 0 }, ar1: { coefficient: 0.9, sigma: 0.05 }, bursts: { rate_per_hour: 3, height: 1.5, duration: 4m } }
  - name: api
    vcpus: 2
    max_instances: 4
    load: { base: 1.5, ar1: { coefficient: 0.9, sigma: 0.1 }, bursts: { rate_per_hour: 2, height: 2, duration: 5m } }
`;

const GRID = ['engine.config.scale_up_threshold_percent=70..90:10', 'engine.config.cooldown_period=60s,300s'];

let tmp = '';
let scenario = '';

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-sweep-'));
  scenario = path.join(tmp, 'wb-test.yaml');
  fs.writeFileSync(scenario, SCENARIO);
});

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A sweep of the test scenario into `dir`. */
function sweep(dir: string, extra: Partial<SweepOptions> = {}) {
  return runSweep({ scenarioFile: scenario, flags: { grid: GRID, seeds: '3' }, outDir: path.join(tmp, dir), workers: 2, ...extra });
}

const read = (dir: string, file: string) => fs.readFileSync(path.join(tmp, dir, file), 'utf8');

/** Run the CLI in-process, capturing its output. */
const cli = runCli;

describe('bad sweep input is refused before anything runs', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--grid', 'engine.config.scale_up_threshold=80,90'], /^scalelab: error: --grid: engine\.config\.scale_up_threshold: unknown key; expected one of: poll_interval, scale_up_threshold_percent/],
    [['--grid', 'engine.config.scale_up_threshold_percent=80,150'], /^scalelab: error: --grid: engine\.config\.scale_up_threshold_percent: value 150: must be <= 100, got 150/],
    [['--grid', 'engine.config.cooldown_period=60x,120s'], /^scalelab: error: --grid: engine\.config\.cooldown_period: value 60x: unknown unit "x"/],
    [['--grid', 'workloads[5].vcpus=1,2'], /^scalelab: error: --grid: workloads\[5\]: index 5 is out of range \(the list has 2 items\)/],
    [['--grid', 'engine.variant=faithful,bogus'], /^scalelab: error: --grid: engine\.variant: value bogus: unknown variant of engine albatross "bogus"/],
    [['--grid', 'seed=1,2'], /the seed cannot be swept/],
    [['--grid', 'engine.config.cooldown_period=60s..600s'], /can only be sampled/],
    [['--grid', 'engine.config.cooldown_period=60s', '--grid', 'engine.config.cooldown_period=120s'], /swept twice/],
    [[], /nothing to sweep/],
    [['--grid', 'engine.config.cooldown_period=60s', '--objective', 'cost'], /--objective: unknown metric "cost"/],
    [['--grid', 'engine.config.cooldown_period=60s', '--shard', '3/2'], /--shard: shard 3 is not in 1\.\.2/],
    [['--grid', 'engine.config.cooldown_period=60s', '--set', 'duration=-1h'], /duration/],
  ];
  for (const [args, message] of cases) {
    it(`${args.join(' ') || '(no grid)'}`, async () => {
      const out = path.join(tmp, 'bad-out');
      const r = await cli('sweep', scenario, ...args, '--out', out, '--workers', '0');
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(fs.existsSync(out)).toBe(false);
    });
  }
});

describe('sweep results', () => {
  it('are identical with 1 and 2 worker threads and in-process', async () => {
    const one = await sweep('w1', { workers: 1 });
    const two = await sweep('w2', { workers: 2 });
    const none = await sweep('w0', { workers: 0 });
    expect(one.status).toBe('done');
    expect(one.ran).toBe(18);
    for (const file of ['sweep.csv', 'sweep.units.csv', 'summary.md', 'index.html']) {
      expect(read('w2', file), file).toBe(read('w1', file));
      expect(read('w0', file), file).toBe(read('w1', file));
    }
    expect(two.judgement).toEqual(one.judgement);
    const csv = read('w1', 'sweep.csv').trim().split('\n');
    expect(csv).toHaveLength(1 + 6);
    expect(csv[0]).toMatch(/^point,engine\.config\.scale_up_threshold_percent,engine\.config\.cooldown_period,engine\.config\.cooldown_period_s,runs,expected_runs,invalid,feasible,rank,pareto,instance_seconds_mean,instance_seconds_sd,instance_seconds_ci95,instance_seconds_n,/);
    // the duration key also in seconds: 60s → 60, 300s → 300 (grid order, the first key slowest)
    expect(csv.slice(1, 3).map((r) => r.split(',').slice(0, 4))).toEqual([
      ['0', '70', '60s', '60'],
      ['1', '70', '300s', '300'],
    ]);
    // every column of sweep.csv has a row in sweep.units.csv, in the same order
    const units = read('w1', 'sweep.units.csv').trim().split('\n');
    expect(units[0]).toBe('column,unit,meaning');
    expect(units.map((u) => u.split(',')[0]).slice(1)).toEqual(csv[0]!.split(','));
    expect(units).toContain('engine.config.cooldown_period_s,s,engine.config.cooldown_period in seconds');
    expect(units.find((u) => u.startsWith('engine.config.scale_up_threshold_percent,'))).toMatch(/^engine\.config\.scale_up_threshold_percent,%,/);
    expect(units.find((u) => u.startsWith('instance_seconds_mean,'))).toMatch(/^instance_seconds_mean,instance·s,mean over/);
    // runs.jsonl: the point is a JSON object, numbers as numbers
    const first = JSON.parse(read('w1', RUNS_FILE).split('\n')[1]!) as { kind: string; point: unknown };
    expect(first.kind).toBe('run');
    expect(first.point).toEqual({ 'engine.config.cooldown_period': expect.stringMatching(/^(60|300)s$/), 'engine.config.scale_up_threshold_percent': expect.any(Number) });
    const html = read('w1', 'index.html');
    expect(html).toContain('<svg');
    // the ranking sorts by a click (inline script), on the numbers behind the cells
    expect(html).toContain('<table class="sortable">');
    expect(html).toMatch(/<td data-sort="(80|90)"><code>(80|90)<\/code><\/td>/);
    expect(html).toMatch(/<td data-sort="(60|120|300)"><code>/); // cooldowns as seconds, not text
    // integer keys get integer ticks; points carry tooltips
    expect(html).toContain('"axis":{"format":"d","tickMinStep":1}');
    expect(html).toContain('<title>');
  });

  it('a second run of the same command resumes and runs nothing', async () => {
    const again = await sweep('w1', { workers: 2 });
    expect(again.resumed).toBe(18);
    expect(again.ran).toBe(0);
    expect(readJournal(path.join(tmp, 'w1', RUNS_FILE)).runs).toHaveLength(18);
  });

  it('reads and resumes a runs.jsonl of format 1 (points as strings holding JSON)', async () => {
    fs.mkdirSync(path.join(tmp, 'old'), { recursive: true });
    const lines = read('w1', RUNS_FILE).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const old = lines.map((r) => {
      if (r['kind'] === 'sweep') return JSON.stringify({ ...r, format: 1 });
      const pairs = Object.entries(r['point'] as Record<string, unknown>).map(([k, v]) => [k, String(v)]).sort();
      return JSON.stringify({ ...r, point: JSON.stringify(pairs) });
    });
    expect(old[1]).toMatch(/"point":"\[\[\\"engine\.config\.cooldown_period\\",\\"(60|300)s\\"\]/);
    fs.writeFileSync(path.join(tmp, 'old', RUNS_FILE), old.join('\n') + '\n');
    const again = await sweep('old', { workers: 0 });
    expect(again.ran).toBe(0);
    expect(again.resumed).toBe(18);
    expect(read('old', 'sweep.csv')).toBe(read('w1', 'sweep.csv'));
  });

  it('finds the point that is the scenario as written, and compares the best with it', async () => {
    const axes = ['engine.config.cooldown_period=1m,5m', 'engine.variant=faithful,corrected', 'workloads[1].vcpus=1,2'].map((a) => parseAxisArg(a));
    expect(writtenValues(SCENARIO, [], axes)).toEqual([null, 'corrected', '2']);
    expect(writtenValues(SCENARIO, ['engine.config.cooldown_period=300s'], axes)).toEqual(['300s', 'corrected', '2']);
    const o = await runSweep({ scenarioFile: scenario, sets: ['engine.config.cooldown_period=300s'], flags: { grid: ['engine.config.cooldown_period=1m,5m'], seeds: '2' }, outDir: path.join(tmp, 'own'), workers: 0 });
    const own = asWrittenPoint({ header: o.header, judgement: o.judgement! });
    expect(own?.values).toEqual(['5m']); // 5m is the 300s written
    const md = read('own', 'summary.md');
    expect(md).toMatch(/As written, \*\*cooldown_period=5m\*\*|This is the scenario as written\./);
    if (o.judgement!.best !== own) expect(md).toMatch(/Best − as written, paired seed by seed: instance_seconds [-+]?\d/);
  });

  it('refuses to resume into a directory of a different sweep', async () => {
    await expect(sweep('w1', { sets: ['duration=3h'] })).rejects.toThrow(/holds a different sweep/);
  });

  it('more seeds extend the sweep, reusing the runs already done', async () => {
    const more = await runSweep({ scenarioFile: scenario, flags: { grid: GRID, seeds: '4' }, outDir: path.join(tmp, 'w1'), workers: 2 });
    expect(more.resumed).toBe(18);
    expect(more.ran).toBe(6);
  });
});

describe('an interrupted sweep', () => {
  /** Start the CLI sweep in a child process. */
  function child(dir: string) {
    const args = [CLI, 'sweep', scenario, '--grid', 'engine.config.scale_up_threshold_percent=60..95:5', '--grid', 'engine.config.scale_up_trigger_ticks=1,2,3,5', '--seeds', '3', '--set', 'duration=1d', '--workers', '1', '--out', path.join(tmp, dir), '--quiet'];
    return spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** Resolve once runs.jsonl has at least `lines` lines. */
  async function waitForLines(file: string, lines: number): Promise<void> {
    for (let i = 0; i < 3000; i++) {
      if (fs.existsSync(file) && fs.readFileSync(file, 'utf8').split('\n').length > lines) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`${file} never reached ${lines} lines`);
  }

  const exited = (p: ReturnType<typeof spawn>) => new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => p.on('exit', (code, signal) => resolve({ code, signal })));

  it('killed mid-way, resumes with nothing lost and nothing twice', async () => {
    const file = path.join(tmp, 'killed', RUNS_FILE);
    const p = child('killed');
    const done = exited(p);
    await waitForLines(file, 12);
    p.kill('SIGKILL');
    expect((await done).signal).toBe('SIGKILL');
    const before = readJournal(file).runs.length;
    expect(before).toBeGreaterThanOrEqual(11);
    expect(before).toBeLessThan(96);
    fs.appendFileSync(file, '{"kind":"run","point":"[[\\"engine.config'); // a line cut short by the kill

    const resumed = await runSweep({
      scenarioFile: scenario,
      sets: ['duration=1d'],
      flags: { grid: ['engine.config.scale_up_threshold_percent=60..95:5', 'engine.config.scale_up_trigger_ticks=1,2,3,5'], seeds: '3' },
      outDir: path.join(tmp, 'killed'),
      workers: 2,
    });
    expect(resumed.resumed).toBe(before);
    expect(resumed.ran).toBe(96 - before);
    const runs = readJournal(file).runs;
    expect(runs).toHaveLength(96);
    expect(new Set(runs.map((r) => runKey(r.point, r.seed))).size).toBe(96);
    expect(fs.readFileSync(file, 'utf8').endsWith('\n')).toBe(true);

    const fresh = await runSweep({
      scenarioFile: scenario,
      sets: ['duration=1d'],
      flags: { grid: ['engine.config.scale_up_threshold_percent=60..95:5', 'engine.config.scale_up_trigger_ticks=1,2,3,5'], seeds: '3' },
      outDir: path.join(tmp, 'fresh'),
      workers: 2,
    });
    expect(fresh.ran).toBe(96);
    expect(read('killed', 'sweep.csv')).toBe(read('fresh', 'sweep.csv'));
  });

  it('Ctrl-C stops it with exit status 130 and a valid runs.jsonl', async () => {
    const file = path.join(tmp, 'sigint', RUNS_FILE);
    const p = child('sigint');
    let stderr = '';
    p.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const done = exited(p);
    await waitForLines(file, 6);
    p.kill('SIGINT');
    const { code } = await done;
    expect(code).toBe(130);
    expect(stderr).toMatch(/interrupted: \d+ of 96 runs are saved in .*runs\.jsonl; run the same command again to resume/);
    const text = fs.readFileSync(file, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    for (const line of text.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
    expect(fs.existsSync(path.join(tmp, 'sigint', 'index.html'))).toBe(false);
  });
});

describe('shards', () => {
  it('merged, give the same report as the whole sweep', async () => {
    const whole = await sweep('whole', { workers: 2 });
    const s1 = await sweep('shard1', { shard: { index: 1, count: 2 }, workers: 1 });
    const s2 = await sweep('shard2', { shard: { index: 2, count: 2 }, workers: 1 });
    expect(s1.planned + s2.planned).toBe(whole.planned);
    expect(s1.files).toEqual([]); // a shard writes only runs.jsonl
    const merged = await mergeSweeps([path.join(tmp, 'shard2'), path.join(tmp, 'shard1')], path.join(tmp, 'merged'));
    expect(merged.missingShards).toEqual([]);
    expect(merged.runs).toBe(18);
    expect(read('merged', 'sweep.csv')).toBe(read('whole', 'sweep.csv'));
    // merging one shard alone says what is missing
    const half = await mergeSweeps([path.join(tmp, 'shard1')], path.join(tmp, 'half'));
    expect(half.missingShards).toEqual(['2/2']);
    expect(read('half', 'summary.md')).toMatch(/none: the sweep is incomplete/);
  });

  it('of different sweeps are not merged', async () => {
    await runSweep({ scenarioFile: scenario, flags: { grid: ['engine.config.cooldown_period=60s,120s'], seeds: '1' }, outDir: path.join(tmp, 'other'), workers: 0 });
    await expect(mergeSweeps([path.join(tmp, 'shard1'), path.join(tmp, 'other')], path.join(tmp, 'm2'))).rejects.toThrow(/not the same sweep/);
  });

  it('sweep merge on the command line', async () => {
    const r = await cli('sweep', 'merge', path.join(tmp, 'shard1'), path.join(tmp, 'shard2'), '--out', path.join(tmp, 'merged-cli'), '--objective', 'slo_violation_seconds');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/merged 2 directories: 18 runs of 6 points/);
    expect(read('merged-cli', 'summary.md')).toContain('Objective: **slo_violation_seconds:min**');
  });
});

describe('combinations and the sweep section', () => {
  it('records a combination refused only together as an invalid point and ranks the rest', async () => {
    const o = await runSweep({
      scenarioFile: scenario,
      flags: { grid: ['engine.config.scale_up_threshold_percent=50,80', 'engine.config.scale_down_threshold_percent=30,60'], seeds: '1' },
      outDir: path.join(tmp, 'combo'),
      workers: 0,
    });
    const invalid = o.judgement!.points.filter((p) => p.invalid !== null);
    expect(invalid.map((p) => p.values)).toEqual([['50', '60']]);
    expect(invalid[0]!.invalid).toMatch(/down threshold 60 is above the up threshold 50/);
    expect(o.judgement!.points.filter((p) => p.rank !== null)).toHaveLength(3);
    expect(read('combo', 'summary.md')).toMatch(/1 point\(s\) were refused/);
  });

  it('reads the sweep section of a scenario, flags overriding it', async () => {
    const file = path.join(tmp, 'with-section.yaml');
    fs.writeFileSync(
      file,
      `${SCENARIO}sweep:\n  grid:\n    engine.config.cooldown_period: [60s, 300s]\n    engine.config.scale_up_trigger_ticks: 1..3:1\n  seeds: 2\n  objective: slo_violation_seconds:min\n  constraints: ["flip_flop_rate<=100"]\n`,
    );
    const o = await runSweep({ scenarioFile: file, outDir: path.join(tmp, 'section'), workers: 0 });
    expect(o.planned).toBe(2 * 3 * 2);
    expect(o.header.choice.objective.metric).toBe('slo_violation_seconds');
    const r = await cli('sweep', file, '--seeds', '1', '--out', path.join(tmp, 'section-cli'), '--workers', '0');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/6 runs \(6 run now, 0 already done\)/);
  });

  it('sweeps an Incus cluster scenario with its own metrics and defaults', async () => {
    const o = await runSweep({
      scenarioFile: 'scenarios/incus-default.yaml',
      sets: ['duration=2h'],
      flags: { grid: ['engine.config.cluster.rebalance.threshold=10,40'], seeds: '1' },
      outDir: path.join(tmp, 'incus'),
      workers: 0,
    });
    expect(o.header.scenario.engine).toBe('incus');
    expect(o.header.choice.pareto.map((g) => g.metric)).toEqual(['migrations', 'slo_violation_seconds']);
    expect(o.header.scenario.values).toEqual(['20']); // written flat as cluster.rebalance.threshold
    expect(o.agg!.metrics).toContain('host_overload_seconds');
    const r = await cli('sweep', 'scenarios/incus-default.yaml', '--grid', 'engine.config.cluster.rebalance.threshold=10,40', '--objective', 'instance_seconds', '--out', path.join(tmp, 'incus-bad'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--objective: unknown metric "instance_seconds" for engine incus; expected one of: migrations, /);
  });

  it('points at the file, line and key of a bad sweep section', async () => {
    const file = path.join(tmp, 'bad-section.yaml');
    fs.writeFileSync(file, `${SCENARIO}sweep:\n  grid:\n    engine.config.cooldown: [60s]\n`);
    const r = await cli('sweep', file, '--out', path.join(tmp, 'bad-section'));
    expect(r.code).toBe(2);
    expect(r.err).toBe(`scalelab: error: ${file}:17: engine.config.cooldown: unknown key; expected one of: poll_interval, scale_up_threshold_percent, scale_up_trigger_ticks, scale_down_threshold_percent, scale_down_trigger_ticks, cooldown_period, death_timeout\n`);
    fs.writeFileSync(file, `${SCENARIO}sweep:\n  seeds: 0\n`);
    const r2 = await cli('sweep', file, '--out', path.join(tmp, 'bad-section'));
    expect(r2.err).toBe(`scalelab: error: ${file}:16: sweep.seeds: must be an integer >= 1, got 0\n`);
    // a run of the same scenario ignores the section
    const run = await cli('run', file, '--out', path.join(tmp, 'run-with-section'), '--quiet');
    expect(run.code).toBe(0);
  });
});

describe('progress line', () => {
  it('shows done/total, the resumed runs, the rate of the runs done now and the time left', () => {
    // 20 runs done in 10 s (the 10 resumed ones do not count towards the rate): 2 runs/s, and
    // 70 runs left at that rate take 35 s
    expect(progressText({ done: 30, total: 100, resumed: 10, startedAt: 0 }, 10_000)).toBe('sweep 30/100 runs (10 resumed)  2.0 runs/s  eta 35s');
  });
  it('has no time left to promise before the first run ends', () => {
    expect(progressText({ done: 0, total: 600, resumed: 0, startedAt: 5_000 }, 5_000)).toBe('sweep 0/600 runs  0.0 runs/s  eta …');
  });
});
