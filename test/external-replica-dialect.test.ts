/**
 * The generic `replica` dialect (docs/engines/replica.md): a user's own policy, written here as a
 * ~30-line module, on a small scenario whose scale-ups and scale-downs are worked out by hand
 * below. Also: the snapshot the policy is sent, and `--set` of the policy's params.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ModuleEngine, Sent } from '../src/engines/external/api.js';
import { provideModuleEngine } from '../src/engines/external/module.js';
import type { HelloRequest, Reply, ReplicaSnapshot } from '../src/engines/external/protocol.js';
import { parseScenarioText } from '../src/scenario/load.js';
import { InputError } from '../src/scenario/errors.js';
import { simulateScenario } from '../src/run/run.js';

const dir = mkdtempSync(join(tmpdir(), 'scalelab-replica-dialect-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const POLICY = join(dir, 'threshold.mjs');
writeFileSync(POLICY, '// served by provideModuleEngine in the test\n');

/** Every observation the policy was sent (a copy), for the snapshot checks. */
const observed: { now: number; obs: ReplicaSnapshot }[] = [];

/**
 * The policy: every `period`, the mean CPU % of the running instances over the time since each was
 * last seen running (instances seen for the first time only give a baseline). Above `up` it
 * spawns one clone, below `down` it destroys the newest, never while an instance is placing or
 * booting, within 1 … `max` running instances.
 */
const threshold: ModuleEngine = {
  open(hello: HelloRequest) {
    const period = hello.config['period'] as number;
    const { up, down, max } = hello.config['params'] as { up: number; down: number; max: number };
    const last = new Map<string, Map<string, { t: number; cpu: number }>>();
    let clones = 0;
    return {
      engine: 'replica',
      wants: [],
      handle(req: Sent): Reply {
        if (req.type === 'end') return { type: 'bye' };
        if (req.type === 'init') return { type: 'step', actions: [], wakeAt: period };
        if (req.type !== 'observe' || !('obs' in req)) return { type: 'error', message: `unexpected ${req.type}` };
        const obs = req.obs as ReplicaSnapshot;
        observed.push({ now: req.now, obs: JSON.parse(JSON.stringify(obs)) as ReplicaSnapshot });
        const before = last.get(req.group) ?? new Map<string, { t: number; cpu: number }>();
        const seen = new Map<string, { t: number; cpu: number }>();
        let sum = 0;
        let k = 0;
        let busy = 0;
        for (const i of obs.instances) {
          if (i.phase === 'placing' || i.phase === 'booting') busy++;
          if (i.phase !== 'running') continue;
          seen.set(i.name, { t: req.now, cpu: i.cpuUs });
          const p = before.get(i.name);
          if (p === undefined) continue;
          sum += ((i.cpuUs - p.cpu) / ((req.now - p.t) * i.vcpus)) * 100;
          k++;
        }
        last.set(req.group, seen);
        const mean = k > 0 ? sum / k : null;
        const actions: object[] = [];
        if (mean !== null && busy === 0 && mean > up && seen.size < max) actions.push({ type: 'spawn', name: `${req.group}-s${++clones}`, scaling: 'up' });
        else if (mean !== null && busy === 0 && mean < down && seen.size > 1) actions.push({ type: 'destroy', instance: 'newest', reason: 'scale_down', scaling: 'down' });
        return { type: 'step', actions: actions as never, wakeAt: req.now + period, report: { cpu: mean, inCooldown: false } };
      },
    };
  },
};
provideModuleEngine(POLICY, threshold);

/** No name: `kind: module` makes it the replica dialect. 1.8 cores of demand until 60 s, then 0.2. */
const SCENARIO = `name: replica-dialect
duration: 2m
engine:
  kind: module
  path: ./threshold.mjs
  config:
    period: 10s
    params: { up: 80, down: 20, max: 4 }
world:
  stats_interval: 10s
  placement_latency: 0s
  stop_latency: 0s
  boot: { latency: 5s }
  hosts:
    - name: node-1
      threads: 16
      memory: 64GiB
workloads:
  - name: web
    vcpus: 1
    min_instances: 1
    max_instances: 4
    load:
      base: 1.8
      steps: [{ at: 60s, delta: -1.6 }]
`;

