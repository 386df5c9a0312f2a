/**
 * The Kubernetes HPA on the horizontal world: each workload is a Deployment's ReplicaSet of pods
 * (one instance = one pod, its request = its vCPUs) scaled by one HPA. The plug-in is the
 * metrics-server, the pod lister and the ReplicaSet controller around the pure core
 * (`onSync` in engine.ts):
 *
 * - **Sensor (timer)**: at t = 0 and then every `syncPeriod` (15 s) the HPA syncs. Its view is
 *   what the pod lister and metrics-server show: each pod's phase (placing → Pending without a
 *   node or start time; booting → Pending with its start time and Ready False; running → Running,
 *   Ready True since its boot ended; stopping → deleted), its CPU request (vCPUs × 1000 m), and a
 *   metrics-server CPU sample: the rate of its CPU counter between the previous scrape and now
 *   (scrapes are taken at the syncs, so window = time since the previous scrape; a pod's first
 *   scrape gives no sample yet, as metrics-server needs two points), in nanocores truncated, then
 *   millicores rounded up (`Quantity.MilliValue()`). With a memory metric, also a memory sample
 *   (`memoryUsage`: the pod's memory request times a share between `podMemory.idlePercent` and
 *   `podMemory.busyPercent`, by its CPU use over the same window). With request metrics
 *   (`WORLD_METRICS`, request-driven workloads), the custom and external metrics APIs: per pod
 *   for `Pods` metrics, for the service for `Object` and `External` ones (`requestMetric`).
 * - **Decide**: `onSync` on that view; its `spec.replicas` becomes the ReplicaSet's.
 * - **Actuator (ReplicaSet)**: at each sync, and at once when a pod is gone without being deleted
 *   (boot failed, killed), the live pods not being deleted are brought to `spec.replicas`:
 *   missing pods are created (`<workload>-<n>`); extra ones deleted in the order of
 *   `podsToDelete` (replicaset.ts, the ReplicaSet's own ranking). A change the HPA made is one
 *   scaling action (up or down); replacing a lost pod is not.
 * - **Report**: no cooldown (stabilisation windows are not one); the CPU chart's lines are the
 *   first CPU utilisation target × (1 ± tolerance); the reading is the utilisation the last sync
 *   computed. Two panels replace the tick-counter chart (the HPA has no ticks): desired replicas
 *   vs the largest metric proposal vs ready pods, and each metric as a percentage of its target
 *   with the tolerance band.
 *
 * @example simulateReplicas(scenario, hpaEngine.bind(scenario))
 */
import type { Micros } from '../../kernel/time.js';
import { inFlight, type RequestFlow } from '../../requests/flow.js';
import type { Scenario, WorkloadSpec } from '../../scenario/types.js';
import type { ReplicaCommand, ReplicaEngine, ReplicaGroupView, ReplicaInstanceView, ReplicaPanel, ReplicaPlugin, ReplicaStep } from '../../world/replicas/engine.js';
import { ReplicaPhase } from '../../world/replicas/engine.js';
import { toMilli } from './config.js';
import { hpaDescriptor, WORLD_METRIC_NAMES, type HpaWorldConfig, type PodMemory } from './descriptor.js';
import { initialState, onSync } from './engine.js';
import { podsToDelete, type RankedPod } from './replicaset.js';
import { tolerancesFor } from './replicas.js';
import type { HpaState, MetricOutcome, MetricSpec, Observation, PodObservation } from './types.js';

/** What the world keeps per workload for the HPA plug-in. Immutable. */
export interface HpaGroupState {
  /** The controller's memory of this HPA. */
  readonly hpa: HpaState;
  /** The scale subresource's `spec.replicas`: what the HPA last wrote (the ReplicaSet's target). */
  readonly specReplicas: number;
  /** Number of the next pod the ReplicaSet creates (`<workload>-<n>`). */
  readonly nextPod: number;
  /** CPU utilisation % the last sync computed (first CPU Utilization metric); null: none yet or failed. */
  readonly utilisation: number | null;
  /** The largest metric proposal of the last sync, before stabilisation and limits (NaN: none). */
  readonly proposal: number;
  /** Each metric's value at the last sync as a percentage of its target (NaN: failed or none). */
  readonly ratios: readonly number[];
  /** The request counters at the last sync, for rates over the window since (null: none yet). */
  readonly counters: RequestCounters | null;
}

