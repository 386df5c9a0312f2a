/**
 * The HPA's metric types on the horizontal world, each worked by hand from the upstream Go code
 * (kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator.go: GetMetricReplicas →
 * calcPlainMetricReplicas, GetObjectMetricReplicas and GetExternalMetricReplicas →
 * getUsageRatioReplicaCount, GetObjectPerPodMetricReplicas, GetExternalPerPodMetricReplicas,
 * GetResourceReplicas; metrics/utilization.go GetResourceUtilizationRatio, GetMetricUsageRatio;
 * horizontal.go computeReplicasForMetrics, reconcileAutoscaler, stabilizeRecommendation,
 * convertDesiredReplicasWithRules; pkg/apis/autoscaling/validation validateMetrics): Pods,
 * Object and External targets, memory utilisation from the world's pod memory model, the largest
 * of several proposals, scale to zero and back from zero on a request-driven workload, and bad
 * input naming the key.
 */
import { describe, expect, it } from 'vitest';
import { computeReplicasForMetrics, hpaConfig, initialState, onSync } from '../src/engines/hpa/engine.js';
import { proposalFor } from '../src/engines/hpa/replicas.js';
import type { HpaConfig, MetricSpec, Observation, PodObservation } from '../src/engines/hpa/types.js';
import { memoryUsage, observeWorld, percentOfTarget, podView, requestMetric, type HpaGroupState } from '../src/engines/hpa/plugin.js';
import { hpaEngine } from '../src/engines/hpa/plugin.js';
import { loadScenario, parseScenarioText } from '../src/scenario/load.js';
import { parseHpaLine } from '../src/adapters/hpa.js';
import { simulateReplicas } from '../src/run/replicas.js';
import { InputError } from '../src/scenario/errors.js';
import { advance, createFlow } from '../src/requests/flow.js';
import { ReplicaPhase, type ReplicaGroupView, type ReplicaInstanceView } from '../src/world/replicas/engine.js';
import { ChartRecorder } from '../src/report/chart-recorder.js';
import { allCharts, chartIdsFor, chartTitle } from '../src/report/charts.js';

const S = 1_000_000;
const NOW = 3600 * S;
const MI = 2 ** 20;

/** A Running, Ready pod with custom `Pods` metric values (milli-units). */
function pod(name: string, custom: Record<string, number> = {}, o: Partial<PodObservation> = {}): PodObservation {
  return { name, phase: 'Running', ready: { status: 'True', lastTransitionTime: 20 * S }, startTime: 0, deleted: false, requests: { cpu: 1000 }, cpu: null, custom, ...o };
}
const cfg = (metrics: MetricSpec[], o: Partial<HpaConfig> = {}): HpaConfig => hpaConfig({ maxReplicas: 100, metrics, ...o });
const podsMetric = (name: string, averageValue: number): MetricSpec => ({ type: 'Pods', name, target: { type: 'AverageValue', averageValue } });
const objectValue = (name: string, value: number): MetricSpec => ({ type: 'Object', name, describedObject: { kind: 'Service', name: 'web' }, target: { type: 'Value', value } });
const objectAverage = (name: string, averageValue: number): MetricSpec => ({ type: 'Object', name, describedObject: { kind: 'Ingress', name: 'main' }, target: { type: 'AverageValue', averageValue } });
const externalAverage = (name: string, averageValue: number): MetricSpec => ({ type: 'External', name, target: { type: 'AverageValue', averageValue } });

describe('Pods AverageValue (GetMetricReplicas → calcPlainMetricReplicas, GetMetricUsageRatio)', () => {
  it('averages the pods\' values (truncated milli-units) and multiplies by the ready pods', () => {
    // three ready pods at 120, 90 and 151 requests/s = 120000m, 90000m, 151000m; target 100 (100000m)
    // usage = trunc(361000 / 3) = 120333; ratio 120333 / 100000 = 1.20333 > 1.1 → ceil(1.20333 × 3) = ceil(3.61) = 4
    const c = cfg([podsMetric('requests_per_second', 100_000)]);
    const o: Observation = { specReplicas: 3, pods: [pod('a', { requests_per_second: 120_000 }), pod('b', { requests_per_second: 90_000 }), pod('c', { requests_per_second: 151_000 })] };
    expect(proposalFor(c, c.metrics[0]!, o, NOW)).toEqual({ replicas: 4, current: 120_333 });
    // within tolerance: 105000m each → ratio 1.05 ≤ 1.1 → keep 3
    const near: Observation = { specReplicas: 3, pods: ['a', 'b', 'c'].map((n) => pod(n, { requests_per_second: 105_000 })) };
    expect(proposalFor(c, c.metrics[0]!, near, NOW).replicas).toBe(3);
  });
});

