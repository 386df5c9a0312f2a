/**
 * The Neon world end to end: determinism, bad input, and a randomized property test that no node
 * is ever overcommitted and no VM is resized while it migrates (both scheduler models).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { runScenario, simulateScenario } from '../src/run/run.js';
import { loadScenario, parseScenarioText } from '../src/scenario/load.js';
import { inputError, runCli } from './helpers.js';

const FILES = ['summary.json', 'timeseries.csv', 'events.jsonl'];

describe('neon: determinism', () => {
  it('same scenario and seed write identical bytes', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-neon-det-'));
    const run = async (dir: string) => {
      const scenario = loadScenario('scenarios/neon-pressure-model.yaml', { sets: ['duration=2h 30m', 'output.report=false'] });
      await runScenario(scenario, { outDir: dir });
      return Object.fromEntries(FILES.map((f) => [f, fs.readFileSync(path.join(dir, f))]));
    };
    const a = await run(path.join(tmp, 'a'));
    const b = await run(path.join(tmp, 'b'));
    for (const f of FILES) {
      expect(a[f]!.length, f).toBeGreaterThan(100);
      expect(a[f]!.equals(b[f]!), `${f} differs`).toBe(true);
    }
    expect(a['events.jsonl']!.toString()).toContain('migration_started');
    fs.rmSync(tmp, { recursive: true, force: true });
  });
});

/** A random small cluster: nodes, VMs packed on some of them, ramps and bursts. */
function randomScenario(seed: number, model: 'faithful' | 'pressure-model'): string {
  const rng = seedrandom(`neon-property-${seed}`);
  const pick = (lo: number, hi: number): number => lo + Math.floor(rng() * (hi - lo + 1));
  const nodes = pick(2, 5);
  const threads = [4, 8, 16][pick(0, 2)]!;
  const memGiB = threads * 4 + 2;
  const perNode = pick(2, 6);
  const packed = pick(1, nodes);
  const maxCu = Math.min(threads * 4, pick(4, 16));
  const startCu = Math.max(1, Math.min(maxCu, Math.floor((threads * 4 * 0.8) / perNode)));
  const members = Array.from({ length: packed }, (_, i) => `n-${i + 1}`).join(', ');
  return `
name: neon-property-${seed}
seed: ${seed}
duration: 2h
engine: { name: neon, variant: ${model} }
cluster:
  load_step: ${[5, 30, 60][pick(0, 2)]}s
  host: { memory_overhead: 2GiB }
  migration: { bandwidth_gbps: ${[1, 8.59][pick(0, 1)]}, setup: 1s, failure_probability: ${[0, 0.2][pick(0, 1)]} }
  neon: { neonvm_latency: ${pick(0, 5)}s, reconcile_delay: ${pick(0, 1000)}ms, plugin_latency: ${pick(0, 50)}ms, failure_probability: { plugin: ${[0, 0.1][pick(0, 1)]}, neonvm: ${[0, 0.1][pick(0, 1)]}, monitor: ${[0, 0.1][pick(0, 1)]} } }
  members:
    - { name: n, count: ${nodes}, threads: ${threads}, memory: ${memGiB}GiB }
  vms:
    - name: vm
      count: ${perNode * packed}
      members: [${members}]
      neon:
        min_cu: 1
        max_cu: ${maxCu}
        cu: ${startCu}
        memory: { base: { uniform: [0.3, ${(maxCu * 0.6).toFixed(2)}] }, ar1: { coefficient: 0.8, sigma: 0.2 }, steps: [ { at: 40m, delta: ${(rng() * 2).toFixed(2)} } ] }
      load:
        base: { uniform: [0.05, ${(maxCu * 0.25).toFixed(2)}] }
        ar1: { coefficient: 0.8, sigma: 0.1 }
        bursts: { rate_per_hour: 2, height: ${(rng() * 3).toFixed(2)}, duration: 5m }
        ramps: [ { from: 20m, to: 1h, delta: ${(rng() * 2).toFixed(2)} } ]
output: { report: false, timeseries: false }
`;
}

