/**
 * `scalelab compare`: differences and confidence intervals worked by hand on small hand-made
 * runs, verdict directions, the streamed time-series buckets, the quirk pair end to end
 * (shortened to 2 h), determinism, and bad input.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';
import { compareMetrics, pairedDiffs, verdictOf, verdictTable, type CompareRun } from '../src/compare/metrics.js';
import { compareBucketWidth, readTimeseries, SeriesBuckets } from '../src/compare/series.js';
import { runLabels } from '../src/compare/compare.js';
import { diffText, valueText } from '../src/compare/render.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-compare-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A run with the given seeds and per-seed metric values. */
function run(label: string, seeds: number[], values: Record<string, (number | null)[]>, engine = 'albatross'): CompareRun {
  return {
    label,
    source: label,
    kind: 'scenario',
    scenario: label,
    engine,
    variant: 'faithful',
    duration_s: 3600,
    scalelab: '0.1.0',
    seeds,
    values: new Map(Object.entries(values)),
    units: new Map(Object.keys(values).map((k) => [k, 'count'])),
  };
}

/** Writes a run directory by hand: summary.json and (optionally) timeseries.csv. */
function runDir(name: string, summary: unknown, timeseries?: string): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify(summary));
  if (timeseries !== undefined) fs.writeFileSync(path.join(dir, 'timeseries.csv'), timeseries);
  fs.writeFileSync(path.join(dir, 'events.jsonl'), '');
  return dir;
}

describe('differences and confidence intervals, worked by hand', () => {
  it('one seed each: the difference of the values, no interval, percent of the reference', () => {
    // instance_seconds (lower is better): 80 − 100 = −20, −20 / 100 = −20 % → better
    // flip_flops (lower is better): 6 − 4 = +2, +50 % → worse
    // scale_ups (no direction): 5 − 3 = +2 → no direction
    const rows = compareMetrics(
      [run('a', [7], { instance_seconds: [100], flip_flops: [4], scale_ups: [3] }), run('b', [7], { instance_seconds: [80], flip_flops: [6], scale_ups: [5] })],
      ['instance_seconds', 'flip_flops', 'scale_ups'],
    );
    const b = rows.map((r) => r.cells[1]!);
    expect(b.map((c) => [c.diff, c.diffCi95, c.diffPercent, c.verdict])).toEqual([
      [-20, null, -20, 'better'],
      [2, null, 50, 'worse'],
      [2, null, (2 / 3) * 100, 'no direction'],
    ]);
    expect(diffText(b[0]!)).toBe('−20 (−20.0 %)');
    expect(valueText(rows[0]!.cells[0]!)).toBe('100');
  });

  it('three seeds: means ± t(0.975, 2)·sd/√3, and the paired difference with its own interval', () => {
    // a = 10, 12, 14: mean 12, sd = √((4 + 0 + 4) / 2) = 2, ci = 4.30265273 · 2 / √3 = 4.968275…
    // b = 9, 10, 14 on the same seeds: differences −1, −2, 0 → mean −1, sd 1,
    //   ci = 4.30265273 / √3 = 2.484137… ≥ |−1| → within noise
    // c = 7, 9, 11: differences −3, −3, −3 → mean −3, sd 0, ci 0 → better (lower is better)
    const a = run('a', [1, 2, 3], { instance_seconds: [10, 12, 14] });
    const rows = compareMetrics([a, run('b', [1, 2, 3], { instance_seconds: [9, 10, 14] }), run('c', [1, 2, 3], { instance_seconds: [7, 9, 11] })], ['instance_seconds']);
    const [ra, rb, rc] = rows[0]!.cells;
    expect(ra!.stats.mean).toBe(12);
    expect(ra!.stats.sd).toBe(2);
    expect(ra!.stats.ci95).toBeCloseTo((4.30265273 * 2) / Math.sqrt(3), 6);
    expect(rb!.diff).toBe(-1);
    expect(rb!.diffCi95).toBeCloseTo(4.30265273 / Math.sqrt(3), 6);
    expect(rb!.verdict).toBe('within noise');
    expect(rc!.diff).toBe(-3);
    expect(rc!.diffCi95).toBe(0);
    expect(rc!.verdict).toBe('better');
    // the pairing is by seed, not by position; a null value drops its pair
    expect(pairedDiffs([1, 2, 3], [10, 20, 30], [33, 11, null], [30, 10, 20])).toEqual([30, 10]);
  });

  it('different seed lists: the difference of the means, not paired, no interval', () => {
    // means 12 and 10 → −2; seeds differ, so no interval → better
    const rows = compareMetrics([run('a', [1, 2, 3], { flip_flops: [10, 12, 14] }), run('b', [4, 5, 6], { flip_flops: [9, 10, 11] })], ['flip_flops']);
    expect(rows[0]!.cells[1]).toMatchObject({ diff: -2, diffCi95: null, verdict: 'better' });
  });

  it('a metric one run lacks, or its engine cannot produce, is — and has no difference', () => {
    const rows = compareMetrics([run('a', [7], { migrations: [0], only_a: [1] }), run('b', [7], { migrations: [3] }, 'incus')], ['migrations', 'only_a']);
    // Albatross never migrates (report/metric-tables.ts): its 0 is not shown
    expect(rows[0]!.cells.map(valueText)).toEqual(['—', '3']);
    expect(rows[1]!.cells.map(valueText)).toEqual(['1', '—']);
    expect(rows[1]!.cells[1]!.diff).toBeNull();
  });
});