describe('Object metrics', () => {
  it('Value (GetObjectMetricReplicas → getUsageRatioReplicaCount): ceil(value / target × ready pods)', () => {
    // value 450 (450000m), target 200: ratio 2.25; spec 2, both Running and Ready → ceil(2.25 × 2) = ceil(4.5) = 5
    const c = cfg([objectValue('requests_per_second', 200_000)]);
    const o: Observation = { specReplicas: 2, pods: [pod('a'), pod('b')], object: { requests_per_second: 450_000 } };
    expect(proposalFor(c, c.metrics[0]!, o, NOW)).toEqual({ replicas: 5, current: 450_000 });
    // only Running and Ready pods count (getReadyPodsCount): one Pending → ceil(2.25 × 1) = 3
    const pending: Observation = { ...o, pods: [pod('a'), pod('b', {}, { phase: 'Pending', ready: { status: 'False', lastTransitionTime: 0 } })] };
    expect(proposalFor(c, c.metrics[0]!, pending, NOW).replicas).toBe(3);
    // a missing value makes the metric fail
    expect(() => proposalFor(c, c.metrics[0]!, { specReplicas: 2, pods: [pod('a')] }, NOW)).toThrow(/unable to get metric requests_per_second/);
  });

  it('AverageValue (GetObjectPerPodMetricReplicas): ratio on status replicas, proposal ceil(value / target)', () => {
    // value 450, target 100 per pod, status replicas 3: ratio 450 / (100 × 3) = 1.5 → ceil(450 / 100) = ceil(4.5) = 5;
    // current = ceil(450000 / 3) = 150000m per pod
    const c = cfg([objectAverage('inflight_requests', 100_000)]);
    const o: Observation = { specReplicas: 4, statusReplicas: 3, pods: [pod('a'), pod('b'), pod('c')], object: { inflight_requests: 450_000 } };
    expect(proposalFor(c, c.metrics[0]!, o, NOW)).toEqual({ replicas: 5, current: 150_000 });
    // value 310: ratio 310 / 300 = 1.0333 ≤ 1.1 → status replicas 3 (not spec 4)
    expect(proposalFor(c, c.metrics[0]!, { ...o, object: { inflight_requests: 310_000 } }, NOW).replicas).toBe(3);
  });
});

describe('External AverageValue (GetExternalPerPodMetricReplicas)', () => {
  it('is ceil(Σ value / target) outside tolerance, on status replicas', () => {
    // value 1234 (1234000m), target 100 per pod, status 10: ratio 1234 / 1000 = 1.234 > 1.1 → ceil(12.34) = 13
    const c = cfg([externalAverage('queue_length', 100_000)]);
    const o: Observation = { specReplicas: 10, statusReplicas: 10, pods: [], external: { queue_length: 1_234_000 } };
    expect(proposalFor(c, c.metrics[0]!, o, NOW)).toEqual({ replicas: 13, current: 123_400 });
  });
});