describe('neon: randomized properties', () => {
  it('no node is ever overcommitted and no VM is resized while migrating', () => {
    let migrations = 0;
    let resizes = 0;
    let failures = 0;
    for (let seed = 1; seed <= 10; seed++) {
      for (const model of ['faithful', 'pressure-model'] as const) {
        const scenario = parseScenarioText(randomScenario(seed, model), `random-${seed}.yaml`);
        const events: Array<{ time_s: number; type: string; vm?: string }> = [];
        const sim = simulateScenario(scenario, { event: (l) => events.push(JSON.parse(l)) });
        const label = `seed ${seed} ${model}`;
        expect(sim.summary.metrics['node_overcommit_seconds']!.value, label).toBe(0);
        failures += sim.summary.metrics['request_failures']!.value!;
        expect(events.filter((e) => e.type === 'node_overcommitted'), label).toEqual([]);
        const open = new Set<string>();
        for (const e of events) {
          if (e.type === 'migration_started') {
            open.add(e.vm!);
            migrations++;
          } else if (e.type === 'migration_done' || e.type === 'migration_failed') open.delete(e.vm!);
          else if (e.type === 'resized') {
            resizes++;
            expect(open.has(e.vm!), `${label}: ${e.vm} resized at ${e.time_s} s while migrating`).toBe(false);
          }
        }
      }
    }
    // the property is only meaningful if both things happen a lot
    expect(migrations).toBeGreaterThan(20);
    expect(resizes).toBeGreaterThan(1000);
    expect(failures).toBeGreaterThan(100);
  });
});

describe('neon: the request-floor race', () => {
  it("with upstream's literal request bound a node can be overcommitted (the random case that found it)", () => {
    const scenario = parseScenarioText(randomScenario(9, 'faithful'), 'random-9.yaml', { sets: ['engine.options.plugin_request_floor=using'] });
    expect(simulateScenario(scenario).summary.metrics['node_overcommit_seconds']!.value).toBeGreaterThan(0);
  });
});

describe('neon: bad input', () => {
  const base = fs.readFileSync('scenarios/neon-watermark.yaml', 'utf8');
  const cases: Array<[string, string[], RegExp]> = [
    ['min_cu above max_cu', ['cluster.vms[0].neon.min_cu=9'], /cluster\.vms\[0\]\.neon\.min_cu: min_cu 9 is above max_cu 8/],
    ['a VM larger than every node', ['cluster.vms[0].neon.max_cu=40'], /cluster\.vms\[0\]\.neon\.max_cu: a VM of 40 CU \(10 vCPU, 40 GiB\) fits no node/],
    ['watermark 0', ['engine.config.watermark=0'], /engine\.config\.watermark: must be in \(0, 1\]/],
    ['watermark above 1', ['engine.config.watermark=1.2'], /engine\.config\.watermark: must be in \(0, 1\]/],
    ['an unknown scheduler model', ['engine.options.scheduler_model=greedy'], /engine\.options\.scheduler_model: unknown value for scheduler_model "greedy"; expected one of: watermark, pressure/],
    ['nodes overcommitted at the start', ['cluster.vms[0].neon.cu=8'], /cluster\.vms\[0\]\.neon\.cu: node "node-1" is overcommitted at the start/],
  ];
  for (const [what, sets, message] of cases) {
    it(`${what}: one line naming the key`, () => {
      const err = inputError(() => parseScenarioText(base, 'scenarios/neon-watermark.yaml', { sets }));
      expect(err.message).toMatch(message);
      expect(err.message.split('\n')).toHaveLength(1);
    });
  }

  it('exit code 2 from the command, nothing written', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-neon-bad-'));
    const target = path.join(out, 'run');
    const r = await runCli('run', 'scenarios/neon-watermark.yaml', '--set', 'cluster.vms[0].neon.min_cu=9', '--out', target);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toContain('cluster.vms[0].neon.min_cu');
    expect(fs.existsSync(target)).toBe(false);
    fs.rmSync(out, { recursive: true, force: true });
  });

  it('neon keys are refused for engine incus', () => {
    const text = fs.readFileSync('scenarios/incus-flipflop.yaml', 'utf8');
    const err = inputError(() => parseScenarioText(text, 'scenarios/incus-flipflop.yaml', { sets: ['cluster.neon.plugin_latency=1s'] }));
    expect(err.message).toMatch(/cluster\.neon: only for engine neon/);
  });
});