describe('verdicts', () => {
  it('follow the better direction, and say "same" or "within noise" when no side is ahead', () => {
    expect(verdictOf(-3, null, 'lower')).toBe('better');
    expect(verdictOf(-3, null, 'higher')).toBe('worse');
    expect(verdictOf(3, null, 'higher')).toBe('better');
    expect(verdictOf(3, 3, 'lower')).toBe('within noise');
    expect(verdictOf(3, 2.9, 'lower')).toBe('worse');
    expect(verdictOf(0, null, 'lower')).toBe('same');
    expect(verdictOf(2, null, null)).toBe('no direction');
  });

  it('the table names the best run when it is clearly ahead of every other one', () => {
    const runs = [
      run('a', [7], { slo_violation_percent: [10], instance_seconds: [50], scale_ups: [1], boot_failures: [0] }),
      run('b', [7], { slo_violation_percent: [4], instance_seconds: [70], scale_ups: [2], boot_failures: [0] }),
      run('c', [7], { slo_violation_percent: [5], instance_seconds: [60], scale_ups: [3], boot_failures: [0] }),
    ];
    const rows = compareMetrics(runs, ['slo_violation_percent', 'instance_seconds', 'scale_ups', 'boot_failures']);
    const lines = verdictTable(runs, rows, ['slo_violation_percent', 'instance_seconds', 'scale_ups', 'boot_failures']);
    // scale_ups has no direction: not in the table
    expect(lines.map((l) => [l.metric, l.best])).toEqual([
      ['slo_violation_percent', 'b'],
      ['instance_seconds', 'a'],
      ['boot_failures', null],
    ]);
    // b is lower than the runner-up c by 5 − 4 = 1, 1 / 5 = 20.0 %
    expect(lines[0]!.text).toBe('b: lower by 1 (20.0 %) than c');
    expect(lines[2]!.text).toBe('no clear winner: a, b, c equal');
  });

  it('with seeds, a best mean inside the paired interval of the runner-up is no winner', () => {
    const runs = [run('a', [1, 2, 3], { flip_flops: [10, 12, 14] }), run('b', [1, 2, 3], { flip_flops: [9, 10, 14] })];
    const lines = verdictTable(runs, compareMetrics(runs, ['flip_flops']), ['flip_flops']);
    expect(lines[0]).toMatchObject({ best: null, text: 'no clear winner: b, a within noise of each other' });
  });
});

