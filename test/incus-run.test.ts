/**
 * Incus runs end to end: determinism, what the bundled scenarios are meant to show, one
 * migration timed by hand through the driver, the CLI, and located input errors.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli/main.js';
import { runScenario, simulateScenario } from '../src/run/run.js';
import { InputError } from '../src/scenario/errors.js';
import { loadScenario, parseScenarioText } from '../src/scenario/load.js';

const FILES = ['summary.json', 'timeseries.csv', 'events.jsonl'];

function tmpdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-incus-'));
}

async function runTo(dir: string, seed?: number) {
  const scenario = loadScenario('scenarios/incus-default.yaml', { sets: ['duration=6h', 'output.report=false'], ...(seed !== undefined ? { seed } : {}) });
  await runScenario(scenario, { outDir: dir });
  return Object.fromEntries(FILES.map((f) => [f, fs.readFileSync(path.join(dir, f))]));
}

const metric = (s: { metrics: Record<string, { value: number | null }> }, name: string): number => s.metrics[name]!.value!;

/** Events of a run, parsed. */
function eventsOf(file: string, sets: string[] = []): Array<Record<string, unknown>> {
  const lines: string[] = [];
  simulateScenario(loadScenario(file, { sets }), { event: (l) => lines.push(l) });
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('determinism', () => {
  it('the same scenario and seed write identical summary.json, timeseries.csv and events.jsonl', async () => {
    const tmp = tmpdir();
    const a = await runTo(path.join(tmp, 'a'));
    const b = await runTo(path.join(tmp, 'b'));
    for (const f of FILES) {
      expect(a[f]!.length, f).toBeGreaterThan(100);
      expect(a[f]!.equals(b[f]!), `${f} differs`).toBe(true);
    }
    const c = await runTo(path.join(tmp, 'c'), 9);
    expect(a['events.jsonl']!.equals(c['events.jsonl']!)).toBe(false);
    fs.rmSync(tmp, { recursive: true, force: true });
  });
});

describe('bundled scenarios', () => {
  it('incus-default: moves VMs off the busiest members; corrected lowers the imbalance', () => {
    const f = simulateScenario(loadScenario('scenarios/incus-default.yaml')).summary;
    const c = simulateScenario(loadScenario('scenarios/incus-default.yaml', { sets: ['engine.variant=corrected'] })).summary;
    expect(metric(f, 'migrations')).toBeGreaterThan(20);
    expect(metric(f, 'rebalance_runs')).toBe(96); // every 15 min for a day
    expect(metric(c, 'imbalance_mean')).toBeLessThan(metric(f, 'imbalance_mean'));
    expect(metric(f, 'cold_moves')).toBeGreaterThan(0); // stopped VMs are moved as shipped
    expect(metric(c, 'cold_moves')).toBe(0);
  });

  it('incus-uint8-overflow: the 170 % member scores 2 and is never relieved as shipped; corrected drains it', () => {
    const events = eventsOf('scenarios/incus-uint8-overflow.yaml');
    const first = events.find((e) => e['type'] === 'rebalance_run')!;
    expect((first['scores'] as Record<string, number>)['hot']).toBe(2);
    const f = simulateScenario(loadScenario('scenarios/incus-uint8-overflow.yaml')).summary;
    const c = simulateScenario(loadScenario('scenarios/incus-uint8-overflow.yaml', { sets: ['engine.variant=corrected'] })).summary;
    expect(metric(f, 'migrations')).toBe(0);
    expect(f.groups['hot']!['host_overload_seconds']!.value).toBe(12 * 3600);
    expect(metric(c, 'migrations')).toBeGreaterThan(0);
    expect(c.groups['hot']!['migrations_out']!.value).toBe(metric(c, 'migrations'));
    expect(c.groups['hot']!['host_overload_seconds']!.value).toBeLessThan(3600);
    const cf = eventsOf('scenarios/incus-uint8-overflow.yaml', ['engine.variant=corrected']).find((e) => e['type'] === 'rebalance_run')!;
    expect((cf['scores'] as Record<string, number>)['hot']).toBeGreaterThan(120);
  });

  it('incus-restricted: tenant VMs stay in rack-a, the GPU and non-stateful VMs never move', () => {
    const events = eventsOf('scenarios/incus-restricted.yaml');
    const moves = events.filter((e) => e['type'] === 'migration_done');
    expect(moves.length).toBeGreaterThan(5);
    for (const m of moves) {
      const vm = m['vm'] as string;
      if (vm.startsWith('tenant-')) expect(['a-1', 'a-2']).toContain(m['to']);
      expect(vm.startsWith('gpu') || vm.startsWith('legacy')).toBe(false);
    }
    expect(moves.some((m) => (m['vm'] as string).startsWith('lab-') && (m['to'] as string).startsWith('b-'))).toBe(true); // restricted: false
    const skipped = events.filter((e) => e['type'] === 'rebalance_done').map((e) => e['skipped'] as Record<string, number>);
    expect(skipped.some((s) => (s['not_live_migratable'] ?? 0) >= 5)).toBe(true); // gpu-train + 4 legacy
  });

  it('incus-flipflop: ping-pongs as shipped, none corrected', () => {
    const f = simulateScenario(loadScenario('scenarios/incus-flipflop.yaml')).summary;
    const c = simulateScenario(loadScenario('scenarios/incus-flipflop.yaml', { sets: ['engine.variant=corrected'] })).summary;
    expect(metric(f, 'ping_pongs')).toBeGreaterThan(20);
    expect(metric(f, 'ping_pongs_back')).toBeGreaterThan(0);
    expect(metric(c, 'ping_pongs')).toBe(0);
  });
});

/** Two members; one VM on a busy `a`; everything round so the migration can be timed by hand. */
const TWO = `name: two
duration: 10m
engine:
  name: incus
  config: { cluster.rebalance.interval: 1 }
cluster:
  host: { overhead_cores: 0.2, memory_overhead: 2GiB }
  migration: { bandwidth_gbps: 10, downtime_limit: 300ms, setup: 0s, cpu_overhead: 0.5 }
  members:
    - { name: a, threads: 4, memory: 16GiB }
    - { name: b, threads: 4, memory: 16GiB }
  vms:
    - { name: v, member: a, limits: { cpu: 4, memory: 4GiB }, migration: { stateful: true }, dirty_rate: 125MB, load: { base: 3 } }
`;

describe('one migration through the driver', () => {
  it('starts at the first due tick and takes the pre-copy time worked by hand; the VM serves nothing during stop-and-copy', () => {
    const lines: string[] = [];
    const sim = simulateScenario(parseScenarioText(TWO, 'two.yaml'), { event: (l) => lines.push(l) });
    const events = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    // scores at 60 s: a (2 + 4) / 16 GiB = 37 %, load 3.2 / 4 = 80 % → 58; b 12 %, 5 % → 8; midpoint 33;
    // swapped impact: b's CPU part overflows → (12 + 0) / 2 = 6 < 33 → move
    const run = events.find((e) => e['type'] === 'rebalance_run')!;
    expect(run).toMatchObject({ time_s: 60, scores: { a: 58, b: 8 } });
    const started = events.find((e) => e['type'] === 'migration_started')!;
    expect(started).toMatchObject({ time_s: 60, vm: 'v', from: 'a', to: 'b', target_score: 33, expected_score: 6, rounds: 2 });
    // 4 GiB at 1.25e9 B/s dirtying 1.25e8 B/s: pre-copy 3.779571 s, stop-and-copy 0.034360 s (µs-rounded)
    const done = events.find((e) => e['type'] === 'migration_done')!;
    expect(done).toMatchObject({ time_s: 63.813931, seconds: 3.813931, downtime_s: 0.03436, rounds: 2 });
    const s = sim.summary;
    expect(metric(s, 'migrations')).toBe(1);
    expect(metric(s, 'migration_downtime_seconds')).toBeCloseTo(0.03436, 9);
    // the VM's 3 cores are unserved during the 34 360 µs of downtime
    expect(metric(s, 'unserved_core_seconds')).toBeCloseTo(3 * 0.03436, 9);
    expect(metric(s, 'slo_violation_seconds')).toBeCloseTo(0.03436, 9);
    // after the move the rebalancer sees b busier, but v is in its 6H cooldown: no more moves
    expect(metric(s, 'ping_pongs')).toBe(0);
    expect(metric(s, 'rebalance_runs')).toBe(9);
  });
});

describe('scalelab run with an incus scenario', () => {
  let out = '';
  let tmp = '';
  beforeEach(() => {
    out = '';
    tmp = tmpdir();
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('prints the cluster headline metrics and writes every file', async () => {
    const code = await main(['node', 'scalelab', 'run', 'scenarios/incus-flipflop.yaml', '--out', tmp]);
    expect(code).toBe(0);
    expect(out).toContain('incus-flipflop: incus/faithful');
    expect(out).toMatch(/migrations=\d+ count/);
    expect(out).toMatch(/ping_pongs=\d+ count/);
    for (const f of ['report.html', 'summary.md', 'summary.json', 'events.jsonl', 'timeseries.csv']) expect(fs.existsSync(path.join(tmp, f)), f).toBe(true);
    const html = fs.readFileSync(path.join(tmp, 'report.html'), 'utf8');
    for (const id of ['heatmap', 'scores', 'migrations', 'imbalance']) expect(html).toContain(`id="spec-${id}"`);
    expect(html).toContain('<svg');
    const summary = JSON.parse(fs.readFileSync(path.join(tmp, 'summary.json'), 'utf8'));
    expect(summary.scenario.engine.config['cluster.rebalance.cooldown_s']).toBe(60);
    expect(Object.keys(summary.projects)).toEqual(['default']);
  });

  it('accepts the nested spelling of a dotted key from --set', async () => {
    const code = await main(['node', 'scalelab', 'run', 'scenarios/incus-flipflop.yaml', '--out', tmp, '-q', '--set', 'engine.config.cluster.rebalance.cooldown=1H', '--set', 'duration=1h']);
    expect(code).toBe(0);
    const summary = JSON.parse(fs.readFileSync(path.join(tmp, 'summary.json'), 'utf8'));
    expect(summary.scenario.engine.config['cluster.rebalance.cooldown_s']).toBe(3600);
  });
});

/** The InputError for `text`, failing the test when nothing is thrown. */
function errorOf(text: string, sets: string[] = []): InputError {
  try {
    parseScenarioText(text, 'c.yaml', { sets });
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).not.toContain('\n');
    return err as InputError;
  }
  throw new Error('expected an InputError');
}

describe('cooldown strings (Incus syntax)', () => {
  const cooldown = (value: string): number => parseScenarioText(TWO.replace('{ cluster.rebalance.interval: 1 }', `{ cluster.rebalance.interval: 1, cluster.rebalance.cooldown: "${value}" }`), 'c.yaml').engine.config['cluster.rebalance.cooldown'] as number;
  it('reads 6H, 1d 6H, 30M (minutes) and 1m (a month of 30 days)', () => {
    expect(cooldown('6H')).toBe(6 * 3600e6);
    expect(cooldown('1d 6H')).toBe(30 * 3600e6);
    expect(cooldown('30M')).toBe(30 * 60e6);
    expect(cooldown('1m')).toBe(30 * 86_400e6);
    expect(cooldown('10S 1w')).toBe((10 + 7 * 86_400) * 1e6);
  });
  it('refuses what Incus refuses: lower-case h, two spaces, a unit twice', () => {
    for (const [value, detail] of [
      ['6h', /invalid Incus duration/],
      ['1d  6H', /separated by one space/],
      ['6H 6H', /unit H given twice/],
      ['', /invalid Incus duration/],
    ] as const) {
      const err = errorOf(TWO.replace('{ cluster.rebalance.interval: 1 }', `{ cluster.rebalance.interval: 1, cluster.rebalance.cooldown: "${value}" }`));
      expect(err.line).toBe(5);
      expect(err.key).toBe('engine.config.cluster.rebalance.cooldown');
      expect(err.detail).toMatch(detail);
    }
  });
});

describe('bad cluster scenarios are one located line', () => {
  it.each([
    ['a threshold below 10', TWO.replace('cluster.rebalance.interval: 1', 'cluster.rebalance.threshold: 5'), 5, 'engine.config.cluster.rebalance.threshold', /must be >= 10/],
    ['an unknown member key', TWO.replace('{ name: a, threads: 4,', '{ name: a, cores: 4, threads: 4,'), 10, 'cluster.members[0].cores', /unknown key/],
    ['a VM on an unknown member', TWO.replace('member: a,', 'member: z,'), 13, 'cluster.vms[0].member', /no member named "z"/],
    ['memory_used above limits.memory', TWO.replace('dirty_rate: 125MB', 'dirty_rate: 125MB, memory_used: 5GiB'), 13, 'cluster.vms[0].memory_used', /more than limits.memory/],
    ['an unknown leader', TWO.replace('cluster:\n', 'cluster:\n  leader: z\n'), 7, 'cluster.leader', /no member named "z"/],
    ['a project restricted to a group nobody is in', TWO.replace('  members:', '  projects: [ { name: p, restricted: true, restricted.cluster.groups: [rack-z] } ]\n  members:'), 9, 'cluster.projects[0].restricted.cluster.groups', /rack-z/],
    ['limits.cpu written twice', TWO.replace('limits: { cpu: 4,', 'limits.cpu: 2, limits: { cpu: 4,'), 13, 'cluster.vms[0].limits', /given twice/],
    ['workloads with incus', `${TWO}workloads: [ { name: w, load: { base: 1 } } ]\n`, 14, 'workloads', /not used by engine incus/],
  ])('%s', (_what, text, line, key, detail) => {
    const err = errorOf(text);
    expect(err.line).toBe(line);
    expect(err.key).toBe(key);
    expect(err.detail).toMatch(detail);
  });

  it('an incus scenario without cluster:', () => {
    const err = errorOf('name: x\nduration: 1h\nengine: { name: incus }\n');
    expect(err.key).toBe('cluster');
    expect(err.detail).toMatch(/required key is missing/);
  });

  it('cluster: with another engine', () => {
    const text = 'name: x\nduration: 1h\nengine: { name: albatross }\nworld: { hosts: [ { name: h, threads: 4, memory: 4GiB } ] }\nworkloads: [ { name: w, load: { base: 1 } } ]\ncluster: { members: [ { name: a, threads: 4, memory: 4GiB } ] }\n';
    const err = errorOf(text);
    expect(err.key).toBe('cluster');
    expect(err.detail).toMatch(/only for engine incus/);
  });

  it('a dotted key given both flat and nested takes the nested value (what --set writes)', () => {
    const s = parseScenarioText(TWO.replace('{ cluster.rebalance.interval: 1 }', '{ cluster: { rebalance: { interval: 2 } }, cluster.rebalance.interval: 1 }'), 'c.yaml');
    expect(s.engine.config['cluster.rebalance.interval']).toBe(2);
    const err = errorOf(TWO.replace('{ cluster.rebalance.interval: 1 }', '{ cluster: { rebalance: { interval: -1 } } }'));
    expect(err.key).toBe('engine.config.cluster.rebalance.interval');
    expect(err.line).toBe(5);
  });
});
