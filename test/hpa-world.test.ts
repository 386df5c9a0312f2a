/**
 * The Kubernetes HPA driven by the horizontal world (src/engines/hpa/plugin.ts on
 * src/run/replicas.ts): replica counts worked by hand from upstream's arithmetic on a tiny
 * scenario, the metrics-server view, the ReplicaSet's deletion order, determinism, and the
 * engine's place in `scalelab engines`.
 *
 * Upstream: kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator.go
 * (GetResourceReplicas, groupPods, calcPlainMetricReplicas), metrics/utilization.go
 * (GetResourceUtilizationRatio), horizontal.go (reconcileAutoscaler, stabilizeRecommendation,
 * convertDesiredReplicasWithRules); pkg/controller/controller_utils.go (ActivePodsWithRanks.Less)
 * and pkg/controller/replicaset/replica_set.go (getPodsToDelete).
 */
import { describe, expect, it } from 'vitest';
import { parseScenarioText, loadScenario } from '../src/scenario/load.js';
import { simulateReplicas } from '../src/run/replicas.js';
import { hpaEngine, podView } from '../src/engines/hpa/plugin.js';
import { compareForDeletion, logRankDiff, podsToDelete, type RankedPod } from '../src/engines/hpa/replicaset.js';
import { describeEngines } from '../src/cli/engines.js';
import { engines } from '../src/engines/registry.js';
import { runners } from '../src/run/run.js';
import { ReplicaPhase, type ReplicaInstanceView } from '../src/world/replicas/engine.js';

interface Tiny {
  target?: number;
  load?: string;
  duration?: string;
  behavior?: string;
  failure?: number;
}

/** One pod of 1 vCPU on one host; by default 0.8 cores until 60 s, then 0.2; HPA at 50 % CPU, legacy path (no behavior). */
function tiny({ target = 50, load = 'base: 0.8, steps: [{ at: 60s, delta: -0.6 }]', duration = '10m', behavior = '', failure = 0 }: Tiny = {}): string {
  return `
name: hpa-tiny
seed: 1
duration: ${duration}
engine:
  name: hpa
  config:
    minReplicas: 1
    maxReplicas: 10
    metrics:
      - type: Resource
        resource: { name: cpu, target: { type: Utilization, averageUtilization: ${target} } }
${behavior === '' ? '' : `    behavior: ${behavior}\n`}world:
  stats_interval: 5s
  placement_latency: 0s
  stop_latency: 0s
  boot: { latency: 1s, failure_probability: ${failure} }
  hosts: [{ name: node, threads: 8, memory: 16GiB }]
workloads:
  - name: web
    vcpus: 1
    memory: 256MiB
    load: { ${load} }
`;
}
const TINY = tiny();

function run(text: string) {
  const scenario = parseScenarioText(text, 'tiny.yaml');
  const events: Array<Record<string, unknown>> = [];
  const rows: string[] = [];
  const sim = simulateReplicas(scenario, hpaEngine.bind(scenario), { event: (l) => events.push(JSON.parse(l) as Record<string, unknown>), timeseries: (l) => rows.push(l) });
  return { sim, events, rows };
}