describe('time series buckets', () => {
  it('sum the groups at each instant, then mean, min and max per bucket', () => {
    const b = new SeriesBuckets(60, 2);
    for (const line of [
      'time_s,group,series,value',
      '0,g1,demand_cores,1',
      '0,g2,demand_cores,2', // t=0: 3
      '0,g1,capacity_cores,2',
      '0,g1,cpu_pct,50', // not a role series: ignored
      '30,g1,demand_cores,4',
      '30,g2,demand_cores,1', // t=30: 5
      '60,g1,demand_cores,0.5', // t=60: 0.5 (second bucket)
      '200,g1,demand_cores,7', // past the end: the last bucket
    ]) {
      b.line(line);
    }
    const r = b.result();
    // bucket 0: totals 3 and 5 → mean 4, min 3, max 5; bucket 1: 0.5 and 7 → mean 3.75
    expect(r.demand).toEqual({
      series: 'demand_cores',
      buckets: [
        { t0: 0, t1: 60, mean: 4, min: 3, max: 5 },
        { t0: 60, t1: 120, mean: 3.75, min: 0.5, max: 7 },
      ],
    });
    expect(r.capacity?.buckets).toEqual([{ t0: 0, t1: 60, mean: 2, min: 2, max: 2 }]);
    expect(r.instances).toBeUndefined();
  });

  it('a month of rows read from a file: at most 240 buckets, the sums exact', async () => {
    // 30 d every 60 s = 43 200 instants, two groups of demand 1 and 2 → total 3 everywhere;
    // 2 592 000 s / 240 = 10 800 s, itself a nice width (3 h): 240 buckets
    const file = path.join(tmp, 'month.csv');
    const fd = fs.openSync(file, 'w');
    fs.writeSync(fd, 'time_s,group,series,value\n');
    for (let t = 0; t < 30 * 86_400; t += 60) fs.writeSync(fd, `${t},a,demand_cores,1\n${t},b,demand_cores,2\n`);
    fs.closeSync(fd);
    const width = compareBucketWidth(30 * 86_400, 240);
    expect(width).toBe(10_800);
    const b = new SeriesBuckets(width, Math.ceil((30 * 86_400) / width));
    await readTimeseries(file, b);
    const buckets = b.result().demand!.buckets;
    expect(buckets).toHaveLength(240);
    expect(buckets.every((k) => k.mean === 3 && k.min === 3 && k.max === 3)).toBe(true);
  });

  it('nice widths keep at most the requested number of buckets', () => {
    expect(compareBucketWidth(86_400, 240)).toBe(600); // 86 400 / 240 = 360 → 600 s
    expect(compareBucketWidth(7_200, 240)).toBe(30); // 7 200 / 240 = 30
    expect(compareBucketWidth(160 * 86_400, 240)).toBe(86_400); // 57 600 s → one day
  });

  it('labels drop the words every name shares', () => {
    expect(runLabels(['albatross-quirk-faithful', 'albatross-quirk-corrected'])).toEqual(['faithful', 'corrected']);
    expect(runLabels(['a', 'a'])).toEqual(['a', 'a-2']);
    expect(runLabels(['x-y', 'x-y-z'])).toEqual(['y', 'y-z']);
  });
});

