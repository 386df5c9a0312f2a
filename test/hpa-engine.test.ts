/**
 * Golden cases for the Kubernetes HPA engine, each worked by hand from the upstream Go code
 * (kubernetes/kubernetes, pkg/controller/podautoscaler: replica_calculator.go, horizontal.go,
 * metrics/utilization.go; pkg/apis/autoscaling/v2/defaults.go). The arithmetic is in the
 * comments; the function named is the one whose behaviour the case pins.
 */
import { describe, expect, it } from 'vitest';
import { behaviorWithDefaults, computeReplicasForMetrics, hpaConfig, initialState, onSync, resolveHpaConfig } from '../src/engines/hpa/engine.js';
import { groupPods, isWithin, proposalFor, resourceUtilizationRatio } from '../src/engines/hpa/replicas.js';
import { calculateScaleDownLimitWithBehaviors, calculateScaleUpLimitWithScalingRules, convertDesiredReplicasWithRules } from '../src/engines/hpa/normalize.js';
import type { HpaConfig, HpaState, MetricSpec, Observation, PodObservation, ScalingRules } from '../src/engines/hpa/types.js';
import { hpaConfigFromKeys, hpaDescriptor } from '../src/engines/hpa/descriptor.js';
import { parseDuration } from '../src/kernel/time.js';

const S = 1_000_000;
const NOW = 3600 * S;

/** A Running pod started at 0, Ready since 20 s, requesting 1000m CPU, sampled 10 s ago over 30 s. */
function pod(name: string, cpu: number | null, o: Partial<PodObservation> = {}, at: number = NOW): PodObservation {
  return {
    name,
    phase: 'Running',
    ready: { status: 'True', lastTransitionTime: 20 * S },
    startTime: 0,
    deleted: false,
    requests: { cpu: 1000 },
    cpu: cpu === null ? null : { usage: cpu, timestamp: at - 10 * S, window: 30 * S },
    ...o,
  };
}

/** `n` pods named p0… each using `cpu` millicores of a `request`. */
function pods(n: number, cpu: number, request = 1000, at = NOW): PodObservation[] {
  return Array.from({ length: n }, (_, i) => pod(`p${i}`, cpu, { requests: { cpu: request } }, at));
}

const obs = (specReplicas: number, list: PodObservation[], extra: Partial<Observation> = {}): Observation => ({ specReplicas, pods: list, ...extra });
const cpuTarget = (averageUtilization: number): MetricSpec => ({ type: 'Resource', name: 'cpu', target: { type: 'Utilization', averageUtilization } });
const cfg = (o: Partial<HpaConfig> = {}): HpaConfig => hpaConfig({ maxReplicas: 100, ...o });
const proposal = (c: HpaConfig, o: Observation, now = NOW) => proposalFor(c, c.metrics[0]!, o, now).replicas;

describe('utilisation and the ready-pod ratio (replica_calculator.go GetResourceReplicas, utilization.go GetResourceUtilizationRatio)', () => {
  it('truncates the utilisation to a whole percent before dividing by the target', () => {
    // 4 pods × 505m of 1000m: 2020 × 100 / 4000 = 50.5 → int 50; ratio 50/40 = 1.25; ceil(1.25 × 4) = 5.
    // (Untruncated, 50.5/40 = 1.2625 and ceil(5.05) = 6.)
    expect(resourceUtilizationRatio(new Map([['a', 2020]]), new Map([['a', 4000]]), 40)).toEqual({ ratio: 1.25, utilization: 50 });
    expect(proposal(cfg({ metrics: [cpuTarget(40)] }), obs(4, pods(4, 505)))).toBe(5);
  });

  it('multiplies by the ready pods, not the current replica count', () => {
    // spec 6 but only 4 pods exist, all at 100 %: ratio 100/50 = 2; ceil(2 × 4) = 8, not 12.
    expect(proposal(cfg({ metrics: [cpuTarget(50)] }), obs(6, pods(4, 1000)))).toBe(8);
  });

  it('averages over the pods with metrics: requests of pods without samples do not count', () => {
    // pods 900m/1000m and 100m/500m: (900 + 100) × 100 / 1500 = 66.67 → 66; 66/50 = 1.32; ceil(2.64) = 3.
    const list = [pod('a', 900), pod('b', 100, { requests: { cpu: 500 } })];
    expect(proposal(cfg({ metrics: [cpuTarget(50)] }), obs(2, list))).toBe(3);
  });
});

