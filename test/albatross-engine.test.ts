/**
 * Golden cases for the Albatross engine, worked by hand from docs/engines/albatross.md and mollymawk's autoscaler.ml.
 * Defaults: up 90 % × 3 ticks, down 40 % × 5 ticks, cooldown 600 s, death_timeout 900 s.
 */
import { describe, expect, it } from 'vitest';
import { config, preset, S } from './albatross-fixture.js';
import {
  cloneIdOf,
  coolingSince,
  evaluatedAverage,
  initialGroup,
  memberOf,
  nextCloneName,
  onDestroyResult,
  onSpawnResult,
  onStats,
  onSync,
  type AlbatrossOptions,
  type GroupContext,
  type GroupState,
  type StatsSample,
  withGroup,
} from '../src/engines/albatross/engine.js';
import { basisPoints, faithfulPercent, wholeCpuSeconds } from '../src/engines/albatross/cpu.js';

const ctx = (variant: 'faithful' | 'corrected', extra: Partial<AlbatrossOptions> = {}, max: number | null = null): GroupContext => ({
  config,
  options: { ...preset(variant), ...extra },
  policy: { vcpus: 1, maxInstances: max, minInstances: 1 },
});

/**
 * A sample whose cumulative CPU time is `cpuUs` microseconds (all in utime); `previous` is the
 * same unikernel's record before it ([time, cpu µs]), absent for its first.
 */
function rec(name: string, cpuUs: number, previous?: [number, number]): StatsSample {
  const sec = Math.floor(cpuUs / S);
  const [at, before] = previous ?? [-1, 0];
  const beforeSec = Math.floor(before / S);
  return {
    name,
    utimeSec: sec,
    utimeUsec: cpuUs - sec * S,
    stimeSec: 0,
    stimeUsec: 0,
    previousAt: at,
    previousUtimeSec: beforeSec,
    previousUtimeUsec: before - beforeSec * S,
    previousStimeSec: 0,
    previousStimeUsec: 0,
  };
}

/**
 * Feed rounds every 10 s; `cpuAt(name, k)` gives cumulative CPU µs of each unikernel at round k,
 * and the previous record of each is handed along as the sensor would (none at round 0).
 * `load` is the average the engine evaluated in the round, in percent. Like the world, albatross
 * answers each spawn (the clone is created) and destroy (confirmed) `answer` µs after the round.
 */
function feed(c: GroupContext, state: GroupState, names: string[], rounds: number, cpuAt: (name: string, k: number) => number, from = 0, answer = 0) {
  const log: Array<{ t: number; load: number | null; high: number; actions: string[] }> = [];
  let s = state;
  const destroyed = new Set<string>();
  for (let k = from; k < from + rounds; k++) {
    const t = k * 10 * S;
    const previous = (n: string): [number, number] | undefined => (k > 0 ? [t - 10 * S, cpuAt(n, k - 1)] : undefined);
    const records = names.filter((n) => !destroyed.has(n)).map((n) => rec(n, cpuAt(n, k), previous(n)));
    const d = onStats(c, s, records, records.length, t);
    const load = evaluatedAverage(c, s, d.state, records, records.length, t);
    s = d.state;
    for (const a of d.actions) {
      if (a.type === 'destroy_clone') {
        destroyed.add(a.name);
        s = onDestroyResult(c, s, a.name, t + answer).state;
      } else if (a.type === 'spawn_clone') {
        s = onSpawnResult(c, s, a.name, 'created', t + answer).state;
      }
    }
    log.push({ t: t / S, load, high: s.highTicks, actions: d.actions.map((a) => `${a.type}:${'name' in a ? a.name : ''}`) });
  }
  return { state: s, log };
}

describe('cpu arithmetic', () => {
  it('drops the microseconds of utime and stime separately (faithful)', () => {
    expect(wholeCpuSeconds(9, 999_999, 0, 999_999)).toBe(9);
  });
  it('divides before multiplying (faithful)', () => {
    expect(faithfulPercent(9, 10)).toBe(0);
    expect(faithfulPercent(10, 10)).toBe(100);
    expect(faithfulPercent(25, 10)).toBe(100); // 2 → 200 %, capped
    expect(faithfulPercent(-1, 10)).toBe(0);
    expect(faithfulPercent(5, 0)).toBe(0);
  });
  it('works in basis points of the vCPUs (corrected)', () => {
    expect(basisPoints(9_500_000, 10 * S, 1)).toBe(9_500);
    expect(basisPoints(9_500_000, 10 * S, 2)).toBe(4_750);
    expect(basisPoints(30 * S, 10 * S, 2)).toBe(10_000);
  });
});