describe('memory utilisation (GetResourceReplicas on memory; the world\'s pod memory model)', () => {
  const inst = (name: string, cpuUs: number): ReplicaInstanceView => ({
    id: 1,
    name,
    isPrimary: false,
    host: 0,
    phase: ReplicaPhase.Running,
    vcpus: 1,
    orphaned: false,
    cpuUs,
    createdAt: 0,
    startedAt: 0,
    phaseSince: 0,
    reportedAt: 15 * S,
    reportedCpuUs: 0,
  });

  it('memory = request × (idle + (busy − idle) × CPU share); utilisation truncated', () => {
    const memory = { idlePercent: 50, busyPercent: 90 };
    // pod a used 7.5 s of CPU over the 15 s window: 500m of 1000m → 50 + 40 × 0.5 = 70 % of 256 MiB
    //   = floor(268435456 × 70 / 100) = floor(187904819.2) = 187904819 bytes
    // pod b used 15 s: 1000m → 90 % = floor(241591910.4) = 241591910 bytes
    expect(memoryUsage(256 * MI, 500, 1000, memory)).toBe(187_904_819);
    const a = podView(inst('a', 7.5e6), 30 * S, memory, 256 * MI);
    const b = podView(inst('b', 15e6), 30 * S, memory, 256 * MI);
    expect(a.cpu!.usage).toBe(500);
    expect([a.memory!.usage, b.memory!.usage, a.requests.memory]).toEqual([187_904_819, 241_591_910, 256 * MI]);
    // utilisation = trunc((187904819 + 241591910) × 100 / (2 × 268435456)) = trunc(79.99999998) = 79 (not 80);
    // target 60 → ratio 79 / 60 = 1.31667 → ceil(1.31667 × 2) = ceil(2.633) = 3
    const c = cfg([{ type: 'Resource', name: 'memory', target: { type: 'Utilization', averageUtilization: 60 } }]);
    expect(proposalFor(c, c.metrics[0]!, { specReplicas: 2, pods: [a, b] }, 30 * S)).toEqual({ replicas: 3, current: 79 });
    expect(percentOfTarget(c.metrics[0]!, 79)).toBeCloseTo((79 * 100) / 60, 12);
  });
});

describe('several metrics: the largest proposal wins (computeReplicasForMetrics)', () => {
  it('takes the max; a failed metric blocks only a scale-down', () => {
    // Pods: 3 pods at 120333 avg / 100000 → 4 (as above); Object Value 450/200 × 3 ready = ceil(6.75) = 7;
    // External AverageValue 1234 / 100 → 13 → max 13, named after the External metric
    const metrics = [podsMetric('requests_per_second', 100_000), objectValue('requests_per_second', 200_000), externalAverage('queue_length', 100_000)];
    const list = [pod('a', { requests_per_second: 120_000 }), pod('b', { requests_per_second: 90_000 }), pod('c', { requests_per_second: 151_000 })];
    const o: Observation = { specReplicas: 3, statusReplicas: 3, pods: list, object: { requests_per_second: 450_000 }, external: { queue_length: 1_234_000 } };
    const r = computeReplicasForMetrics(cfg(metrics), o, NOW);
    expect(r.outcomes.map((x) => x.proposal)).toEqual([4, 7, 13]);
    expect([r.replicas, r.metric]).toEqual([13, 'external metric queue_length']);
    // without the External value it fails; the other two propose max(4, 7) = 7 > spec 3 → still 7
    const failed = computeReplicasForMetrics(cfg(metrics), { ...o, external: {} }, NOW);
    expect(failed.replicas).toBe(7);
    // all proposals below spec 30 with one failed → no scaling (-1)
    expect(computeReplicasForMetrics(cfg(metrics), { ...o, specReplicas: 30, external: {} }, NOW).replicas).toBe(-1);
  });
});

describe('the request metrics the world measures', () => {
  it('requests_per_second over the sync window; in-flight and queue now; per pod shared evenly', () => {
    // 10 ms a request, 1 slot a pod, 2 pods: μ = 200/s; 150/s arrive for 15 s → 2250 arrived and served
    const flow = createFlow({ serviceTime: 10_000, concurrency: 1, queueLimit: Infinity });
    advance(flow, 0, 15 * S, 150, 2);
    const before = { at: 0, served: 0, arrived: 0 };
    expect(requestMetric('requests_per_second', flow, before, 15 * S, false, 2)).toBeCloseTo(150, 9); // 2250 / 15 s
    expect(requestMetric('requests_per_second', flow, before, 15 * S, true, 2)).toBeCloseTo(75, 9); // served, per pod
    expect(requestMetric('requests_per_second', flow, null, 15 * S, false, 2)).toBeNull(); // a rate needs two syncs
    expect(requestMetric('inflight_requests', flow, before, 15 * S, false, 2)).toBeCloseTo(1.5, 9); // 150/s × 10 ms
    // 300/s into 2 pods (200/s) for 10 s more: the queue grows by 100/s → 1000 waiting, both slots busy
    advance(flow, 15 * S, 25 * S, 300, 2);
    expect(requestMetric('queue_length', flow, before, 25 * S, false, 2)).toBeCloseTo(1000, 6);
    expect(requestMetric('queue_length', flow, before, 25 * S, true, 2)).toBeCloseTo(500, 6);
    expect(requestMetric('inflight_requests', flow, before, 25 * S, true, 2)).toBe(1);
    expect(requestMetric('inflight_requests', flow, before, 25 * S, true, 0)).toBeNull(); // no pod: no per-pod value
  });
});

