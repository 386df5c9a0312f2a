/**
 * The faithful Albatross variant against mollymawk's merged code (robur-coop/mollymawk at
 * 1c257b3: `autoscaler.ml`, `Cluster_manager`, and the autoscaler part of `unikernel.ml`).
 * Every expected value is worked by hand from that code; the comments show the arithmetic.
 * Defaults: up 90 % × 3 ticks, down 40 % × 5 ticks, cooldown 600 s, death_timeout 900 s.
 */
import { describe, expect, it } from 'vitest';
import { config, preset, S } from './albatross-fixture.js';
import {
  cloneIdOf,
  initialGroup,
  memberOf,
  nextCloneName,
  onSpawnResult,
  onStats,
  withGroup,
  type GroupContext,
  type GroupState,
  type StatsSample,
} from '../src/engines/albatross/engine.js';
import { intOfStringOpt } from '../src/engines/albatross/names.js';
import { loadScenario, parseScenarioText } from '../src/scenario/load.js';
import { simulateAlbatross } from '../src/run/albatross.js';

const faithful: GroupContext = { config, options: preset('faithful'), policy: { vcpus: 1, maxInstances: null, minInstances: 1 } };
const corrected: GroupContext = { config, options: preset('corrected'), policy: { vcpus: 1, maxInstances: null, minInstances: 1 } };

/** A sample of `cpuS` whole CPU seconds, the previous record `[at µs, cpu s]` or none. */
function rec(name: string, cpuS: number, previous?: [number, number]): StatsSample {
  const [at, before] = previous ?? [-1, 0];
  return { name, utimeSec: cpuS, utimeUsec: 0, stimeSec: 0, stimeUsec: 0, previousAt: at, previousUtimeSec: before, previousUtimeUsec: 0, previousStimeSec: 0, previousStimeUsec: 0 };
}

/** A small world: one 1-vCPU service on one host, exact CPU accounting (no noise, fixed boots). */
function world(workload: string, extra = '', duration = '2000s'): string {
  return `name: upstream
seed: 1
duration: ${duration}
engine: { name: albatross, variant: faithful }
world:
  stats_interval: 10s
  placement_latency: 1ms
  stop_latency: 5ms
  boot: { latency: 20ms }
  hosts: [ { name: h, threads: 16, memory: 16GiB } ]
workloads:
  - name: web
    vcpus: 1
    memory: 64MiB
${workload}
${extra}output: { timeseries: false, events: true, report: false }
`;
}

/** Run a world and keep its events as parsed objects. */
function events(text: string): Array<{ t: number; type: string; instance?: string; reason?: string }> {
  const lines: string[] = [];
  simulateAlbatross(parseScenarioText(text, 'upstream.yaml'), { event: (l) => lines.push(l) });
  return lines.map((l) => {
    const e = JSON.parse(l) as { time_s: number; type: string; instance?: string; reason?: string };
    return { ...e, t: e.time_s };
  });
}