describe('tolerance (Tolerances.isWithin from 1.33; math.Abs(1.0-usageRatio) <= tolerance before)', () => {
  it('differs exactly at ratio 1.1: symmetric float subtraction scales, isWithin does not', () => {
    // |1 − 1.1| = 0.10000000000000009 > 0.1 → outside; 1.1 ≤ 1 + 0.1 (= 1.1) → inside.
    expect(isWithin({ down: 0.1, up: 0.1, symmetric: true }, 1.1)).toBe(false);
    expect(isWithin({ down: 0.1, up: 0.1, symmetric: false }, 1.1)).toBe(true);
    // 10 pods at 880m/1000m: 88 %, target 80 → ratio 88/80 = 1.1.
    // 1.30: ceil(1.1 × 10) = ceil(11) = 11 (1.1 × 10 is exactly 11 in float64). 1.35: within → keep 10.
    const o = obs(10, pods(10, 880));
    expect(proposal(cfg({ version: '1.30' }), o)).toBe(11);
    expect(proposal(cfg({ version: '1.35' }), o)).toBe(10);
    // the whole sync on the legacy path: stabilised max(11, 10 recorded at start) = 11 ≤ max(2 × 10, 4) → scale to 11
    expect(onSync(cfg({ version: '1.30' }), initialState(), o, NOW).actions).toEqual([{ type: 'scale', from: 10, to: 11, reason: 'cpu resource utilization (percentage of request) above target' }]);
    expect(onSync(cfg({ version: '1.35' }), initialState(), o, NOW).actions).toEqual([]);
  });

  it('agrees at the lower edge 0.9 (|1 − 0.9| = 0.09999999999999998)', () => {
    // 72/80 = 0.9: inside for both tests.
    const o = obs(10, pods(10, 720));
    expect(proposal(cfg({ version: '1.30' }), o)).toBe(10);
    expect(proposal(cfg({ version: '1.35' }), o)).toBe(10);
  });

  it('1.35 reads a per-direction tolerance from behavior (tolerancesForHpa)', () => {
    // scaleDown tolerance 0.05: 0.9 < 0.95 → ceil(0.9 × 10) = 9; with scaleDown window 0 the sync
    // goes 10 → 9 (down limit: 100 % of 10 → trunc(10 × 0) = 0, so only minReplicas 1 bounds it).
    const behavior = behaviorWithDefaults({ scaleDown: { tolerance: 0.05, stabilizationWindowSeconds: 0 } });
    const c = cfg({ behavior });
    const o = obs(10, pods(10, 720));
    expect(proposal(c, o)).toBe(9);
    expect(onSync(c, initialState(), o, NOW).desiredReplicas).toBe(9);
    // scaleUp tolerance 0.2: 1.15 ≤ 1.2 → keep (92/80 = 1.15)
    expect(proposal(cfg({ behavior: behaviorWithDefaults({ scaleUp: { tolerance: 0.2 } }) }), obs(10, pods(10, 920)))).toBe(10);
  });
});

describe('which pods count (groupPods)', () => {
  const T = 1000 * S; // now; cpuInitializationPeriod 300 s, initial readiness delay 30 s
  const g = (p: PodObservation, resource: 'cpu' | 'memory' = 'cpu') => {
    const r = groupPods([p], resource, 300 * S, 30 * S, T);
    return r.readyPodCount === 1 ? 'ready' : r.unready.size === 1 ? 'unready' : r.missing.size === 1 ? 'missing' : 'ignored';
  };
  const young = (ltt: number, status: 'True' | 'False' | 'Unknown' = 'True', sampleAt = T - 5 * S) =>
    pod('y', 500, { startTime: T - 100 * S, ready: { status, lastTransitionTime: ltt }, cpu: { usage: 500, timestamp: sampleAt, window: 30 * S } });

  it('within the CPU initialisation period: needs Ready and one full metric window since the last transition', () => {
    // start T−100 s + 300 s > T → young. Ready since T−80 s: sample T−5 s ≥ T−80+30 = T−50 s → ready.
    expect(g(young(T - 80 * S))).toBe('ready');
    // Ready since T−20 s: T−5 s < T−20+30 = T+10 s → unready (the sample may include start-up burn).
    expect(g(young(T - 20 * S))).toBe('unready');
    // exactly one window: sample T−50 s, transition T−80 s → T−50 is not Before T−50 → ready
    expect(g(young(T - 80 * S, 'True', T - 50 * S))).toBe('ready');
    expect(g(young(T - 80 * S, 'False'))).toBe('unready');
    // Unknown is not False: counts
    expect(g(young(T - 80 * S, 'Unknown'))).toBe('ready');
  });

  it('after the initialisation period: unready only if not ready and never ready (transition before start + 30 s)', () => {
    const old = (ltt: number) => pod('o', 500, { startTime: T - 600 * S, ready: { status: 'False', lastTransitionTime: ltt } });
    // start + 30 s = T−570 s > T−590 s → it never became ready → unready
    expect(g(old(T - 590 * S))).toBe('unready');
    // went unready at T−100 s after having been ready → its metric counts
    expect(g(old(T - 100 * S))).toBe('ready');
    // exactly start + 30 s: T−570 s is not After T−570 s → counts
    expect(g(old(T - 570 * S))).toBe('ready');
  });

  it('no Ready condition or no start time → unready; Pending → unready; deleted or Failed → ignored; no sample → missing', () => {
    expect(g(pod('a', 500, { ready: null }))).toBe('unready');
    expect(g(pod('a', 500, { startTime: null }))).toBe('unready');
    expect(g(pod('a', null, { phase: 'Pending' }))).toBe('unready');
    expect(g(pod('a', 500, { deleted: true }))).toBe('ignored');
    expect(g(pod('a', 500, { phase: 'Failed' }))).toBe('ignored');
    expect(g(pod('a', null))).toBe('missing');
    // Succeeded pods are not ignored upstream (kubernetes PR #129868 was closed unmerged)
    expect(g(pod('a', 500, { phase: 'Succeeded' }))).toBe('ready');
  });

  it('memory metrics skip the readiness rules', () => {
    const p = pod('m', null, { ready: null, memory: { usage: 100, timestamp: T, window: 30 * S } });
    expect(g(p, 'memory')).toBe('ready');
  });
});

