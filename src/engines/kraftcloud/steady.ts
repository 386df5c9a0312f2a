/**
 * A fast path for the usual turn of the Unikraft Cloud decision loop, kept outside the core
 * (`engine.ts`): scale-to-zero off, nothing parked, no request waiting with nothing to serve it,
 * and no policy asking for a change it can carry out. Then the core acts on nothing and keeps
 * its state, and the turn's only answer is the next tick. `steadyTurn` says so without the
 * core's bookkeeping (its turn object, the policy evaluations it keeps for traces), using the
 * core's own metric, step and target functions in the core's order; for any other turn it says
 * "ask the core". A property test feeds both the same random turns and checks that wherever
 * this answers, the core answers the same (test/kraftcloud-steady.test.ts).
 */
import type { Micros } from '../../kernel/time.js';
import { targetOf } from './adjust.js';
import type { KraftcloudConfig } from './config.js';
import { aggregateMetric, nextTick, type KraftcloudState, type Observation } from './engine.js';
import { matchStep } from './steps.js';

/**
 * The wake-up time of a steady turn — the core would return `state` itself, no actions and this
 * `wakeAt` — or −1 when the turn is not steady (call the core).
 *
 * Why each check: the core's rule 1 (wake on request) acts only on a parked instance or on
 * requests waiting with no instance at all; rule 2 (scale-to-zero) keeps the state only when it is
 * off and remembers no instance; rule 3 acts on the largest target when a scale-out would wake or
 * spawn (min(target, max) above the instances, room below max) or a scale-in would destroy
 * (above min_size), each outside its warm-up/cool-down as the option says; min_size spawns when
 * short. With nothing parked and nothing spawned, the core's `base` is the instances (legacy:
 * those out of warm-up) and its `capacity` and `members` are all of them.
 *
 * @example steadyTurn(blogConfig, initialState(), { instances: [at300Millicores], waiting: 0 }, 25_000) // 30_000
 */
export function steadyTurn(config: KraftcloudConfig, state: KraftcloudState, obs: Observation, now: Micros): Micros {
  const offToZero = !config.hasPorts || config.scaleToZero.policy === 'off';
  if (!offToZero || state.idle.size !== 0) return -1;
  const instances = obs.instances;
  const members = instances.length;
  if (members === 0 && obs.waiting !== 0) return -1;
  const legacy = config.options.warmup_meaning === 'legacy';
  let base = 0;
  for (let k = 0; k < members; k++) {
    const i = instances[k]!;
    if (i.state === 'standby') return -1;
    if (!legacy || now - i.createdAt >= config.warmup) base++;
  }
  const best = largestTarget(config, obs, base, now);
  if (best === null) return config.minSize > members ? -1 : nextTick(now, config.decisionPeriod);
  const { lastScaleOut, lastScaleIn } = state;
  const inWarmup = lastScaleOut !== null && now < lastScaleOut + config.warmup;
  const inCooldown = lastScaleIn !== null && now < lastScaleIn + config.cooldown;
  if (best > base && (legacy || (!inWarmup && !inCooldown))) {
    // a scale-out spawns min(min(target, max) − instances, max − instances) when above 0
    if (Math.min(Math.min(best, config.maxSize) - members, config.maxSize - members) > 0) return -1;
  } else if (best < base && !inCooldown && (legacy || !inWarmup)) {
    // a scale-in destroys min(base − target, instances − min_size) when above 0 (there are instances: base > 0)
    if (Math.min(base - best, members - config.minSize) > 0) return -1;
  }
  return config.minSize > members ? -1 : nextTick(now, config.decisionPeriod);
}

/** The largest target of the policies whose step applies (never below 0), null when none applies: the core's `evaluatePolicies` without its record. */
function largestTarget(config: KraftcloudConfig, obs: Observation, base: number, now: Micros): number | null {
  const policies = config.policies;
  let best: number | null = null;
  for (let p = 0; p < policies.length; p++) {
    const policy = policies[p]!;
    const metric = aggregateMetric(config, policy, obs.instances, now);
    if (metric === null) continue;
    const step = matchStep(policy.steps, metric);
    if (step === undefined) continue;
    const target = targetOf(base, policy.adjustment, step.adjustment, config.options.percent_rounding);
    if (best === null || target > best) best = target;
  }
  return best !== null && best < 0 ? 0 : best;
}