describe('HPA on the replica world, worked by hand', () => {
  it('scales 1 → 2 at 15 s and back to 1 at 375 s', () => {
    const { sim, events } = run(TINY);
    // t = 0, first sync: pod `web` has no earlier scrape, so metrics-server has no sample → every
    //   metric fails (groupPods finds no metrics) → no scaling; the current count 1 is recorded
    //   as a recommendation (recordInitialRecommendation).
    // t = 15 s: `web` used 0.8 core × 15 s = 12 s of CPU → 12e6 µs × 1e9 / 15e6 µs = 8e8
    //   nanocores = 800 m of a 1000 m request; utilisation trunc(800 × 100 / 1000) = 80 %
    //   (GetResourceUtilizationRatio), ratio 80 / 50 = 1.6 > 1.1 (tolerance); the pod has been
    //   ready since 0 and its sample (taken at 15 s) is not older than 0 + window 15 s, so it is
    //   ready (groupPods) → desired ceil(1.6 × 1 ready pod) = 2 (GetResourceReplicas). Legacy
    //   path: the highest recommendation in the last 5 min, max(1, 2) = 2
    //   (stabilizeRecommendation), within [1, min(10, max(2 × 1, 4))] = [1, 4]
    //   (convertDesiredReplicasWithRules) → 2: the ReplicaSet creates web-2, placed at once,
    //   running at 16 s (boot 1 s); from then each pod gets 0.4 core.
    // t = 30 s: `web`: 0.8 × 1 s + 0.4 × 14 s = 6.4 s → 6.4e6 × 1e9 / 15e6 = 426,666,666
    //   nanocores → 427 m (MilliValue rounds up) → 42 %, ratio 0.84 < 0.9: a scale-down, but web-2
    //   has no sample yet (first scrape) → second pass: it counts as max(100 %, 50 %) = 100 % of
    //   its request: trunc((427 + 1000) × 100 / 2000) = 71 %, ratio 1.42 — the direction flips
    //   → no change (2).
    // t = 45 s, 60 s: both pods 0.4 core → 400 m each → 40 %, ratio 0.8 → ceil(0.8 × 2) = 2.
    // t = 60 s: the step takes 0.6 off from the round at 60 s (after the sync at 60 s).
    // t = 75 s … : 0.1 core a pod → 100 m → 10 %, ratio 0.2 → ceil(0.2 × 2) = 1, but the
    //   recommendations of 2 recorded at 15, 30, 45 and 60 s hold it at 2 while one of them is
    //   not before now − 300 s: at 360 s the one at 60 s still counts (60 is not before 60);
    //   at 375 s none does → 1. The ReplicaSet deletes one of two ready pods on the same node:
    //   ready for 375 s and 359 s, ⌊log₂⌋ of both ages in ns is 38, a tie broken (here) by the
    //   newer pod → web-2.
    const scaling = events.filter((e) => e['type'] === 'scale_up' || e['type'] === 'scale_down').map((e) => [e['time_s'], e['type'], e['instance']]);
    expect(scaling).toEqual([
      [15, 'scale_up', 'web-2'],
      [375, 'scale_down', 'web-2'],
    ]);
    const web = sim.workloads[0]!.result;
    // instance-seconds: web 600 s + web-2 from 15 s to 375 s (stop latency 0) = 960
    expect(web.instance_seconds).toBeCloseTo(960, 6);
    expect(web.max_instances).toBe(2);
    expect([web.scale_ups, web.scale_downs]).toEqual([1, 1]);
    // syncs at t = 0, 15, …, 585 s: 40 (the one at 600 s is the end)
    expect(sim.counts.engineCalls).toBe(40);
  });

  it('a scale-up of several pods is one scaling action', () => {
    // 3.2 cores on a 1-vCPU pod: it uses 1 core → 1000 m → 100 %; target 25 % → ratio 4 →
    // ceil(4 × 1) = 4; legacy: max(recommendations 1, 4) = 4, limit min(10, max(2 × 1, 4)) = 4
    // → 1 → 4 at 15 s: three pods created, one scaling action.
    const text = tiny({ target: 25, load: 'base: 3.2', duration: '20s' });
    const { sim, events } = run(text);
    const ups = events.filter((e) => e['type'] === 'scale_up').map((e) => [e['time_s'], e['instance']]);
    expect(ups).toEqual([
      [15, 'web-2'],
      [15, 'web-3'],
      [15, 'web-4'],
    ]);
    expect(sim.workloads[0]!.result.scale_ups).toBe(1);
    expect(sim.workloads[0]!.result.counts.clones_spawned).toBe(3);
  });

  it('behavior policies limit the scale-up (Pods 1 per 60 s, selectPolicy Max)', () => {
    // Same as above (proposal 4 at 15 s), with behavior.scaleUp: one policy Pods 1 / 60 s: the
    // scale-up limit from periodStart = 1 (no scale-up in the last 60 s) is 1 + 1 = 2
    // (calculateScaleUpLimitWithScalingRules) → 2 at 15 s. At 30 s, 45 s, 60 s the 60 s period
    // still holds the +1 of 15 s: limit = (2 − 1) + 1 = 2 → 2 (the proposal stays 4: web-2 has no
    // sample at 30 s and counts 0 on a scale-up, trunc(1000 × 100 / 2000) = 50 %, ratio 2,
    // ceil(2 × 2) = 4). At 75 s the event of 15 s is 60 s old: getReplicasChangePerPeriod counts
    // events after now − 60 s = 15 s, and 15 s is not after it → limit 2 + 1 = 3 → 3.
    const { events } = run(tiny({ target: 25, load: 'base: 3.2', duration: '80s', behavior: '{ scaleUp: { selectPolicy: Max, policies: [{ type: Pods, value: 1, periodSeconds: 60 }] } }' }));
    const ups = events.filter((e) => e['type'] === 'scale_up').map((e) => [e['time_s'], e['instance']]);
    expect(ups).toEqual([
      [15, 'web-2'],
      [75, 'web-3'],
    ]);
  });

  it('replaces a pod whose boot failed, without counting a scaling action', () => {
    const text = tiny({ failure: 1, duration: '16500ms' });
    const { sim, events } = run(text);
    // 15 s: web-2 is created (scale-up) and fails at the end of its boot (16 s); the ReplicaSet
    // creates web-3 at once (not a scale-up), which fails at 17 s … past the end (16.5 s).
    const kinds = events.filter((e) => e['group'] === 'web' && e['type'] !== 'instance_created').map((e) => [e['time_s'], e['type'], e['instance']]);
    expect(kinds).toEqual([
      [15, 'scale_up', 'web-2'],
      [16, 'boot_failed', 'web-2'],
      [16, 'spawned', 'web-3'],
    ]);
    expect(sim.workloads[0]!.result.scale_ups).toBe(1);
  });

  it('same scenario and seed ⇒ identical events and time series', () => {
    const a = run(TINY);
    const b = run(TINY);
    expect(JSON.stringify(a.events)).toBe(JSON.stringify(b.events));
    expect(a.rows).toEqual(b.rows);
    const day = loadScenario('scenarios/hpa-default.yaml', { sets: ['duration=3h'] });
    const lines = (): string[] => {
      const out: string[] = [];
      simulateReplicas(day, hpaEngine.bind(day), { event: (l) => out.push(l), timeseries: (l) => out.push(l) });
      return out;
    };
    const first = lines();
    expect(first.length).toBeGreaterThan(1000);
    expect(lines()).toEqual(first);
  });
});