/** A request-driven service's cumulative counters at a sync. */
export interface RequestCounters {
  readonly at: Micros;
  /** Requests handed to a pod (`RequestFlow.served`). */
  readonly served: number;
  /** Requests that arrived at the service, dropped ones included (`RequestFlow.arrived`). */
  readonly arrived: number;
}

/**
 * Metric names the world can measure for `Pods`, `Object` and `External` metrics, on
 * request-driven workloads (`requests:`):
 * - `requests_per_second`: per pod (`Pods`) the requests the pods were handed over the window
 *   since the previous sync, shared evenly by the running pods; for the service (`Object`,
 *   `External`) the requests that arrived over that window (what a load balancer counts, those
 *   waiting or dropped included). A rate needs two syncs: none at the first.
 * - `inflight_requests`: requests being served now (per pod: shared evenly by the running pods).
 * - `queue_length`: requests waiting for a slot now, none running included (per pod: shared evenly).
 */
export const WORLD_METRICS = WORLD_METRIC_NAMES;
export type WorldMetric = (typeof WORLD_METRIC_NAMES)[number];

const NO_COMMANDS: readonly ReplicaCommand[] = Object.freeze([]);

/**
 * A pod's memory usage in bytes for a memory request of `requestBytes`: the share
 * `idle + (busy − idle) × min(1, cpu / cpuRequest)` percent of its request, by its CPU use over
 * the window (floored to whole bytes). The world has no memory model of its own; this is the
 * assumption, documented in docs/engines/hpa.md.
 *
 * @example memoryUsage(256 * 2 ** 20, 500, 1000, { idlePercent: 50, busyPercent: 90 }) // 70 % of 256 MiB = 187,904,819 bytes (floored)
 */
export function memoryUsage(requestBytes: number, cpuMilli: number, cpuRequestMilli: number, memory: PodMemory): number {
  const busy = cpuRequestMilli > 0 ? Math.min(1, cpuMilli / cpuRequestMilli) : 0;
  const percent = memory.idlePercent + (memory.busyPercent - memory.idlePercent) * busy;
  return Math.floor((requestBytes * percent) / 100);
}

/**
 * A pod as the pod lister shows it at `now`, with its metrics-server CPU sample (and, given
 * `memory`, its memory request `memoryBytes` and a memory sample alongside the CPU one). Reads
 * the instance's previous scrape (the sensor scratch `reportedAt`, `reportedCpuUs`)
 * and stores this one there.
 *
 * @example // a pod running since 0 that used 9 s of CPU over the 15 s since its last scrape:
 * // cpu: { usage: 600, timestamp: now, window: 15 s } — 9e6 µs × 1e9 / 15e6 µs = 6e8 nanocores → 600 m
 */
export function podView(inst: ReplicaInstanceView, now: Micros, memory: PodMemory | null = null, memoryBytes = 0): PodObservation {
  const pod = podCpuView(inst, now);
  if (memory === null) return pod;
  pod.requests.memory = memoryBytes;
  pod.memory = pod.cpu ? { usage: memoryUsage(memoryBytes, pod.cpu.usage, inst.vcpus * 1000, memory), timestamp: pod.cpu.timestamp, window: pod.cpu.window } : null;
  return pod;
}

