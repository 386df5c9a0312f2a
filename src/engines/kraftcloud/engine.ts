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

/** What one turn has decided so far: actions, instance states it changed, clones it spawned. */
class Turn {
  spawned = 0;
  wakeAt: Micros;
  /** Instances whose state this turn changed (wakes, standbys); made only when one does. */
  private changedTo: Map<string, InstanceState> | null = null;

  constructor(
    readonly config: KraftcloudConfig,
    readonly obs: Observation,
    readonly now: Micros,
    readonly actions: KraftcloudAction[],
  ) {
    this.wakeAt = nextTick(now, config.decisionPeriod);
  }

  /** The instance's state after this turn's wakes and standbys. */
  stateOf(i: InstanceObservation): InstanceState {
    return this.changedTo?.get(i.id) ?? i.state;
  }

  /** Parked before this turn and still parked (one parked just now is idle: not woken again). */
  parkedBefore(): InstanceObservation[] {
    return this.obs.instances.filter((i) => i.state === 'standby' && this.stateOf(i) === 'standby').sort(byParkedLast);
  }

  wake(i: InstanceObservation, reason: 'policy' | 'request'): void {
    this.actions.push({ type: 'wake', instance: i.id, reason });
    (this.changedTo ??= new Map()).set(i.id, 'starting');
  }

  park(i: InstanceObservation): void {
    this.actions.push({ type: 'standby', instance: i.id });
    (this.changedTo ??= new Map()).set(i.id, 'standby');
  }

  spawn(count: number, reason: 'policy' | 'request' | 'min_size'): void {
    this.actions.push({ type: 'spawn', count, from: this.config.master, reason });
    this.spawned += count;
  }

  /** Instances of the service after this turn's spawns (parked ones included). */
  members(): number {
    return this.obs.instances.length + this.spawned;
  }
}

/**
 * Rule 1: a parked instance with a request is woken; requests waiting with nothing running or
 * starting wake the most recently parked instance, or cold-start one clone.
 */
function wakeOnRequest(turn: Turn): void {
  for (const i of turn.obs.instances) {
    if (i.state === 'standby' && (i.inflight > 0 || (i.lastRequestAt !== null && i.lastRequestAt > i.since))) turn.wake(i, 'request');
  }
  if (turn.obs.waiting === 0 || turn.obs.instances.some((i) => turn.stateOf(i) !== 'standby')) return;
  const parked = turn.parkedBefore();
  if (parked.length > 0) turn.wake(parked[0]!, 'request');
  else if (turn.obs.instances.length < turn.config.maxSize) turn.spawn(1, 'request');
}

/**
 * Rule 2: scale-to-zero. Parks running instances idle for the cool-down, tells them `notify_time`
 * before, pulls `wakeAt` to the next deadline; returns the new idle memory (the old object when
 * nothing in it changed).
 */
function scaleToZero(turn: Turn, memory: ReadonlyMap<string, IdleMemory>): ReadonlyMap<string, IdleMemory> {
  const { config, now } = turn;
  const policy = config.hasPorts ? config.scaleToZero.policy : 'off';
  if (policy === 'off') return memory.size > 0 ? new Map() : memory;
  const next = new Map<string, IdleMemory>();
  for (const i of turn.obs.instances) {
    if (i.state !== 'running') continue;
    const existing = memory.get(i.id);
    const lastBusy = existing?.lastBusy ?? null;
    let notifiedFor = existing?.notifiedFor ?? null;
    if (isBusy(i, policy)) {
      next.set(i.id, { lastBusy: now, notifiedFor });
      continue;
    }
    const idleSince = Math.max(i.since, i.lastRequestAt ?? i.since, lastBusy ?? i.since);
    const standbyAt = idleSince + config.scaleToZero.cooldown;
    if (now >= standbyAt) {
      turn.park(i); // its memory is dropped
      continue;
    }
    if (config.scaleToZero.notifyTime > 0 && notifiedFor !== idleSince) {
      const notifyAt = standbyAt - config.scaleToZero.notifyTime;
      if (now >= notifyAt) {
        turn.actions.push({ type: 'notify', instance: i.id, standbyAt });
        notifiedFor = idleSince;
      } else turn.wakeAt = Math.min(turn.wakeAt, notifyAt);
    }
    turn.wakeAt = Math.min(turn.wakeAt, standbyAt);
    next.set(i.id, existing !== undefined && existing.notifiedFor === notifiedFor ? existing : { lastBusy, notifiedFor });
  }
  return sameMemory(memory, next) ? memory : next;
}

/**
 * The instances a target is computed from (`base`: not parked; legacy: and out of warm-up) and
 * all those not parked (`capacity`), this turn's spawns included.
 */
function countInstances(turn: Turn): { base: number; capacity: number } {
  const legacy = turn.config.options.warmup_meaning === 'legacy';
  let capacity = turn.spawned;
  let base = legacy ? 0 : turn.spawned;
  for (const i of turn.obs.instances) {
    if (turn.stateOf(i) === 'standby') continue;
    capacity++;
    if (!legacy || turn.now - i.createdAt >= turn.config.warmup) base++;
  }
  return { base, capacity };
}

