/**
 * A fast path for the usual turn of the Unikraft Cloud decision loop, kept outside the core
 * (`engine.ts`): scale-to-zero off, nothing parked, no request waiting with nothing to serve it,
 * and no policy asking for a change it can carry out. Then the core acts on nothing and keeps
 * its state, and the turn's only answer is the next tick. `steadyTurn` says so without the
 * core's bookkeeping (its turn object, the policy evaluations it keeps for traces) and without
 * the core's observation objects: it reads the turn in columns (`SteadyReading`, what the world's
 * sensor fills; the plug-in builds the core's `Observation` from the same columns only when this
 * declines). One pass over the instances sums every metric the way the core's `aggregateMetric`
 * sums each (same order, same additions), steps are matched on bounds laid out once per
 * configuration (`steadyPlan`), targets come from the core's own `targetOf`. For any other turn
 * it says "ask the core". A property test feeds both the same random turns and checks that
 * wherever this answers, the core answers the same, and that it answers every turn of its domain
 * the core leaves unchanged (test/kraftcloud-steady.test.ts).
 */
import type { Micros } from '../../kernel/time.js';
import { targetOf } from './adjust.js';
import type { Adjustment, KraftcloudConfig, PercentRounding } from './config.js';
import { nextTick, type InstanceState, type KraftcloudState } from './engine.js';

/** Metrics as indices into the per-turn sums: cpu (millicores), inflight_reqs, reqs_per_sec. */
const CPU = 0;
const INFLIGHT = 1;
const RPS = 2;

/** Instance states in a `SteadyReading`. */
export const READ_STATE: Readonly<Record<InstanceState, number>> = { running: 0, starting: 1, standby: 2 };
const RUNNING = 0;
const STANDBY = 2;

/**
 * One turn's observation in columns: the instances the core sees, in the core's order (the
 * columns may be longer than `count`), and what every running instance reports alike — the world
 * splits requests evenly, so each running instance has `inflight` requests in flight and serves
 * `rps` requests/s (starting and parked ones: 0). The core's observation of the same turn has,
 * per instance k < count, state `states[k]` (READ_STATE), `createdAt[k]`, `millicores[k]`, and
 * `inflight`/`rps` when running; and `waiting`.
 */
export interface SteadyReading {
  count: number;
  states: Uint8Array;
  createdAt: Float64Array;
  millicores: Float64Array;
  inflight: number;
  rps: number;
  waiting: number;
}

/** One step policy laid out for the fast path: its metric, aggregation and step bounds (−∞/+∞ for none). */
interface PolicyPlan {
  readonly metric: number;
  readonly sum: boolean;
  readonly lower: readonly number[];
  readonly upper: readonly number[];
  readonly change: readonly number[];
  readonly adjustment: Adjustment;
}

/** A configuration laid out for `steadyTurn` (made once per service; plain data). */
export interface SteadyPlan {
  /** False when scale-to-zero is on (a service with ports and policy on/idle): the fast path never answers. */
  readonly applies: boolean;
  readonly legacy: boolean;
  readonly warmup: Micros;
  readonly cooldown: Micros;
  readonly minSize: number;
  readonly maxSize: number;
  readonly period: Micros;
  readonly rounding: PercentRounding;
  readonly policies: readonly PolicyPlan[];
}

/**
 * Lay out `config` for `steadyTurn`.
 *
 * @example steadyPlan(blogConfig).policies[0].lower // [600, 800]
 */
export function steadyPlan(config: KraftcloudConfig): SteadyPlan {
  const o = config.options;
  return {
    applies: !config.hasPorts || config.scaleToZero.policy === 'off',
    legacy: o.warmup_meaning === 'legacy',
    warmup: config.warmup,
    cooldown: config.cooldown,
    minSize: config.minSize,
    maxSize: config.maxSize,
    period: config.decisionPeriod,
    rounding: o.percent_rounding,
    policies: config.policies.map((p) => ({
      metric: p.metric === 'cpu' ? CPU : p.metric === 'inflight_reqs' ? INFLIGHT : RPS,
      sum: (p.metric === 'cpu' ? o.cpu_aggregation : p.metric === 'inflight_reqs' ? o.inflight_aggregation : o.rps_aggregation) === 'sum',
      lower: p.steps.map((s) => s.lower ?? -Infinity),
      upper: p.steps.map((s) => s.upper ?? Infinity),
      change: p.steps.map((s) => s.adjustment),
      adjustment: p.adjustment,
    })),
  };
}

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
 * those out of warm-up) and its `capacity` and `members` are all of them. A metric that is not a
 * finite number (never seen) is left to the core.
 *
 * @example steadyTurn(steadyPlan(blogConfig), initialState(), oneRunningAt300Millicores, 25_000) // 30_000
 */
export function steadyTurn(plan: SteadyPlan, state: KraftcloudState, reading: SteadyReading, now: Micros): Micros {
  if (!plan.applies || state.idle.size !== 0) return -1;
  const members = reading.count;
  if (members === 0 && reading.waiting !== 0) return -1;
  const { states, createdAt, millicores } = reading;
  // the core's base, and its aggregateMetric's sums: running instances (legacy: out of warm-up), in order
  let base = 0;
  let counted = 0;
  let cpu = 0;
  let inflight = 0;
  let rps = 0;
  for (let k = 0; k < members; k++) {
    const s = states[k]!;
    if (s === STANDBY) return -1;
    if (plan.legacy && now - createdAt[k]! < plan.warmup) continue;
    base++;
    if (s !== RUNNING) continue;
    counted++;
    cpu += millicores[k]!;
    inflight += reading.inflight;
    rps += reading.rps;
  }
  // the largest target of the policies whose step applies (never below 0); null when none applies
  let best: number | null = null;
  const policies = plan.policies;
  for (let p = 0; p < policies.length; p++) {
    const policy = policies[p]!;
    const total = policy.metric === CPU ? cpu : policy.metric === INFLIGHT ? inflight : rps;
    if (!policy.sum && counted === 0) continue; // average of none: no metric
    const metric = policy.sum ? total : total / counted;
    if (!Number.isFinite(metric)) return -1;
    const step = matching(policy, metric);
    if (step < 0) continue;
    const target = targetOf(base, policy.adjustment, policy.change[step]!, plan.rounding);
    if (best === null || target > best) best = target;
  }
  if (best !== null) {
    if (best < 0) best = 0;
    const { lastScaleOut, lastScaleIn } = state;
    const inWarmup = lastScaleOut !== null && now < lastScaleOut + plan.warmup;
    const inCooldown = lastScaleIn !== null && now < lastScaleIn + plan.cooldown;
    if (best > base && (plan.legacy || (!inWarmup && !inCooldown))) {
      // a scale-out spawns min(min(target, max) − instances, max − instances) when above 0
      if (Math.min(Math.min(best, plan.maxSize) - members, plan.maxSize - members) > 0) return -1;
    } else if (best < base && !inCooldown && (plan.legacy || !inWarmup)) {
      // a scale-in destroys min(base − target, instances − min_size) when above 0 (there are instances: base > 0)
      if (Math.min(base - best, members - plan.minSize) > 0) return -1;
    }
  }
  return plan.minSize > members ? -1 : nextTick(now, plan.period);
}

/** The first step with lower ≤ metric < upper (the core's `matchStep` for a finite metric), −1 if none. */
function matching(policy: PolicyPlan, metric: number): number {
  const lower = policy.lower;
  const upper = policy.upper;
  for (let s = 0; s < lower.length; s++) if (lower[s]! <= metric && metric < upper[s]!) return s;
  return -1;
}