describe('9.5 CPU-seconds every 10 s on one vCPU (95 % load)', () => {
  const cpu = (_: string, k: number) => k * 9_500_000;

  it('faithful: alternates 0 % and 100 % and never scales up', () => {
    // cumulative whole seconds 0, 9, 19, 28, 38, 47 … → deltas 9, 10, 9, 10 → 0 %, 100 %, 0 %, 100 %
    const { log } = feed(ctx('faithful'), initialGroup('web'), ['web'], 60, cpu);
    expect(log.slice(1, 7).map((l) => l.load)).toEqual([0, 100, 0, 100, 0, 100]);
    expect(Math.max(...log.map((l) => l.high))).toBe(1);
    expect(log.flatMap((l) => l.actions)).toEqual([]);
  });

  it('corrected: 9,500 bp > 9,000 bp on three ticks → one clone at the third', () => {
    const { log } = feed(ctx('corrected'), initialGroup('web'), ['web'], 4, cpu);
    // round 0 is the baseline; rounds 1, 2, 3 are high ticks 1, 2, 3 → spawn at t = 30 s
    expect(log.map((l) => l.actions)).toEqual([[], [], [], ['spawn_clone:web-clone-1']]);
    expect(log[2]!.load).toBe(95);
  });
});

describe('cooldown', () => {
  it('blocks counting for cooldown_period after an action, then counting resumes', () => {
    const c = ctx('corrected');
    const cpu = (n: string, k: number) => (n === 'web' ? k * 9_500_000 : 0);
    const { state, log } = feed(c, initialGroup('web'), ['web'], 70, cpu);
    // spawn at 30 s; cooldown while now − 30 s < 600 s, i.e. up to 620 s; ticks 1, 2, 3 at 630, 640, 650 s
    const spawns = log.filter((l) => l.actions.length > 0).map((l) => [l.t, l.actions]);
    expect(spawns).toEqual([
      [30, ['spawn_clone:web-clone-1']],
      [650, ['spawn_clone:web-clone-2']],
    ]);
    expect(log.find((l) => l.t === 620)!.high).toBe(0);
    expect(log.find((l) => l.t === 630)!.high).toBe(1);
    // add_clone_to_group prepends: newest first
    expect(state.members.map((m) => m.name)).toEqual(['web', 'web-clone-2', 'web-clone-1']);
  });

  it('a failed spawn clears the cooldown stamp, so the next three high ticks try again', () => {
    const c = ctx('corrected');
    const cpu = (_: string, k: number) => k * 9_500_000;
    const first = onStats(c, feed(c, initialGroup('web'), ['web'], 3, cpu).state, [rec('web', 3 * 9_500_000, [20 * S, 2 * 9_500_000])], 1, 30 * S);
    expect(first.actions).toEqual([{ type: 'spawn_clone', group: 'web', name: 'web-clone-1' }]);
    let state = first.state;
    expect(state.lastScaleAction).toBe(30 * S);
    // unikernel.ml spawn_clone: force_create_unikernel failed → remove_cooldown
    state = onSpawnResult(c, state, 'web-clone-1', 'failed', 30 * S).state;
    expect(state.lastScaleAction).toBeNull();
    expect(state.members.map((m) => m.name)).toEqual(['web']);
    const again = feed(c, state, ['web'], 3, cpu, 4); // 40, 50, 60 s
    expect(again.log.map((l) => l.actions)).toEqual([[], [], ['spawn_clone:web-clone-1']]);
  });
});

describe('clone naming and adoption', () => {
  it('names the next clone after the highest existing id', () => {
    const s = withGroup(initialGroup('web'), { members: ['web', 'web-clone-3', 'web-clone-1'].map((n) => memberOf('web', n)) });
    expect(nextCloneName(s.members, s.group)).toBe('web-clone-4');
    expect(nextCloneName(initialGroup("web").members, "web")).toBe('web-clone-1');
  });

  it('recognises only <group>-clone-<n>', () => {
    // mollymawk autoscaler.ml extract_name_and_clone_id: int_of_string_opt of the last '-' part
    expect(cloneIdOf('web', 'web-clone-7')).toBe(7);
    expect(cloneIdOf('web', 'web-clone-0')).toBe(0);
    expect(cloneIdOf('web', 'web-clone-07')).toBe(7);
    expect(cloneIdOf('web', 'webx-clone-1')).toBeNull();
    expect(cloneIdOf('web', 'web-clone-1a')).toBeNull();
  });

  it('adopts a running clone it does not know when its stats arrive', () => {
    const d = onStats(ctx('faithful'), initialGroup('web'), [rec('web', 0), rec('web-clone-7', 0), rec('other', 0)], 3, 0);
    expect(d.state.members.map((m) => m.name)).toEqual(['web', 'web-clone-7']);
    expect(d.actions).toEqual([{ type: 'adopt', group: 'web', name: 'web-clone-7' }]);
    expect(nextCloneName(d.state.members, d.state.group)).toBe('web-clone-8');
  });
});

