/**
 * From the metrics' proposal to the replica count the HPA writes: stabilisation and rate limits.
 * Reproduces kubernetes `pkg/controller/podautoscaler/horizontal.go`: without `behavior`
 * normalizeDesiredReplicas, stabilizeRecommendation, convertDesiredReplicasWithRules,
 * calculateScaleUpLimit; with it normalizeDesiredReplicasWithBehaviors,
 * stabilizeRecommendationWithBehaviors, convertDesiredReplicasWithBehaviorRate,
 * calculateScaleUpLimitWithScalingRules, calculateScaleDownLimitWithBehaviors,
 * getReplicasChangePerPeriod, storeScaleEvent, markScaleEventsOutdated. Pure: every function
 * returns new lists instead of changing the controller's maps.
 */
import type { Micros } from '../../kernel/time.js';
import { minorOf } from './replicas.js';
import type { Behavior, HpaConfig, ScalingRules, TimestampedRecommendation, TimestampedScaleEvent } from './types.js';

const SECOND = 1_000_000;
/** `scaleUpLimitFactor` and `scaleUpLimitMinimum` of the legacy path. */
const SCALE_UP_LIMIT_FACTOR = 2.0;
const SCALE_UP_LIMIT_MINIMUM = 4.0;
const MAX_INT32 = 2 ** 31 - 1;
const MIN_INT32 = -(2 ** 31);

/** Go's `int32(x)` of a float64 in range: truncation toward zero. */
const int32 = (x: number): number => Math.trunc(x);

/** The list with `rec` written over index `at` (or appended when `at` is -1). */
function replaceOrAppend<T>(list: readonly T[], at: number, rec: T): T[] {
  const out = list.slice();
  if (at >= 0) out[at] = rec;
  else out.push(rec);
  return out;
}

/**
 * `stabilizeRecommendation` (legacy path): the highest recommendation not older than the
 * downscale stabilisation window (a sample exactly `window` old still counts: Go's `Before`),
 * together with the list after recording `desired` over the last outdated sample.
 *
 * @example stabilizeRecommendation([{ recommendation: 5, timestamp: 0 }], 3, 300e6, 300e6).recommendation // 5
 */
export function stabilizeRecommendation(recs: readonly TimestampedRecommendation[], desired: number, window: Micros, now: Micros): { recommendation: number; recommendations: TimestampedRecommendation[] } {
  let max = desired;
  let oldIndex = -1;
  const cutoff = now - window;
  recs.forEach((rec, i) => {
    if (rec.timestamp < cutoff) oldIndex = i;
    else if (rec.recommendation > max) max = rec.recommendation;
  });
  return { recommendation: max, recommendations: replaceOrAppend(recs, oldIndex, { recommendation: desired, timestamp: now }) };
}

/**
 * `calculateScaleUpLimit`: max(2 × current, 4).
 *
 * @example calculateScaleUpLimit(3) // 6
 * @example calculateScaleUpLimit(1) // 4
 */
export function calculateScaleUpLimit(currentReplicas: number): number {
  return int32(Math.max(SCALE_UP_LIMIT_FACTOR * currentReplicas, SCALE_UP_LIMIT_MINIMUM));
}

/**
 * `convertDesiredReplicasWithRules`: clamp into [min, min(max, scale-up limit)].
 *
 * @example convertDesiredReplicasWithRules(2, 10, 1, 20).replicas // 4
 */
export function convertDesiredReplicasWithRules(currentReplicas: number, desired: number, minReplicas: number, maxReplicas: number): { replicas: number; reason: string } {
  const scaleUpLimit = calculateScaleUpLimit(currentReplicas);
  const [maximum, limitReason] = maxReplicas > scaleUpLimit ? [scaleUpLimit, 'ScaleUpLimit'] : [maxReplicas, 'TooManyReplicas'];
  if (desired < minReplicas) return { replicas: minReplicas, reason: 'TooFewReplicas' };
  if (desired > maximum) return { replicas: maximum, reason: limitReason };
  return { replicas: desired, reason: 'DesiredWithinRange' };
}

/** The scale-down window after `maybeInitScaleDownStabilizationWindow` (unset → the flag, whole seconds). */
function downWindowSeconds(rules: ScalingRules, config: HpaConfig): number {
  return rules.stabilizationWindowSeconds ?? Math.trunc(config.downscaleStabilization / SECOND);
}

