/**
 * The replica calculator: one metric's replica proposal from what the pod lister and the metrics
 * APIs show. Reproduces kubernetes `pkg/controller/podautoscaler/replica_calculator.go`
 * (GetResourceReplicas, GetRawResourceReplicas, calcPlainMetricReplicas, groupPods,
 * GetMetricReplicas, GetObjectMetricReplicas, GetObjectPerPodMetricReplicas,
 * GetExternalMetricReplicas, GetExternalPerPodMetricReplicas, getUsageRatioReplicaCount) and
 * `metrics/utilization.go` (GetResourceUtilizationRatio, GetMetricUsageRatio). Pure functions.
 */
import type { Micros } from '../../kernel/time.js';
import type { HpaConfig, HpaVersion, MetricSpec, Observation, PodObservation, ResourceName } from './types.js';

/** A metric that could not be computed (upstream returns an error; the metric is "invalid"). */
export class MetricError extends Error {}

/** Per-direction tolerances: no change while `1 - down ≤ ratio ≤ 1 + up` (or the older symmetric test). */
export interface Tolerances {
  down: number;
  up: number;
  /** Before 1.33 the test was `math.Abs(1.0 - ratio) <= tolerance` (one tolerance, float subtraction). */
  symmetric: boolean;
}

/**
 * Whether a usage ratio is too close to 1 to act on. 1.33+ (`Tolerances.isWithin`):
 * `(1 - down) <= r && r <= (1 + up)`; before: `Math.abs(1 - r) <= tolerance`. They differ at exact
 * float edges: r = 1.1, tolerance 0.1 is within for the first, not for the second
 * (|1 - 1.1| = 0.10000000000000009).
 *
 * @example isWithin({ down: 0.1, up: 0.1, symmetric: false }, 1.1) // true
 * @example isWithin({ down: 0.1, up: 0.1, symmetric: true }, 1.1) // false
 */
export function isWithin(t: Tolerances, ratio: number): boolean {
  if (t.symmetric) return Math.abs(1.0 - ratio) <= t.up;
  return 1.0 - t.down <= ratio && ratio <= 1.0 + t.up;
}

/**
 * The tolerances for an HPA (`tolerancesForHpa`): the controller's flag for both directions; from
 * 1.35 (HPAConfigurableTolerance on by default) a direction's `behavior…tolerance` overrides it.
 */
export function tolerancesFor(config: HpaConfig): Tolerances {
  const v = minorOf(config.version);
  const gate = v >= 35;
  return {
    down: (gate ? config.behavior?.scaleDown.tolerance : null) ?? config.tolerance,
    up: (gate ? config.behavior?.scaleUp.tolerance : null) ?? config.tolerance,
    symmetric: v < 33,
  };
}

/**
 * The minor release, for comparisons.
 *
 * @example minorOf('1.30') // 30
 */
export function minorOf(v: HpaVersion): number {
  return Number(v.split('.')[1]);
}

export interface PodGroups {
  readyPodCount: number;
  unready: Set<string>;
  missing: Set<string>;
  ignored: Set<string>;
}

/** Where a per-pod metric comes from: a resource (metrics-server) or a custom `Pods` metric. */
export type MetricSource = ResourceName | { pods: string };

/** A pod's sample from `source` (null when there is none). Custom values carry no timestamp. */
function sampleOf(pod: PodObservation, source: MetricSource): { usage: number; timestamp: Micros; window: Micros } | null {
  if (source === 'cpu') return pod.cpu ?? null;
  if (source === 'memory') return pod.memory ?? null;
  const value = pod.custom?.[source.pods];
  return value === undefined ? null : { usage: value, timestamp: 0, window: 0 };
}

/**
 * Sort pods as `groupPods` does. Deleted or Failed → ignored; Pending → unready; no metric →
 * missing. For CPU only: no Ready condition or no start time → unready; within
 * `cpuInitializationPeriod` of start → unready if Ready is False or the sample was taken before
 * one metric window had passed since the last readiness change; later → unready only if Ready is
 * False and it never became ready (last transition before start + `initialReadinessDelay`).
 * (A Ready status of Unknown counts as ready, as upstream compares with False.)
 */