/** One request-driven pod (10 ms a request) and an HPA on External requests_per_second, AverageValue 50. */
const ZERO = `
name: hpa-zero
seed: 1
duration: 430s
engine:
  name: hpa
  options: { scaleToZero: true }
  config:
    minReplicas: 0
    maxReplicas: 10
    metrics:
      - type: External
        external: { metric: { name: requests_per_second }, target: { type: AverageValue, averageValue: 50 } }
world:
  stats_interval: 5s
  placement_latency: 0s
  stop_latency: 0s
  measurement_noise: 0
  boot: { latency: 1s, failure_probability: 0 }
  hosts: [{ name: node, threads: 16, memory: 16GiB }]
workloads:
  - name: api
    vcpus: 1
    memory: 256MiB
    requests: { service_time: 10ms, concurrency: 1 }
    load: { base: 100, steps: [{ at: 30s, delta: -100 }, { at: 400s, delta: 120 }] }
`;

describe('scale to zero and from zero on the world (HPAScaleToZero)', () => {
  it('goes 1 → 2 → 0 and back 0 → 1 → 3; the requests at zero pods wait for a cold start', () => {
    const scenario = parseScenarioText(ZERO, 'zero.yaml');
    const events: Array<Record<string, unknown>> = [];
    const sim = simulateReplicas(scenario, hpaEngine.bind(scenario), { event: (l) => events.push(JSON.parse(l) as Record<string, unknown>) });
    // Syncs every 15 s from 0 (each before the round at the same time, so before a load step there).
    // t = 0: no earlier counters → requests_per_second has no rate yet → the only metric fails → nothing.
    // t = 15: 100/s × 15 s = 1500 arrived → 100/s = 100000m; AverageValue 50 (50000m) on status replicas 1:
    //   ratio 100000 / (50000 × 1) = 2 → ceil(100000 / 50000) = 2 (GetExternalPerPodMetricReplicas);
    //   legacy: max(recorded 1, 2) = 2 ≤ max(2 × 1, 4) → 1 → 2 (api-2).
    // t = 30: 1500 more over [15, 30] → 100/s on 2 pods: ratio 1 → keep 2. The step to 0/s takes effect at 30 s.
    // t = 45 … : 0/s → ratio 0 → ceil(0 / 50000) = 0; the 2s recorded at 15 and 30 s hold it at 2
    //   while one is not before now − 300 s (stabilizeRecommendation): at 330 s the one at 30 s still
    //   counts, at 345 s none → 0; convertDesiredReplicasWithRules(2, 0, min 0, max 10) = 0 → 2 → 0.
    // t = 360 … 390: 0 pods, value 0: status replicas 0 → ratio 0 / 0 = NaN, not within → ceil(0) = 0.
    // t = 400: 120/s start arriving; nothing runs, so they queue.
    // t = 405: 120 × 5 s = 600 arrived over [390, 405] → 40/s = 40000m; status 0 → ratio +Inf →
    //   ceil(40000 / 50000) = 1; reconcileAutoscaler at current 0 with minReplicas 0 computes metrics;
    //   legacy: max(recent 0s, 1) = 1 ≤ max(2 × 0, 4) → 0 → 1. The pod is placed at once, boots 1 s.
    // t = 420: 120/s × 15 s → 120/s on status 1: ratio 2.4 → ceil(120000 / 50000) = ceil(2.4) = 3 ≤ 4 → 1 → 3.
    const scaling = events.filter((e) => e['type'] === 'scale_up' || e['type'] === 'scale_down').map((e) => [e['time_s'], e['type'], e['instance']]);
    expect(scaling).toEqual([
      [15, 'scale_up', 'api-2'],
      [345, 'scale_down', 'api-2'],
      [345, 'scale_down', 'api'],
      [405, 'scale_up', 'api-3'],
      [420, 'scale_up', 'api-4'],
      [420, 'scale_up', 'api-5'],
    ]);
    const api = sim.workloads[0]!.result;
    expect([api.scale_ups, api.scale_downs]).toEqual([3, 1]);
    // the requests of 400 … 406 s arrived with no pod ready: one cold start of 720 requests
    // (120/s × 6 s); the first waits 6 s (400 → 406), and since one slot drains them at 100/s the
    // last leaves at 406 + 720 / 100 = 413.2 s, a wait of 413.2 − 406 = 7.2 s.
    const r = sim.requests![0]!.requests!;
    expect([r.cold_starts, r.cold_start_requests]).toEqual([1, 720]);
    // the maximum is exact (the histogram keeps it); quantiles are bucketed
    expect(r.cold_start_added_latency_ms.max).toBeCloseTo(7200, 6);
  });
});