/** `podView` without memory. */
function podCpuView(inst: ReplicaInstanceView, now: Micros): PodObservation {
  const request = inst.vcpus * 1000;
  let cpu: PodObservation['cpu'] = null;
  const counter = Math.floor(inst.cpuUs);
  if (inst.phase === ReplicaPhase.Booting || inst.phase === ReplicaPhase.Running) {
    const previousAt = inst.reportedAt;
    const previous = inst.reportedCpuUs;
    if (previousAt >= 0 && now > previousAt) {
      const nanocores = Math.floor(((counter - previous) * 1e9) / (now - previousAt));
      cpu = { usage: Math.ceil(nanocores / 1e6), timestamp: now, window: now - previousAt };
    }
    inst.reportedAt = now;
    inst.reportedCpuUs = counter;
  }
  switch (inst.phase) {
    case ReplicaPhase.Placing:
      return { name: inst.name, phase: 'Pending', ready: null, startTime: null, deleted: false, requests: { cpu: request }, cpu: null };
    case ReplicaPhase.Booting:
      return { name: inst.name, phase: 'Pending', ready: { status: 'False', lastTransitionTime: inst.startedAt }, startTime: inst.startedAt, deleted: false, requests: { cpu: request }, cpu };
    case ReplicaPhase.Running:
      return { name: inst.name, phase: 'Running', ready: { status: 'True', lastTransitionTime: inst.phaseSince }, startTime: inst.startedAt, deleted: false, requests: { cpu: request }, cpu };
    default:
      // stopping (deletion timestamp set) and parked instances are not active pods
      return { name: inst.name, phase: 'Running', ready: null, startTime: inst.startedAt, deleted: true, requests: { cpu: request }, cpu: null };
  }
}

/** The descriptor's defaults of `podMemory.*`, for a configuration made without them. */
const DEFAULT_POD_MEMORY: PodMemory = { idlePercent: 50, busyPercent: 90 };

/** What a configuration asks of the world beyond CPU: memory samples, request metrics by API. */
export interface WorldNeeds {
  /** Pod memory model when a memory metric is used; null otherwise. */
  memory: PodMemory | null;
  pods: readonly WorldMetric[];
  object: readonly WorldMetric[];
  external: readonly WorldMetric[];
}

/**
 * What the HPA's metrics need the world to measure.
 *
 * @example worldNeeds(config).external // ['queue_length'] for one External queue_length metric
 */
export function worldNeeds(config: HpaWorldConfig): WorldNeeds {
  const of = (type: MetricSpec['type']): WorldMetric[] => [...new Set(config.metrics.filter((m) => m.type === type).map((m) => m.name as WorldMetric))];
  const memory = config.metrics.some((m) => m.type === 'Resource' && m.name === 'memory');
  return { memory: memory ? (config.podMemory ?? DEFAULT_POD_MEMORY) : null, pods: of('Pods'), object: of('Object'), external: of('External') };
}

/**
 * The service's request metrics at `now` (`WORLD_METRICS`): per pod (divided by `running`) or
 * for the service, in metric units; null for a rate before two syncs. `previous` are the counters
 * of the last sync.
 *
 * @example // 450 requests arrived over the 15 s since the last sync → requests_per_second 30 for the service
 */
export function requestMetric(name: WorldMetric, flow: RequestFlow, previous: RequestCounters | null, now: Micros, perPod: boolean, running: number): number | null {
  if (perPod && running === 0) return null;
  const share = perPod ? running : 1;
  switch (name) {
    case 'requests_per_second': {
      if (previous === null || !(now > previous.at)) return null;
      const count = perPod ? flow.served - previous.served : flow.arrived - previous.arrived;
      return (count * 1e6) / (now - previous.at) / share;
    }
    case 'inflight_requests':
      return inFlight(flow) / share;
    case 'queue_length':
      return flow.queued / share;
  }
}

/** Metric values as the metrics APIs give them: milli-units, rounded up (`MilliValue()`). */
function milli(value: number): number {
  return toMilli(Math.max(0, value));
}

/** The pod lister's and metrics-server's view of a workload for one sync (CPU only). */
export function observe(group: ReplicaGroupView, state: Pick<HpaGroupState, 'specReplicas'>, now: Micros): Observation {
  return { specReplicas: state.specReplicas, pods: group.instances.map((inst) => podView(inst, now)) };
}

/**
 * The view of a workload for one sync with every metric `needs` asks for: pods with CPU (and
 * memory) samples and custom `Pods` values on running pods, `Object` and `External` values for
 * the service, and `statusReplicas` = pods not being deleted (a Deployment's `status.replicas`).
 */