export function groupPods(pods: readonly PodObservation[], resource: MetricSource, cpuInitializationPeriod: Micros, delayOfInitialReadinessStatus: Micros, now: Micros): PodGroups {
  const g: PodGroups = { readyPodCount: 0, unready: new Set(), missing: new Set(), ignored: new Set() };
  for (const pod of pods) {
    if (pod.deleted || pod.phase === 'Failed') {
      g.ignored.add(pod.name);
      continue;
    }
    if (pod.phase === 'Pending') {
      g.unready.add(pod.name);
      continue;
    }
    const metric = sampleOf(pod, resource);
    if (metric === null) {
      g.missing.add(pod.name);
      continue;
    }
    if (resource === 'cpu') {
      let unready: boolean;
      const condition = pod.ready;
      if (condition === null || pod.startTime === null) unready = true;
      else if (pod.startTime + cpuInitializationPeriod > now) {
        unready = condition.status === 'False' || metric.timestamp < condition.lastTransitionTime + metric.window;
      } else {
        unready = condition.status === 'False' && pod.startTime + delayOfInitialReadinessStatus > condition.lastTransitionTime;
      }
      if (unready) {
        g.unready.add(pod.name);
        continue;
      }
    }
    g.readyPodCount++;
  }
  return g;
}

/**
 * `GetResourceUtilizationRatio`: utilisation = trunc(Σ usage × 100 / Σ request) over the pods with
 * metrics (integer percent), ratio = utilisation / target.
 *
 * @example resourceUtilizationRatio(new Map([['a', 250], ['b', 151]]), new Map([['a', 500], ['b', 500]]), 50) // { ratio: 0.8, utilization: 40 }
 */
export function resourceUtilizationRatio(metrics: ReadonlyMap<string, number>, requests: ReadonlyMap<string, number>, targetUtilization: number): { ratio: number; utilization: number } {
  let metricsTotal = 0;
  let requestsTotal = 0;
  for (const [pod, value] of metrics) {
    const request = requests.get(pod);
    if (request === undefined) continue;
    metricsTotal += value;
    requestsTotal += request;
  }
  if (requestsTotal === 0) throw new MetricError('no metrics returned matched known pods');
  const utilization = Math.trunc((metricsTotal * 100) / requestsTotal);
  return { ratio: utilization / targetUtilization, utilization };
}

/**
 * `GetMetricUsageRatio`: usage = trunc(Σ value / pods), ratio = usage / target.
 *
 * @example metricUsageRatio(new Map([['a', 100], ['b', 101]]), 100) // { ratio: 1, usage: 100 }
 */
export function metricUsageRatio(metrics: ReadonlyMap<string, number>, targetUsage: number): { ratio: number; usage: number } {
  let total = 0;
  for (const v of metrics.values()) total += v;
  const usage = Math.trunc(total / metrics.size);
  return { ratio: usage / targetUsage, usage };
}

export interface Proposal {
  replicas: number;
  /** Utilisation percent, or average usage in milli-units. */
  current: number;
}

/** A pod's usage in milli-units (CPU millicores and custom milli-values as is; memory bytes × 1000). */
function milliUsage(resource: MetricSource, usage: number): number {
  return resource === 'memory' ? usage * 1000 : usage;
}

/** Metrics keyed by pod for the pods metrics-server reported, minus `drop`. */
function podMetrics(pods: readonly PodObservation[], resource: MetricSource, drop: ReadonlySet<string>[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const pod of pods) {
    const s = sampleOf(pod, resource);
    if (s === null || drop.some((d) => d.has(pod.name))) continue;
    m.set(pod.name, milliUsage(resource, s.usage));
  }
  return m;
}

/**
 * `GetResourceReplicas` for an average-utilisation target. The first pass uses the ready pods
 * with metrics; with no unready pods on a scale-up and no missing pods it returns
 * ceil(ratio × ready) unless within tolerance. Otherwise a second pass fills in missing pods
 * (scale-down: max(100 %, target) of their request — 100 % before 1.26; scale-up: 0) and, on a
 * scale-up, unready pods at 0, and keeps the current count if the new ratio is within tolerance,
 * flips direction, or ceil(newRatio × pods counted) moves the other way.
 */