/**
 * `stabilizeRecommendationWithBehaviors`. From 1.21 (kubernetes PR #97348) the result is the
 * current count moved just enough to lie in [min of recommendations within the up window,
 * max within the down window], both windows including `desired`. 1.20 looked at one window only:
 * the up window (taking the minimum) when desired ≥ current, else the down window (maximum).
 * A sample counts when it is strictly newer than the cutoff (Go's `After`). `desired` is recorded
 * over the last sample older than both windows (1.20: older than the longer one).
 */
export function stabilizeWithBehaviors(config: HpaConfig, behavior: Behavior, recs: readonly TimestampedRecommendation[], currentReplicas: number, desired: number, now: Micros): { recommendation: number; recommendations: TimestampedRecommendation[] } {
  const upWindow = (behavior.scaleUp.stabilizationWindowSeconds ?? 0) * SECOND;
  const downWindow = downWindowSeconds(behavior.scaleDown, config) * SECOND;
  const upCutoff = now - upWindow;
  const downCutoff = now - downWindow;
  let oldIndex = -1;
  let recommendation: number;
  if (minorOf(config.version) < 21) {
    const goingUp = desired >= currentReplicas;
    const cutoff = goingUp ? upCutoff : downCutoff;
    const obsoleteCutoff = now - Math.max(upWindow, downWindow);
    recommendation = desired;
    recs.forEach((rec, i) => {
      if (rec.timestamp > cutoff) recommendation = goingUp ? Math.min(rec.recommendation, recommendation) : Math.max(rec.recommendation, recommendation);
      if (rec.timestamp < obsoleteCutoff) oldIndex = i;
    });
  } else {
    let up = desired;
    let down = desired;
    recs.forEach((rec, i) => {
      if (rec.timestamp > upCutoff) up = Math.min(rec.recommendation, up);
      if (rec.timestamp > downCutoff) down = Math.max(rec.recommendation, down);
      if (rec.timestamp < upCutoff && rec.timestamp < downCutoff) oldIndex = i;
    });
    recommendation = currentReplicas;
    if (recommendation < up) recommendation = up;
    if (recommendation > down) recommendation = down;
  }
  return { recommendation, recommendations: replaceOrAppend(recs, oldIndex, { recommendation: desired, timestamp: now }) };
}

/**
 * `getReplicasChangePerPeriod`: the replicas changed by events strictly newer than now − period.
 *
 * @example getReplicasChangePerPeriod(15, [{ replicaChange: 2, timestamp: 0, outdated: false }], 15e6) // 0
 */
export function getReplicasChangePerPeriod(periodSeconds: number, events: readonly TimestampedScaleEvent[], now: Micros): number {
  const cutoff = now - periodSeconds * SECOND;
  let replicas = 0;
  for (const e of events) if (e.timestamp > cutoff) replicas += e.replicaChange;
  return replicas;
}

/** Whether the period start counts both directions' events (kubernetes PR #109058, from 1.26). */
function bothDirections(config: HpaConfig): boolean {
  return minorOf(config.version) >= 26;
}

/**
 * `calculateScaleUpLimitWithScalingRules`: per policy, periodStart = current − added in its
 * period (+ removed in its period, from 1.26); Pods → start + value, Percent →
 * ceil(start × (1 + value/100)); Max takes the largest, Min the smallest, Disabled → current.
 */
export function calculateScaleUpLimitWithScalingRules(config: HpaConfig, currentReplicas: number, upEvents: readonly TimestampedScaleEvent[], downEvents: readonly TimestampedScaleEvent[], rules: ScalingRules, now: Micros): number {
  if (rules.selectPolicy === 'Disabled') return currentReplicas;
  const useMin = rules.selectPolicy === 'Min';
  let result = useMin ? MAX_INT32 : MIN_INT32;
  for (const policy of rules.policies) {
    const added = getReplicasChangePerPeriod(policy.periodSeconds, upEvents, now);
    const deleted = bothDirections(config) ? getReplicasChangePerPeriod(policy.periodSeconds, downEvents, now) : 0;
    const start = currentReplicas - added + deleted;
    const proposed = policy.type === 'Pods' ? start + policy.value : int32(Math.ceil(start * (1 + policy.value / 100)));
    result = useMin ? Math.min(result, proposed) : Math.max(result, proposed);
  }
  return result;
}