describe('bad input: one line naming the key', () => {
  const scenario = (metrics: string, extra = '', workload = 'load: { base: 0.5 }'): string => `
name: bad
seed: 1
duration: 10m
engine:
  name: hpa
${extra}  config:
    minReplicas: 1
    maxReplicas: 4
    metrics:
${metrics}
world:
  stats_interval: 5s
  hosts: [{ name: node, threads: 8, memory: 16GiB }]
workloads:
  - name: web
    vcpus: 1
    ${workload}
`;
  const fails = (text: string): string => {
    try {
      parseScenarioText(text, 'bad.yaml');
    } catch (e) {
      if (e instanceof InputError) return e.message;
      throw e;
    }
    throw new Error('accepted');
  };
  const requests = "requests: { service_time: 10ms, concurrency: 1 }\n    load: { base: 50 }";

  it('minReplicas 0 without an Object or External metric', () => {
    const text = scenario("      - { type: Resource, resource: { name: cpu, target: { type: Utilization, averageUtilization: 50 } } }", '  options: { scaleToZero: true }\n').replace('minReplicas: 1', 'minReplicas: 0');
    expect(fails(text)).toMatch(/^bad\.yaml:\d+: engine\.config\.minReplicas: scaling to zero needs at least one Object or External metric/);
  });

  it('an unknown metric name', () => {
    const text = scenario('      - { type: Pods, pods: { metric: { name: http_requests }, target: { type: AverageValue, averageValue: 10 } } }', '', requests);
    expect(fails(text)).toMatch(/^bad\.yaml:\d+: engine\.config\.metrics\[0\]\.pods\.metric\.name: unknown metric "http_requests": the simulated world measures requests_per_second, inflight_requests, queue_length/);
  });

  it('a non-positive target', () => {
    const zero = scenario('      - { type: External, external: { metric: { name: queue_length }, target: { type: AverageValue, averageValue: 0 } } }', '', requests);
    expect(fails(zero)).toMatch(/^bad\.yaml:\d+: engine\.config\.metrics\[0\]\.external\.target\.averageValue: must be positive/);
    const negative = scenario('      - { type: Object, object: { describedObject: { kind: Service, name: web }, metric: { name: queue_length }, target: { type: Value, value: -5 } } }', '', requests);
    expect(fails(negative)).toMatch(/^bad\.yaml:\d+: engine\.config\.metrics\[0\]\.object\.target\.value: must be positive/);
  });

  it('a request metric on a workload given in cores', () => {
    const text = scenario('      - { type: External, external: { metric: { name: requests_per_second }, target: { type: Value, value: 100 } } }');
    expect(fails(text)).toMatch(/^bad\.yaml:\d+: engine\.config\.metrics\[0\]\.external\.metric\.name: requests_per_second is measured on request-driven workloads only; workload web has no requests: block/);
  });

  it('a memory model out of range', () => {
    const text = scenario("      - { type: Resource, resource: { name: memory, target: { type: Utilization, averageUtilization: 50 } } }").replace('    maxReplicas: 4', '    maxReplicas: 4\n    podMemory: { idlePercent: -1 }');
    expect(fails(text)).toMatch(/^bad\.yaml:\d+: engine\.config\.podMemory\.idlePercent: must be >= 0, got -1/);
  });
});