export function observeWorld(group: ReplicaGroupView, state: Pick<HpaGroupState, 'specReplicas' | 'counters'>, now: Micros, needs: WorldNeeds): Observation {
  const pods = group.instances.map((inst) => podView(inst, now, needs.memory, group.spec.memory_bytes));
  const statusReplicas = group.instances.reduce((n, i) => (i.phase === ReplicaPhase.Stopping || i.phase === ReplicaPhase.Standby ? n : n + 1), 0);
  const obs: { -readonly [K in keyof Observation]: Observation[K] } = { specReplicas: state.specReplicas, statusReplicas, pods };
  const flow = group.requests;
  if (flow === null) return obs;
  const service = (names: readonly WorldMetric[]): Record<string, number> | undefined => {
    if (names.length === 0) return undefined;
    const out: Record<string, number> = {};
    for (const name of names) {
      const v = requestMetric(name, flow, state.counters, now, false, 0);
      if (v !== null) out[name] = milli(v);
    }
    return out;
  };
  const object = service(needs.object);
  if (object) obs.object = object;
  const external = service(needs.external);
  if (external) obs.external = external;
  if (needs.pods.length > 0) {
    const custom: Record<string, number> = {};
    for (const name of needs.pods) {
      const v = requestMetric(name, flow, state.counters, now, true, group.running);
      if (v !== null) custom[name] = milli(v);
    }
    obs.pods = pods.map((p) => (p.phase === 'Running' && !p.deleted ? { ...p, custom } : p));
  }
  return obs;
}

/** The request counters to keep at a sync (null for a workload given in cores). */
export function countersOf(flow: RequestFlow | null, now: Micros): RequestCounters | null {
  return flow === null ? null : { at: now, served: flow.served, arrived: flow.arrived };
}

/**
 * A metric's current value as a percentage of its target, from the core's outcome: utilisation
 * / target utilisation; average or total milli-value / target milli-value (an AverageValue
 * Object or External metric's `current` is already per pod). NaN when failed or infinite (a value
 * above 0 per pod at 0 pods); 0 for nothing per pod at 0 pods (the core's 0 / 0).
 *
 * @example percentOfTarget({ type: 'Resource', name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } }, 60) // 120
 */
export function percentOfTarget(spec: MetricSpec, current: number | null): number {
  if (current === null || current === Infinity) return NaN;
  if (Number.isNaN(current)) return 0;
  const t = spec.target;
  const target = t.type === 'Utilization' ? t.averageUtilization : t.type === 'Value' ? t.value : t.averageValue;
  return (current * 100) / target;
}

/**
 * A short label of each metric for the chart (`cpu utilisation`, `pods requests_per_second`,
 * `Service queue_length`, `external inflight_requests`), made unique by a number when repeated.
 */
export function metricLabels(metrics: readonly MetricSpec[]): string[] {
  const seen = new Map<string, number>();
  return metrics.map((m) => {
    const base =
      m.type === 'Resource' ? `${m.name} ${m.target.type === 'Utilization' ? 'utilisation' : 'average'}` : m.type === 'Pods' ? `pods ${m.name}` : m.type === 'Object' ? `${m.describedObject.kind} ${m.name}` : `external ${m.name}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base} (${n})`;
  });
}

/** A live pod the ReplicaSet counts (not being deleted) as the deletion ranking reads it. */
function ranked(inst: ReplicaInstanceView): RankedPod {
  const placed = inst.phase !== ReplicaPhase.Placing;
  return {
    name: inst.name,
    id: inst.id,
    node: placed ? inst.host : null,
    phase: inst.phase === ReplicaPhase.Running ? 'Running' : 'Pending',
    ready: inst.phase === ReplicaPhase.Running,
    readySince: inst.phaseSince,
    createdAt: inst.createdAt,
  };
}