/** The events of the run, parsed. */
function events(sets: string[] = []): Record<string, unknown>[] {
  const lines: string[] = [];
  simulateScenario(parseScenarioText(SCENARIO, join(dir, 'replica-dialect.yaml'), { sets }), { event: (l) => lines.push(l) });
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('the replica dialect with a threshold policy', () => {
  it('scales up at 20 s and 30 s, down at 70 s and 80 s (worked by hand)', () => {
    observed.length = 0;
    const ev = events();
    // By hand (demand split evenly over the running instances, each capped at its 1 vCPU):
    //  10 s: web's first reading, a baseline only → no mean, nothing done.
    //  20 s: web used 1 core (1.8 offered, 1 vCPU) over 10 s: 10e6 µs / 10e6 µs = 100 % > 80 → spawn web-s1
    //        (placed at once, boots 5 s: running at 25 s).
    //  30 s: web: 1 core over 20–25 s + 1.8/2 = 0.9 over 25–30 s = 5e6 + 4.5e6 = 9.5e6 µs → 95 %;
    //        web-s1 first seen (baseline). 95 > 80, nothing booting, 2 < 4 → spawn web-s2 (running at 35 s).
    //  40 s: web and web-s1: 0.9 × 5 s + 0.6 × 5 s = 7.5e6 µs → 75 %: no action (web-s2 baseline).
    //  50 s, 60 s: 1.8/3 = 0.6 each → 60 %: no action. The demand drops to 0.2 at 60 s (after the wake).
    //  70 s: 0.2/3 each → 6.67 % < 20, 3 running > 1 → destroy the newest, web-s2 (created at 30 s).
    //  80 s: 0.2/2 = 0.1 each → 10 % < 20 → destroy the newest, web-s1.
    //  90 s … 110 s: web alone at 0.2 → 20 %, one running: no action.
    const scaling = ev.filter((e) => e['type'] === 'scale_up' || e['type'] === 'scale_down').map((e) => [e['time_s'], e['type']]);
    expect(scaling).toEqual([
      [20, 'scale_up'],
      [30, 'scale_up'],
      [70, 'scale_down'],
      [80, 'scale_down'],
    ]);
    const stopping = ev.filter((e) => e['type'] === 'instance_stopping').map((e) => [e['time_s'], e['instance']]);
    expect(stopping).toEqual([
      [70, 'web-s2'],
      [80, 'web-s1'],
    ]);
    // the policy was woken every 10 s from 10 s to 110 s (2 min run: the wake at 120 s is the end)
    expect(observed.map((o) => o.now / 1e6)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110]);
  });

  it('the snapshot: phases, host, creation and phase times, CPU as integer µs', () => {
    observed.length = 0;
    events();
    const at = (s: number): ReplicaSnapshot => observed.find((o) => o.now === s * 1e6)!.obs;
    // 10 s: web alone, running since 0, 1 core × 10 s = 10,000,000 µs
    expect(at(10)).toEqual({ instances: [{ name: 'web', phase: 'running', vcpus: 1, host: 'node-1', createdAt: 0, phaseSince: 0, cpuUs: 10_000_000 }] });
    // 30 s: web-s1 spawned at 20 s, running since 25 s, 0.9 × 5 s = 4,500,000 µs
    expect(at(30).instances[1]).toEqual({ name: 'web-s1', phase: 'running', vcpus: 1, host: 'node-1', createdAt: 20_000_000, phaseSince: 25_000_000, cpuUs: 4_500_000 });
    // no request flow: no `requests` key
    expect('requests' in at(30)).toBe(false);
  });

  it('params come from the scenario (--set engine.config.params.up=96: no second scale-up at 95 %)', () => {
    const ev = events(['engine.config.params.up=96']);
    const ups = ev.filter((e) => e['type'] === 'scale_up').map((e) => e['time_s']);
    // 20 s: 100 % > 96 → spawn; 30 s: 95 % ≤ 96 → none; then 60 % … no more
    expect(ups).toEqual([20]);
  });
});

describe('a misbehaving policy: one line naming the message', () => {
  /** A policy that answers every observe with `reply`. */
  const answering = (name: string, reply: Reply, engine: 'replica' | 'albatross' = 'replica'): string => {
    const file = join(dir, name);
    writeFileSync(file, '// served by provideModuleEngine in the test\n');
    provideModuleEngine(file, {
      open: () => ({
        engine,
        wants: [],
        handle: (req: Sent): Reply => (req.type === 'end' ? { type: 'bye' } : req.type === 'init' ? { type: 'step', actions: [] } : reply),
      }),
    });
    return file;
  };
  const failure = (file: string): InputError => {
    try {
      events([`engine.path=${file}`]);
    } catch (err) {
      expect(err).toBeInstanceOf(InputError);
      return err as InputError;
    }
    throw new Error('expected the run to fail');
  };

  it('an unknown action at the first observe (10 s; messages: hello 0, init 1, observe 2)', () => {
    const err = failure(answering('unknown.mjs', { type: 'step', actions: [{ type: 'scale_out' } as never] }));
    expect(err.message).toMatch(/^module engine \S+unknown\.mjs: unknown action "scale_out".* on message 2 \(observe web at 10 s\)$/);
  });

  it('a wake-up not after now', () => {
    const err = failure(answering('early.mjs', { type: 'step', actions: [], wakeAt: 10_000_000 }));
    expect(err.message).toMatch(/"wakeAt" must be > now \(10000000\), got 10000000 on message 2 \(observe web at 10 s\)$/);
  });

  it('a spawn of a name that is live is refused (names are unique among live instances)', () => {
    const err = failure(answering('twice.mjs', { type: 'step', actions: [{ type: 'spawn', name: 'web' }], wakeAt: null }));
    expect(err.message).toMatch(/^module engine \S+twice\.mjs: action 1 \(spawn\): "web" is already the name of a live instance of group web, in the reply to observe web at 10 s$/);
  });

  it('an engine speaking another dialect is told which name to write', () => {
    const err = failure(answering('albatross.mjs', { type: 'step', actions: [] }, 'albatross'));
    expect(err.message).toContain('the engine speaks albatross; write engine.name: albatross in the scenario');
  });
});