/**
 * Each policy's metric, step and target into `evaluations` (its objects reused when there);
 * returns the largest target (never below 0), or null if no step applied.
 */
function evaluatePolicies(turn: Turn, base: number, evaluations: PolicyEvaluation[]): number | null {
  const { config, obs, now } = turn;
  const policies = config.policies;
  let best: number | null = null;
  for (let i = 0; i < policies.length; i++) {
    const policy = policies[i]!;
    const metric = aggregateMetric(config, policy, obs.instances, now);
    const step = metric === null ? undefined : matchStep(policy.steps, metric);
    const target = step === undefined ? null : targetOf(base, policy.adjustment, step.adjustment, config.options.percent_rounding);
    const e = evaluations[i];
    if (e === undefined) evaluations.push({ policy: policy.name, metric, step: step?.text ?? null, target });
    else {
      e.policy = policy.name;
      e.metric = metric;
      e.step = step?.text ?? null;
      e.target = target;
    }
    if (target !== null && (best === null || target > best)) best = target;
  }
  if (evaluations.length !== policies.length) evaluations.length = policies.length;
  // no target below zero instances (legacy: nothing counted yet → nothing to remove)
  return best !== null && best < 0 ? 0 : best;
}

/** A scale-out to `target` instances not parked: wake parked ones first, then spawn, up to max_size. True if it acted. */
function scaleOut(turn: Turn, target: number, capacity: number): boolean {
  const members = turn.members();
  const wanted = Math.min(target, turn.config.maxSize) - capacity;
  let want = wanted;
  for (const p of turn.parkedBefore()) {
    if (want <= 0) break;
    turn.wake(p, 'policy');
    want--;
  }
  const count = Math.min(want, turn.config.maxSize - members);
  if (count > 0) turn.spawn(count, 'policy');
  return want !== wanted || count > 0;
}

/** A scale-in of `remove` instances, never below min_size; victims by fewest in-flight, newest, larger id. True if it acted. */
function scaleIn(turn: Turn, remove: number): boolean {
  const n = Math.min(remove, turn.members() - turn.config.minSize);
  if (n <= 0) return false;
  const woken = (i: InstanceObservation) => i.state === 'standby' && turn.stateOf(i) !== 'standby';
  const victims = turn.obs.instances.filter((i) => turn.stateOf(i) !== 'standby' && !woken(i)).sort(byVictim).slice(0, n);
  for (const v of victims) turn.actions.push({ type: 'destroy', instance: v.id });
  return victims.length > 0;
}

/**
 * One turn of the decision loop. See the module comment for the order of the rules.
 *
 * `reuse`: a decision returned by an earlier call whose contents the caller is done with; it is
 * filled again and returned (its arrays and evaluation objects reused), so a simulator's
 * millisecond loop allocates little. Without it a new decision is made.
 *
 * @example decide(config, initialState(), { instances: [], waiting: 0 }, 0).wakeAt // config.decisionPeriod
 */
export function decide(config: KraftcloudConfig, state: KraftcloudState, obs: Observation, now: Micros, reuse?: Decision): Decision {
  const actions = reuse ? reuse.actions : [];
  if (actions.length !== 0) actions.length = 0;
  const turn = new Turn(config, obs, now, actions);
  wakeOnRequest(turn);
  const idle = scaleToZero(turn, state.idle);

  let { lastScaleOut, lastScaleIn } = state;
  const { base, capacity } = countInstances(turn);
  const evaluations = reuse ? reuse.evaluations : [];
  const best = evaluatePolicies(turn, base, evaluations);
  const legacy = config.options.warmup_meaning === 'legacy';
  const inWarmup = lastScaleOut !== null && now < lastScaleOut + config.warmup;
  const inCooldown = lastScaleIn !== null && now < lastScaleIn + config.cooldown;
  if (best !== null && best > base && (legacy || (!inWarmup && !inCooldown))) {
    if (scaleOut(turn, best, capacity)) lastScaleOut = now;
  } else if (best !== null && best < base && !inCooldown && (legacy || !inWarmup)) {
    if (scaleIn(turn, base - best)) lastScaleIn = now;
  }
  const short = config.minSize - turn.members();
  if (short > 0) turn.spawn(short, 'min_size');

  const changed = lastScaleOut !== state.lastScaleOut || lastScaleIn !== state.lastScaleIn || idle !== state.idle;
  const next = changed ? { lastScaleOut, lastScaleIn, idle } : state;
  if (!reuse) return { state: next, actions, wakeAt: turn.wakeAt, evaluations };
  reuse.state = next;
  reuse.wakeAt = turn.wakeAt;
  return reuse;
}

/** Two idle memories hold the same entries (same objects). */
function sameMemory(a: ReadonlyMap<string, IdleMemory>, b: ReadonlyMap<string, IdleMemory>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of b) if (a.get(k) !== v) return false;
  return true;
}