describe('the metrics-server view of a pod', () => {
  const inst = (phase: ReplicaPhase, cpuUs: number, reportedAt: number, reportedUs: number): ReplicaInstanceView => ({
    id: 3,
    name: 'web-3',
    isPrimary: false,
    host: 0,
    phase,
    vcpus: 2,
    orphaned: false,
    cpuUs,
    createdAt: 10e6,
    startedAt: 11e6,
    phaseSince: 12e6,
    reportedAt,
    reportedCpuUs: reportedUs,
  });

  it('is the CPU rate since the previous scrape in millicores, request = vCPUs × 1000 m', () => {
    // 30 s → 45 s, counter 4.5 s → 15.75 s: 11.25e6 µs × 1e9 / 15e6 µs = 750,000,000 nanocores → 750 m
    const pod = podView(inst(ReplicaPhase.Running, 15.75e6, 30e6, 4.5e6), 45e6);
    expect(pod).toEqual({ name: 'web-3', phase: 'Running', ready: { status: 'True', lastTransitionTime: 12e6 }, startTime: 11e6, deleted: false, requests: { cpu: 2000 }, cpu: { usage: 750, timestamp: 45e6, window: 15e6 } });
  });

  it('has no sample at a pod\'s first scrape; a booting pod is Pending and not ready; a stopping one is deleted', () => {
    const first = inst(ReplicaPhase.Running, 1e6, -1, 0);
    expect(podView(first, 45e6).cpu).toBeNull();
    expect(first.reportedAt).toBe(45e6); // the scrape is kept for the next sync
    const booting = podView(inst(ReplicaPhase.Booting, 0, -1, 0), 45e6);
    expect([booting.phase, booting.ready, booting.startTime]).toEqual(['Pending', { status: 'False', lastTransitionTime: 11e6 }, 11e6]);
    const placing = podView(inst(ReplicaPhase.Placing, 0, -1, 0), 45e6);
    expect([placing.phase, placing.ready, placing.startTime]).toEqual(['Pending', null, null]);
    expect(podView(inst(ReplicaPhase.Stopping, 0, -1, 0), 45e6).deleted).toBe(true);
  });
});

