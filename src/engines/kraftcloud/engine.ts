/**
 * The Unikraft Cloud autoscaler of one service as a pure decision core:
 * `decide(config, state, observation, now) → { state, actions, wakeAt }`.
 *
 * Each call is one turn of the platform's millisecond decision loop. In order:
 * 1. wake on request — a standby instance with a request waits for nobody: it is woken; requests
 *    waiting at the service with nothing running or starting wake the most recently parked
 *    instance, or cold-start one clone of the master when none is parked;
 * 2. scale-to-zero (`on`/`idle`) — a running instance idle for the scale-to-zero cool-down goes
 *    to standby, told `notify_time` before;
 * 3. step policies — each policy aggregates its metric over the running instances (in the
 *    `legacy` warm-up meaning, without those younger than the warm-up), picks the first step with
 *    lower ≤ metric < upper and proposes a target from the instances not parked (legacy: and out
 *    of their warm-up, as EC2 Auto Scaling counts capacity); the largest target wins (a scale-out beats
 *    any scale-in; among scale-ins the smallest reduction wins; a matching step that means "no
 *    change" vetoes a scale-in). A scale-out brings the instances not parked (warming ones
 *    included) up to the target: it wakes parked instances first, then spawns clones;
 *    a scale-in destroys the instances with the fewest in-flight requests, newest first.
 *    min_size and max_size count every instance, parked ones included.
 * Time is integer µs; nothing here reads a clock or keeps hidden state. The observation must
 * list the instances this core spawned (as `starting`) from the next call on.
 */
import type { Micros } from '../../kernel/time.js';
import { targetOf } from './adjust.js';
import type { Aggregation, KraftcloudConfig, Metric, StepPolicy } from './config.js';
import { matchStep } from './steps.js';

export type InstanceState = 'running' | 'starting' | 'standby';

/** What the platform sees of one instance of the service at `now`. */
export interface InstanceObservation {
  id: string;
  state: InstanceState;
  /** When it was created (spawned), µs. */
  createdAt: Micros;
  /** When it entered its current state, µs. */
  since: Micros;
  /** CPU in millicores (1000 = one vCPU busy) over the last decision period. */
  millicores: number;
  /** Requests being served now. */
  inflight: number;
  /** Requests per second over the last decision period. */
  rps: number;
  /** Open TCP connections now. */
  connections: number;
  /** Arrival time of the last request, µs; null if none yet. */
  lastRequestAt: Micros | null;
}

export interface Observation {
  instances: readonly InstanceObservation[];
  /** Requests waiting at the service for an instance (none running). */
  waiting: number;
}

export type KraftcloudAction =
  | { type: 'spawn'; count: number; from: string; reason: 'policy' | 'request' | 'min_size' }
  | { type: 'destroy'; instance: string }
  | { type: 'standby'; instance: string }
  | { type: 'wake'; instance: string; reason: 'policy' | 'request' }
  | { type: 'notify'; instance: string; standbyAt: Micros };

/** Per instance, only under scale-to-zero: when it was last seen busy and which idle period was announced. */
export interface IdleMemory {
  lastBusy: Micros | null;
  notifiedFor: Micros | null;
}

export interface KraftcloudState {
  lastScaleOut: Micros | null;
  lastScaleIn: Micros | null;
  idle: ReadonlyMap<string, IdleMemory>;
}

/** One policy's view in a decision, for traces and tests. */
export interface PolicyEvaluation {
  policy: string;
  /** The aggregated metric; null when no instance counts (average of none). */
  metric: number | null;
  /** The step that applied, as written; null if none. */
  step: string | null;
  /** The instances it asks for (before min/max); null if no step applied. */
  target: number | null;
}

export interface Decision {
  state: KraftcloudState;
  actions: KraftcloudAction[];
  /** When to call again: the next decision tick or an earlier scale-to-zero deadline. */
  wakeAt: Micros;
  evaluations: PolicyEvaluation[];
}

/** The state before the first decision. */
export function initialState(): KraftcloudState {
  return { lastScaleOut: null, lastScaleIn: null, idle: new Map() };
}

/**
 * The next tick of the decision loop strictly after `now` (ticks at whole multiples of the period).
 *
 * @example nextTick(25_000, 10_000) // 30_000
 */
export function nextTick(now: Micros, period: Micros): Micros {
  return (Math.floor(now / period) + 1) * period;
}