/**
 * `calculateScaleDownLimitWithBehaviors`: per policy, periodStart = current + removed in its
 * period (− added in its period, from 1.26); Pods → start − value, Percent →
 * trunc(start × (1 − value/100)); Max takes the lowest result (largest change), Min the highest,
 * Disabled → current.
 */
export function calculateScaleDownLimitWithBehaviors(config: HpaConfig, currentReplicas: number, upEvents: readonly TimestampedScaleEvent[], downEvents: readonly TimestampedScaleEvent[], rules: ScalingRules, now: Micros): number {
  if (rules.selectPolicy === 'Disabled') return currentReplicas;
  const useMax = rules.selectPolicy === 'Min';
  let result = useMax ? MIN_INT32 : MAX_INT32;
  for (const policy of rules.policies) {
    const added = bothDirections(config) ? getReplicasChangePerPeriod(policy.periodSeconds, upEvents, now) : 0;
    const deleted = getReplicasChangePerPeriod(policy.periodSeconds, downEvents, now);
    const start = currentReplicas - added + deleted;
    const proposed = policy.type === 'Pods' ? start - policy.value : int32(start * (1 - policy.value / 100));
    result = useMax ? Math.max(result, proposed) : Math.min(result, proposed);
  }
  return result;
}

/**
 * `convertDesiredReplicasWithBehaviorRate`: a scale-up stops at min(max, up limit), the limit
 * never below current; a scale-down stops at max(min, down limit), the limit never above current.
 */
export function convertDesiredReplicasWithBehaviorRate(config: HpaConfig, behavior: Behavior, currentReplicas: number, desired: number, upEvents: readonly TimestampedScaleEvent[], downEvents: readonly TimestampedScaleEvent[], now: Micros): { replicas: number; reason: string } {
  if (desired > currentReplicas) {
    let limit = calculateScaleUpLimitWithScalingRules(config, currentReplicas, upEvents, downEvents, behavior.scaleUp, now);
    if (limit < currentReplicas) limit = currentReplicas;
    const [maximum, reason] = config.maxReplicas > limit ? [limit, 'ScaleUpLimit'] : [config.maxReplicas, 'TooManyReplicas'];
    if (desired > maximum) return { replicas: maximum, reason };
  } else if (desired < currentReplicas) {
    let limit = calculateScaleDownLimitWithBehaviors(config, currentReplicas, upEvents, downEvents, behavior.scaleDown, now);
    if (limit > currentReplicas) limit = currentReplicas;
    const [minimum, reason] = config.minReplicas < limit ? [limit, 'ScaleDownLimit'] : [config.minReplicas, 'TooFewReplicas'];
    if (desired < minimum) return { replicas: minimum, reason };
  }
  return { replicas: desired, reason: 'DesiredWithinRange' };
}

/** `getLongestPolicyPeriod`. */
function longestPolicyPeriod(rules: ScalingRules): number {
  let longest = 0;
  for (const p of rules.policies) if (p.periodSeconds > longest) longest = p.periodSeconds;
  return longest;
}

/**
 * `storeScaleEvent` with `markScaleEventsOutdated`: record a change in its direction's list,
 * written over the last event older than that direction's longest policy period, else appended.
 */
export function storeScaleEvent(behavior: Behavior, upEvents: readonly TimestampedScaleEvent[], downEvents: readonly TimestampedScaleEvent[], prev: number, next: number, now: Micros): { scaleUpEvents: readonly TimestampedScaleEvent[]; scaleDownEvents: readonly TimestampedScaleEvent[] } {
  const store = (events: readonly TimestampedScaleEvent[], rules: ScalingRules, change: number): TimestampedScaleEvent[] => {
    const cutoff = now - longestPolicyPeriod(rules) * SECOND;
    const marked = events.map((e) => (e.timestamp < cutoff && !e.outdated ? { ...e, outdated: true } : e));
    let oldIndex = -1;
    marked.forEach((e, i) => {
      if (e.outdated) oldIndex = i;
    });
    return replaceOrAppend(marked, oldIndex, { replicaChange: change, timestamp: now, outdated: false });
  };
  if (next > prev) return { scaleUpEvents: store(upEvents, behavior.scaleUp, next - prev), scaleDownEvents: downEvents };
  return { scaleUpEvents: upEvents, scaleDownEvents: store(downEvents, behavior.scaleDown, prev - next) };
}
