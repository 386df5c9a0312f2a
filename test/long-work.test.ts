/**
 * Long work and CI (issue 16, item 6): progress lines on a non-terminal, trace-coverage and
 * output-size warnings, `sweep --require-feasible`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';
import { progressWriter } from '../src/cli/progress.js';
import { runProgressText } from '../src/cli/run.js';
import { coverageWarnings, lastRowTime } from '../src/load/coverage.js';
import { TraceReader } from '../src/load/trace-reader.js';
import { formatBytes, OutputSizeWatch, sizeWarning } from '../src/run/output-size.js';

const S = 1_000_000;
const H = 3600 * S;

let tmp = '';
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-long-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('progress', () => {
  it('on a non-terminal: a line at most every 10 s of wall time, nothing in between', () => {
    let clock = 1_000;
    const lines: string[] = [];
    const p = progressWriter({ isTTY: false, write: (t) => lines.push(t) }, 10_000, () => clock);
    let asked = 0;
    const text = () => `at ${clock} (${++asked})`;
    p.update(text); // 0 s after the start: nothing
    clock += 9_999;
    p.update(text); // 9.999 s: nothing
    clock += 1;
    p.update(text); // 10 s: a line
    clock += 5_000;
    p.update(text); // 15 s: nothing (5 s after the last line)
    clock += 5_000;
    p.update(text); // 20 s: a line
    p.done();
    expect(lines).toEqual(['at 11000 (1)\n', 'at 21000 (2)\n']);
    expect(asked).toBe(2); // the text is built only for lines written
  });

  it('on a terminal: the line is redrawn in place at every update and cleared at the end', () => {
    const out: string[] = [];
    const p = progressWriter({ isTTY: true, write: (t) => out.push(t) }, 10_000, () => 0);
    p.update(() => 'a');
    p.update(() => 'b');
    p.done();
    expect(out).toEqual(['\r\x1b[K  a', '\r\x1b[K  b', '\r\x1b[K']);
  });

  it('the run line: bar, share, simulated time, eta at the pace so far', () => {
    // half of a day in 2 s of wall time: 2 s more to go; 15 of 30 marks
    expect(runProgressText(0.5, 24 * H, 2)).toBe(`[${'#'.repeat(15)}${'.'.repeat(15)}]  50%  simulated 12h of 1d  eta 2.0s`);
    expect(runProgressText(0, 24 * H, 0)).toMatch(/ 0%  simulated 0s of 1d  eta …$/);
  });
});

describe('a trace that does not cover the run', () => {
  const loop = { shift: 0, speedup: 1, loop: true };
  const once = { shift: 0, speedup: 1, loop: false };

  it('is silent when the trace starts at 0 and loops, or ends after the run', () => {
    expect(coverageWarnings('t.csv', { first: 0, last: 6 * H, interval: null }, loop, 24 * H)).toEqual([]);
    expect(coverageWarnings('t.csv', { first: 0, last: 24 * H, interval: null }, once, 24 * H)).toEqual([]);
    // the last row at 23h59m50s with a 10 s interval covers until 24h exactly
    expect(coverageWarnings('t.csv', { first: 0, last: 24 * H - 10 * S, interval: 10 * S }, once, 24 * H)).toEqual([]);
    // a positive shift asks for zero demand until then: not a surprise
    expect(coverageWarnings('t.csv', { first: 0, last: null, interval: null }, { ...loop, shift: 300 * S }, 24 * H)).toEqual([]);
  });

  it('warns when epoch timestamps put the whole trace after the run', () => {
    const w = coverageWarnings('t.csv', { first: 1_700_000_000 * S, last: 1_700_003_600 * S, interval: null }, once, 6 * H);
    expect(w).toEqual(["t.csv: the trace starts at 1700000000 s of trace time, after the run's 6h end: the run replays zero demand throughout (Unix epoch timestamps? rebase the times to start at 0)"]);
  });

  it('warns when the trace starts late (in simulated time, through shift and speed-up)', () => {
    expect(coverageWarnings('t.csv', { first: H, last: null, interval: null }, loop, 24 * H)).toEqual(['t.csv: the trace starts at 3600 s of trace time: demand is 0 until 1h into the run']);
    // trace time 3600 s at speed-up 2 is 1800 s of simulation, plus the 5 min shift: 35 min
    expect(coverageWarnings('t.csv', { first: H, last: null, interval: null }, { shift: 300 * S, speedup: 2, loop: true }, 24 * H)).toEqual(['t.csv: the trace starts at 3600 s of trace time: demand is 0 until 35m into the run']);
    // starting partway in (negative shift) past the first row: covered
    expect(coverageWarnings('t.csv', { first: H, last: null, interval: null }, { shift: -2 * H, speedup: 1, loop: true }, 24 * H)).toEqual([]);
  });

  it('warns when the trace ends before the run without loop', () => {
    // last row at 2h, 10 s interval: covered until 2h 10s; 21h 59m 50s remain
    expect(coverageWarnings('t.csv', { first: 0, last: 2 * H, interval: 10 * S }, once, 24 * H)).toEqual([
      't.csv: the trace ends at 7200 s of trace time, 2h 10s into the run: its last values are held for the remaining 21h 59m 50s (loop: true repeats it)',
    ]);
  });

  it('reads the last row time from the end of the file', () => {
    const file = path.join(tmp, 'short.csv');
    fs.writeFileSync(file, '# interval: 10s\ntime_s,series,cpu_cores\n0,a,1\n10,a,2\n20.5,b,3\n\n');
    const reader = new TraceReader(file);
    expect(lastRowTime(file, reader.columns)).toBe(20_500_000);
    reader.close();
    // longer than the 64 KiB window: the cut first line is skipped, the last row still found
    const big = path.join(tmp, 'big.csv');
    const rows = Array.from({ length: 20_000 }, (_, i) => `${i * 10},series-${i % 7},0.5`);
    fs.writeFileSync(big, `time_s,series,cpu_cores\n${rows.join('\n')}\n`);
    const r2 = new TraceReader(big);
    expect(lastRowTime(big, r2.columns)).toBe(199_990 * S);
    r2.close();
  });

  it('scalelab run prints each warning as one stderr line and writes the same outputs', async () => {
    fs.writeFileSync(path.join(tmp, 'epoch.csv'), 'time_s,series,cpu_cores\n1700000000,web,0.5\n1700000060,web,0.7\n');
    fs.writeFileSync(path.join(tmp, 'zero.csv'), 'time_s,series,cpu_cores\n0,web,0\n');
    const scenario = (file: string) => `name: cov\nduration: 2h\nengine: { name: albatross, variant: corrected }\nworld:\n  hosts: [ { name: host, threads: 8, memory: 16GiB } ]\nworkloads:\n  - name: web\n    load: { trace: { file: ${file}, series: web, loop: true } }\n`;
    fs.writeFileSync(path.join(tmp, 'epoch.yaml'), scenario('epoch.csv'));
    fs.writeFileSync(path.join(tmp, 'zero.yaml'), scenario('zero.csv'));
    const a = await runCli('run', path.join(tmp, 'epoch.yaml'), '--out', path.join(tmp, 'epoch-out'), '--quiet');
    expect(a.code).toBe(0);
    expect(a.err).toBe(`scalelab: warning: ${path.join(tmp, 'epoch.csv')}: the trace starts at 1700000000 s of trace time, after the run's 2h end: the run replays zero demand throughout (Unix epoch timestamps? rebase the times to start at 0)\n`);
    // zero demand throughout either way: the same outputs, warning or not
    const b = await runCli('run', path.join(tmp, 'zero.yaml'), '--out', path.join(tmp, 'zero-out'), '--quiet');
    expect(b.err).toBe('');
    for (const f of ['timeseries.csv', 'events.jsonl']) expect(fs.readFileSync(path.join(tmp, 'epoch-out', f), 'utf8')).toBe(fs.readFileSync(path.join(tmp, 'zero-out', f), 'utf8'));
    // a sweep says it once, not once per run
    const s = await runCli('sweep', path.join(tmp, 'epoch.yaml'), '--grid', 'engine.config.cooldown_period=60s,120s', '--seeds', '2', '--workers', '0', '--quiet', '--out', path.join(tmp, 'epoch-sweep'));
    expect(s.code).toBe(0);
    expect(s.err).toBe(a.err);
  });
});

describe('output size', () => {
  it('projects the final size linearly from 2 % of the run on, from the growth since the first check', () => {
    expect(formatBytes(900)).toBe('900 B');
    expect(formatBytes(1536 * 1024 ** 2)).toBe('1.5 GiB');
    const GiB = 1024 ** 3;
    const MiB = 1024 ** 2;
    // 50 MiB after 2.5 %: 50 + (50 / 0.025) × 0.975 = 2000 MiB = 1.953 GiB > 1 GiB
    expect(sizeWarning('o/timeseries.csv', 50 * MiB, 0.025, GiB)).toBe(
      'o/timeseries.csv will reach about 1.95 GiB (50 MiB after 2.5 % of the run), more than the 1 GiB output.max_bytes; raise output.timeseries_step or set output.timeseries: false, or raise the limit (--max-output)',
    );
    // 20 MiB after 2.5 %: 800 MiB, within 1 GiB
    expect(sizeWarning('o/timeseries.csv', 20 * MiB, 0.025, GiB)).toBeNull();
    // a burst at the start is not extrapolated: 10 MiB at 1 % (the base), 10.5 MiB at 11 %:
    // 10.5 + (0.5 / 0.10) × 0.89 = 14.95 MiB, within 16 MiB (from 0 it would be 95 MiB)
    expect(sizeWarning('o/events.jsonl', 10.5 * MiB, 0.11, 16 * MiB, { written: 10 * MiB, fraction: 0.01 })).toBeNull();
    // before 2 % no projection (the start may not be typical) …
    expect(sizeWarning('o/events.jsonl', 5 * MiB, 0.01, GiB)).toBeNull();
    // … unless the limit is passed already
    expect(sizeWarning('o/events.jsonl', 5 * MiB, 0.01, 4 * MiB)).toBe('o/events.jsonl will reach at least 5 MiB (5 MiB after 1 % of the run), more than the 4 MiB output.max_bytes; set output.events: false, or raise the limit (--max-output)');
    expect(sizeWarning('o/events.jsonl', 5 * MiB, 1, 4 * MiB)).toBe('o/events.jsonl is 5 MiB, more than the 4 MiB output.max_bytes');
  });

  it('warns once per file', () => {
    const warnings: string[] = [];
    const watch = new OutputSizeWatch(100, (l) => warnings.push(l));
    const lines: string[] = [];
    const sink = watch.counted('x.csv', (l) => lines.push(l));
    sink('123456789'); // 10 bytes with its newline
    sink('123456789');
    watch.check(0.01); // the base: 20 bytes at 1 %
    for (let i = 0; i < 18; i++) sink('123456789'); // 200 bytes in all
    watch.check(0.5); // 200 + (180 / 0.49) × 0.5 = 383.7 > 100
    watch.check(1);
    expect(lines).toHaveLength(20);
    expect(warnings).toEqual(['x.csv will reach about 384 B (200 B after 50 % of the run), more than the 100 B output.max_bytes; or raise the limit (--max-output)']);
  });

  it('scalelab run --max-output warns on stderr; a bad size is bad input', async () => {
    const file = path.join(tmp, 'size.yaml');
    fs.writeFileSync(file, 'name: size\nduration: 2h\nengine: { name: albatross, variant: corrected }\nworld:\n  hosts: [ { name: host, threads: 8, memory: 16GiB } ]\nworkloads:\n  - name: web\n    load: { base: 0.5 }\n');
    const r = await runCli('run', file, '--out', path.join(tmp, 'size-out'), '--max-output', '4KiB', '--quiet');
    expect(r.code).toBe(0);
    // 2 h of one-minute rows pass 4 KiB; events.jsonl (the primary's creation, then nothing) does not grow, so no warning for it
    expect(r.err).toMatch(/^scalelab: warning: .*size-out\/timeseries\.csv will reach about [\d.]+ KiB \([\d.]+ (B|KiB) after [\d.]+ % of the run\), more than the 4 KiB output\.max_bytes; raise output\.timeseries_step/);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    const silent = await runCli('run', file, '--out', path.join(tmp, 'size-out2'), '--quiet', '--set', 'output.max_bytes=1MiB');
    expect(silent.err).toBe('');
    const bad = await runCli('run', file, '--out', path.join(tmp, 'size-bad'), '--max-output', 'lots');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^scalelab: error: --max-output: cannot read size "lots"/);
    expect(fs.existsSync(path.join(tmp, 'size-bad'))).toBe(false);
    const badKey = await runCli('run', file, '--out', path.join(tmp, 'size-bad'), '--set', 'output.max_bytes=0');
    expect(badKey.code).toBe(2);
    expect(badKey.err).toMatch(/output\.max_bytes: must be larger than 0 bytes/);
  });
});

describe('sweep --require-feasible', () => {
  const scenario = `name: feas\nseed: 2\nduration: 2h\nengine: { name: albatross, variant: corrected }\nworld:\n  hosts: [ { name: host, threads: 8, memory: 16GiB } ]\nworkloads:\n  - name: web\n    max_instances: 3\n    load: { base: 1.2, ar1: { coefficient: 0.9, sigma: 0.1 } }\n`;
  it('exits 1 when no point meets the constraints, 0 when one does', async () => {
    const file = path.join(tmp, 'feas.yaml');
    fs.writeFileSync(file, scenario);
    const args = ['sweep', file, '--grid', 'engine.config.cooldown_period=60s,300s', '--seeds', '1', '--workers', '0', '--quiet', '--require-feasible'];
    const none = await runCli(...args, '--constraint', 'instance_seconds<0', '--out', path.join(tmp, 'feas-none'));
    expect(none.code).toBe(1);
    expect(none.err).toBe('scalelab: no point meets the constraints (instance_seconds<0) (--require-feasible)\n');
    expect(fs.existsSync(path.join(tmp, 'feas-none', 'sweep.csv'))).toBe(true); // the report is written all the same
    const some = await runCli(...args, '--constraint', 'instance_seconds>=0', '--out', path.join(tmp, 'feas-some'));
    expect(some.code).toBe(0);
    expect(some.err).toBe('');
    // merge checks it too
    const merged = await runCli('sweep', 'merge', path.join(tmp, 'feas-none'), '--out', path.join(tmp, 'feas-merged'), '--quiet', '--require-feasible');
    expect(merged.code).toBe(1);
    expect(merged.err).toMatch(/no point meets the constraints/);
  });
});