describe('1–3: clones prepended, registered at spawn completion, removed after the destroy (world)', () => {
  // Demand 2.5 cores, down to 0.2 at 700 s, back to 2.5 at 1400 s; every instance has one vCPU.
  const text = world('    load: { base: 2.5, steps: [ { at: 700s, delta: -2.3 }, { at: 1400s, delta: 2.3 } ] }');
  const log = events(text);
  const scaling = log.filter((e) => e.type === 'scale_up' || e.type === 'scale_down').map((e) => [e.t, e.type, e.instance]);

  it('spawns, destroys the newest registered clone, and reuses its number', () => {
    // t = 0 primary's first record → 0 %; 10, 20, 30 s: 10 CPU-s / 10 s = 100 % > 90 → ticks 1, 2, 3
    //   → evaluate_scaling Overloaded at 30 s, stamp 30; spawn_clone web-clone-1 (next_id 1).
    // Albatross creates it 1 ms later: register_clone stamps last_scale_action = 30.001 s.
    // in_cooldown while now − 30.001 < 600: the round at 630 s (599.999) still cools; both
    //   instances run at 1 core (2.5 / 2 capped at the vCPU) = 100 % → ticks at 640, 650, 660
    //   → web-clone-2 at 660 s, registered 660.001 (clones = [clone-2; clone-1]).
    // From 700 s demand 0.2: every instance reads 0 %; cooldown until 1260.001, so low ticks at
    //   1270 … 1310 (5 ticks) → Underloaded: List.hd clones = web-clone-2, the newest.
    // Destroy confirmed at 1310.005 (stop_latency): remove_clone stamps 1310.005, next_id = 2.
    // From 1400 s demand 2.5 on two instances → 100 %; 1910 − 1310.005 = 599.995 < 600 cools;
    //   ticks at 1920, 1930, 1940 → spawn named web-clone-2 again.
    expect(scaling).toEqual([
      [30, 'scale_up', 'web-clone-1'],
      [660, 'scale_up', 'web-clone-2'],
      [1310, 'scale_down', 'web-clone-2'],
      [1940, 'scale_up', 'web-clone-2'],
    ]);
  });

  it('counts a scale-down only when a clone is destroyed: no phantom, no adoption back', () => {
    // prune_clone: remove_clone runs after albatross confirms, so the victim's record of the
    // same round finds it still in the group; nothing to adopt, nothing destroyed twice.
    expect(log.filter((e) => e.type === 'adopted' || e.type === 'destroy_ignored')).toEqual([]);
    const stopped = log.filter((e) => e.type === 'instance_stopping').map((e) => [e.t, e.instance, e.reason]);
    expect(stopped).toEqual([[1310, 'web-clone-2', 'scale_down']]);
    const gone = log.filter((e) => e.type === 'instance_gone').map((e) => [e.t, e.instance]);
    expect(gone).toEqual([[1310.005, 'web-clone-2']]);
  });
});

describe('1: the victim after re-adoption (scale_down_victim)', () => {
  it('first = the last clone adopted; highest_id = the highest number whatever the order', () => {
    // records come sorted by name: web, web-clone-10, web-clone-9. handle_stats registers
    // web-clone-10, then web-clone-9, each prepended: clones = [web-clone-9; web-clone-10].
    const back = onStats(faithful, initialGroup('web'), [rec('web', 0), rec('web-clone-10', 0), rec('web-clone-9', 0)], 3, 0).state;
    expect(back.members.map((m) => m.name)).toEqual(['web', 'web-clone-9', 'web-clone-10']);
    // four low ticks already, out of cooldown: the next idle round (average 0 < 40) is the fifth
    const ready = withGroup(back, { lowTicks: 4, lastScaleAction: null });
    const idle = [rec('web', 0, [0, 0]), rec('web-clone-10', 0, [0, 0]), rec('web-clone-9', 0, [0, 0])];
    const victim = (c: GroupContext) => onStats(c, ready, idle, 3, 10 * S).actions.map((a) => ('name' in a ? a.name : a.type));
    expect(victim(faithful)).toEqual(['web-clone-9']); // List.hd clones
    expect(victim({ ...faithful, options: { ...faithful.options, scale_down_victim: 'highest_id' } })).toEqual(['web-clone-10']);
  });
});

describe('2: scale-downs of the bundled default are real destroys', () => {
  it('every scale-down stops a running clone: none ignored, none adopted back', () => {
    // before the fix 19 of albatross-default's 172 scale-downs targeted a clone already gone
    const lines: string[] = [];
    simulateAlbatross(loadScenario('scenarios/albatross-default.yaml'), { event: (l) => lines.push(l) });
    const log = lines.map((l) => JSON.parse(l) as { type: string; reason?: string });
    const downs = log.filter((e) => e.type === 'scale_down').length;
    expect(downs).toBeGreaterThan(100);
    expect(log.filter((e) => e.type === 'instance_stopping' && e.reason === 'scale_down').length).toBe(downs);
    expect(log.filter((e) => e.type === 'destroy_ignored' || e.type === 'adopted').length).toBe(0);
  });
});