describe('the HPA report: panels in place of the tick-counter chart', () => {
  it('the chart recorder buckets panel values as means, NaN left out', () => {
    const values = new Float64Array(2);
    const rec = new ChartRecorder({ groups: ['api'], duration: 30 * S, interval: 5 * S, thresholds: { up: 110, down: 90 }, maxBuckets: 3, panels: [{ title: 'P', subtitle: 's', axis: 'pods', series: ['desired', 'ready'], integer: true, values }] });
    const sample = { demand: 0, capacity: 0, running: 0, booting: 0, stopping: 0, orphaned: 0, cpu: null, highTicks: 0, lowTicks: 0, violationUs: 0 };
    // bucket width: 30 s / 3 buckets = 10 s (a multiple of 5 s); samples at 0 and 5 s go to bucket 0, at 10 s to bucket 1
    values.set([2, NaN]);
    rec.sample(0, 0, sample);
    values.set([4, 6]);
    rec.sample(0, 5 * S, sample);
    values.set([NaN, NaN]);
    rec.sample(0, 10 * S, sample);
    rec.close([0]);
    const data = rec.finish();
    // bucket 0: desired (2 + 4) / 2 = 3, ready 6 / 1 = 6; bucket 1: none → null
    expect(data.buckets.map((b) => b.panels)).toEqual([[[3, 6]], [[null, null]]]);
    expect(data.panels).toEqual([{ title: 'P', subtitle: 's', axis: 'pods', series: ['desired', 'ready'], rules: [], integer: true }]);
    expect(chartIdsFor(data)).toEqual(['demand', 'cpu', 'instances', 'panel-1', 'actions']);
    expect(Object.keys(allCharts(data))).toEqual(['demand', 'cpu', 'instances', 'panel-1', 'actions']);
    expect(chartTitle(data, 'panel-1')).toBe('P');
    // without panels (Albatross): the tick-counter chart as before
    expect(chartIdsFor({})).toEqual(['demand', 'cpu', 'instances', 'ticks', 'actions']);
  });

  it('charts desired vs ready replicas and the metric against its target on the scale-to-zero run', () => {
    const scenario = parseScenarioText(ZERO, 'zero.yaml');
    const sim = simulateReplicas(scenario, hpaEngine.bind(scenario));
    const panels = sim.chart.panels!;
    expect(panels.map((p) => p.series)).toEqual([['desired', 'proposal', 'ready'], ['external requests_per_second']]);
    // 430 s in 5 s buckets (the stats interval); rules: minReplicas 0, maxReplicas 10; target 100 %, band 90–110 %
    expect(panels[1]!.rules.map((r) => r.value)).toEqual([100, 90, 110]);
    const at = (t: number) => sim.chart.buckets.find((b) => b.t0 === t)!.panels!;
    // round at 15 s (after the sync there): desired 2 on a proposal of 2; api-2 was just placed and
    // boots until 16 s → 1 ready; the metric: 100000m per pod on status 1 against 50000m → 200 %
    expect(at(15)).toEqual([[2, 2, 1], [200]]);
    // round at 20 s: api-2 runs since 16 s → 2 ready; the last sync (15 s) still says 200 %
    expect(at(20)).toEqual([[2, 2, 2], [200]]);
    // round at 350 s: the sync at 345 s wrote 0; both pods stopped (stop latency 0) → 0 ready; 0/s → 0 %
    expect(at(350)).toEqual([[0, 0, 0], [0]]);
  });
});