export function resourceReplicas(config: HpaConfig, tolerances: Tolerances, currentReplicas: number, targetUtilization: number, resource: ResourceName, obs: Observation, now: Micros): Proposal {
  const pods = obs.pods;
  if (pods.length === 0) throw new MetricError('no pods returned by selector while calculating replica count');
  const g = groupPods(pods, resource, config.cpuInitializationPeriod, config.initialReadinessDelay, now);
  const metrics = podMetrics(pods, resource, [g.ignored, g.unready]);
  if (metrics.size === 0) throw new MetricError('did not receive metrics for targeted pods (pods might be unready)');
  const requests = new Map<string, number>();
  for (const pod of pods) {
    const r = pod.requests[resource];
    if (r === undefined) throw new MetricError(`missing request for ${resource} in pod ${pod.name}`);
    requests.set(pod.name, milliUsage(resource, r));
  }
  const { ratio, utilization } = resourceUtilizationRatio(metrics, requests, targetUtilization);

  const scaleUpWithUnready = g.unready.size > 0 && ratio > 1.0;
  if (!scaleUpWithUnready && g.missing.size === 0) {
    if (isWithin(tolerances, ratio)) return { replicas: currentReplicas, current: utilization };
    return { replicas: Math.ceil(ratio * g.readyPodCount), current: utilization };
  }
  if (g.missing.size > 0) {
    if (ratio < 1.0) {
      const fallback = minorOf(config.version) >= 26 ? Math.max(100, targetUtilization) : 100;
      for (const name of g.missing) metrics.set(name, Math.trunc((requests.get(name)! * fallback) / 100));
    } else if (ratio > 1.0) {
      for (const name of g.missing) metrics.set(name, 0);
    }
  }
  if (scaleUpWithUnready) for (const name of g.unready) metrics.set(name, 0);
  const { ratio: newRatio } = resourceUtilizationRatio(metrics, requests, targetUtilization);
  return secondPass(tolerances, currentReplicas, ratio, newRatio, metrics.size, utilization);
}

/** The no-change rules of the second pass, shared by both calculators. */
function secondPass(tolerances: Tolerances, currentReplicas: number, ratio: number, newRatio: number, counted: number, current: number): Proposal {
  if (isWithin(tolerances, newRatio) || (ratio < 1.0 && newRatio > 1.0) || (ratio > 1.0 && newRatio < 1.0)) return { replicas: currentReplicas, current };
  const newReplicas = Math.ceil(newRatio * counted);
  if ((newRatio < 1.0 && newReplicas > currentReplicas) || (newRatio > 1.0 && newReplicas < currentReplicas)) return { replicas: currentReplicas, current };
  return { replicas: newReplicas, current };
}

/**
 * `calcPlainMetricReplicas` (via `GetRawResourceReplicas` for a resource, `GetMetricReplicas`
 * for a `Pods` metric): the same passes on average usage per pod (milli-units) against an
 * average-value target; missing pods count as the target on a scale-down. The CPU readiness
 * rules apply only to CPU.
 */
export function rawResourceReplicas(config: HpaConfig, tolerances: Tolerances, currentReplicas: number, targetUsage: number, resource: MetricSource, obs: Observation, now: Micros): Proposal {
  const pods = obs.pods;
  if (pods.length === 0) throw new MetricError('no pods returned by selector while calculating replica count');
  const g = groupPods(pods, resource, config.cpuInitializationPeriod, config.initialReadinessDelay, now);
  const metrics = podMetrics(pods, resource, [g.ignored, g.unready]);
  if (metrics.size === 0) throw new MetricError('did not receive metrics for targeted pods (pods might be unready)');
  const { ratio, usage } = metricUsageRatio(metrics, targetUsage);
  const scaleUpWithUnready = g.unready.size > 0 && ratio > 1.0;
  if (!scaleUpWithUnready && g.missing.size === 0) {
    if (isWithin(tolerances, ratio)) return { replicas: currentReplicas, current: usage };
    return { replicas: Math.ceil(ratio * g.readyPodCount), current: usage };
  }
  if (g.missing.size > 0) {
    if (ratio < 1.0) for (const name of g.missing) metrics.set(name, targetUsage);
    else if (ratio > 1.0) for (const name of g.missing) metrics.set(name, 0);
  }
  if (scaleUpWithUnready) for (const name of g.unready) metrics.set(name, 0);
  const { ratio: newRatio } = metricUsageRatio(metrics, targetUsage);
  return secondPass(tolerances, currentReplicas, ratio, newRatio, metrics.size, usage);
}

/** Pods Running with Ready True (`getReadyPodsCount`). */
export function readyPodsCount(pods: readonly PodObservation[]): number {
  if (pods.length === 0) throw new MetricError('no pods returned by selector while calculating replica count');
  return pods.filter((p) => p.phase === 'Running' && p.ready?.status === 'True').length;
}