describe('run directories', () => {
  const a = runDir(
    'dir-a',
    {
      scalelab: '0.1.0',
      scenario: { name: 'alpha', seed: 1, duration_s: 120, engine: { name: 'albatross', variant: 'faithful' } },
      metrics: { instance_seconds: { value: 100, unit: 'instance·s' }, flip_flops: { value: 4, unit: 'count' } },
    },
    'time_s,group,series,value\n0,w,demand_cores,1\n0,w,capacity_cores,2\n0,w,instances,2\n60,w,demand_cores,3\n60,w,capacity_cores,4\n60,w,instances,4\n',
  );
  const b = runDir('dir-b', {
    scalelab: '0.2.0',
    scenario: { name: 'beta', seed: 2, duration_s: 3600, engine: { name: 'neon', variant: 'default' } },
    metrics: { instance_seconds: { value: 80, unit: 'instance·s' }, cu_seconds: { value: 5, unit: 'CU·s' } },
  });

  it('any summary.json shape: metrics one run lacks are —; engines, lengths and seeds that differ are said', async () => {
    const out = path.join(tmp, 'out-dirs');
    const r = await runCli('compare', a, b, '--out', out, '-q');
    expect(r).toMatchObject({ code: 0, err: '' });
    const md = fs.readFileSync(path.join(out, 'compare.md'), 'utf8');
    expect(md).toContain('| instance_seconds | instance·s | lower | 100 | 80 | −20 (−20.0 %) ✓ |');
    expect(md).toContain('| flip_flops | count | lower | 4 | — | — |');
    expect(md).toContain('| cu_seconds | CU·s | — | — | 5 | — |');
    expect(md).toContain('Different engines: albatross (alpha), neon (beta)');
    expect(md).toContain('Different scenario lengths: 2 min (alpha), 1 h (beta)');
    expect(md).toContain('Different seeds');
    expect(md).toContain('No demand series in the time series of beta');
    const csv = fs.readFileSync(path.join(out, 'compare.csv'), 'utf8').split('\n');
    expect(csv[0]).toBe('metric,unit,better,run,engine,variant,n,mean,sd,ci95,diff,diff_ci95,diff_percent,verdict');
    expect(csv).toContain('instance_seconds,instance·s,lower,beta,neon,default,1,80,,,-20,,-20,better');
    const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/https?:\/\/(?!vega\.github\.io\/schema|www\.w3\.org)/);
  });

  it('default output directory: reports/compare/<name>-vs-<name>', async () => {
    const cwd = process.cwd();
    const here = path.join(tmp, 'cwd');
    fs.mkdirSync(here);
    process.chdir(here);
    try {
      expect((await runCli('compare', a, b, '-q')).code).toBe(0);
      expect(fs.readdirSync(path.join(here, 'reports', 'compare', 'alpha-vs-beta')).sort()).toEqual(['compare.csv', 'compare.md', 'report.html']);
    } finally {
      process.chdir(cwd);
    }
  });
});