describe('the second pass for missing and unready pods (GetResourceReplicas)', () => {
  const c50 = cfg({ metrics: [cpuTarget(50)] });
  const req100 = (name: string, cpu: number | null, o: Partial<PodObservation> = {}) => pod(name, cpu, { requests: { cpu: 100 }, ...o });

  it('scale-down: missing pods count as max(100 %, target); no change when the new ratio is within tolerance', () => {
    // 3 × 40m of 100m: 40 % → 0.8. Missing pod at 100 % of 100m: (120 + 100) × 100 / 400 = 55 → 1.1 → within (1.35) → keep 4.
    expect(proposal(c50, obs(4, [req100('a', 40), req100('b', 40), req100('c', 40), req100('d', null)]))).toBe(4);
  });

  it('scale-down: no change when the filled-in ratio flips direction', () => {
    // 3 × 45m: 45 % → 0.9 < 1; two missing at 100m: (135 + 200) × 100 / 500 = 67 → 1.34 > 1 → keep 5.
    expect(proposal(c50, obs(5, [req100('a', 45), req100('b', 45), req100('c', 45), req100('d', null), req100('e', null)]))).toBe(5);
  });

  it('scale-down with a missing pod proceeds on the damped ratio over all pods counted', () => {
    // 3 × 10m: 10 % → 0.2; missing at 100m: (30 + 100) × 100 / 400 = 32.5 → 32 → 0.64; ceil(0.64 × 4) = ceil(2.56) = 3.
    expect(proposal(c50, obs(4, [req100('a', 10), req100('b', 10), req100('c', 10), req100('d', null)]))).toBe(3);
  });

  it('no change when ceil(newRatio × pods counted) moves the other way', () => {
    // spec 2 but 4 pods listed; as above newRatio 0.64 < 1 but ceil(0.64 × 4) = 3 > 2 → keep 2.
    expect(proposal(c50, obs(2, [req100('a', 10), req100('b', 10), req100('c', 10), req100('d', null)]))).toBe(2);
  });

  it('scale-up: missing pods count as 0', () => {
    // 3 × 100m: 100 % → 2; missing at 0: 300 × 100 / 400 = 75 → 1.5; ceil(1.5 × 4) = 6.
    expect(proposal(c50, obs(4, [req100('a', 100), req100('b', 100), req100('c', 100), req100('d', null)]))).toBe(6);
  });

  it('fallback for a target above 100 %: max(100, target) from 1.26, 100 % before (PR #112178)', () => {
    // target 200, requests 1000m: one pod at 500m → 50 % → 0.25; one missing.
    // 1.30: fill 1000 × 200 / 100 = 2000 → (500 + 2000) × 100 / 2000 = 125 → 0.625; ceil(0.625 × 2) = 2.
    // 1.23: fill 1000 → 1500 × 100 / 2000 = 75 → 0.375; ceil(0.75) = 1.
    const o = obs(2, [pod('a', 500), pod('b', null)]);
    expect(proposal(cfg({ version: '1.30', metrics: [cpuTarget(200)] }), o)).toBe(2);
    expect(proposal(cfg({ version: '1.23', metrics: [cpuTarget(200)] }), o)).toBe(1);
  });

  it('scale-up: unready pods count as 0 and damp the proposal', () => {
    // 3 ready × 80m: 80 % → 1.6 (first pass would say ceil(4.8) = 5); two Pending pods at 0:
    // 240 × 100 / 500 = 48 → 0.96 → within → keep 5.
    const list = [req100('a', 80), req100('b', 80), req100('c', 80), req100('d', null, { phase: 'Pending' }), req100('e', null, { phase: 'Pending' })];
    expect(proposal(c50, obs(5, list))).toBe(5);
    // 2 ready × 60m: 60 % → 1.2, yet ceil(1.2 × 2) = 3 would shrink 4 pods; with the 2 Pending pods at 0:
    // 120 × 100 / 400 = 30 → 0.6, the direction flips → keep 4.
    expect(proposal(c50, obs(4, [req100('a', 60), req100('b', 60), req100('c', null, { phase: 'Pending' }), req100('d', null, { phase: 'Pending' })]))).toBe(4);
    // 9 ready × 60m: 1.2 → ceil(10.8) = 11 from 10; with the Pending pod at 0: 540 × 100 / 1000 = 54 → 1.08 → within → keep 10.
    const nine = Array.from({ length: 9 }, (_, i) => req100(`r${i}`, 60));
    expect(proposal(c50, obs(10, [...nine, req100('pending', null, { phase: 'Pending' })]))).toBe(10);
  });

  it('scale-down: unready pods are left out, not filled in', () => {
    // 3 ready × 20m: 20 % → 0.4; the Pending pod is excluded: ceil(0.4 × 3) = ceil(1.2000000000000002) = 2.
    expect(proposal(c50, obs(4, [req100('a', 20), req100('b', 20), req100('c', 20), req100('d', null, { phase: 'Pending' })]))).toBe(2);
  });

  it('a pod that lacks a request, no pods, or no usable metric make the metric invalid', () => {
    expect(() => proposal(c50, obs(1, [pod('a', 500, { requests: {} })]))).toThrow(/missing request for cpu/);
    expect(() => proposal(c50, obs(1, []))).toThrow(/no pods/);
    expect(() => proposal(c50, obs(1, [pod('a', 500, { phase: 'Pending' })]))).toThrow(/did not receive metrics/);
  });

  it('average-value targets use the truncated mean usage (calcPlainMetricReplicas, GetMetricUsageRatio)', () => {
    // target 300m per pod: (500 + 401) / 2 = 450.5 → 450; 450/300 = 1.5; ceil(1.5 × 2) = 3.
    const c = cfg({ metrics: [{ type: 'Resource', name: 'cpu', target: { type: 'AverageValue', averageValue: 300 } }] });
    expect(proposal(c, obs(2, [pod('a', 500), pod('b', 401)]))).toBe(3);
    // a missing pod on a scale-down counts as the target: 100/300 = 0.33 → (100 + 300) / 2 = 200 → 0.667; ceil(1.33) = 2
    expect(proposal(c, obs(2, [pod('a', 100), pod('b', null)]))).toBe(2);
  });
});

