/**
 * The Kubernetes HPA as a pure core: `onSync(config, state, observation, now)` is one pass of
 * the controller over one HPA (`reconcileAutoscaler` in kubernetes
 * `pkg/controller/podautoscaler/horizontal.go`), returning the new state, the replica count, the
 * scale action if any and when to sync next. No clock, no I/O, no mutation: the controller's
 * per-HPA maps (recommendations, scale-up and scale-down events) live in `HpaState`.
 *
 * @example
 *   let state = initialState();
 *   const r = onSync(config, state, observation, now); // r.actions: [{ type: 'scale', from, to, reason }]
 *   state = r.state; // next call at r.wakeAt
 */
import type { Micros } from '../../kernel/time.js';
import { convertDesiredReplicasWithBehaviorRate, convertDesiredReplicasWithRules, stabilizeRecommendation, stabilizeWithBehaviors, storeScaleEvent } from './normalize.js';
import { MetricError, metricName, proposalFor } from './replicas.js';
import type { HpaConfig, HpaState, MetricOutcome, Observation, SyncResult } from './types.js';

export type * from './types.js';
export { resolveHpaConfig, hpaConfig, behaviorWithDefaults, DEFAULT_METRIC, CONTROLLER_DEFAULTS } from './config.js';

/**
 * The state of an HPA the controller has not synced yet.
 *
 * @example initialState().recommendations // null
 */
export function initialState(): HpaState {
  return { recommendations: null, scaleUpEvents: [], scaleDownEvents: [], lastScaleTime: null };
}

/**
 * `computeReplicasForMetrics`: the largest proposal over the valid metrics. Returns -1 (no
 * scaling this sync) when every metric failed, or when some failed and the rest would scale
 * down below the spec replicas.
 */
export function computeReplicasForMetrics(config: HpaConfig, obs: Observation, now: Micros): { replicas: number; metric: string; outcomes: MetricOutcome[] } {
  let replicas = 0;
  let metric = '';
  let invalid = 0;
  const outcomes: MetricOutcome[] = [];
  for (const spec of config.metrics) {
    const name = metricName(spec);
    try {
      const p = proposalFor(config, spec, obs, now);
      outcomes.push({ metric: name, proposal: p.replicas, current: p.current, error: null });
      if (replicas === 0 || p.replicas > replicas) {
        replicas = p.replicas;
        metric = name;
      }
    } catch (e) {
      if (!(e instanceof MetricError)) throw e;
      invalid++;
      outcomes.push({ metric: name, proposal: null, current: null, error: e.message });
    }
  }
  if (invalid >= config.metrics.length || (invalid > 0 && replicas < obs.specReplicas)) return { replicas: -1, metric: '', outcomes };
  return { replicas, metric, outcomes };
}

/**
 * One sync of one HPA. Bounds come before metrics: current 0 with minReplicas ≠ 0 means
 * autoscaling is off; above max → max; below min → min (no stabilisation, no rate limit). Else
 * the metrics' proposal goes through the legacy or the behavior normalisation, and a change is
 * written and, with a behavior, stored as a scale event.
 */
export function onSync(config: HpaConfig, state: HpaState, obs: Observation, now: Micros): SyncResult {
  const current = obs.specReplicas;
  const wakeAt = now + config.syncPeriod;
  let recommendations = state.recommendations ?? [{ recommendation: current, timestamp: now }];
  let desired = 0;
  let reason: string;
  let rescale = true;
  let outcomes: MetricOutcome[] = [];
  if (current === 0 && config.minReplicas !== 0) {
    rescale = false;
    reason = 'ScalingDisabled';
  } else if (current > config.maxReplicas) {
    desired = config.maxReplicas;
    reason = 'Current number of replicas above Spec.MaxReplicas';
  } else if (current < config.minReplicas) {
    desired = config.minReplicas;
    reason = 'Current number of replicas below Spec.MinReplicas';
  } else {
    const computed = computeReplicasForMetrics(config, obs, now);
    outcomes = computed.outcomes;
    if (computed.replicas === -1) {
      const s: HpaState = { ...state, recommendations };
      return { state: s, desiredReplicas: current, actions: [], wakeAt, metrics: outcomes, reason: 'FailedComputeMetricsReplicas' };
    }
    desired = Math.max(desired, computed.replicas);
    reason = desired > current ? `${computed.replicas > 0 ? computed.metric : ''} above target` : desired < current ? 'All metrics below target' : 'ReadyForNewScale';
    if (config.behavior === null) {
      const stabilized = stabilizeRecommendation(recommendations, desired, config.downscaleStabilization, now);
      recommendations = stabilized.recommendations;
      desired = convertDesiredReplicasWithRules(current, stabilized.recommendation, config.minReplicas, config.maxReplicas).replicas;
    } else {
      const stabilized = stabilizeWithBehaviors(config, config.behavior, recommendations, current, desired, now);
      recommendations = stabilized.recommendations;
      desired = convertDesiredReplicasWithBehaviorRate(config, config.behavior, current, stabilized.recommendation, state.scaleUpEvents, state.scaleDownEvents, now).replicas;
    }
    rescale = desired !== current;
  }
  if (!rescale) return { state: { ...state, recommendations }, desiredReplicas: current, actions: [], wakeAt, metrics: outcomes, reason };
  const events = config.behavior === null ? { scaleUpEvents: state.scaleUpEvents, scaleDownEvents: state.scaleDownEvents } : storeScaleEvent(config.behavior, state.scaleUpEvents, state.scaleDownEvents, current, desired, now);
  return {
    state: { recommendations, ...events, lastScaleTime: now },
    desiredReplicas: desired,
    actions: [{ type: 'scale', from: current, to: desired, reason }],
    wakeAt,
    metrics: outcomes,
    reason,
  };
}
