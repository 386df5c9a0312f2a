/**
 * The documented module engine example (examples/policies/target-tracking.mjs with
 * examples/scenarios/module-policy.yaml) runs in scalelab's world and decides as its comment
 * says. Flat load of 1.5 vCPU on one 1-vCPU instance, target 0.6, period 15 s:
 *  - t = 15 s: first observation, no earlier counters → no decision;
 *  - t = 30 s: `web` was busy 1.0 (saturated) → want ⌈1 × 1.0 / 0.6⌉ = ⌈1.67⌉ = 2 → spawn web-2;
 *  - t = 45 s: only `web` has an earlier reading; 1.5 over 2 instances → 0.75 →
 *    ⌈2 × 0.75 / 0.6⌉ = ⌈2.5⌉ = 3 → spawn web-3;
 *  - from t = 60 s: 1.5 over 3 → about 0.5 each → ⌈3 × 0.5 / 0.6⌉ = ⌈2.5⌉ = 3 = live: hold.
 */
import { describe, expect, it } from 'vitest';
import { prepareEngine } from '../src/engines/external/module.js';
import { simulateScenario } from '../src/run/run.js';
import { loadScenario } from '../src/scenario/load.js';

describe('examples/policies/target-tracking.mjs', () => {
  it('scales out twice on a flat 1.5 vCPU load and then holds', async () => {
    const scenario = loadScenario('examples/scenarios/module-policy.yaml', { sets: ['duration=10m', 'workloads[0].load={base: 1.5}'] });
    await prepareEngine(scenario);
    const events: { time_s: number; type: string; instance?: string }[] = [];
    simulateScenario(scenario, { event: (l) => events.push(JSON.parse(l)) });
    const scaling = events.filter((e) => e.type === 'scale_up' || e.type === 'scale_down').map((e) => [e.time_s, e.type, e.instance]);
    expect(scaling).toEqual([
      [30, 'scale_up', 'web-2'],
      [45, 'scale_up', 'web-3'],
    ]);
  });

  it('runs the whole example scenario (6 h of a diurnal day) without error', async () => {
    const scenario = loadScenario('examples/scenarios/module-policy.yaml');
    await prepareEngine(scenario);
    const sim = simulateScenario(scenario, {});
    expect(sim.summary.metrics['scale_ups']?.value).toBeGreaterThan(0);
  });
});