describe('Pods metrics (GetMetricReplicas → calcPlainMetricReplicas, GetMetricUsageRatio)', () => {
  const rps: MetricSpec = { type: 'Pods', name: 'rps', target: { type: 'AverageValue', averageValue: 10_000 } };
  const c = cfg({ metrics: [rps] });
  const withRps = (name: string, value: number | null, o: Partial<PodObservation> = {}) => pod(name, null, { ...(value === null ? {} : { custom: { rps: value } }), ...o });

  it('the truncated mean over pods with a value, against the target', () => {
    // 15000 + 16000 + 14500 = 45500 / 3 = 15166.67 → 15166; 15166 / 10000 = 1.5166; ceil(4.5498) = 5
    expect(proposal(c, obs(3, [withRps('a', 15_000), withRps('b', 16_000), withRps('c', 14_500)]))).toBe(5);
  });

  it('no CPU readiness rules: a pod without a Ready condition still counts', () => {
    // 20000 + 20000 over 2 pods = 20000 → 2; ceil(2 × 2) = 4 (a CPU metric would call the second pod unready)
    expect(proposal(c, obs(2, [withRps('a', 20_000), withRps('b', 20_000, { ready: null })]))).toBe(4);
  });

  it('a pod without a value counts as the target on a scale-down', () => {
    // 2000 + 2000 → 2000 → 0.2; the missing pod at 10000: 14000 / 3 = 4666 → 0.4666; ceil(1.3998) = 2
    expect(proposal(c, obs(3, [withRps('a', 2000), withRps('b', 2000), withRps('c', null)]))).toBe(2);
  });
});

describe('several metrics (computeReplicasForMetrics)', () => {
  const ext: MetricSpec = { type: 'External', name: 'queue', target: { type: 'Value', value: 100_000 } };
  const c = cfg({ metrics: [cpuTarget(50), ext] });

  it('the largest proposal wins', () => {
    // CPU: 4 × 2000m of 1000m → 200 % / 50 = 4 → ceil(16) = 16. External: 250 / 100 = 2.5 → ceil(2.5 × 4 ready) = 10.
    expect(computeReplicasForMetrics(c, obs(4, pods(4, 2000), { external: { queue: 250_000 } }), NOW).replicas).toBe(16);
    // CPU: 30 % → 0.6 → ceil(2.4) = 3. External wins with 10.
    expect(computeReplicasForMetrics(c, obs(4, pods(4, 300), { external: { queue: 250_000 } }), NOW).replicas).toBe(10);
  });

  it('an invalid metric blocks a scale-down but not a scale-up; all invalid blocks everything', () => {
    // external missing; CPU proposes 16 ≥ 4 → 16
    expect(computeReplicasForMetrics(c, obs(4, pods(4, 2000)), NOW).replicas).toBe(16);
    // CPU proposes 3 < 4 with one invalid metric → -1: no scaling this sync
    expect(computeReplicasForMetrics(c, obs(4, pods(4, 300)), NOW).replicas).toBe(-1);
    const r = onSync(c, initialState(), obs(4, pods(4, 300)), NOW);
    expect(r.actions).toEqual([]);
    expect(r.reason).toBe('FailedComputeMetricsReplicas');
    expect(computeReplicasForMetrics(c, obs(4, []), NOW).replicas).toBe(-1);
  });

  it('external per-pod targets divide by status replicas (GetExternalPerPodMetricReplicas)', () => {
    // Σ 900 / (100 × 3) = 3 → outside → ceil(900 / 100) = 9
    const perPod = cfg({ metrics: [{ type: 'External', name: 'q', target: { type: 'AverageValue', averageValue: 100_000 } }] });
    expect(proposal(perPod, obs(3, pods(3, 0), { external: { q: 900_000 } }))).toBe(9);
    // 320 / (100 × 3) = 1.0667 → within → keep status replicas 3
    expect(proposal(perPod, obs(3, pods(3, 0), { external: { q: 320_000 } }))).toBe(3);
  });
});

describe('bounds before metrics (reconcileAutoscaler)', () => {
  it('current 0 with minReplicas ≠ 0: autoscaling is off', () => {
    const r = onSync(cfg(), initialState(), obs(0, []), NOW);
    expect(r.actions).toEqual([]);
    expect(r.reason).toBe('ScalingDisabled');
  });

  it('above max → max, below min → min, straight away (no stabilisation, no rate limit)', () => {
    const c = cfg({ minReplicas: 3, maxReplicas: 10, behavior: behaviorWithDefaults({ scaleDown: { policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } }) });
    expect(onSync(c, initialState(), obs(25, pods(25, 1000)), NOW).actions).toEqual([{ type: 'scale', from: 25, to: 10, reason: 'Current number of replicas above Spec.MaxReplicas' }]);
    expect(onSync(c, initialState(), obs(1, pods(1, 0)), NOW).desiredReplicas).toBe(3);
  });
});

/** Sync every 15 s from `t0` with the same observation; returns the replica count after each. */
function run(c: HpaConfig, start: number, syncs: number, makeObs: (current: number, i: number) => Observation, t0 = NOW): { counts: number[]; state: HpaState } {
  let state = initialState();
  let current = start;
  const counts: number[] = [];
  for (let i = 0; i < syncs; i++) {
    const r = onSync(c, state, makeObs(current, i), t0 + i * 15 * S);
    state = r.state;
    current = r.desiredReplicas;
    counts.push(current);
  }
  return { counts, state };
}