describe('the quirk pair end to end (shortened to 2 h)', () => {
  // the primary dies at 20 h and the evening step comes at 19 h: moved into the 2 h run
  const sets = ['--set', 'duration=2h', '--set', 'faults[0].at=90m', '--set', 'workloads[1].load.steps[0].at=1h'];
  const pair = ['scenarios/albatross-quirk-faithful.yaml', 'scenarios/albatross-quirk-corrected.yaml'];

  it('scenarios compare like their run directories, byte for byte, and say which is better', async () => {
    const one = path.join(tmp, 'quirk-1');
    const two = path.join(tmp, 'quirk-2');
    expect((await runCli('compare', ...pair, ...sets, '--out', one, '-q')).code).toBe(0);
    expect((await runCli('compare', ...pair, ...sets, '--out', two, '-q')).code).toBe(0);
    for (const f of ['compare.md', 'compare.csv', 'report.html']) expect(fs.readFileSync(path.join(two, f))).toEqual(fs.readFileSync(path.join(one, f)));
    // the same runs written by `scalelab run`, then compared as directories: the same numbers
    const dirs = [path.join(tmp, 'run-f'), path.join(tmp, 'run-c')];
    for (let i = 0; i < 2; i++) expect((await runCli('run', pair[i]!, ...sets, '--out', dirs[i]!, '-q')).code).toBe(0);
    const fromDirs = path.join(tmp, 'quirk-dirs');
    expect((await runCli('compare', ...dirs, '--out', fromDirs, '-q')).code).toBe(0);
    expect(fs.readFileSync(path.join(fromDirs, 'compare.csv'), 'utf8')).toBe(fs.readFileSync(path.join(one, 'compare.csv'), 'utf8'));
    // the corrected sync pass destroys the dead primary's clones: no orphans, where faithful has some
    const csv = fs.readFileSync(path.join(one, 'compare.csv'), 'utf8');
    expect(csv).toMatch(/^orphaned_instances,count,lower,corrected,albatross,corrected,1,0,,,-\d+,,-100,better$/m);
    const summary = JSON.parse(fs.readFileSync(path.join(dirs[0]!, 'summary.json'), 'utf8')) as { metrics: Record<string, { value: number }> };
    expect(summary.metrics['orphaned_instances']!.value).toBeGreaterThan(0);
  });

  it('two seeds: paired intervals in the table', async () => {
    const out = path.join(tmp, 'quirk-seeds');
    expect((await runCli('compare', ...pair, ...sets, '--seeds', '7,8', '--out', out, '-q')).code).toBe(0);
    const md = fs.readFileSync(path.join(out, 'compare.md'), 'utf8');
    expect(md).toContain('| faithful | scenario scenarios/albatross-quirk-faithful.yaml | albatross/faithful | 7, 8 | 2 h |');
    expect(md).toMatch(/\| instance_seconds \| instance·s \| lower \| [\d.]+ ± [\d.]+ \| [\d.]+ ± [\d.]+ \| [+−][\d.]+ ± [\d.]+ \(/);
  });
});

describe('bad input: one line naming it, exit 2, nothing written', () => {
  const good = runDir('good', { scenario: { name: 'g', seed: 1, duration_s: 60, engine: { name: 'albatross', variant: 'faithful' } }, metrics: { flip_flops: { value: 1, unit: 'count' } } });
  const empty = path.join(tmp, 'empty');
  fs.mkdirSync(empty, { recursive: true });
  const cases: [string, string[], RegExp][] = [
    ['a missing directory', [good, path.join(tmp, 'nope')], /nope: no such file or directory/],
    ['a directory without summary.json', [good, empty], /empty: not a run directory \(no summary\.json\)/],
    ['one input', [good], /at least two inputs/],
    ['an unknown metric', [good, good, '--metrics', 'flip_flops,no_such_metric'], /--metrics: unknown metric "no_such_metric"/],
    ['--set with run directories only', [good, good, '--set', 'duration=2h'], /--set: applies to scenario inputs only/],
    ['a bad --seeds', ['scenarios/albatross-quirk-faithful.yaml', good, '--seeds', '0'], /--seeds: expected 1 to 1000 seeds/],
    ['an unknown metric, scenario inputs (found after running them)', ['scenarios/albatross-quirk-faithful.yaml', good, '--set', 'duration=1h', '--set', 'faults=[]', '--set', 'workloads[1].load.steps=[]', '--metrics', 'nope'], /--metrics: unknown metric "nope"/],
    ['a scenario error', ['scenarios/albatross-quirk-faithful.yaml', good, '--set', 'duration=2h'], /albatross-quirk-faithful.yaml:\d+: faults\[0\].at: must be within the run/],
  ];
  for (const [what, args, message] of cases) {
    it(what, async () => {
      const out = path.join(tmp, `bad-${what.replace(/\W+/g, '-')}`);
      const r = await runCli('compare', ...args, '--out', out);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(fs.existsSync(out)).toBe(false);
    });
  }
});

describe('compare --help', () => {
  it('lists every flag and shows examples', async () => {
    const r = await runCli('compare', '--help');
    expect(r.code).toBe(0);
    for (const flag of ['--out', '--seeds', '--seed', '--set', '--metrics', '--quiet']) expect(r.out).toContain(flag);
    expect(r.out).toContain('Examples:');
    expect(r.out).toContain('scalelab compare scenarios/albatross-quirk-faithful.yaml scenarios/albatross-quirk-corrected.yaml');
  });
});

describe('two run directories of one scenario (two thresholds)', () => {
  it('are named after their directories', async () => {
    const summary = (v: number) => ({ scenario: { name: 'albatross-default', seed: 42, duration_s: 60, engine: { name: 'albatross', variant: 'faithful' } }, metrics: { flip_flops: { value: v, unit: 'count' } } });
    const up90 = runDir('up90', summary(3));
    const up80 = runDir('up80', summary(1));
    const cwd = process.cwd();
    const here = path.join(tmp, 'cwd-thresholds');
    fs.mkdirSync(here);
    process.chdir(here);
    try {
      const r = await runCli('compare', up90, up80);
      expect(r.code).toBe(0);
      expect(r.out).toContain('up90 vs up80');
      expect(r.out).toContain('flip_flops: up80: lower by 2 (66.7 %) than up90');
      expect(fs.existsSync(path.join(here, 'reports', 'compare', 'up90-vs-up80', 'compare.md'))).toBe(true);
    } finally {
      process.chdir(cwd);
    }
  });
});