/**
 * The ReplicaSet's reconcile (`manageReplicas`): create or delete pods so that the active ones
 * (not being deleted) number `state.specReplicas`. `scaling` marks the commands as the HPA's
 * scaling action.
 */
export function reconcile<T extends Pick<HpaGroupState, 'specReplicas' | 'nextPod'>>(group: ReplicaGroupView, state: T, now: Micros, scaling: 'up' | 'down' | null): { state: T; actions: readonly ReplicaCommand[] } {
  const active = group.instances.filter((i) => i.phase !== ReplicaPhase.Stopping && i.phase !== ReplicaPhase.Standby);
  const diff = state.specReplicas - active.length;
  if (diff === 0) return { state, actions: NO_COMMANDS };
  const actions: ReplicaCommand[] = [];
  if (diff > 0) {
    let next = state.nextPod;
    for (let k = 0; k < diff; k++) {
      const name = `${group.spec.name}-${next++}`;
      actions.push(scaling === 'up' ? { type: 'spawn', name, scaling } : { type: 'spawn', name });
    }
    return { state: { ...state, nextPod: next }, actions };
  }
  for (const pod of podsToDelete(active.map(ranked), -diff, now)) {
    actions.push(scaling === 'down' ? { type: 'destroy', instance: pod.name, reason: 'scale_down', scaling } : { type: 'destroy', instance: pod.name, reason: 'replicaset' });
  }
  return { state, actions };
}

/** The first CPU utilisation target, percent (null: none). */
function cpuTarget(config: HpaWorldConfig): number | null {
  for (const m of config.metrics) if (m.type === 'Resource' && m.name === 'cpu' && m.target.type === 'Utilization') return m.target.averageUtilization;
  return null;
}

/** Pods a workload starts with: its `min_instances` within [minReplicas, maxReplicas]; the first is named after the workload (the target of `kill_primary` faults). */
export function initialPods(config: HpaWorldConfig, spec: WorkloadSpec): number {
  return Math.min(config.maxReplicas, Math.max(config.minReplicas, spec.min_instances));
}

/**
 * The pods a workload starts with (`initialPods` of them), the first named after the workload
 * (the target of `kill_primary` faults), then `<workload>-2`, …
 *
 * @example initialPodInstances(config, web) // [{ name: 'web', primary: true }, { name: 'web-2', primary: false }] for 2 pods
 */
export function initialPodInstances(config: HpaWorldConfig, spec: WorkloadSpec): { name: string; primary: boolean }[] {
  return Array.from({ length: initialPods(config, spec) }, (_, k) => ({ name: k === 0 ? spec.name : `${spec.name}-${k + 1}`, primary: k === 0 }));
}

/**
 * The largest proposal among the metrics that gave one (NaN: none).
 *
 * @example largestProposal([{ proposal: 3 }, { proposal: null }, { proposal: 5 }]) // 5
 */
function largestProposal(outcomes: readonly MetricOutcome[]): number {
  let best = NaN;
  for (const o of outcomes) if (o.proposal !== null && (Number.isNaN(best) || o.proposal > best)) best = o.proposal;
  return best;
}