describe('neon: one VM, timings worked by hand', () => {
  it('upscale path: plugin permit, reconcile, NeonVM resize, with the message latencies', () => {
    const text = `
name: neon-one
seed: 1
duration: 10m
engine: { name: neon }
cluster:
  host: { memory_overhead: 0, initial_loadavg: steady }
  neon: { plugin_latency: 10ms, reconcile_delay: 500ms, neonvm_latency: 1s, monitor_latency: 5ms, request_jitter: 0s }
  members: [ { name: n, threads: 16, memory: 64GiB } ]
  vms:
    - name: pg
      neon: { min_cu: 1, max_cu: 8, cu: 2 }
      load: { base: 1.8 }
output: { report: false, timeseries: false }
`;
    const events: Array<{ time_s: number; type: string; to?: string }> = [];
    const sim = simulateScenario(parseScenarioText(text, 'one.yaml'), { event: (l) => events.push(JSON.parse(l)) });
    const m = sim.summary.metrics;
    // steady load average of 1.8 runnable threads: active = round(1.8 × 2048) = 3686; /proc prints
    // (3686 + 10) >> 11 = 1 and ((3696 & 2047) × 100) >> 11 = 80 → 1.80; goal 1.8 / 0.9 / 0.25 = 8 CU.
    // t = 0: first plugin request for the current 2 CU (no permit yet); answered at 20 ms;
    // 20 ms: request 8 CU; at the plugin 30 ms, reconcile 530 ms grants it, answer 540 ms;
    // 540 ms: NeonVM resize 2 → 8 CU, done 1.54 s.
    expect(events.filter((e) => e.type === 'resized')).toEqual([{ time_s: 1.54, type: 'resized', vm: 'pg', node: 'n', from: '0.5 vCPU/2 GiB', to: '2 vCPU/8 GiB' }]);
    expect(m['time_to_goal_mean']!.value).toBe(1.54);
    expect(m['below_goal_cpu_seconds']!.value).toBe(1.54);
    // 2 CU × 1.54 s + 8 CU × (600 − 1.54) s = 3.08 + 4787.68
    expect(m['cu_seconds']!.value).toBeCloseTo(4790.76, 6);
    expect(m['upscales']!.value).toBe(1);
    expect(m['denied_upscales']!.value).toBe(0);
    // demand 1.8 ≤ 2 vCPU after the resize; before it 1.8 − 0.5 unserved for 1.54 s
    expect(m['unserved_core_seconds']!.value).toBeCloseTo(1.3 * 1.54, 6);
  });
});

describe('neon: report', () => {
  it('writes the four charts with their specs; denied upscales are marked', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-neon-report-'));
    const scenario = loadScenario('scenarios/neon-pressure-model.yaml', { sets: ['output.timeseries=false', 'output.events=false'] });
    const { summary } = await runScenario(scenario, { outDir: tmp });
    const html = fs.readFileSync(path.join(tmp, 'report.html'), 'utf8');
    for (const id of ['nodes', 'vms', 'bands', 'migrations']) expect(html).toContain(`id="spec-${id}"`);
    expect((html.match(/<svg/g) ?? []).length).toBeGreaterThanOrEqual(4);
    const spec = (id: string) => JSON.parse(html.split(`id="spec-${id}">`)[1]!.split('</script>')[0]!) as { data: { values: Array<Record<string, unknown>> } };
    const nodes = spec('nodes').data.values;
    expect(new Set(nodes.map((r) => r['series']))).toEqual(new Set(['reserved', 'watermark (0.9)', 'allocatable']));
    const denied = summary.metrics['denied_upscales']!.value! + summary.metrics['partly_granted_upscales']!.value!;
    expect(denied).toBeGreaterThan(0);
    expect(spec('bands').data.values.filter((r) => r['kind'] === 'mark')).toHaveLength(denied);
    expect(spec('migrations').data.values.length).toBe(Math.min(400, summary.metrics['migrations']!.value! + summary.metrics['migrations_failed']!.value!));
    fs.rmSync(tmp, { recursive: true, force: true });
  });
});

