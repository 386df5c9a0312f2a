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
    expect(metric(c, 'rebalance_runs')).toBe(96); // every 15 min for a day
    // as shipped 4 runs reach a `shop` VM and crash the leader's daemon: each restart resets that
    // member's start time (the interval phase) and hands the leadership on, so the grid moves
    expect(metric(f, 'rebalance_runs_crashed')).toBe(4);
    expect(metric(f, 'rebalance_runs')).toBeGreaterThanOrEqual(96);
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

  it('incus-restricted: as shipped the tenant project (restricted, cluster.target block) crashes every run that reaches it; corrected keeps tenant VMs in rack-a', () => {
    const events = eventsOf('scenarios/incus-restricted.yaml');
    const moves = events.filter((e) => e['type'] === 'migration_done');
    // only default-project VMs (web-*) ever move: tenant-* crash the task (lxc/incus#2808), lab-* would be moved
    // without selecting their project (7.x), gpu-train and legacy-* cannot be live-migrated
    expect(moves.length).toBeGreaterThan(0);
    for (const m of moves) expect(m['vm'] as string).toMatch(/^web-/);
    const f = simulateScenario(loadScenario('scenarios/incus-restricted.yaml')).summary;
    expect(metric(f, 'rebalance_runs_crashed')).toBeGreaterThan(0);
    expect(f.groups['a-1']!['host_overload_seconds']!.value).toBeGreaterThan(0);
    const corrected = eventsOf('scenarios/incus-restricted.yaml', ['engine.variant=corrected']).filter((e) => e['type'] === 'migration_done');
    for (const m of corrected) {
      const vm = m['vm'] as string;
      if (vm.startsWith('tenant-')) expect(['a-1', 'a-2']).toContain(m['to']);
      expect(vm.startsWith('gpu') || vm.startsWith('legacy')).toBe(false);
    }
    expect(corrected.some((m) => (m['vm'] as string).startsWith('tenant-'))).toBe(true);
    expect(corrected.some((m) => (m['vm'] as string).startsWith('lab-') && (m['to'] as string).startsWith('b-'))).toBe(true); // restricted: false
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
  migration: { bandwidth_gbps: 10, max_bandwidth: 0, downtime_limit: 300ms, setup: 0s, switchover: 0s, cpu_overhead: 0.5 }
  members:
    - { name: a, threads: 4, memory: 16GiB }
    - { name: b, threads: 4, memory: 16GiB }
  vms:
    - { name: v, member: a, limits: { cpu: 4, memory: 4GiB }, migration: { stateful: true }, dirty_rate: 125MB, load: { base: 3 } }
`;

/** The same with QEMU's defaults as Incus drives it: 128 MiB/s, auto-converge, 30 ms switchover. */
const QEMU = TWO.replace('{ bandwidth_gbps: 10, max_bandwidth: 0, downtime_limit: 300ms, setup: 0s, switchover: 0s, cpu_overhead: 0.5 }', '{ setup: 0s, cpu_overhead: 0.5 }').replace(
  'dirty_rate: 125MB,',
  'memory_used: 1280MiB, dirty_rate: 64MiB,',
);

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

describe('a migration throttled by auto-converge, through the driver', () => {
  it('takes the guest CPU QEMU throttles away, and reports it as unserved and as SLO violation', () => {
    // scores at 60 s: a mem (2 + 1.25) / 16 GiB = 20 %, load 3.2 / 4 = 80 % → 50; b 12 %, 5 % → 8; midpoint 29 → move.
    // Pre-copy (MiB, s; B = 128 MiB/s, the 10 Gbit/s link is faster; budget 0.3 · 128 = 38.4):
    //  pass 1: 1280 / 128 = 10 s, dirtied 64 · 10 = 640 > 20 % of 1280 = 256 → count 1
    //  15 s: pass of 640 in 5 s, dirtied 320 > 128 → count 2 → throttle 50 % (Incus cpu-throttle-initial)
    //  17.5 s: pass of 320 in 2.5 s at 32 MiB/s: 80 (> 64: count 1); 18.125 s: 80 in 0.625 s, 20 ≤ 38.4 → switchover
    //  downtime 20 / 128 + 0.03 = 0.18625 s; done at 60 + 18.125 + 0.18625 = 78.31125 s
    // v demands 3 cores: throttled 50 % from 75 s to 78.125 s it loses 1.5 cores (4.6875 core·s) and its capacity is
    // 4 · 50 % = 2 < 3 (violation 3.125 s); paused 0.18625 s it loses 3 cores (0.55875 core·s)
    const lines: string[] = [];
    const sim = simulateScenario(parseScenarioText(QEMU, 'qemu.yaml'), { event: (l) => lines.push(l) });
    const events = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.find((e) => e['type'] === 'migration_started')).toMatchObject({ time_s: 60, target_score: 29, planned_s: 18.31125, downtime_s: 0.18625, rounds: 4, max_throttle_pct: 50 });
    expect(events.find((e) => e['type'] === 'migration_done')).toMatchObject({ time_s: 78.31125, downtime_s: 0.18625 });
    const s = sim.summary;
    expect(metric(s, 'migration_downtime_seconds')).toBeCloseTo(0.18625, 9);
    expect(metric(s, 'unserved_core_seconds')).toBeCloseTo(4.6875 + 0.55875, 6);
    expect(metric(s, 'throttled_core_seconds')).toBeCloseTo(4.6875, 6);
    expect(metric(s, 'slo_violation_seconds')).toBeCloseTo(3.125 + 0.18625, 6);
  });
});

describe('the panic of lxc/incus#2808, through the driver', () => {
  it('kills the leader\'s daemon: systemd restarts it (new start time, task starts over) and another member leads', () => {
    // v on a belongs to project p: restricted, restricted.cluster.target left at block. 60 s: a's run reaches v,
    // CheckTarget panics → incusd on a restarts (StartTime 60 s, first tick 120 s: SkipFirst) and b leads;
    // b (started at 0) ticks at 120 s, round(2) % 1 == 0 → runs → panics too → a leads again
    const text = TWO.replace('  members:', '  projects: [ { name: p, restricted: true } ]\n  members:').replace('{ name: v, member: a,', '{ name: v, project: p, member: a,');
    const lines: string[] = [];
    const sim = simulateScenario(parseScenarioText(text, 'panic.yaml'), { event: (l) => lines.push(l) });
    const events = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const seq = events.filter((e) => ['rebalance_run', 'rebalance_done', 'daemon_restarted', 'leader_changed'].includes(e['type'] as string)).slice(0, 6);
    expect(seq).toMatchObject([
      { type: 'rebalance_run', time_s: 60, leader: 'a' },
      { type: 'rebalance_done', time_s: 60, outcome: 'crashed', migrated: 0 },
      { type: 'daemon_restarted', time_s: 60, member: 'a' },
      { type: 'leader_changed', time_s: 60, leader: 'b' },
      { type: 'rebalance_run', time_s: 120, leader: 'b' },
      { type: 'rebalance_done', time_s: 120, outcome: 'crashed' },
    ]);
    expect(metric(sim.summary, 'migrations')).toBe(0);
    expect(metric(sim.summary, 'rebalance_runs_crashed')).toBe(metric(sim.summary, 'rebalance_runs'));
  });
});

describe('members that die and cluster.evacuate, through the driver', () => {
  it('a member that died still counts as online until cluster.offline_threshold: the run then fails at scoring', () => {
    // b goes down at 50 s; with the default threshold of 20 s the database says offline from 70 s
    // (db.NodeInfo.IsOffline). The tick at 60 s scores b: GetServerResources fails → the run is aborted;
    // the tick at 120 s leaves b out and moves v to c.
    const three = TWO.replace('    - { name: b, threads: 4, memory: 16GiB }\n', '    - { name: b, threads: 4, memory: 16GiB }\n    - { name: c, threads: 4, memory: 16GiB }\n') + '  events: [ { at: 50s, member: b, state: offline } ]\n';
    const lines: string[] = [];
    simulateScenario(parseScenarioText(three, 'three.yaml'), { event: (l) => lines.push(l) });
    const events = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const runs = events.filter((e) => e['type'] === 'rebalance_done');
    expect(runs[0]).toMatchObject({ time_s: 60, outcome: 'aborted', migrated: 0 });
    expect(runs[0]!['error']).toMatch(/Failed to get resources for cluster member b/);
    expect(events.find((e) => e['type'] === 'member_seen_offline')).toMatchObject({ time_s: 70, member: 'b' });
    expect(events.find((e) => e['type'] === 'migration_started')).toMatchObject({ time_s: 120, to: 'c' });
  });

  it('a move to a member that died after the run scored it fails and aborts the run', () => {
    // a 67 (v, w), b 24 (x), c 8; b dies at 61 s, while v moves to c; the run then sends w (project p, allowed
    // on b only) to b, which the database still calls online: the move fails after setup and the run is aborted
    const text = `name: died
duration: 5m
engine:
  name: incus
  config: { cluster.rebalance.interval: 1, cluster.rebalance.batch: 2 }
  options: { version: main, impact_estimate: swapped }
cluster:
  host: { overhead_cores: 0.2, memory_overhead: 2GiB }
  migration: { max_bandwidth: 0, setup: 1s }
  members:
    - { name: a, threads: 4, memory: 16GiB }
    - { name: b, threads: 4, memory: 16GiB, groups: [default, gb] }
    - { name: c, threads: 4, memory: 16GiB }
  projects: [ { name: p, restricted: true, restricted.cluster.groups: [gb], restricted.cluster.target: allow } ]
  vms:
    - { name: v, member: a, limits: { cpu: 4, memory: 4GiB }, migration: { stateful: true }, load: { base: 3 } }
    - { name: w, project: p, member: a, limits: { cpu: 1, memory: 1GiB }, migration: { stateful: true }, load: { base: 0.5 } }
    - { name: x, member: b, limits: { cpu: 1, memory: 1GiB }, load: { base: 1 } }
  events: [ { at: 61s, member: b, state: offline } ]
`;
    const lines: string[] = [];
    simulateScenario(parseScenarioText(text, 'died.yaml'), { event: (l) => lines.push(l) });
    const events = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const done = events.find((e) => e['type'] === 'migration_done')!;
    expect(done).toMatchObject({ vm: 'v', to: 'c' });
    const failed = events.find((e) => e['type'] === 'migration_failed')!;
    expect(failed).toMatchObject({ vm: 'w', to: 'b', reason: 'member b is offline', time_s: (done['time_s'] as number) + 1 });
    expect(events.find((e) => e['type'] === 'rebalance_done')).toMatchObject({ outcome: 'aborted', migrated: 1 });
  });

  it('cluster.evacuate=live-migrate makes a VM without migration.stateful a candidate; its live migration fails and aborts the run', () => {
    // canMigrate returns the policy as it is; qemu.MigrateSend: "Live migration requires migration.stateful to be set to true"
    const text = TWO.replace('migration: { stateful: true }', 'cluster.evacuate: live-migrate').replace('setup: 0s', 'setup: 1s');
    const lines: string[] = [];
    simulateScenario(parseScenarioText(text, 'evac.yaml'), { event: (l) => lines.push(l) });
    const events = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.find((e) => e['type'] === 'migration_failed')).toMatchObject({ time_s: 61, vm: 'v', reason: 'Live migration requires migration.stateful to be set to true' });
    expect(events.find((e) => e['type'] === 'rebalance_done')).toMatchObject({ time_s: 61, outcome: 'aborted' });
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
  it('accepts what GetExpiry accepts: a unit again after a 0 of it ("0H 1H"), an empty value (no cooldown)', () => {
    // internal/instance/expiry.go GetExpiry: `if expiry[fields[2]] > 0 { invalid }` — a unit holding 0 may be set again;
    // an empty expression returns the zero time (never in the future: no cooldown)
    expect(cooldown('0H 1H')).toBe(3600e6);
    expect(cooldown('0S 0S 5S')).toBe(5e6);
    expect(cooldown('')).toBe(0);
    expect(cooldown(' 6H ')).toBe(6 * 3600e6); // strings.TrimSpace
  });
  it('refuses what Incus refuses: lower-case h, two spaces, a unit set twice, a fraction', () => {
    for (const [value, detail] of [
      ['6h', /invalid Incus duration/],
      ['1d  6H', /separated by one space/],
      ['6H 6H', /unit H given twice/],
      ['1H 0H', /unit H given twice/],
      ['1.5H', /invalid Incus duration/],
    ] as const) {
      const err = errorOf(TWO.replace('{ cluster.rebalance.interval: 1 }', `{ cluster.rebalance.interval: 1, cluster.rebalance.cooldown: "${value}" }`));
      expect(err.line).toBe(5);
      expect(err.key).toBe('engine.config.cluster.rebalance.cooldown');
      expect(err.detail).toMatch(detail);
    }
  });
});

describe('what upstream accepts and refuses (item by item, the key named)', () => {
  const withConfig = (config: string): string => TWO.replace('{ cluster.rebalance.interval: 1 }', config);
  it('batch 0 and below (config.Int64, no validator): accepted, nothing ever moves', () => {
    // clusterRebalance: `if numOfMigrated >= rebalanceBatch { continue }` — 0 >= 0 for every architecture
    for (const batch of [0, -3]) {
      const s = parseScenarioText(withConfig(`{ cluster.rebalance.interval: 1, cluster.rebalance.batch: ${batch} }`), 'b.yaml');
      expect(s.engine.config['cluster.rebalance.batch']).toBe(batch);
      expect(metric(simulateScenario(s).summary, 'migrations')).toBe(0);
    }
  });
  it('interval below 0 (config.Int64, no validator): accepted, rebalancing disabled (`interval <= 0`)', () => {
    const s = parseScenarioText(withConfig('{ cluster.rebalance.interval: -5 }'), 'i.yaml');
    expect(metric(simulateScenario(s).summary, 'rebalance_runs')).toBe(0);
  });
  it('threshold outside 10–100 (rebalanceThresholdValidator): refused at the key', () => {
    for (const value of [9, 101]) {
      const err = errorOf(withConfig(`{ cluster.rebalance.interval: 1, cluster.rebalance.threshold: ${value} }`));
      expect(err.key).toBe('engine.config.cluster.rebalance.threshold');
      expect(err.line).toBe(5);
    }
  });
  it('0B, 0MiB where a size may be 0 (dirty rate, host memory overhead, max_bandwidth, root disk)', () => {
    const s = parseScenarioText(
      TWO.replace('dirty_rate: 125MB', 'dirty_rate: 0B, root_disk: 0MiB').replace('memory_overhead: 2GiB', 'memory_overhead: 0B').replace('max_bandwidth: 0,', 'max_bandwidth: 0KiB,'),
      'z.yaml',
    );
    expect(s.cluster!.vms[0]!.dirty_rate_bytes).toBe(0);
    expect(s.cluster!.vms[0]!.root_disk_bytes).toBe(0);
    expect(s.cluster!.host.memory_overhead_bytes).toBe(0);
    expect(s.cluster!.migration.max_bandwidth_bytes).toBe(0);
    const err = errorOf(TWO.replace('dirty_rate: 125MB', 'dirty_rate: 0XB'));
    expect(err.key).toBe('cluster.vms[0].dirty_rate');
  });
  it('a version may be written unquoted (YAML and --set read 6.7 and 7.0 as numbers)', () => {
    expect(parseScenarioText(TWO.replace('  config: {', '  options: { version: 7.0 }\n  config: {'), 'v.yaml').engine.options['version']).toBe('7.0');
    expect(parseScenarioText(TWO, 'v.yaml', { sets: ['engine.options.version=6.7'] }).engine.options['version']).toBe('6.7');
    expect(parseScenarioText(TWO, 'v.yaml', { sets: ['engine.options.version=6.21'] }).engine.options['version']).toBe('6.21');
    const err = errorOf(TWO, ['engine.options.version=6.8']);
    expect(err.key).toBe('engine.options.version');
  });
  it('cluster.offline_threshold of 10 s or less (offlineThresholdValidator), or not whole seconds: refused at the key', () => {
    for (const value of ['10s', '5s', '20.5s']) {
      const err = errorOf(TWO.replace('cluster:\n', `cluster:\n  offline_threshold: ${value}\n`));
      expect(err.key).toBe('cluster.offline_threshold');
      expect(err.line).toBe(7);
    }
    expect(parseScenarioText(TWO.replace('cluster:\n', 'cluster:\n  offline_threshold: 11s\n'), 'o.yaml').cluster!.offline_threshold).toBe(11e6);
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
    const err = errorOf(TWO.replace('{ cluster.rebalance.interval: 1 }', '{ cluster: { rebalance: { threshold: 5 } } }'));
    expect(err.key).toBe('engine.config.cluster.rebalance.threshold');
    expect(err.line).toBe(5);
  });
});