describe('evaluation order (faithful)', () => {
  it('evaluates on the primary record with the clones\' previous values', () => {
    const c = ctx('faithful');
    // round 0: baselines. round 1: primary 100 % (10 s of CPU); the clone's record comes after
    // the primary's, so the average uses the clone's old 0 % → (100 + 0) / 2 = 50.
    let s = onStats(c, withGroup(initialGroup('web'), { members: [memberOf('web', 'web'), memberOf('web', 'web-clone-1')] }), [rec('web', 0), rec('web-clone-1', 0)], 2, 0).state;
    s = onStats(c, s, [rec('web', 10 * S, [0, 0]), rec('web-clone-1', 10 * S, [0, 0])], 2, 10 * S).state;
    expect(s.lastAverage).toBe(50);
    // round 2: now the clone's 100 % from round 1 is there → (100 + 100) / 2 = 100
    s = onStats(c, s, [rec('web', 20 * S, [10 * S, 10 * S]), rec('web-clone-1', 20 * S, [10 * S, 10 * S])], 2, 20 * S).state;
    expect(s.lastAverage).toBe(100);
  });

  it('counts a clone without stats as 0 % (faithful) but leaves it out (corrected)', () => {
    const start = withGroup(initialGroup('web'), { members: [memberOf('web', 'web'), memberOf('web', 'web-clone-1')] });
    const run = (c: GroupContext) => {
      const s = onStats(c, start, [rec('web', 0)], 1, 0).state;
      const second = [rec('web', 10 * S, [0, 0])];
      return evaluatedAverage(c, s, onStats(c, s, second, 1, 10 * S).state, second, 1, 10 * S);
    };
    expect(run(ctx('faithful'))).toBe(50);
    expect(run(ctx('corrected'))).toBe(100);
  });
});

describe('scale-down', () => {
  const idle = (_: string, _k: number) => 0;
  const withClones = (): GroupState => withGroup(initialGroup('web'), { members: ['web', 'web-clone-2', 'web-clone-1', 'web-clone-3'].map((name) => memberOf('web', name)) });

  it('faithful destroys the first clone of the list after five low ticks', () => {
    const { log } = feed(ctx('faithful'), withClones(), ['web', 'web-clone-2', 'web-clone-1', 'web-clone-3'], 6, idle);
    // round 0 baseline (load 0 counts as low: 0 < 40 with clones) → ticks 1..5 at rounds 0..4.
    // web-clone-2's record of the same round follows the primary's; the victim is still in the
    // group until albatross confirms the destroy (unikernel.ml prune_clone), so it is no clone
    // to adopt: nothing but the destroy.
    expect(log.flatMap((l) => l.actions)).toEqual(['destroy_clone:web-clone-2']);
    expect(log.findIndex((l) => l.actions.length > 0)).toBe(4);
  });

  it('corrected destroys the clone with the highest number', () => {
    const { log } = feed(ctx('corrected'), withClones(), ['web', 'web-clone-2', 'web-clone-1', 'web-clone-3'], 8, idle);
    expect(log.flatMap((l) => l.actions)).toEqual(['destroy_clone:web-clone-3']);
  });
});

describe('limits', () => {
  const busy = (_: string, k: number) => k * 10 * S;
  it('faithful ignores max_instances; corrected enforces it', () => {
    const f = feed(ctx('faithful', {}, 1), initialGroup('web'), ['web'], 5, busy);
    expect(f.log.flatMap((l) => l.actions)).toEqual(['spawn_clone:web-clone-1']);
    const c = feed(ctx('corrected', {}, 1), initialGroup('web'), ['web'], 5, busy);
    expect(c.log.flatMap((l) => l.actions)).toEqual([]);
  });
});