describe("the ReplicaSet's deletion order (ActivePodsWithRanks.Less, LogarithmicScaleDown)", () => {
  const pod = (name: string, id: number, over: Partial<RankedPod> = {}): RankedPod => ({ name, id, node: 0, phase: 'Running', ready: true, readySince: 0, createdAt: 0, ...over });
  const now = 1000e6;

  it('unassigned, then Pending, then not ready, then more colocated pods go first', () => {
    const unassigned = pod('a', 1, { node: null, phase: 'Pending', ready: false });
    const pending = pod('b', 2, { phase: 'Pending', ready: false });
    const ready = pod('c', 3);
    expect(compareForDeletion(unassigned, 0, pending, 1, now)).toBeLessThan(0);
    expect(compareForDeletion(pending, 1, ready, 1, now)).toBeLessThan(0);
    // both ready, node of `x` holds 3 pods of the set, node of `y` 1 → x first (rank 3 > 1)
    expect(compareForDeletion(pod('x', 4, { node: 0 }), 3, pod('y', 5, { node: 1 }), 1, now)).toBeLessThan(0);
  });

  it('compares ready times on a log₂ scale of their age in ns; equal ranks: the newer pod first', () => {
    // ready 10 s ago: ⌊log₂ 1e10⌋ = 33; 100 s ago: ⌊log₂ 1e11⌋ = 36 → −3: the recent one first
    expect(logRankDiff(990e6, 900e6, now)).toBe(-3);
    // 300 s and 400 s: ⌊log₂ 3e11⌋ = 38 = ⌊log₂ 4e11⌋ (2^38 = 2.75e11, 2^39 = 5.5e11) → tie → higher id first
    const older = pod('old', 1, { readySince: 600e6 });
    const newer = pod('new', 2, { readySince: 700e6 });
    expect(logRankDiff(700e6, 600e6, now)).toBe(0);
    expect(podsToDelete([older, newer], 1, now).map((p) => p.name)).toEqual(['new']);
    // ready 1 s vs 100 s ago: ⌊log₂ 1e9⌋ = 29 < 36 → the 1 s one first even with the lower id
    expect(podsToDelete([pod('late', 1, { readySince: 999e6 }), pod('early', 2, { readySince: 900e6 })], 1, now).map((p) => p.name)).toEqual(['late']);
  });

  it('counts colocated pods per node when picking several', () => {
    // node 0 holds p1, p2, p3; node 1 holds p4 → the three on node 0 rank 3 and go first
    const pods = [pod('p4', 4, { node: 1 }), pod('p1', 1), pod('p2', 2), pod('p3', 3)];
    expect(podsToDelete(pods, 2, now).map((p) => p.name)).toEqual(['p3', 'p2']);
  });
});

describe('hpa is a registered engine', () => {
  it('is listed by `scalelab engines` and has a runner', () => {
    expect(engines.has('hpa')).toBe(true);
    expect(runners.has('hpa')).toBe(true);
    const text = describeEngines();
    expect(text).toContain('hpa — Kubernetes Horizontal Pod Autoscaler');
    expect(text).toMatch(/behavior +\(a mapping\)/);
  });
});