describe('without behavior (normalizeDesiredReplicas, stabilizeRecommendation, convertDesiredReplicasWithRules)', () => {
  it('scale-up is capped at max(2 × current, 4), then maxReplicas', () => {
    // calculateScaleUpLimit: 3 → 6; 1 → 4. maxReplicas 5 below the limit wins.
    expect(convertDesiredReplicasWithRules(3, 10, 1, 20).replicas).toBe(6);
    expect(convertDesiredReplicasWithRules(1, 10, 1, 20).replicas).toBe(4);
    expect(convertDesiredReplicasWithRules(3, 10, 1, 5).replicas).toBe(5);
    expect(convertDesiredReplicasWithRules(3, 0, 2, 5).replicas).toBe(2);
    // whole syncs at 100 %/50 % → each proposal ceil(2 × n): 2 → 4 → 8 → 16 → 20 (max)
    const c = cfg({ maxReplicas: 20, metrics: [cpuTarget(50)] });
    expect(run(c, 2, 5, (n) => obs(n, pods(n, 1000))).counts).toEqual([4, 8, 16, 20, 20]);
  });

  it('no scale-down for 300 s: the history is seeded with the current count, a sample exactly 300 s old still counts', () => {
    // 5 pods at 10 %/50 %: proposal ceil(0.2 × 5) = 1. Syncs at 0, 15, …, 300 s keep 5 (the seed 5@0 s
    // is not Before now − 300 s); at 315 s the seed is old, the highest recent is 1 → straight to 1.
    const c = cfg({ metrics: [cpuTarget(50)] });
    const { counts } = run(c, 5, 23, (n) => obs(n, pods(n, 100)));
    expect(counts.slice(0, 21)).toEqual(Array(21).fill(5));
    expect(counts[21]).toBe(1);
  });

  it('a shorter downscale stabilisation flag shortens the wait', () => {
    const c = cfg({ metrics: [cpuTarget(50)], downscaleStabilization: 30 * S });
    // seed 5@0: counts at 0, 15, 30 s; old at 45 s → 1
    expect(run(c, 5, 4, (n) => obs(n, pods(n, 100))).counts).toEqual([5, 5, 5, 1]);
  });
});

describe('with behavior: stabilisation (stabilizeRecommendationWithBehaviors)', () => {
  const rules = (o: Partial<ScalingRules>) => o;

  it('the API defaults: scaleUp 0 s, Max of 4 pods and 100 % per 15 s; scaleDown Max 100 % per 15 s, window from the flag', () => {
    const b = behaviorWithDefaults({});
    expect(b.scaleUp).toEqual({ stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }], tolerance: null });
    expect(b.scaleDown).toEqual({ stabilizationWindowSeconds: null, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }], tolerance: null });
    // default scale-down: seed 5@0; the down window of 300 s holds 5 while the seed is strictly newer
    // than now − 300 s (After): at 300 s it is not → 1 (one sync earlier than the legacy path).
    const c = cfg({ metrics: [cpuTarget(50)], behavior: b });
    const { counts } = run(c, 5, 22, (n) => obs(n, pods(n, 100)));
    expect(counts.slice(0, 20)).toEqual(Array(20).fill(5));
    expect(counts[20]).toBe(1);
  });

  it('keeps the current count inside the envelope of both windows (1.21+, PR #97348) — 1.20 looked at one window', () => {
    // Both windows 300 s, min 1, current 2. Sync at 0 s: proposal 3 → up = min(2 seed, 3) = 2, down = max(2, 3) = 3 → stays 2.
    // Sync at 60 s: proposal 1 → up = min(2, 3, 1) = 1, down = max(2, 3, 1) = 3 → current 2 stays (1.23).
    // 1.20: 1 < current 2 → down window only → max(2, 3, 1) = 3 → scales UP to 3 (kubernetes#96671).
    const b = behaviorWithDefaults({ scaleUp: rules({ stabilizationWindowSeconds: 300 }), scaleDown: rules({ stabilizationWindowSeconds: 300 }) });
    // External Value target 1 (1000 milli): getUsageRatioReplicaCount → ceil(value/1000 × 2 ready pods): 1500 → 3, 500 → 1
    const ext: MetricSpec = { type: 'External', name: 'q', target: { type: 'Value', value: 1000 } };
    for (const [version, after] of [['1.23', 2], ['1.20', 3]] as const) {
      const c = cfg({ version, metrics: [ext], behavior: b });
      const r0 = onSync(c, initialState(), obs(2, pods(2, 0), { external: { q: 1500 } }), 0);
      expect(r0.desiredReplicas).toBe(2);
      const r1 = onSync(c, r0.state, obs(2, pods(2, 0), { external: { q: 500 } }), 60 * S);
      expect(r1.desiredReplicas).toBe(after);
    }
  });

  it('a scale-up window takes the lowest recent recommendation', () => {
    // up window 60 s: seed 2@0 s. Proposals 6 at 0, 15, … s → min(2, 6…) = 2 until the seed is 60 s old
    // (not After now − 60 s at 60 s) → 6 at 60 s (rate limit default: max(2 + 4, 2 × 2) = 6).
    const ext: MetricSpec = { type: 'External', name: 'q', target: { type: 'Value', value: 1000 } };
    const c = cfg({ metrics: [ext], behavior: behaviorWithDefaults({ scaleUp: { stabilizationWindowSeconds: 60 } }) });
    // value 3000 → ratio 3 → ceil(3 × 2 ready) = 6 while at 2 pods
    const { counts } = run(c, 2, 6, (n) => obs(n, pods(2, 0), { external: { q: 3000 } }), 0);
    expect(counts).toEqual([2, 2, 2, 2, 6, 6]);
  });
});