describe('neon: sweeps', () => {
  it('sweeps both plugin models with Neon metrics; results do not depend on the worker count', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-neon-sweep-'));
    const args = (w: number) => ['sweep', 'scenarios/neon-watermark.yaml', '--grid', 'engine.options.scheduler_model=watermark,pressure', '--seeds', '2', '--set', 'duration=40m', '--workers', String(w), '--out', path.join(tmp, `w${w}`), '--quiet'];
    const one = await runCli(...args(1));
    const two = await runCli(...args(2));
    expect(one.code, one.err).toBe(0);
    expect(two.code, two.err).toBe(0);
    const csv = fs.readFileSync(path.join(tmp, 'w1', 'sweep.csv'), 'utf8');
    expect(csv).toContain('cu_seconds');
    expect(csv).toContain('below_goal_cpu_seconds');
    expect(fs.readFileSync(path.join(tmp, 'w2', 'sweep.csv'), 'utf8')).toBe(csv);
    fs.rmSync(tmp, { recursive: true, force: true });
  });
});

describe('neon: LFC working set in the world', () => {
  const text = (lfc: boolean) => `
name: neon-lfc
seed: 1
duration: 12m
engine: { name: neon, config: { enableLFCMetrics: ${lfc} } }
cluster:
  host: { memory_overhead: 0, initial_loadavg: steady }
  neon: { plugin_latency: 10ms, reconcile_delay: 500ms, neonvm_latency: 1s, monitor_latency: 5ms, request_jitter: 0s }
  members: [ { name: n, threads: 16, memory: 64GiB } ]
  vms:
    - name: pg
      neon: { min_cu: 1, max_cu: 16, cu: 2, memory: { base: 0.5 }, lfc: { base: 6 } }
      load: { base: 0.1 }
output: { report: false, timeseries: false }
`;
  it('sizes for the working set once 9 minutes of buckets exist', () => {
    const events: Array<{ time_s: number; type: string; to?: string }> = [];
    simulateScenario(parseScenarioText(text(true), 'lfc.yaml'), { event: (l) => events.push(JSON.parse(l)) });
    const resized = events.filter((e) => e.type === 'resized');
    // start: CPU 0.1 / 0.9 / 0.25 = 0.44 → 0; memory (0.5 GiB + 100 MiB) / 0.75 = 0.8 → goal 1 CU;
    // fewer than 9 buckets: LFC part 0 → the monitor approves 2 → 1 (0.85 × 924 MiB ≥ 612 MiB)
    expect(resized[0]!.to).toBe('0.25 vCPU/1 GiB');
    // t = 480 s: minute 8 → 9 buckets, all 6 GiB: estimate 6 GiB, projection flat → 6 / 0.75 = 8 CU
    // (memory total (6 + 0.5 + 0.1) / 0.9 = 7.3 CU is less); request 480 s, reconcile 480.51 s,
    // answer 480.52 s, NeonVM done 481.52 s
    expect(resized[1]).toMatchObject({ time_s: 481.52, to: '2 vCPU/8 GiB' });
    expect(resized).toHaveLength(2);
  });

  it('without LFC metrics the working set is ignored', () => {
    const events: Array<{ time_s: number; type: string; to?: string }> = [];
    simulateScenario(parseScenarioText(text(false), 'lfc.yaml'), { event: (l) => events.push(JSON.parse(l)) });
    expect(events.filter((e) => e.type === 'resized').map((e) => e.to)).toEqual(['0.25 vCPU/1 GiB']);
  });
});