/** Bind the HPA to one run: the configuration `resolveConfig` made from the scenario. */
function bind(scenario: Scenario): ReplicaPlugin<HpaGroupState, Observation> {
  const config = scenario.engine.config as unknown as HpaWorldConfig;
  const target = cpuTarget(config);
  const tolerances = tolerancesFor(config);
  const needs = worldNeeds(config);
  const cpuOnly = config.metrics.every((m) => m.type === 'Resource' && m.name === 'cpu');
  const labels = metricLabels(config.metrics);

  const sync = (group: ReplicaGroupView, state: HpaGroupState, obs: Observation, now: Micros): ReplicaStep<HpaGroupState> => {
    const r = onSync(config, state.hpa, obs, now);
    const cpu = r.metrics.find((m) => m.metric.startsWith('cpu resource utilization'));
    const utilisation = target !== null && cpu !== undefined ? cpu.current : null;
    const desired = r.desiredReplicas;
    const scaling = desired > state.specReplicas ? 'up' : desired < state.specReplicas ? 'down' : null;
    // the outcomes are in the order of config.metrics when metrics were computed; empty when bounds decided first
    const ratios = r.metrics.length === config.metrics.length ? config.metrics.map((m, k) => percentOfTarget(m, r.metrics[k]!.current)) : config.metrics.map(() => NaN);
    const next: HpaGroupState = { hpa: r.state, specReplicas: desired, nextPod: state.nextPod, utilisation, proposal: largestProposal(r.metrics), ratios, counters: countersOf(group.requests, now) };
    const rs = reconcile(group, next, now, scaling);
    return { state: rs.state, actions: rs.actions, wakeAt: r.wakeAt };
  };

  const replicasPanel: ReplicaPanel = {
    title: 'HPA: desired replicas, the metrics\' proposal and ready pods',
    subtitle: `desired = spec.replicas the HPA wrote; proposal = the largest metric proposal before stabilisation and rate limits; ready = running pods (means per bucket); dashed: minReplicas ${config.minReplicas} and maxReplicas ${config.maxReplicas}`,
    axis: 'pods',
    series: ['desired', 'proposal', 'ready'],
    rules: [
      { value: config.minReplicas, label: 'minReplicas' },
      { value: config.maxReplicas, label: 'maxReplicas' },
    ],
    integer: true,
    values: new Float64Array(3),
  };
  const metricsPanel: ReplicaPanel = {
    title: 'HPA: each metric against its target',
    subtitle: `each metric's value at the last sync as % of its target (100 = on target; mean per bucket; gaps: the metric failed); dashed: the tolerance band ${round2(100 * (1 - tolerances.down))}–${round2(100 * (1 + tolerances.up))} % within which the HPA does not act`,
    axis: '% of target',
    series: labels,
    rules: [
      { value: 100, label: 'target' },
      { value: round2(100 * (1 - tolerances.down)), label: 'tolerance (down)' },
      { value: round2(100 * (1 + tolerances.up)), label: 'tolerance (up)' },
    ],
    integer: false,
    values: new Float64Array(labels.length),
  };

  return {
    initialInstances: (spec) => initialPodInstances(config, spec),
    initialState: (group) => ({ hpa: initialState(), specReplicas: group.instances.length, nextPod: group.instances.length + 1, utilisation: null, proposal: NaN, ratios: config.metrics.map(() => NaN), counters: null }),
    sensor: {
      kind: 'timer',
      firstWake: () => 0,
      observe: cpuOnly ? observe : (group, state, now) => observeWorld(group, state, now, needs),
      decide: sync,
    },
    onSpawnResult: (_group, state) => ({ state, actions: NO_COMMANDS }),
    onGone(group, state, _name, cause, now) {
      // a deleted pod was the ReplicaSet's own doing; a lost one is replaced at once
      if (cause === 'destroyed') return null;
      return reconcile(group, state, now, null);
    },
    report: {
      cooldown: 0,
      thresholds: target === null ? { up: 100, down: 0 } : { up: round2(target * (1 + tolerances.up)), down: round2(target * (1 - tolerances.down)) },
      sensorNote: cpuOnly
        ? `HPA syncs every ${config.syncPeriod / 1e6} s on metrics-server CPU samples`
        : `HPA syncs every ${config.syncPeriod / 1e6} s on ${labels.join(', ')} (metrics-server samples, request metrics of the world)`,
      reading(group, _before, after, _now, out) {
        out.cpu = after.utilisation;
        out.highTicks = 0;
        out.lowTicks = 0;
        out.inCooldown = false;
        const r = replicasPanel.values;
        r[0] = after.specReplicas;
        r[1] = after.proposal;
        r[2] = group.running;
        const m = metricsPanel.values;
        for (let k = 0; k < m.length; k++) m[k] = after.ratios[k]!;
      },
      panels: [replicasPanel, metricsPanel],
    },
  };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** The Kubernetes HPA as a replica engine. */
export const hpaEngine: ReplicaEngine<HpaGroupState, Observation> = { descriptor: hpaDescriptor, bind };
