/**
 * Order of events at the same µs on the replica world (src/run/replicas.ts): a lifecycle change
 * (boot done, wake done, instance gone) at time t is in effect for a timer sensor's observation
 * at t, whatever order the two heap events were scheduled in. The heap breaks ties by priority
 * (PRIO_LIFECYCLE 0 < PRIO_FAULT 1 < PRIO_SYNC 2 < PRIO_ROUND 3) before insertion order.
 *
 * Why lifecycle first is right for the engines' upstreams:
 * - Kubernetes HPA: a pod whose Ready condition has `lastTransitionTime` = t is ready at t —
 *   kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator.go, `groupPods`,
 *   compares the metric's timestamp with `condition.LastTransitionTime` (a transition at t is
 *   in effect at t), and `readyPodsCount` counts the Ready condition the lister shows.
 * - Unikraft Cloud: an instance whose boot finished at t is `running` at t; the platform's
 *   decision at t sees the state the instance has at t.
 *
 * The scenario below makes every timer wake-up be scheduled *before* the lifecycle event at the
 * same µs (so insertion order alone would put the observation first): the test fails if the
 * priorities stop ordering lifecycle before the engine's wake-ups.
 */
import { describe, expect, it } from 'vitest';
import type { Micros } from '../src/kernel/time.js';
import { simulateReplicas } from '../src/run/replicas.js';
import { parseScenarioText } from '../src/scenario/load.js';
import { ReplicaPhase, type ReplicaCommand, type ReplicaGroupView, type ReplicaPlugin, type ReplicaStep } from '../src/world/replicas/engine.js';

/** placement 1 ms, boot exactly 19 ms, stop 1 ms, one round at 0 (stats interval = duration). */
const TEXT = `name: order
seed: 1
duration: 1s
engine: { name: kraftcloud }
world:
  stats_interval: 1s
  placement_latency: 1ms
  stop_latency: 1ms
  measurement_noise: 0
  boot: { latency: 19ms, failure_probability: 0 }
  hosts: [{ name: h, threads: 16, memory: 16GiB }]
workloads:
  - { name: w, vcpus: 1, memory: 64MiB, load: { base: 0.5 } }
output: { timeseries: false, events: true, report: false }
`;

const MS = 1000;
const NONE: readonly ReplicaCommand[] = [];

/** What the timer sensor saw: [now ms, running, booting, standby, live instances]. */
type Seen = [number, number, number, number, number];

/**
 * A scripted plug-in (state: nothing). Timer: 10 ms spawn w-2 (placed 11 ms, boot done 30 ms),
 * wake at 30 ms; 30 ms park w, wake at 60 ms; 60 ms wake at 81 ms; 81 ms no more wake-ups.
 * Periodic pass every 40 ms: at 40 ms wake w with a 20 ms resume (running again at 60 ms), at
 * 80 ms destroy w-2 (gone at 81 ms). Every lifecycle event is pushed after the wake-up at its µs.
 */
function scripted(seen: Seen[]): ReplicaPlugin<number, null> {
  const step = (state: number, actions: readonly ReplicaCommand[], wakeAt?: Micros | null): ReplicaStep<number> => (wakeAt === undefined ? { state, actions } : { state, actions, wakeAt });
  const timer: Record<number, ReplicaStep<number>> = {
    [10 * MS]: step(0, [{ type: 'spawn', name: 'w-2' }], 30 * MS),
    [30 * MS]: step(0, [{ type: 'standby', instance: 'w', reason: 'test' }], 60 * MS),
    [60 * MS]: step(0, NONE, 81 * MS),
    [81 * MS]: step(0, NONE, null),
  };
  const periodic: Record<number, ReplicaStep<number>> = {
    [40 * MS]: step(1, [{ type: 'wake', instance: 'w', reason: 'test', latency: 20 * MS }]),
    [80 * MS]: step(2, [{ type: 'destroy', instance: 'w-2', reason: 'test' }]),
  };
  return {
    initialInstances: () => [{ name: 'w', primary: true }],
    initialState: () => 0,
    sensor: {
      kind: 'timer',
      firstWake: () => 10 * MS,
      observe: (g: ReplicaGroupView, _s: number, now: Micros) => {
        const standby = g.instances.filter((i) => i.phase === ReplicaPhase.Standby).length;
        seen.push([now / MS, g.running, g.booting, standby, g.instances.length]);
        return null;
      },
      decide: (_g, state, _o, now) => timer[now] ?? step(state, NONE),
    },
    periodic: { every: 40 * MS, run: (_g, state, now) => periodic[now] ?? step(state, NONE) },
    onSpawnResult: (_g, state) => step(state, NONE),
    onGone: () => null,
    report: { cooldown: 0, thresholds: { up: 0, down: 0 }, sensorNote: '', reading: (_g, _b, _a, _n, out) => void Object.assign(out, { cpu: null, highTicks: 0, lowTicks: 0, inCooldown: false }) },
  };
}

describe('replica world: events at the same µs', () => {
  it('a timer observation at a boot, wake or gone µs sees the instance after the change', () => {
    const scenario = parseScenarioText(TEXT, 'order.yaml');
    const seen: Seen[] = [];
    const events: string[] = [];
    simulateReplicas(scenario, scripted(seen), { event: (l) => events.push(l) });
    // the lifecycle events happen at the µs of the observations (10 + 1 + 19 = 30; 40 + 20 = 60; 80 + 1 = 81)
    const at = (type: string) => events.map((l) => JSON.parse(l) as { time_s: number; type: string }).filter((e) => e.type === type).map((e) => Math.round(e.time_s * 1e6) / MS);
    expect(at('instance_running')).toEqual([30, 60]);
    expect(at('instance_gone')).toEqual([81]);
    expect(seen).toEqual([
      [10, 1, 0, 0, 1], // w running; w-2 not yet asked for
      [30, 2, 0, 0, 2], // w-2's boot ended at this µs: 2 running, none booting
      [60, 2, 0, 0, 2], // w's wake (resume) ended at this µs: running again, none parked
      [81, 1, 0, 0, 1], // w-2 gone at this µs: one instance left
    ]);
  });
});