describe('with behavior: rate limits (calculateScaleUpLimitWithScalingRules, calculateScaleDownLimitWithBehaviors)', () => {
  const up = (policies: ScalingRules['policies'], selectPolicy: ScalingRules['selectPolicy'] = 'Max'): ScalingRules => ({ stabilizationWindowSeconds: 0, selectPolicy, policies, tolerance: null });
  const defaults = behaviorWithDefaults({});
  const c = cfg();

  it('scale-up: Max of start + pods and ceil(start × (1 + percent/100)); Min the smallest; Disabled none', () => {
    // start 2: 4 pods → 6; 100 % → ceil(2 × 2) = 4. Max 6, Min 4.
    expect(calculateScaleUpLimitWithScalingRules(c, 2, [], [], defaults.scaleUp, NOW)).toBe(6);
    expect(calculateScaleUpLimitWithScalingRules(c, 2, [], [], { ...defaults.scaleUp, selectPolicy: 'Min' }, NOW)).toBe(4);
    expect(calculateScaleUpLimitWithScalingRules(c, 2, [], [], { ...defaults.scaleUp, selectPolicy: 'Disabled' }, NOW)).toBe(2);
    // 10 %: ceil(5 × 1.1) = ceil(5.5) = 6 — the rounding up that lets a small group grow at all
    expect(calculateScaleUpLimitWithScalingRules(c, 5, [], [], up([{ type: 'Percent', value: 10, periodSeconds: 60 }]), NOW)).toBe(6);
  });

  it('scale-down: Max takes the lowest result, Min the highest; Percent truncates', () => {
    // start 10: 1 pod → 9; 20 % → trunc(10 × 0.8) = 8. Max (largest change) → 8, Min → 9.
    const policies = [{ type: 'Pods' as const, value: 1, periodSeconds: 60 }, { type: 'Percent' as const, value: 20, periodSeconds: 60 }];
    expect(calculateScaleDownLimitWithBehaviors(c, 10, [], [], up(policies), NOW)).toBe(8);
    expect(calculateScaleDownLimitWithBehaviors(c, 10, [], [], up(policies, 'Min'), NOW)).toBe(9);
    expect(calculateScaleDownLimitWithBehaviors(c, 10, [], [], up(policies, 'Disabled'), NOW)).toBe(10);
    // 15 %: trunc(7 × 0.85) = trunc(5.95) = 5
    expect(calculateScaleDownLimitWithBehaviors(c, 7, [], [], up([{ type: 'Percent', value: 15, periodSeconds: 60 }]), NOW)).toBe(5);
  });

  it('default scale-up from 2 to a proposal of 20: 6, then 12 a period later, nothing between', () => {
    // sync 0 s: limit max(2 + 4, 4) = 6 → 6, event +4@0. 10 s later: event inside (0 > −5 s) → start 6 − 4 = 2 → limit 6 → stay.
    // 15 s: the event is not After 15 − 15 = 0 → start 6 → max(10, 12) = 12.
    const ext: MetricSpec = { type: 'External', name: 'q', target: { type: 'AverageValue', averageValue: 1000 } };
    const cc = cfg({ metrics: [ext], behavior: defaults });
    const o = (n: number) => obs(n, pods(n, 0), { external: { q: 20_000 } }); // ceil(20000 / 1000) = 20
    const r0 = onSync(cc, initialState(), o(2), 0);
    expect(r0.desiredReplicas).toBe(6);
    expect(r0.state.scaleUpEvents).toEqual([{ replicaChange: 4, timestamp: 0, outdated: false }]);
    expect(onSync(cc, r0.state, o(6), 10 * S).desiredReplicas).toBe(6);
    expect(onSync(cc, r0.state, o(6), 15 * S).desiredReplicas).toBe(12);
    // selectPolicy Disabled on scaleUp: never grows
    const off = cfg({ metrics: [ext], behavior: behaviorWithDefaults({ scaleUp: { selectPolicy: 'Disabled' } }) });
    expect(onSync(off, initialState(), o(2), 0).actions).toEqual([]);
  });

  it('scale-down 50 % per 60 s: 10 → 5, held for the period, then 2', () => {
    // window 0. sync 0: trunc(10 × 0.5) = 5 → 5 (event 5@0). sync 30 s: start 5 + 5 = 10 → 5 = current → stay.
    // sync 60 s: the event is not After 0 → start 5 → trunc(2.5) = 2.
    const b = behaviorWithDefaults({ scaleDown: { stabilizationWindowSeconds: 0, policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] } });
    const cc = cfg({ metrics: [cpuTarget(50)], behavior: b });
    const o = (n: number) => obs(n, pods(n, 10)); // 1 % → ceil(0.02 × n) = 1
    const r0 = onSync(cc, initialState(), o(10), 0);
    expect(r0.desiredReplicas).toBe(5);
    const r1 = onSync(cc, r0.state, o(5), 30 * S);
    expect(r1.desiredReplicas).toBe(5);
    expect(onSync(cc, r1.state, o(5), 60 * S).desiredReplicas).toBe(2);
  });

  it('period start counts both directions from 1.26 (PR #109058); before, only its own', () => {
    // up: 2 pods / 60 s; down: 3 pods / 60 s, window 0; min 1.
    // 0 s: 4 → 6 (+2). 15 s, proposal 1: 1.30 start = 6 − 2 + 0 = 4 → limit 1 → 1; 1.23 start = 6 → limit 3 → 3.
    // 30 s, proposal 10: 1.30 start = 1 − 2 + 5 = 4 → 6; 1.23 start = 3 − 2 = 1 → 3 = current → stays 3.
    const b = behaviorWithDefaults({
      scaleUp: { policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }] },
      scaleDown: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 3, periodSeconds: 60 }] },
    });
    const ext: MetricSpec = { type: 'External', name: 'q', target: { type: 'AverageValue', averageValue: 1000 } };
    const values = [10_000, 1000, 10_000];
    for (const [version, want] of [['1.30', [6, 1, 6]], ['1.23', [6, 3, 3]]] as const) {
      const cc = cfg({ version, metrics: [ext], behavior: b });
      const { counts } = run(cc, 4, 3, (n, i) => obs(n, pods(n, 0), { external: { q: values[i]! } }), 0);
      expect(counts).toEqual(want);
    }
  });
});

