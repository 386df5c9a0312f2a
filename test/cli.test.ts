/** The command line: help, engines, a run, and every bad-input case → one line, exit 2, nothing written. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli/main.js';

let out = '';
let err = '';
let tmp = '';

beforeEach(() => {
  out = '';
  err = '';
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-cli-'));
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  });
});

afterEach(() => {
  vi.restoreAllMocks();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const cli = (...args: string[]) => main(['node', 'scalelab', ...args]);

/** Write a scenario file in the temp dir; returns its path. */
function scenario(name: string, text: string): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, text);
  return file;
}

const GOOD = `name: tiny
duration: 1h
engine: { name: albatross, variant: faithful }
world:
  hosts: [ { name: host, threads: 8, memory: 16GiB } ]
workloads:
  - name: web
    max_instances: 4
    load: { base: 0.8, ar1: { coefficient: 0.9, sigma: 0.05 } }
`;

describe('scalelab --help', () => {
  it('lists the commands', async () => {
    expect(await cli('--help')).toBe(0);
    expect(out).toContain('run');
    expect(out).toContain('engines');
  });
  it('run --help shows the options and an example', async () => {
    expect(await cli('run', '--help')).toBe(0);
    expect(out).toContain('--seed');
    expect(out).toContain('--set');
    expect(out).toContain('Examples');
  });
});

describe('scalelab engines', () => {
  it('lists albatross with both variants and the upstream keys', async () => {
    expect(await cli('engines')).toBe(0);
    expect(out).toContain('albatross');
    expect(out).toContain('faithful');
    expect(out).toContain('corrected');
    expect(out).toContain('scale_up_threshold_percent');
    expect(out).toContain('cooldown_period');
  });
});

describe('scalelab run', () => {
  it('writes the five outputs', async () => {
    const dir = path.join(tmp, 'out');
    expect(await cli('run', scenario('tiny.yaml', GOOD), '--out', dir, '--quiet')).toBe(0);
    expect(fs.readdirSync(dir).sort()).toEqual(['events.jsonl', 'report.html', 'summary.json', 'summary.md', 'timeseries.csv']);
    const summary = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
    expect(summary.scenario.name).toBe('tiny');
    expect(summary.metrics.instance_seconds.unit).toBeTruthy();
  });

  it('applies --seed and --set', async () => {
    const dir = path.join(tmp, 'out');
    expect(await cli('run', scenario('tiny.yaml', GOOD), '--out', dir, '--quiet', '--seed', '9', '--set', 'engine.variant=corrected')).toBe(0);
    const summary = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
    expect(summary.scenario.seed).toBe(9);
    expect(summary.scenario.engine.variant).toBe('corrected');
  });
});

describe('bad input: one line naming where, exit 2, nothing written', () => {
  const cases: Array<[string, string, string[], RegExp]> = [
    ['malformed YAML', 'name: x\nduration: [1h\n', [], /bad\.yaml:\d+/],
    ['unknown key', GOOD.replace('duration: 1h', 'duration: 1h\ncolour: blue'), [], /colour/],
    ['wrong type', GOOD.replace('threads: 8', 'threads: eight'), [], /threads/],
    ['negative threshold', GOOD.replace('variant: faithful }', 'variant: faithful, config: { scale_up_threshold_percent: -5 } }'), [], /scale_up_threshold_percent/],
    ['down threshold above up threshold', GOOD.replace('variant: faithful }', 'variant: faithful, config: { scale_up_threshold_percent: 50, scale_down_threshold_percent: 60 } }'), [], /scale_down_threshold_percent/],
    ['zero interval', GOOD.replace('world:', 'world:\n  stats_interval: 0s'), [], /stats_interval/],
    ['unknown engine', GOOD.replace('name: albatross', 'name: kubernetes-vpa'), [], /kubernetes-vpa/],
    ['bad --set', GOOD, ['--set', 'novalue'], /--set/],
    ['bad --seed', GOOD, ['--seed', 'abc'], /--seed/],
  ];
  it.each(cases)('%s', async (_label, text, extra, pattern) => {
    const dir = path.join(tmp, 'out');
    const code = await cli('run', scenario('bad.yaml', text), '--out', dir, ...extra);
    expect(code).toBe(2);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toMatch(pattern);
    expect(err).not.toMatch(/\n\s+at /); // no stack trace
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('missing file', async () => {
    const dir = path.join(tmp, 'out');
    expect(await cli('run', path.join(tmp, 'nope.yaml'), '--out', dir)).toBe(2);
    expect(err).toMatch(/nope\.yaml/);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('a broken trace line met half-way through a run: file and line, exit 2, no output left', async () => {
    fs.writeFileSync(path.join(tmp, 't.csv'), 'time_s,series,cpu_cores\n0,web,0.5\n10,web,0.6\n20,web,oops\n');
    const text = GOOD.replace("load: { base: 0.8, ar1: { coefficient: 0.9, sigma: 0.05 } }", 'load: { trace: { file: t.csv } }');
    const dir = path.join(tmp, 'out', 'nested');
    expect(await cli('run', scenario('trace.yaml', text), '--out', dir)).toBe(2);
    expect(err.trim()).toBe(`scalelab: error: ${path.join(tmp, 't.csv')}:4: cpu_cores: "oops" is not a number`);
    expect(fs.existsSync(path.join(tmp, 'out'))).toBe(false);
  });

  it('--out naming a file, not a directory', async () => {
    const file = path.join(tmp, 'not-a-dir');
    fs.writeFileSync(file, 'x');
    expect(await cli('run', scenario('tiny.yaml', GOOD), '--out', file)).toBe(2);
    expect(err.trim()).toBe(`scalelab: error: --out: ${file} exists and is not a directory`);
    expect(fs.readFileSync(file, 'utf8')).toBe('x');
  });

  it('unknown option', async () => {
    expect(await cli('run', scenario('tiny.yaml', GOOD), '--colour')).toBe(2);
  });
});
