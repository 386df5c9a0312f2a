/**
 * The steady-round fast path (src/engines/albatross/steady.ts) lives outside the core; these
 * property tests prove it decides exactly as the core (`coreOnStats`) wherever it answers, and
 * that `onStats` (fast path first) equals the core on every round, over random groups and rounds.
 */
import { describe, expect, it } from 'vitest';
import { config, preset, S } from './albatross-fixture.js';
import { coreOnStats, initialGroup, onDestroyResult, onSpawnResult, onStats, type AlbatrossOptions, type GroupContext, type GroupState, type StatsSample } from '../src/engines/albatross/engine.js';
import { steadyRound } from '../src/engines/albatross/steady.js';
import { stream } from '../src/kernel/random.js';

function sample(name: string, cpuUs: number, previous?: [number, number]): StatsSample {
  const sec = Math.floor(cpuUs / S);
  const [at, before] = previous ?? [-1, 0];
  const beforeSec = Math.floor(before / S);
  return { name, utimeSec: sec, utimeUsec: cpuUs - sec * S, stimeSec: 0, stimeUsec: 0, previousAt: at, previousUtimeSec: beforeSec, previousUtimeUsec: before - beforeSec * S, previousStimeSec: 0, previousStimeUsec: 0 };
}

/** A decision as plain data (drops the state's self-referencing no-op decision). */
function plain(d: { state: GroupState; actions: readonly unknown[] }) {
  const { unchanged: _unused, ...state } = d.state;
  return { state, actions: d.actions };
}

describe('the steady-round fast path decides exactly as the core', () => {
  const cases: Array<Partial<AlbatrossOptions>> = [{}, { exclude_booting: false }, { silence_is_death: false }, { require_primary_record: false }, { microsecond_cpu: false }];
  it.each(cases)('random groups and rounds, corrected with %o', (extra) => {
    const c: GroupContext = { config: { ...config, cooldown_period: 60 * S }, options: { ...preset('corrected'), ...extra }, policy: { vcpus: 1, maxInstances: 6, minInstances: 1 } };
    const rng = stream(11, `test:steady:${JSON.stringify(extra)}`);
    const cpu = new Map<string, number>();
    const seen = new Map<string, number>();
    let s = initialGroup('web');
    let fast = 0;
    for (let k = 0; k < 3000; k++) {
      const t = k * 10 * S;
      const level = rng.next() < 0.5 ? 0.3 : 0.97; // below the down threshold or above the up one
      // now and then a member misses the round, or a stranger's record is mixed in
      const names = s.members.map((m) => m.name).filter(() => rng.next() > 0.03);
      if (rng.next() < 0.02) names.push('db');
      names.sort();
      const samples = names.map((name) => {
        const before = cpu.get(name) ?? 0;
        const now = before + Math.floor(level * (0.9 + 0.2 * rng.next()) * 10 * S);
        const last = seen.get(name);
        cpu.set(name, now);
        seen.set(name, t);
        return sample(name, now, last === undefined ? undefined : [last, before]);
      });
      const core = coreOnStats(c, s, samples, samples.length, t);
      const quick = steadyRound(c, s, samples, samples.length, t);
      if (quick !== null) {
        fast++;
        expect(plain(quick)).toEqual(plain(core));
      }
      expect(plain(onStats(c, s, samples, samples.length, t))).toEqual(plain(core));
      s = core.state;
      // albatross answers at once: spawns created, destroys confirmed
      for (const a of core.actions) {
        if (a.type === 'spawn_clone') s = onSpawnResult(c, s, a.name, 'created', t).state;
        if (a.type === 'destroy_clone') s = onDestroyResult(c, s, a.name, t).state;
      }
      if (!s.managed) s = initialGroup('web');
    }
    expect(fast).toBeGreaterThan(1000);
  });
});