describe('scale to zero (HPAScaleToZero, alpha): off by default', () => {
  const ext = { type: 'External', external: { metric: { name: 'q' }, target: { type: 'Value', value: 100 } } };

  it('minReplicas 0 is refused unless the option is on and an Object or External metric exists', () => {
    // upstream validateMetrics: "must specify at least one Object or External metric to support scaling to zero replicas"
    expect(() => resolveHpaConfig({ minReplicas: 0, maxReplicas: 5 })).toThrow(/^minReplicas: must be greater than or equal to 1 \(0 needs options.scaleToZero/);
    expect(() => resolveHpaConfig({ minReplicas: 0, maxReplicas: 5, options: { scaleToZero: true } })).toThrow(/^minReplicas: scaling to zero needs at least one Object or External metric/);
    const pods = { type: 'Pods', pods: { metric: { name: 'q' }, target: { type: 'AverageValue', averageValue: 1 } } };
    expect(() => resolveHpaConfig({ minReplicas: 0, maxReplicas: 5, metrics: [pods], options: { scaleToZero: true } })).toThrow(/^minReplicas: scaling to zero needs at least one Object or External metric/);
    expect(resolveHpaConfig({ minReplicas: 0, maxReplicas: 5, metrics: [ext], options: { scaleToZero: true } }).minReplicas).toBe(0);
    const object = { type: 'Object', object: { describedObject: { kind: 'Service', name: 'web' }, metric: { name: 'q' }, target: { type: 'Value', value: 10 } } };
    expect(resolveHpaConfig({ minReplicas: 0, maxReplicas: 5, metrics: [object], options: { scaleToZero: true } }).minReplicas).toBe(0);
  });

  it('from zero an External Value metric proposes ceil(value / target)', () => {
    // 250 / 100 = 2.5 → ceil 3; stabilised max(3, seed 0) = 3; limit max(2 × 0, 4) = 4 → 3.
    const c = resolveHpaConfig({ minReplicas: 0, maxReplicas: 5, metrics: [ext, { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }], options: { scaleToZero: true } });
    expect(onSync(c, initialState(), obs(0, [], { external: { q: 250_000 } }), NOW).actions).toEqual([{ type: 'scale', from: 0, to: 3, reason: 'external metric q above target' }]);
  });
});

describe('configuration: upstream defaults and one-line errors naming the key', () => {
  it('fills defaults', () => {
    const c = resolveHpaConfig({ maxReplicas: 10 });
    expect(c).toMatchObject({ minReplicas: 1, maxReplicas: 10, behavior: null, syncPeriod: 15 * S, tolerance: 0.1, cpuInitializationPeriod: 300 * S, initialReadinessDelay: 30 * S, downscaleStabilization: 300 * S, version: '1.35', scaleToZero: false });
    expect(c.metrics).toEqual([{ type: 'Resource', name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } }]);
    // a behavior with only scaleDown given keeps the scale-up defaults (copyHPAScalingRules)
    const b = resolveHpaConfig({ maxReplicas: 10, behavior: { scaleDown: { selectPolicy: 'Min' } } }).behavior!;
    expect(b.scaleUp.policies).toHaveLength(2);
    expect(b.scaleDown).toMatchObject({ selectPolicy: 'Min', stabilizationWindowSeconds: null });
  });

  it('reads a whole HorizontalPodAutoscaler manifest, quantities and YAML-ish versions', () => {
    const c = resolveHpaConfig({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web' },
      spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 8, metrics: [{ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '256Mi' } } }] },
      options: { version: 1.3 },
      controller: { syncPeriod: '30s' },
    });
    expect(c.metrics[0]).toEqual({ type: 'Resource', name: 'memory', target: { type: 'AverageValue', averageValue: 268_435_456_000 } });
    expect(c.version).toBe('1.30');
    expect(c.syncPeriod).toBe(30 * S);
  });

  it('reads Pods metrics with an average-value target only', () => {
    const m = { type: 'Pods', pods: { metric: { name: 'rps' }, target: { type: 'AverageValue', averageValue: 10 } } };
    expect(resolveHpaConfig({ maxReplicas: 5, metrics: [m] }).metrics[0]).toEqual({ type: 'Pods', name: 'rps', target: { type: 'AverageValue', averageValue: 10_000 } });
    expect(() => resolveHpaConfig({ maxReplicas: 5, metrics: [{ ...m, pods: { ...m.pods, target: { type: 'Value', value: 1 } } }] })).toThrow(/^metrics\[0\]\.pods\.target\.type: unknown value "Value"; expected one of: AverageValue$/);
  });

  it.each([
    [{ maxReplicas: 5, behavior: { scaleUp: { selectPolicy: 'Fastest' } } }, /^behavior\.scaleUp\.selectPolicy: unknown value "Fastest"; expected one of: Max, Min, Disabled$/],
    [{ maxReplicas: 5, behavior: { scaleDown: { policies: [{ type: 'Pods', value: 1, periodSeconds: 0 }] } } }, /^behavior\.scaleDown\.policies\[0\]\.periodSeconds: must be greater than zero \(got 0\)$/],
    [{ maxReplicas: 5, behavior: { scaleDown: { policies: [{ type: 'Pods', value: 1, periodSeconds: -15 }] } } }, /^behavior\.scaleDown\.policies\[0\]\.periodSeconds: must be greater than zero \(got -15\)$/],
    [{ maxReplicas: 5, behavior: { scaleDown: { policies: [{ type: 'Pods', value: 1, periodSeconds: 1801 }] } } }, /periodSeconds: must be less than or equal to 1800 \(got 1801\)$/],
    [{ maxReplicas: 5, behavior: { scaleUp: { policies: [] } } }, /^behavior\.scaleUp\.policies: must specify at least one Policy$/],
    [{ maxReplicas: 5, behavior: { scaleUp: { policies: [{ type: 'Pods', value: 0, periodSeconds: 15 }] } } }, /^behavior\.scaleUp\.policies\[0\]\.value: must be greater than zero \(got 0\)$/],
    [{ maxReplicas: 5, behavior: { scaleUp: { stabilizationWindowSeconds: 3601 } } }, /^behavior\.scaleUp\.stabilizationWindowSeconds: must be less than or equal to 3600 \(got 3601\)$/],
    [{ minReplicas: 6, maxReplicas: 5 }, /^maxReplicas: must be greater than or equal to minReplicas \(5 < 6\)$/],
    [{ minReplicas: 1 }, /^maxReplicas: is required$/],
    [{ maxReplicas: 5, behavior: { scaleUp: { tolerance: 0.05 } }, options: { version: '1.30' } }, /^behavior\.scaleUp\.tolerance: per-direction tolerance needs options\.version 1\.35/],
    [{ maxReplicas: 5, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 0 } } }] }, /^metrics\[0\]\.resource\.target\.averageUtilization: must be greater than 0$/],
    [{ maxReplicas: 5, speed: 'fast' }, /^speed: unknown key/],
    [{ maxReplicas: 5, options: { version: '1.99' } }, /^options\.version: unknown value "1\.99"; expected one of: 1\.20, 1\.23, 1\.30, 1\.35$/],
    [{ maxReplicas: 5, controller: { syncPeriod: '0s' } }, /^controller\.syncPeriod: must be positive$/],
  ])('refuses %j', (raw, message) => {
    expect(() => resolveHpaConfig(raw)).toThrow(message);
    try {
      resolveHpaConfig(raw, 'hpa.yaml');
    } catch (e) {
      expect((e as Error).message.startsWith('hpa.yaml: ')).toBe(true);
      expect((e as Error).message).not.toContain('\n');
    }
  });

  it('the descriptor bridges scenario keys (durations already in µs) to the same configuration', () => {
    expect(hpaDescriptor.options.find((o) => o.key === 'version')?.default).toBe('1.35');
    const c = hpaConfigFromKeys({ minReplicas: 2, maxReplicas: 7, 'controller.syncPeriod': 30 * S }, { version: '1.23' }, { behavior: { scaleDown: { selectPolicy: 'Disabled' } } });
    expect(c).toMatchObject({ minReplicas: 2, maxReplicas: 7, syncPeriod: 30 * S, version: '1.23' });
    expect(c.behavior?.scaleDown.selectPolicy).toBe('Disabled');
    expect(hpaDescriptor.check({ minReplicas: 5, maxReplicas: 4 })).toEqual([{ key: 'maxReplicas', message: 'must be greater than or equal to minReplicas (4 < 5)' }]);
    // the descriptor's written defaults are the controller flags' defaults: 15 s, 0.1, 5 min, 30 s, 5 min
    const byKey = Object.fromEntries(hpaDescriptor.config.map((k) => [k.key, k.default]));
    expect(byKey).toMatchObject({ minReplicas: 1, 'controller.syncPeriod': '15s', 'controller.tolerance': 0.1, 'controller.cpuInitializationPeriod': '5m', 'controller.initialReadinessDelay': '30s', 'controller.downscaleStabilization': '5m' });
    expect(hpaConfigFromKeys({ 'controller.syncPeriod': parseDuration('15s'), 'controller.cpuInitializationPeriod': parseDuration('5m') }, {})).toMatchObject({ syncPeriod: 15 * S, cpuInitializationPeriod: 300 * S, maxReplicas: 10 });
    expect(hpaDescriptor.variants.map((v) => v.options['version'])).toEqual(['1.35', '1.30', '1.23', '1.20']);
  });
});