describe('primary death', () => {
  const group = (): GroupState => withGroup(initialGroup('web'), { members: ['web', 'web-clone-1', 'web-clone-2'].map((name) => memberOf('web', name, 1)) });
  const primaryDead = (name: string) => name !== 'web';

  it('faithful sync pass forgets the group and leaves its clones running (orphaned)', () => {
    const d = onSync(ctx('faithful'), group(), primaryDead, 900 * S);
    expect(d.state.managed).toBe(false);
    expect(d.actions).toEqual([
      { type: 'forget', group: 'web' },
      { type: 'orphan', group: 'web', names: ['web-clone-1', 'web-clone-2'] },
    ]);
  });

  it('corrected destroys the clones', () => {
    const d = onSync(ctx('corrected'), group(), primaryDead, 900 * S);
    expect(d.actions.filter((a) => a.type === 'destroy_clone').map((a) => ('name' in a ? a.name : ''))).toEqual(['web-clone-1', 'web-clone-2']);
  });

  it('promote makes the oldest clone the primary and keeps managing', () => {
    const d = onSync(ctx('corrected', { primary_death: 'promote' }), group(), primaryDead, 900 * S);
    expect(d.state.managed).toBe(true);
    expect(d.state.primary).toBe('web-clone-1');
    expect(d.actions).toEqual([]);
  });

  it('the sync pass drops clones that stopped running', () => {
    const d = onSync(ctx('faithful'), group(), (n) => n !== 'web-clone-1', 900 * S);
    expect(d.state.members.map((m) => m.name)).toEqual(['web', 'web-clone-2']);
  });

  it('corrected notices a primary silent for longer than death_timeout at the next round', () => {
    const c = ctx('corrected');
    // all three report at t = 0; from 10 s on only the clones do (at 50 %, so no scaling). The
    // primary, last heard at 0 s, has been silent for longer than 900 s at the round of 910 s.
    let s = onStats(c, group(), [rec('web', 0), rec('web-clone-1', 0), rec('web-clone-2', 0)], 3, 0).state;
    const actions: Array<[number, string[]]> = [];
    const half = (t: number) => rec('web-clone-1', t / 2, [t - 10 * S, (t - 10 * S) / 2]);
    for (let t = 10 * S; t <= 920 * S; t += 10 * S) {
      const d = onStats(c, s, [half(t), { ...half(t), name: 'web-clone-2' }], 2, t);
      if (d.actions.length > 0) actions.push([t / S, d.actions.map((a) => a.type)]);
      s = d.state;
    }
    expect(actions).toEqual([[910, ['forget', 'destroy_clone', 'destroy_clone']]]);
  });

  it('a quiet corrected round returns the very same state and allocates no decision', () => {
    const c = ctx('corrected');
    const a = feed(c, initialGroup('web'), ['web'], 3, (_, k) => k * 5 * S).state; // 50 %: neither high nor low
    const samples = [rec('web', 15 * S, [20 * S, 10 * S])];
    const d = onStats(c, a, samples, 1, 30 * S);
    expect(d.state).toBe(a);
    expect(d).toBe(a.unchanged);
    expect(evaluatedAverage(c, a, d.state, samples, 1, 30 * S)).toBe(50);
  });

  it('a forgotten group comes back when the primary reports again, and re-adopts its clones', () => {
    const forgotten = onSync(ctx('faithful'), group(), primaryDead, 900 * S).state;
    const ignored = onStats(ctx('faithful'), forgotten, [rec('web-clone-1', 0)], 1, 910 * S);
    expect(ignored.state).toBe(forgotten);
    const back = onStats(ctx('faithful'), forgotten, [rec('web', 0), rec('web-clone-1', 0)], 2, 920 * S);
    expect(back.state.managed).toBe(true);
    expect(back.state.members.map((m) => m.name)).toEqual(['web', 'web-clone-1']);
  });
});

describe('coolingSince (mollymawk autoscaler.ml in_cooldown: now − last_scale_action < cooldown_period)', () => {
  it('is strict at the end of the period, and the epoch (−∞) is never cooling', () => {
    // stamp at 30 s, 600 s cooldown: still cooling at 620 s and at 629.999999 s, no longer at 630 s
    expect(coolingSince(30 * S, 620 * S, 600 * S)).toBe(true);
    expect(coolingSince(30 * S, 630 * S - 1, 600 * S)).toBe(true);
    expect(coolingSince(30 * S, 630 * S, 600 * S)).toBe(false);
    // a 0 s cooldown never cools, not even at the stamp itself
    expect(coolingSince(30 * S, 30 * S, 0)).toBe(false);
    expect(coolingSince(-Infinity, 0, 600 * S)).toBe(false);
  });
});
