/**
 * Spawn failures on the replica world (src/run/replicas.ts, `ReplicaPlugin.spawnFailures`): with
 * `'backoff'` (the default) the world tries no placement for 10 ms after a spawn found no room,
 * then 20, 40, … at most `world.stats_interval`, and logs a run of failures as its first line
 * plus one line with the count; with `'each'` (Albatross) every spawn is tried and logged.
 *
 * A scripted engine asks for one spawn every 10 ms on a host with room for two 1-vCPU instances
 * (the warm `w` and one more), and a periodic pass destroys the spawned one at 100 ms (gone at
 * 101 ms: room again), so when the next placement is tried shows the backoff.
 */
import { describe, expect, it } from 'vitest';
import type { Micros } from '../src/kernel/time.js';
import { simulateReplicas } from '../src/run/replicas.js';
import { parseScenarioText } from '../src/scenario/load.js';
import type { ReplicaCommand, ReplicaPlugin, ReplicaStep } from '../src/world/replicas/engine.js';

/** 2 threads (two 1-vCPU instances), placement 1 ms, boot 19 ms, stop 1 ms, stats (cap) 50 ms, 300 ms. */
const TEXT = `name: spawn-failures
seed: 1
duration: 300ms
engine: { name: kraftcloud }
world:
  stats_interval: 50ms
  placement_latency: 1ms
  stop_latency: 1ms
  measurement_noise: 0
  boot: { latency: 19ms, failure_probability: 0 }
  hosts: [{ name: h, threads: 2, memory: 16GiB }]
workloads:
  - { name: w, vcpus: 1, memory: 64MiB, load: { base: 0.5 } }
output: { timeseries: false, events: true, report: false }
`;

const MS = 1000;
const NONE: readonly ReplicaCommand[] = [];

/**
 * Timer every 10 ms from 10 ms: spawn `x-<tick>` at ticks 1–16 (10–160 ms) and 20–21 (200, 210 ms).
 * Periodic every 100 ms: at 100 ms destroy x-1.
 */
function scripted(mode: 'backoff' | 'each' | undefined): ReplicaPlugin<number, null> {
  const step = (state: number, actions: readonly ReplicaCommand[], wakeAt?: Micros | null): ReplicaStep<number> => (wakeAt === undefined ? { state, actions } : { state, actions, wakeAt });
  return {
    ...(mode === undefined ? {} : { spawnFailures: mode }),
    initialInstances: () => [{ name: 'w', primary: true }],
    initialState: () => 0,
    sensor: {
      kind: 'timer',
      firstWake: () => 10 * MS,
      observe: () => null,
      decide: (_g, state, _o, now) => {
        const tick = now / (10 * MS);
        const spawn = tick <= 16 || tick === 20 || tick === 21;
        return step(state, spawn ? [{ type: 'spawn', name: `x-${tick}` }] : NONE, now + 10 * MS);
      },
    },
    periodic: { every: 100 * MS, run: (_g, state, now) => (now === 100 * MS ? step(1, [{ type: 'destroy', instance: 'x-1', reason: 'test' }]) : step(state, NONE)) },
    onSpawnResult: (_g, state) => step(state, NONE),
    onGone: () => null,
    report: { cooldown: 0, thresholds: { up: 0, down: 0 }, sensorNote: '', reading: (_g, _b, _a, _n, out) => void Object.assign(out, { cpu: null, highTicks: 0, lowTicks: 0, inCooldown: false }) },
  };
}

interface Ev {
  time_s: number;
  type: string;
  instance?: string;
  reason?: string;
  count?: number;
  first_s?: number;
  last_s?: number;
}

function run(mode: 'backoff' | 'each' | undefined): { events: Ev[]; failures: number } {
  const scenario = parseScenarioText(TEXT, 'spawn-failures.yaml');
  const lines: string[] = [];
  const sim = simulateReplicas(scenario, scripted(mode), { event: (l) => lines.push(l) });
  const failures = sim.workloads[0]!.result.counts.spawn_failures;
  return { events: lines.map((l) => JSON.parse(l) as Ev), failures: failures ?? NaN };
}

/** The spawn outcomes: [ms, type, instance or count]. */
function outcomes(events: Ev[]): [number, string, string | number][] {
  return events
    .filter((e) => e.type === 'spawn_failed' || (e.type === 'instance_created' && e.instance !== 'w'))
    .map((e) => [Math.round(e.time_s * 1e6) / MS, e.type, e.count ?? e.instance ?? '']);
}

describe('replica world: spawn failures', () => {
  it('backs off 10, 20, 40 ms then the 50 ms cap, and logs a run of failures as two lines', () => {
    // default = 'backoff'
    const { events, failures } = run(undefined);
    // 10 ms: x-1 placed (w + x-1 fill the host).
    // 20 ms: x-2 tried, fails → logged; retry ≥ 20 + 10 = 30.
    // 30 ms: tried, fails (repeat 1) → retry ≥ 30 + 20 = 50; 40 ms refused untried (2).
    // 50 ms: tried, fails (3) → 50 + 40 = 90; 60, 70, 80 refused (4, 5, 6).
    // 90 ms: tried, fails (7) → 90 + min(80, 50) = 140; 100–130 refused (8–11) although x-1 is
    //        gone at 101 ms. 140 ms: tried → x-14 placed (then `spawned`); the run's repeats
    //        logged after it: 11 (30–130 ms).
    // 150, 160 ms: x-15, x-16 tried (the backoff was reset), fail: a new run, logged, repeat 1;
    //        retry ≥ 160 + 20 = 180. 200 ms: x-20 tried, fails (repeat 2) → 200 + 40 = 240;
    //        210 ms: refused (3). The run ends with the run: one line at 300 ms, 3 repeats.
    expect(outcomes(events)).toEqual([
      [10, 'instance_created', 'x-1'],
      [20, 'spawn_failed', 'x-2'],
      [140, 'instance_created', 'x-14'],
      [140, 'spawn_failed', 11],
      [150, 'spawn_failed', 'x-15'],
      [300, 'spawn_failed', 3],
    ]);
    const lines = events.filter((e) => e.count !== undefined);
    expect(lines.map((e) => [e.reason, e.first_s, e.last_s])).toEqual([
      ['no_capacity', 0.02, 0.13],
      ['no_capacity', 0.15, 0.21],
    ]);
    // every refused spawn counts: 20–130 ms (12) and 150, 160, 200, 210 ms (4) = Σ count (1 where absent): 1 + 11 + 1 + 3
    expect(failures).toBe(16);
    expect(events.filter((e) => e.type === 'spawn_failed').reduce((n, e) => n + (e.count ?? 1), 0)).toBe(16);
  });

  it("'each' (Albatross): every spawn tried and every failure logged", () => {
    const { events, failures } = run('each');
    // 20–100 ms fail (x-1 still stopping at 100 ms: the periodic pass runs first, gone at 101);
    // 110 ms: x-11 placed; 120–160 and 200, 210 ms fail.
    const expected: [number, string, string | number][] = [[10, 'instance_created', 'x-1']];
    for (let k = 2; k <= 10; k++) expected.push([10 * k, 'spawn_failed', `x-${k}`]);
    expected.push([110, 'instance_created', 'x-11']);
    for (const k of [12, 13, 14, 15, 16, 20, 21]) expected.push([10 * k, 'spawn_failed', `x-${k}`]);
    expect(outcomes(events)).toEqual(expected);
    expect(failures).toBe(16);
  });
});