describe('decide hpa reads Object metric values; the scale-to-zero scenario is deterministic', () => {
  it('parses "object" values as milli-units and scales from zero on them (GetObjectMetricReplicas)', () => {
    const { observation } = parseHpaLine('{"time": 100, "specReplicas": 0, "pods": [], "object": {"requests_per_second": 120, "queue_length": "2500m"}}', 'x:1');
    expect(observation.object).toEqual({ requests_per_second: 120_000, queue_length: 2500 });
    // Value target 50: at 0 replicas ceil(120000 / 50000) = ceil(2.4) = 3 (getUsageRatioReplicaCount, current 0)
    const c = cfg([objectValue('requests_per_second', 50_000)], { minReplicas: 0, scaleToZero: true });
    expect(onSync(c, initialState(), observation, 100 * S).actions).toEqual([{ type: 'scale', from: 0, to: 3, reason: 'Service metric requests_per_second above target' }]);
    expect(() => parseHpaLine('{"time": 100, "specReplicas": 0, "objects": {}}', 'x:2')).toThrow(/^x:2: objects: unknown key; expected time, specReplicas, statusReplicas, pods, external, object$/);
  });

  it('same seed ⇒ identical events and time series (hpa-scale-to-zero, 6 h)', () => {
    const day = loadScenario('scenarios/hpa-scale-to-zero.yaml', { sets: ['duration=6h'] });
    const lines = (): string[] => {
      const out: string[] = [];
      simulateReplicas(day, hpaEngine.bind(day), { event: (l) => out.push(l), timeseries: (l) => out.push(l) });
      return out;
    };
    const first = lines();
    expect(first.filter((l) => l.includes('"scale_up"')).length).toBeGreaterThan(5);
    expect(lines()).toEqual(first);
  });
});

describe('what the HPA sees of the world at a sync (observeWorld)', () => {
  it('custom values on running pods only, service values for Object and External, status replicas without deleted pods', () => {
    // 10 ms a request, 1 slot a pod; 2 running pods (μ = 200/s) get 150/s from 0 to 15 s:
    // 2250 arrived and served; in service now 150 × 0.01 = 1.5; nothing waits
    const flow = createFlow({ serviceTime: 10_000, concurrency: 1, queueLimit: Infinity });
    advance(flow, 0, 15 * S, 150, 2);
    const inst = (name: string, phase: ReplicaPhase): ReplicaInstanceView => ({ id: 1, name, isPrimary: false, host: 0, phase, vcpus: 1, orphaned: false, cpuUs: 0, createdAt: 0, startedAt: 0, phaseSince: 0, reportedAt: -1, reportedCpuUs: 0 });
    const group = {
      index: 0,
      spec: { name: 'api', memory_bytes: 256 * MI },
      instances: [inst('api', ReplicaPhase.Running), inst('api-2', ReplicaPhase.Running), inst('api-3', ReplicaPhase.Booting), inst('api-4', ReplicaPhase.Stopping)],
      running: 2,
      requests: flow,
    } as unknown as ReplicaGroupView;
    const state = { counters: { at: 0, served: 0, arrived: 0 }, specReplicas: 3 } as unknown as HpaGroupState;
    const needs = { memory: null, pods: ['requests_per_second', 'inflight_requests'], object: ['requests_per_second'], external: ['queue_length'] } as const;
    const o = observeWorld(group, state, 15 * S, needs);
    // per running pod: served 2250 / 15 s / 2 = 75/s → 75000m; in flight 1.5 / 2 = 0.75 → 750m
    expect(o.pods.map((p) => [p.name, p.phase, p.deleted, p.custom ?? null])).toEqual([
      ['api', 'Running', false, { requests_per_second: 75_000, inflight_requests: 750 }],
      ['api-2', 'Running', false, { requests_per_second: 75_000, inflight_requests: 750 }],
      ['api-3', 'Pending', false, null],
      ['api-4', 'Running', true, null],
    ]);
    // the service: 2250 arrived / 15 s = 150/s → 150000m; queue 0; status replicas: 3 (the stopping pod left out)
    expect([o.object, o.external, o.statusReplicas, o.specReplicas]).toEqual([{ requests_per_second: 150_000 }, { queue_length: 0 }, 3, 3]);
  });
});