/** The metric one instance contributes. */
function metricOf(i: InstanceObservation, metric: Metric): number {
  return metric === 'cpu' ? i.millicores : metric === 'inflight_reqs' ? i.inflight : i.rps;
}

function aggregationOf(config: KraftcloudConfig, metric: Metric): Aggregation {
  const o = config.options;
  return metric === 'cpu' ? o.cpu_aggregation : metric === 'inflight_reqs' ? o.inflight_aggregation : o.rps_aggregation;
}

/**
 * A policy's metric over the instances that count: running, and (legacy warm-up meaning) out of
 * their warm-up. Average of none is null; sum of none is 0.
 *
 * @example // two running instances at 700 and 900 millicores, average → 800
 */
export function aggregateMetric(config: KraftcloudConfig, policy: StepPolicy, instances: readonly InstanceObservation[], now: Micros): number | null {
  let sum = 0;
  let n = 0;
  for (const i of instances) {
    if (i.state !== 'running') continue;
    if (config.options.warmup_meaning === 'legacy' && now - i.createdAt < config.warmup) continue;
    sum += metricOf(i, policy.metric);
    n++;
  }
  if (aggregationOf(config, policy.metric) === 'sum') return sum;
  return n === 0 ? null : sum / n;
}

/** Most recently parked first, then by id, for wakes. */
function byParkedLast(a: InstanceObservation, b: InstanceObservation): number {
  return b.since - a.since || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Scale-in victims first: fewest in-flight requests, then newest, then larger id. */
function byVictim(a: InstanceObservation, b: InstanceObservation): number {
  return a.inflight - b.inflight || b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/** The instance is busy for scale-to-zero: a request in flight (`on`: or an open connection). */
function isBusy(i: InstanceObservation, policy: 'on' | 'idle'): boolean {
  return i.inflight > 0 || (policy === 'on' && i.connections > 0);
}

/**
 * One turn of the decision loop. See the module comment for the order of the rules.
 *
 * @example decide(config, initialState(), { instances: [], waiting: 0 }, 0).wakeAt // config.decisionPeriod
 */
export function decide(config: KraftcloudConfig, state: KraftcloudState, obs: Observation, now: Micros): Decision {
  const actions: KraftcloudAction[] = [];
  /** Instances whose state this turn changed (wakes, standbys); made only when one does. */
  let changedTo: Map<string, InstanceState> | null = null;
  const stateOf = (i: InstanceObservation): InstanceState => changedTo?.get(i.id) ?? i.state;
  const setState = (i: InstanceObservation, to: InstanceState) => (changedTo ??= new Map()).set(i.id, to);
  const wasWoken = (i: InstanceObservation) => i.state === 'standby' && stateOf(i) !== 'standby';
  let spawned = 0;
  let wakeAt = nextTick(now, config.decisionPeriod);

  // 1. wake on request
  for (const i of obs.instances) {
    if (i.state === 'standby' && (i.inflight > 0 || (i.lastRequestAt !== null && i.lastRequestAt > i.since))) {
      actions.push({ type: 'wake', instance: i.id, reason: 'request' });
      setState(i, 'starting');
    }
  }
  if (obs.waiting > 0 && !obs.instances.some((i) => stateOf(i) !== 'standby')) {
    const parked = obs.instances.filter((i) => stateOf(i) === 'standby').sort(byParkedLast);
    if (parked.length > 0) {
      actions.push({ type: 'wake', instance: parked[0]!.id, reason: 'request' });
      setState(parked[0]!, 'starting');
    } else if (obs.instances.length < config.maxSize) {
      actions.push({ type: 'spawn', count: 1, from: config.master, reason: 'request' });
      spawned = 1;
    }
  }

  // 2. scale-to-zero
  let idle = state.idle;
  const s2z = config.hasPorts ? config.scaleToZero.policy : 'off';
  if (s2z !== 'off') {
    const next = new Map<string, IdleMemory>();
    for (const i of obs.instances) {
      if (i.state !== 'running') continue;
      const before = state.idle.get(i.id) ?? { lastBusy: null, notifiedFor: null };
      if (isBusy(i, s2z)) {
        next.set(i.id, { lastBusy: now, notifiedFor: before.notifiedFor });
        continue;
      }
      const idleSince = Math.max(i.since, i.lastRequestAt ?? i.since, before.lastBusy ?? i.since);
      const standbyAt = idleSince + config.scaleToZero.cooldown;
      const notifyAt = standbyAt - config.scaleToZero.notifyTime;
      let notifiedFor = before.notifiedFor;
      if (now >= standbyAt) {
        actions.push({ type: 'standby', instance: i.id });
        setState(i, 'standby');
        continue; // parked: its memory is dropped
      }
      if (config.scaleToZero.notifyTime > 0 && notifiedFor !== idleSince) {
        if (now >= notifyAt) {
          actions.push({ type: 'notify', instance: i.id, standbyAt });
          notifiedFor = idleSince;
        } else wakeAt = Math.min(wakeAt, notifyAt);
      }
      wakeAt = Math.min(wakeAt, standbyAt);
      const existing = state.idle.get(i.id);
      next.set(i.id, existing !== undefined && existing.notifiedFor === notifiedFor ? existing : { lastBusy: before.lastBusy, notifiedFor });
    }
    idle = sameMemory(state.idle, next) ? state.idle : next;
  } else if (state.idle.size > 0) idle = new Map();

  // 3. step policies
  let lastScaleOut = state.lastScaleOut;
  let lastScaleIn = state.lastScaleIn;
  const evaluations: PolicyEvaluation[] = [];
  const legacy = config.options.warmup_meaning === 'legacy';
  // capacity: every instance not parked; base: those a target is computed from (legacy: out of warm-up)
  let capacity = spawned;
  let base = legacy ? 0 : spawned;
  for (const i of obs.instances) {
    if (stateOf(i) === 'standby') continue;
    capacity++;
    if (!legacy || now - i.createdAt >= config.warmup) base++;
  }
  const members = obs.instances.length + spawned; // before this step's own spawns
  let best: number | null = null;
  for (const policy of config.policies) {
    const metric = aggregateMetric(config, policy, obs.instances, now);
    const step = metric === null ? undefined : matchStep(policy.steps, metric);
    const target = step === undefined ? null : targetOf(base, policy.adjustment, step.adjustment, config.options.percent_rounding);
    evaluations.push({ policy: policy.name, metric, step: step?.text ?? null, target });
    if (target !== null && (best === null || target > best)) best = target;
  }
  if (best !== null && best < 0) best = 0; // no target below zero instances (legacy: nothing counted yet → nothing to remove)
  const inWarmup = lastScaleOut !== null && now < lastScaleOut + config.warmup;
  const inCooldown = lastScaleIn !== null && now < lastScaleIn + config.cooldown;
  if (best !== null && best > base && (legacy || (!inWarmup && !inCooldown))) {
    // scale-out: up to `best` instances in all, warming ones included; parked ones are woken first
    const wanted = Math.min(best, config.maxSize) - capacity;
    let want = wanted;
    // parked before this turn (one parked by scale-to-zero just now is idle: not woken again)
    const parked = obs.instances.filter((i) => i.state === 'standby' && stateOf(i) === 'standby').sort(byParkedLast);
    for (const p of parked) {
      if (want <= 0) break;
      actions.push({ type: 'wake', instance: p.id, reason: 'policy' });
      setState(p, 'starting');
      want--;
    }
    const count = Math.min(want, config.maxSize - members);
    if (count > 0) {
      actions.push({ type: 'spawn', count, from: config.master, reason: 'policy' });
      spawned += count;
    }
    if (want !== wanted || count > 0) lastScaleOut = now;
  } else if (best !== null && best < base && !inCooldown && (legacy || !inWarmup)) {
    // scale-in: base − best instances, never below min_size (parked ones count as members)
    const remove = Math.min(base - best, members - config.minSize);
    if (remove > 0) {
      const victims = obs.instances.filter((i) => stateOf(i) !== 'standby' && !wasWoken(i)).sort(byVictim).slice(0, remove);
      for (const v of victims) actions.push({ type: 'destroy', instance: v.id });
      if (victims.length > 0) lastScaleIn = now;
    }
  }
  const short = config.minSize - (obs.instances.length + spawned);
  if (short > 0) actions.push({ type: 'spawn', count: short, from: config.master, reason: 'min_size' });

  const changed = lastScaleOut !== state.lastScaleOut || lastScaleIn !== state.lastScaleIn || idle !== state.idle;
  return { state: changed ? { lastScaleOut, lastScaleIn, idle } : state, actions, wakeAt, evaluations };
}

/** Two idle memories hold the same entries (same objects). */
function sameMemory(a: ReadonlyMap<string, IdleMemory>, b: ReadonlyMap<string, IdleMemory>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of b) if (a.get(k) !== v) return false;
  return true;
}