describe('3: a new clone starts at a copy of the primary\'s last load (engine)', () => {
  it('the evaluation after the spawn averages the primary and its copy', () => {
    // rounds at 0, 10, 20, 30 s, the primary burning 10 CPU-s per 10 s: 0 %, then 100 % × 3 →
    // Overloaded at 30 s. spawn_clone registers (clone_name, scaler) with scaler = the primary's
    // state: last_cpu_usage 100. Next primary record at 40 s (100 %): (100 + 100) / 2 = 100.
    let s: GroupState = initialGroup('web');
    for (let k = 0; k <= 3; k++) s = onStats(faithful, s, [rec('web', 10 * k, k === 0 ? undefined : [(k - 1) * 10 * S, 10 * (k - 1)])], 1, k * 10 * S).state;
    expect(s.lastScaleAction).toBe(30 * S);
    s = onSpawnResult(faithful, s, 'web-clone-1', 'created', 30 * S + 1000).state;
    expect(s.members.map((m) => [m.name, m.load])).toEqual([
      ['web', 100],
      ['web-clone-1', 100],
    ]);
    expect(s.lastScaleAction).toBe(30 * S + 1000); // register_clone: Mirage_ptime.now () at registration
    s = onStats(faithful, s, [rec('web', 40, [30 * S, 30])], 1, 40 * S).state;
    expect(s.lastAverage).toBe(100);
  });
});

describe('4: failure paths of spawn_clone (unikernel.ml)', () => {
  it('a clone refused for block devices keeps the stamp: the next try waits a full cooldown', () => {
    // 100 % from 10 s → Overloaded at 30 s (stamp 30). spawn_clone returns "Unikernels with block
    // devices cannot be safely cloned" without remove_cooldown: in_cooldown until 630 (630 − 30 =
    // 600 is not < 600), ticks 630, 640, 650 → next try at 650, then 1270, 1890.
    const log = events(world('    block_devices: true\n    load: { base: 2.5 }'));
    expect(log.filter((e) => e.type === 'spawn_failed').map((e) => [e.t, e.reason])).toEqual([
      [30, 'block_devices'],
      [650, 'block_devices'],
      [1270, 'block_devices'],
      [1890, 'block_devices'],
    ]);
  });

  it('a clone albatross cannot create clears the stamp (remove_cooldown): the next three ticks try again', () => {
    // The host has room for the primary only. Overloaded at 30 s; force_create_unikernel fails →
    // remove_cooldown; evaluate_scaling's trigger had reset both counters: ticks 40, 50, 60 → 60 s.
    const text = world('    load: { base: 2.5 }', '', '100s').replace('threads: 16', 'threads: 1');
    expect(events(text).filter((e) => e.type === 'spawn_failed').map((e) => [e.t, e.reason])).toEqual([
      [30, 'no_capacity'],
      [60, 'no_capacity'],
      [90, 'no_capacity'],
    ]);
  });

  it('a clone name over 63 characters cannot be made: next_clone_name fails after the stamp', () => {
    const g55 = 'a'.repeat(55); // "<55>-clone-1" = 55 + 8 = 63 characters: a valid label
    const g56 = 'a'.repeat(56); // 64 characters: Vmm_core.Name.Label.of_string refuses it
    expect(nextCloneName(initialGroup(g55).members, g55)).toBe(`${g55}-clone-1`);
    expect(nextCloneName(initialGroup(g56).members, g56)).toBeNull();
    // evaluate_scaling triggers (counters 0, stamp now), then next_clone_name returns Error:
    // no spawn, the stamp stays.
    const high = withGroup(initialGroup(g56), { highTicks: 2, members: [memberOf(g56, g56, 2)] });
    const d = onStats(faithful, high, [rec(g56, 20, [10 * S, 10])], 1, 20 * S);
    expect(d.actions).toEqual([{ type: 'spawn_refused', group: g56, reason: 'name_too_long' }]);
    expect([d.state.highTicks, d.state.lastScaleAction]).toEqual([0, 20 * S]);
  });

  it('clone ids parse as OCaml int_of_string_opt does', () => {
    // checked against OCaml 4.13.1 (runtime parse_intnat; 63-bit int):
    const table: Array<[string, number | null]> = [
      ['0', 0], ['07', 7], ['-0', 0], ['-07', -7], ['+1', 1], ['1_0', 10], ['_1', null], ['1_', 1],
      ['0x1f', 31], ['0X1F', 31], ['0o17', 15], ['0b11', 3], ['0u5', 5], ['0x', null], ['1.5', null],
      ['', null], [' 1', null], ['1a', null], ['08', 8], ['00', 0], ['0_x1', null],
      ['0x7fffffffffffffff', -1], ['4611686018427387903', 4611686018427387903], ['4611686018427387904', null],
      ['0xffffffffffffffff', null],
    ];
    for (const [text, value] of table) expect([text, intOfStringOpt(text)]).toEqual([text, value]);
    // in a name the id is the text after the last '-': a label has no '+' or '_', but 0x… is a label
    expect(cloneIdOf('web', 'web-clone-0x1f')).toBe(31);
    expect(cloneIdOf('web', 'web-clone--1')).toBeNull(); // "-1".split('-') → the part before "1" is "", not "clone"
  });

  it('an adopted web-clone-07 counts as id 7: the next spawn is web-clone-8', () => {
    // handle_stats registers a running "web-clone-07" (int_of_string_opt "07" = Some 7):
    // add_clone_to_group sets next_id = max 1 (7 + 1) = 8.
    const d = onStats(faithful, initialGroup('web'), [rec('web', 0), rec('web-clone-07', 0)], 2, 0);
    expect(d.actions).toEqual([{ type: 'adopt', group: 'web', name: 'web-clone-07' }]);
    expect(d.state.lastScaleAction).toBe(0); // register_clone stamps adoption too
    expect(nextCloneName(d.state.members, 'web')).toBe('web-clone-8');
  });
});