describe('memory', () => {
  it('the kept history does not grow with time: recommendations and events are overwritten once old', () => {
    // legacy: one sample per 15 s sync, replaced once older than 300 s → at most 300/15 + 1 + 1 = 22.
    // behavior (windows 0 and 300 s; policies of 15 s): same bound for recommendations; events are
    // replaced once older than the longest period (15 s), so a few at most.
    const load = (i: number) => (i % 8 < 4 ? 2000 : 100); // alternating 200 % and 10 % of request
    for (const behavior of [null, behaviorWithDefaults({})]) {
      const c = cfg({ metrics: [cpuTarget(50)], behavior });
      const { state } = run(c, 4, 2000, (n, i) => obs(n, pods(n, load(i))), 0);
      expect(state.recommendations!.length).toBeLessThanOrEqual(22);
      expect(state.scaleUpEvents.length + state.scaleDownEvents.length).toBeLessThanOrEqual(4);
    }
  });
});

describe('purity', () => {
  it('never changes its inputs and returns the same for the same call', () => {
    const c = cfg({ metrics: [cpuTarget(50)], behavior: behaviorWithDefaults({}) });
    const o = obs(2, pods(2, 1000));
    const s0 = onSync(c, initialState(), o, 0).state;
    const frozen = JSON.stringify(s0);
    const a = onSync(c, s0, o, 15 * S);
    const b = onSync(c, s0, o, 15 * S);
    expect(JSON.stringify(s0)).toBe(frozen);
    expect(a).toEqual(b);
    expect(a.wakeAt).toBe(30 * S);
  });
});