/**
 * `GetExternalMetricReplicas` and `GetObjectMetricReplicas` → `getUsageRatioReplicaCount`:
 * ratio = value / target (an External metric's value is the sum over its series); from 0
 * replicas ceil(ratio) (scale from zero: no tolerance, no pod count), else the current count
 * within tolerance, else ceil(ratio × Running and Ready pods).
 *
 * @example externalReplicas(tolerances, 0, 100_000, 250_000, []) // { replicas: 3, current: 250_000 } — ceil(2.5)
 */
export function externalReplicas(tolerances: Tolerances, currentReplicas: number, targetValue: number, value: number, pods: readonly PodObservation[]): Proposal {
  const ratio = value / targetValue;
  if (currentReplicas === 0) return { replicas: Math.ceil(ratio), current: value };
  if (isWithin(tolerances, ratio)) return { replicas: currentReplicas, current: value };
  return { replicas: Math.ceil(ratio * readyPodsCount(pods)), current: value };
}

/**
 * `GetExternalPerPodMetricReplicas` and `GetObjectPerPodMetricReplicas`: ratio = value /
 * (target × status replicas); outside tolerance the proposal is ceil(value / target). At 0 status
 * replicas the ratio is +Inf (value > 0: ceil(value / target)) or NaN (value 0: not within, so
 * ceil(0) = 0, the same as upstream's NaN comparison keeping status replicas, 0); `current` is
 * then Infinity or NaN (upstream's int64 of it is undefined; only status shows it).
 *
 * @example externalPerPodReplicas(tolerances, 4, 50_000, 300_000) // { replicas: 6, current: 75_000 } — ratio 1.5
 */
export function externalPerPodReplicas(tolerances: Tolerances, statusReplicas: number, targetPerPod: number, value: number): Proposal {
  const ratio = value / (targetPerPod * statusReplicas);
  const replicas = isWithin(tolerances, ratio) ? statusReplicas : Math.ceil(value / targetPerPod);
  return { replicas, current: Math.ceil(value / statusReplicas) };
}

/** A short name for a metric, as status and actions show it. */
export function metricName(m: MetricSpec): string {
  if (m.type === 'Pods') return `pods metric ${m.name}`;
  if (m.type === 'Resource') return `${m.name} resource${m.target.type === 'Utilization' ? ' utilization (percentage of request)' : ''}`;
  if (m.type === 'Object') return `${m.describedObject.kind} metric ${m.name}`;
  return `external metric ${m.name}`;
}

/**
 * One metric's proposal (`computeReplicasForMetric`); throws `MetricError` when it is invalid.
 * Resource, Pods and Value targets of Object and External metrics use spec replicas;
 * AverageValue targets of Object and External metrics use status replicas (as
 * `computeStatusForObjectMetric` and `computeStatusForExternalMetric` pass them).
 */
export function proposalFor(config: HpaConfig, metric: MetricSpec, obs: Observation, now: Micros): Proposal {
  const tolerances = tolerancesFor(config);
  const spec = obs.specReplicas;
  if (metric.type === 'Resource') {
    if (metric.target.type === 'Utilization') return resourceReplicas(config, tolerances, spec, metric.target.averageUtilization, metric.name, obs, now);
    return rawResourceReplicas(config, tolerances, spec, metric.target.averageValue, metric.name, obs, now);
  }
  if (metric.type === 'Pods') return rawResourceReplicas(config, tolerances, spec, metric.target.averageValue, { pods: metric.name }, obs, now);
  if (metric.type === 'Object') {
    const value = obs.object?.[metric.name];
    if (value === undefined) throw new MetricError(`unable to get metric ${metric.name}: ${metric.describedObject.kind} ${metric.describedObject.name}`);
    if (metric.target.type === 'Value') return externalReplicas(tolerances, spec, metric.target.value, value, obs.pods);
    return externalPerPodReplicas(tolerances, obs.statusReplicas ?? spec, metric.target.averageValue, value);
  }
  const value = obs.external?.[metric.name];
  if (value === undefined) throw new MetricError(`unable to get external metric ${metric.name}`);
  if (metric.target.type === 'Value') return externalReplicas(tolerances, spec, metric.target.value, value, obs.pods);
  return externalPerPodReplicas(tolerances, obs.statusReplicas ?? spec, metric.target.averageValue, value);
}
