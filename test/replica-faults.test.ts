/**
 * Scenario faults on the replica world (src/run/replicas.ts EV_KILL, src/scenario/resolve.ts
 * resolveFault): `kill_primary` as before, and `kill_instance` with `instance` — the n-th oldest
 * live instance (0 = the oldest, by creation) or `any` (drawn from the seeded `world:faults`).
 */
import { describe, expect, it } from 'vitest';
import { simulateScenario } from '../src/run/run.js';
import { parseScenarioText } from '../src/scenario/load.js';
import { inputError } from './helpers.js';

/** Unikraft Cloud, three instances warm at 0 (w, w-2, w-3: ids 1, 2, 3), no policies, 5 s. */
function text(faults: string, seed = 1): string {
  return `name: faults
seed: ${seed}
duration: 5s
engine:
  name: kraftcloud
  config: { min_size: 3, max_size: 3 }
world:
  stats_interval: 1s
  measurement_noise: 0
  hosts: [{ name: h, threads: 16, memory: 16GiB }]
workloads:
  - { name: w, vcpus: 1, memory: 64MiB, load: { base: 1 } }
faults:
${faults}
output: { timeseries: false, events: true, report: false }
`;
}

interface Ev {
  time_s: number;
  type: string;
  instance?: string | number;
  primary?: boolean;
  reason?: string;
}

function faultEvents(faults: string, seed = 1): Ev[] {
  const lines: string[] = [];
  simulateScenario(parseScenarioText(text(faults, seed), 'faults.yaml'), { event: (l) => lines.push(l) });
  return lines.map((l) => JSON.parse(l) as Ev).filter((e) => /killed|restarted|missed/.test(e.type));
}

describe('replica world: kill_instance faults', () => {
  it('kills the n-th oldest live instance (0 = the oldest); none that old → fault_missed', () => {
    const events = faultEvents('  - { at: 1s, kill_instance: w, instance: 1 }\n  - { at: 2s, kill_instance: w, instance: 0 }\n  - { at: 3s, kill_instance: w, instance: 3 }');
    expect(events).toEqual([
      // w (1), w-2 (2), w-3 (3): index 1 is w-2
      { time_s: 1, type: 'instance_killed', group: 'w', instance: 'w-2', primary: false },
      // w (1), w-3 (3) and the engine's refill to min_size 3, w-4 (4): index 0 is w, the primary
      { time_s: 2, type: 'instance_killed', group: 'w', instance: 'w', primary: true },
      // three live (min_size 3, max_size 3): no index 3
      { time_s: 3, type: 'fault_missed', group: 'w', instance: 3, reason: 'no such live instance' },
    ]);
  });

  it('any: one of the live instances, the same for the same seed, not always the same over seeds', () => {
    const pick = (seed: number) => faultEvents('  - { at: 1s, kill_instance: w, instance: any }', seed).map((e) => e.instance);
    expect(pick(7)).toEqual(pick(7));
    const picked = new Set<unknown>();
    for (let seed = 1; seed <= 20; seed++) {
      const p = pick(seed);
      expect(p).toHaveLength(1);
      picked.add(p[0]);
    }
    // 20 draws over 3 instances all alike: probability 3 × (1/3)^20 ≈ 1e-9
    expect([...picked].every((n) => ['w', 'w-2', 'w-3'].includes(n as string))).toBe(true);
    expect(picked.size).toBeGreaterThan(1);
  });

  it('kill_primary is unchanged: the instance named after the workload, restarted after restart_after', () => {
    const events = faultEvents('  - { at: 1s, kill_primary: w, restart_after: 500ms }');
    expect(events).toEqual([
      { time_s: 1, type: 'primary_killed', group: 'w', instance: 'w' },
      { time_s: 1.5, type: 'primary_restarted', group: 'w', instance: 'w' },
    ]);
  });

  it('bad faults: one line naming the fault key', () => {
    const at = (faults: string) => inputError(() => parseScenarioText(text(faults), 'faults.yaml'));
    // the fault list starts on line 14 of text()
    const both = at('  - { at: 1s, kill_primary: w, kill_instance: w, instance: 0 }');
    expect([both.line, both.key, both.detail]).toEqual([14, 'faults[0].kill_instance', 'a fault has one of kill_primary and kill_instance, not both']);
    const neither = at('  - { at: 1s }');
    expect([neither.line, neither.key, neither.detail]).toEqual([14, 'faults[0]', 'a fault needs kill_primary (a workload) or kill_instance (a workload, with instance)']);
    const noIndex = at('  - { at: 1s, kill_instance: w }');
    expect([noIndex.key, noIndex.detail]).toEqual(['faults[0].instance', 'required with kill_instance: an index (0 = the oldest live instance) or any']);
    const stray = at('  - { at: 1s, kill_primary: w, instance: 0 }');
    expect([stray.key, stray.detail]).toEqual(['faults[0].instance', 'goes with kill_instance, not kill_primary']);
    const restart = at('  - { at: 1s, kill_instance: w, instance: 0, restart_after: 1s }');
    expect([restart.key, restart.detail]).toEqual(['faults[0].restart_after', 'goes with kill_primary only (the engine replaces a killed instance itself)']);
    const word = at('  - { at: 1s, kill_instance: w, instance: some }');
    expect([word.key, word.detail]).toEqual(['faults[0].instance', 'unknown instance choice "some"; expected one of: any']);
    const negative = at('  - { at: 1s, kill_instance: w, instance: -1 }');
    expect(negative.key).toBe('faults[0].instance');
    const missing = at('  - { at: 1s, kill_instance: v, instance: 0 }');
    expect([missing.key, missing.detail]).toEqual(['faults[0].kill_instance', 'no workload named "v" (workloads: w)']);
    for (const e of [both, neither, noIndex, stray, restart, word, negative, missing]) expect(e.message).not.toContain('\n');
  });
});