describe('5: corrected variant', () => {
  it('in the world: after the primary is killed, no clone is spawned before the death is noticed', () => {
    // demand 3 cores on 1-vCPU instances keeps every instance at 100 %; the primary dies at
    // 1005 s (between rounds), the sync pass at 1800 s notices. Rounds 1010 … 1790 s carry only
    // clone records: with require_primary_record none of them is evaluated, so no spawn there.
    const text = world('    load: { base: 3 }', 'faults:\n  - { at: 1005s, kill_primary: web }\n').replace('variant: faithful', 'variant: corrected');
    const log = events(text);
    const ups = log.filter((e) => e.type === 'scale_up').map((e) => e.t);
    expect(ups.filter((t) => t > 1005)).toEqual([]);
    expect(ups.length).toBeGreaterThan(0);
    expect(log.filter((e) => e.type === 'group_forgotten').map((e) => e.t)).toEqual([1800]);
  });

  it('never spawns a clone of a primary that has stopped reporting', () => {
    // primary and two clones heard twice; then only the clones report, each at 100 % (10 CPU-s
    // per 10 s). The round average (100 + 100) / 2 = 10 000 bp > 9 000 would tick three times and
    // spawn at the third round; with require_primary_record no round without the primary counts.
    const members = ['web', 'web-clone-2', 'web-clone-1'].map((n) => memberOf('web', n, 2));
    let s = withGroup(initialGroup('web'), { members });
    const actions: string[] = [];
    for (let k = 1; k <= 5; k++) {
      const t = k * 10 * S;
      const round = ['web-clone-1', 'web-clone-2'].map((n) => rec(n, 10 * k, [t - 10 * S, 10 * (k - 1)]));
      const d = onStats(corrected, s, round, 2, t);
      actions.push(...d.actions.map((a) => a.type));
      s = d.state;
    }
    expect(actions).toEqual([]);
    expect(s.highTicks).toBe(0);
    // without the option, the same rounds spawn at the third (30 s): what the correction prevents
    const loose: GroupContext = { ...corrected, options: { ...corrected.options, require_primary_record: false } };
    let t = withGroup(initialGroup('web'), { members });
    const looseActions: string[] = [];
    for (let k = 1; k <= 3; k++) {
      const d = onStats(loose, t, ['web-clone-1', 'web-clone-2'].map((n) => rec(n, 10 * k, [(k - 1) * 10 * S, 10 * (k - 1)])), 2, k * 10 * S);
      looseActions.push(...d.actions.map((a) => a.type));
      t = d.state;
    }
    expect(looseActions).toEqual(['spawn_clone']);
  });
});
