/**
 * The Kubernetes Horizontal Pod Autoscaler as data: its configuration (the HPA spec, the
 * controller's flags and scalelab's options), what it observes on each sync (the pod lister and
 * the metrics APIs), and the memory it keeps between syncs. Times are integer µs; CPU is in
 * millicores, memory in bytes, external metrics in milli-units (Kubernetes `MilliValue()`).
 */
import type { Micros } from '../../kernel/time.js';

/** Kubernetes releases whose HPA arithmetic the engine reproduces (see docs/engines/hpa.md). */
export const HPA_VERSIONS = ['1.20', '1.23', '1.30', '1.35'] as const;
export type HpaVersion = (typeof HPA_VERSIONS)[number];

export type SelectPolicy = 'Max' | 'Min' | 'Disabled';

/** One `behavior.scaleUp/scaleDown.policies[]` entry. */
export interface ScalingPolicy {
  type: 'Pods' | 'Percent';
  value: number;
  periodSeconds: number;
}

/** `behavior.scaleUp` or `behavior.scaleDown` after API defaulting. */
export interface ScalingRules {
  /** Seconds; null only for scaleDown when unset (the controller's downscale stabilisation applies). */
  stabilizationWindowSeconds: number | null;
  selectPolicy: SelectPolicy;
  policies: readonly ScalingPolicy[];
  /** Per-direction tolerance (KEP-4951); null = the controller's `tolerance`. */
  tolerance: number | null;
}

export interface Behavior {
  scaleUp: ScalingRules;
  scaleDown: ScalingRules;
}

export type ResourceName = 'cpu' | 'memory';

/** `metrics[]` entries the engine understands. Values are milli-units (`500m` CPU → 500). */
export type MetricSpec =
  | { type: 'Resource'; name: ResourceName; target: { type: 'Utilization'; averageUtilization: number } | { type: 'AverageValue'; averageValue: number } }
  | { type: 'Pods'; name: string; target: { type: 'AverageValue'; averageValue: number } }
  | { type: 'Object'; name: string; describedObject: DescribedObject; target: { type: 'Value'; value: number } | { type: 'AverageValue'; averageValue: number } }
  | { type: 'External'; name: string; target: { type: 'Value'; value: number } | { type: 'AverageValue'; averageValue: number } };

/** An `Object` metric's `describedObject` (a Service, an Ingress, …): what the metric is about. */
export interface DescribedObject {
  kind: string;
  name: string;
  apiVersion?: string;
}

export interface HpaConfig {
  /** `spec.minReplicas` (default 1; 0 only with `scaleToZero`). */
  minReplicas: number;
  /** `spec.maxReplicas`. */
  maxReplicas: number;
  /** `spec.metrics` (default: CPU at 80 % average utilisation). */
  metrics: readonly MetricSpec[];
  /** `spec.behavior` after defaulting; null = no behavior (the legacy path). */
  behavior: Behavior | null;
  /** `--horizontal-pod-autoscaler-sync-period` (15 s). */
  syncPeriod: Micros;
  /** `--horizontal-pod-autoscaler-tolerance` (0.1). */
  tolerance: number;
  /** `--horizontal-pod-autoscaler-cpu-initialization-period` (5 min). */
  cpuInitializationPeriod: Micros;
  /** `--horizontal-pod-autoscaler-initial-readiness-delay` (30 s). */
  initialReadinessDelay: Micros;
  /** `--horizontal-pod-autoscaler-downscale-stabilization` (5 min). */
  downscaleStabilization: Micros;
  /** Which release's arithmetic (option; default the newest). */
  version: HpaVersion;
  /** The alpha `HPAScaleToZero` gate (option; default off): minReplicas 0 with an Object or External metric. */
  scaleToZero: boolean;
}

/** A metrics-server sample for one pod: usage averaged over `window` ending at `timestamp`. */
export interface PodSample {
  /** CPU millicores, or memory bytes. */
  usage: number;
  timestamp: Micros;
  window: Micros;
}

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

/** One pod as the pod lister and metrics-server show it. */
export interface PodObservation {
  name: string;
  phase: PodPhase;
  /** The pod's Ready condition; null when it has none. */
  ready: { status: 'True' | 'False' | 'Unknown'; lastTransitionTime: Micros } | null;
  /** `status.startTime`; null when not set yet. */
  startTime: Micros | null;
  /** `metadata.deletionTimestamp` is set. */
  deleted: boolean;
  /** Summed container requests; a missing one makes a utilisation metric fail, as upstream. */
  requests: { cpu?: number; memory?: number };
  /** metrics-server samples; absent or null = no metric for this pod. */
  cpu?: PodSample | null;
  memory?: PodSample | null;
  /** Custom per-pod metrics (`Pods` metrics) by name, in milli-units; absent = missing. */
  custom?: Readonly<Record<string, number>>;
}

/** Everything one sync sees. */
export interface Observation {
  /** The scale subresource's `spec.replicas`: the current replica count. */
  specReplicas: number;
  /** The scale subresource's `status.replicas` (default: `specReplicas`). */
  statusReplicas?: number;
  /** Pods matching the selector. */
  pods: readonly PodObservation[];
  /** External metric values by name, in milli-units, summed over their series; absent = failed. */
  external?: Readonly<Record<string, number>>;
  /**
   * `Object` metric values by metric name (the custom metrics API's value for the described
   * object), in milli-units; absent = failed.
   */
  object?: Readonly<Record<string, number>>;
}

export interface TimestampedRecommendation {
  recommendation: number;
  timestamp: Micros;
}

export interface TimestampedScaleEvent {
  /** Positive; the list says the direction. */
  replicaChange: number;
  timestamp: Micros;
  outdated: boolean;
}

/** What the controller keeps per HPA between syncs (its maps keyed by the HPA). Immutable. */
export interface HpaState {
  /** Null until the first sync records the current count (`recordInitialRecommendation`). */
  recommendations: readonly TimestampedRecommendation[] | null;
  scaleUpEvents: readonly TimestampedScaleEvent[];
  scaleDownEvents: readonly TimestampedScaleEvent[];
  /** `status.lastScaleTime`. */
  lastScaleTime: Micros | null;
}

/** The one action the HPA takes: write a new `spec.replicas` on the scale subresource. */
export interface ScaleAction {
  type: 'scale';
  from: number;
  to: number;
  reason: string;
}

/** One metric's outcome, for status and debugging. */
export interface MetricOutcome {
  metric: string;
  /** The replica proposal, or null when the metric failed. */
  proposal: number | null;
  /** Utilisation percent (Utilization targets) or average milli-value; null when failed. */
  current: number | null;
  error: string | null;
}

export interface SyncResult {
  state: HpaState;
  /** The replica count after this sync (the current count when nothing changes). */
  desiredReplicas: number;
  actions: ScaleAction[];
  /** When the controller syncs this HPA next. */
  wakeAt: Micros;
  /** Per-metric outcomes (empty when bounds decided before metrics). */
  metrics: MetricOutcome[];
  /** Why: upstream's rescale reason or condition reason. */
  reason: string;
}
