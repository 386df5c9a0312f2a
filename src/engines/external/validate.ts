/**
 * Checks a reply against the request it answers and the request's dialect: the reply's type,
 * every action's type and fields, `wakeAt`'s bounds, the required report fields. Hand-written
 * rather than a JSON schema because it runs once per message on the hot path of an external run:
 * a valid reply is returned as it is (no copy), and nothing is allocated unless it is wrong.
 *
 * The rules, per dialect, are the user's docs/PROTOCOL.md ("Replies", "Actions").
 */
import type { Micros } from '../../kernel/time.js';
import { SKIP_REASONS } from '../incus/engine.js';
import type { ClusterSnapshot, Dialect, Reply, Request } from './protocol.js';

/**
 * A reply that breaks the protocol. Its message says what is wrong in the reply's own terms
 * (`action 2 (destroy): "instance" must be a string`); the session adds the engine and the
 * message it answers (checked.ts).
 */
export class ReplyInvalid extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplyInvalid';
  }
}

/** The largest replica count or spawn count a reply may ask for (a guard against runaway engines). */
export const MAX_REPLICAS = 100_000;

/** The action types each dialect may send, in the order docs/PROTOCOL.md lists them. */
export const ACTIONS: Readonly<Record<Dialect, readonly string[]>> = {
  albatross: ['spawn', 'spawn_refused', 'destroy', 'orphan', 'adopt', 'note'],
  replica: ['spawn', 'spawn_refused', 'destroy', 'standby', 'wake', 'orphan', 'adopt', 'note'],
  hpa: ['scale'],
  kraftcloud: ['spawn', 'destroy', 'standby', 'wake', 'notify'],
  incus: ['run_started', 'arch_checked', 'migrate', 'stamp_last_move', 'run_finished'],
  neon: ['plugin_request', 'neonvm_request', 'monitor_upscale', 'monitor_downscale'],
};

type Obj = Readonly<Record<string, unknown>>;

/**
 * The reply, typed, when it is a valid answer to `req` at `now` in `dialect`; otherwise throws
 * `ReplyInvalid` saying what is wrong. `error` replies are returned as they are (the caller turns
 * them into the run's failure). A `batch` request is not checked here (checked.ts splits it).
 *
 * @example validateReply('hpa', { type: 'end' }, 5, { type: 'bye' }) // { type: 'bye' }
 * @example validateReply('albatross', obs, 10e6, { type: 'step', actions: [{ type: 'scale' }] })
 * // throws ReplyInvalid: unknown action "scale" (expected spawn, spawn_refused, destroy, orphan, adopt, note)
 */
export function validateReply(dialect: Dialect, req: Request, now: Micros, reply: unknown): Reply {
  if (!isObject(reply)) throw new ReplyInvalid('reply is not a JSON object');
  const type = reply['type'];
  if (type === 'error') {
    if (typeof reply['message'] !== 'string') throw new ReplyInvalid('error reply: "message" must be a string');
    return reply as unknown as Reply;
  }
  if (req.type === 'end') {
    if (type !== 'bye') throw new ReplyInvalid(`expected a "bye" reply to end, got ${describeType(type)}`);
    return reply as unknown as Reply;
  }
  if (type !== 'step') throw new ReplyInvalid(`expected a "step" reply, got ${describeType(type)}`);
  validateStep(dialect, req, now, reply);
  return reply as unknown as Reply;
}

/** The checks of a `step` reply: actions, wakeAt, report, and the dialect's required fields. */
function validateStep(dialect: Dialect, req: Request, now: Micros, step: Obj): void {
  const actions = step['actions'];
  if (!Array.isArray(actions)) throw new ReplyInvalid('"actions" must be an array (possibly empty)');
  const report = step['report'];
  if (report !== undefined && !isObject(report)) throw new ReplyInvalid('"report" must be an object');
  checkWakeAt(dialect, req, now, step);
  if (dialect === 'hpa') checkHpaStep(req, step, actions);
  if (dialect === 'neon' && req.type === 'tick' && 'metrics' in req && req.metrics !== undefined) {
    const goal = report === undefined ? undefined : (report as Obj)['goalCU'];
    if (typeof goal !== 'number' || !Number.isFinite(goal) || goal < 0) {
      throw new ReplyInvalid('"report.goalCU" must be a number ≥ 0 in the reply to a tick with metrics');
    }
  }
  const allowed = ACTIONS[dialect];
  for (let i = 0; i < actions.length; i++) {
    const a: unknown = actions[i];
    if (!isObject(a) || typeof a['type'] !== 'string') throw new ReplyInvalid(`action ${i + 1}: must be an object with a string "type"`);
    if (!allowed.includes(a['type'])) {
      throw new ReplyInvalid(`unknown action ${JSON.stringify(a['type'])}${actions.length > 1 ? ` (action ${i + 1})` : ''} (expected ${allowed.join(', ')})`);
    }
    checkAction(dialect, req, a, new At(i + 1, a['type']));
  }
}

// --- wakeAt ----------------------------------------------------------------------------------

/**
 * `wakeAt` by dialect: albatross has none (a number is an error); hpa, kraftcloud and replica
 * want an integer > now (≥ 0 in an init reply), kraftcloud's observe reply must carry one;
 * neon an integer ≥ now ("wake me by"); incus any integer (clamped to now by the world), and
 * every incus reply carries one. `null` is always allowed (cancel; for neon the same as absent).
 */
function checkWakeAt(dialect: Dialect, req: Request, now: Micros, step: Obj): void {
  const w = step['wakeAt'];
  if (w === undefined) {
    if (dialect === 'incus' || (dialect === 'kraftcloud' && req.type === 'observe')) {
      throw new ReplyInvalid(`"wakeAt" is required in the ${dialect} reply to ${req.type} (an integer µs, or null)`);
    }
    return;
  }
  if (w === null) return;
  if (dialect === 'albatross') throw new ReplyInvalid('"wakeAt" is not allowed in the albatross dialect (its engine is woken by the stats rounds)');
  if (typeof w !== 'number' || !Number.isSafeInteger(w)) throw new ReplyInvalid(`"wakeAt" must be an integer (µs) or null, got ${short(w)}`);
  if (dialect === 'incus') return;
  if (dialect === 'neon') {
    if (w < now) throw new ReplyInvalid(`"wakeAt" must be ≥ now (${now}), got ${w}`);
    return;
  }
  if (req.type === 'init') {
    if (w < 0) throw new ReplyInvalid(`"wakeAt" must be ≥ 0 in an init reply, got ${w}`);
    return;
  }
  if (w <= now) throw new ReplyInvalid(`"wakeAt" must be > now (${now}), got ${w}`);
}

// --- hpa -------------------------------------------------------------------------------------

/**
 * hpa: the reply to observe carries `desiredReplicas` (an integer 0…MAX_REPLICAS) and at most one
 * `scale` action whose `to` equals it; other replies carry no action.
 */
function checkHpaStep(req: Request, step: Obj, actions: readonly unknown[]): void {
  if (req.type !== 'observe') {
    if (actions.length > 0) throw new ReplyInvalid(`hpa scales only in the reply to observe, not to ${req.type}`);
    return;
  }
  const desired = step['desiredReplicas'];
  if (!isInt(desired, 0, MAX_REPLICAS)) throw new ReplyInvalid(`"desiredReplicas" must be an integer from 0 to ${MAX_REPLICAS}, got ${short(desired)}`);
  if (actions.length > 1) throw new ReplyInvalid(`hpa sends at most one scale action, got ${actions.length}`);
  const a: unknown = actions[0];
  if (isObject(a) && a['type'] === 'scale' && a['to'] !== desired) {
    throw new ReplyInvalid(`action 1 (scale): "to" (${short(a['to'])}) must equal "desiredReplicas" (${desired})`);
  }
}

// --- actions ---------------------------------------------------------------------------------

/** Where an action sits, for messages: `action 2 (destroy)`. */
class At {
  constructor(
    readonly index: number,
    readonly type: string,
  ) {}
  fail(field: string, must: string): never {
    throw new ReplyInvalid(`action ${this.index} (${this.type}): "${field}" must be ${must}`);
  }
}

/** The fields of one action, by dialect and type. */
function checkAction(dialect: Dialect, req: Request, a: Obj, at: At): void {
  switch (dialect) {
    case 'albatross':
    case 'replica':
      return checkReplicaCommand(a, at);
    case 'hpa':
      return checkScale(a, at);
    case 'kraftcloud':
      return checkKraftcloud(a, at);
    case 'incus':
      return checkIncus(a, at, 'cluster' in req ? req.cluster : null);
    case 'neon':
      return checkNeon(a, at);
  }
}

/** `ReplicaCommand` (src/world/replicas/engine.ts). */
function checkReplicaCommand(a: Obj, at: At): void {
  switch (a['type']) {
    case 'spawn':
      str(a, 'name', at, true);
      optStr(a, 'cloneOf', at);
      scaling(a, at);
      return;
    case 'spawn_refused':
      str(a, 'reason', at, false);
      optStr(a, 'instance', at);
      return;
    case 'destroy':
      str(a, 'instance', at, true);
      str(a, 'reason', at, false);
      scaling(a, at);
      return;
    case 'standby':
      str(a, 'instance', at, true);
      str(a, 'reason', at, false);
      return;
    case 'wake':
      str(a, 'instance', at, true);
      str(a, 'reason', at, false);
      if (a['latency'] !== undefined && !isInt(a['latency'], 0)) at.fail('latency', 'an integer ≥ 0 (µs)');
      return;
    case 'orphan': {
      const list = a['instances'];
      if (!Array.isArray(list) || !list.every((s) => typeof s === 'string' && s !== '')) at.fail('instances', 'an array of instance names');
      return;
    }
    case 'adopt':
      str(a, 'instance', at, true);
      return;
    case 'note':
      str(a, 'event', at, true);
      if (a['fields'] !== undefined && !isObject(a['fields'])) at.fail('fields', 'an object');
      return;
  }
}

/** hpa `ScaleAction`. */
function checkScale(a: Obj, at: At): void {
  if (!isInt(a['from'], 0)) at.fail('from', 'an integer ≥ 0');
  if (!isInt(a['to'], 0, MAX_REPLICAS)) at.fail('to', `an integer from 0 to ${MAX_REPLICAS}`);
  str(a, 'reason', at, false);
}

/** `KraftcloudAction` (src/engines/kraftcloud/engine.ts). */
function checkKraftcloud(a: Obj, at: At): void {
  switch (a['type']) {
    case 'spawn':
      if (!isInt(a['count'], 1, MAX_REPLICAS)) at.fail('count', `an integer from 1 to ${MAX_REPLICAS}`);
      str(a, 'from', at, true);
      oneOf(a, 'reason', ['policy', 'request', 'min_size'], at);
      return;
    case 'destroy':
    case 'standby':
      str(a, 'instance', at, true);
      return;
    case 'wake':
      str(a, 'instance', at, true);
      oneOf(a, 'reason', ['policy', 'request'], at);
      return;
    case 'notify':
      str(a, 'instance', at, true);
      if (!isInt(a['standbyAt'], 0)) at.fail('standbyAt', 'an integer ≥ 0 (µs)');
      return;
  }
}

const ARCH_OUTCOMES = ['rebalance', 'balanced', 'too_few_members', 'idle', 'batch_full'];
const RUN_OUTCOMES = ['done', 'aborted', 'abandoned', 'crashed'];

/** `IncusAction` (src/engines/incus/engine.ts); member and VM indices are checked against the request's cluster. */
function checkIncus(a: Obj, at: At, cluster: ClusterSnapshot | null): void {
  const members = cluster === null ? Number.MAX_SAFE_INTEGER : cluster.members.length;
  const vms = cluster === null ? Number.MAX_SAFE_INTEGER : cluster.vms.length;
  // every action but stamp_last_move belongs to a rebalancing run
  if (a['type'] !== 'stamp_last_move') int(a, 'run', at, 0);
  switch (a['type']) {
    case 'run_started': {
      member(a, 'leader', at, members);
      const scores = a['scores'];
      if (!Array.isArray(scores) || !scores.every((s) => s === null || typeof s === 'number')) at.fail('scores', 'an array of numbers or nulls');
      const order = a['archOrder'];
      if (!Array.isArray(order) || !order.every((s) => typeof s === 'string')) at.fail('archOrder', 'an array of strings');
      return;
    }
    case 'arch_checked':
      str(a, 'arch', at, false);
      member(a, 'busiest', at, members);
      member(a, 'leastBusy', at, members);
      score(a, 'maxScore', at);
      score(a, 'minScore', at);
      score(a, 'imbalance', at);
      oneOf(a, 'outcome', ARCH_OUTCOMES, at);
      return;
    case 'migrate':
      vm(a, 'vm', at, vms);
      member(a, 'from', at, members);
      member(a, 'to', at, members);
      score(a, 'targetScore', at);
      score(a, 'expectedScore', at);
      return;
    case 'stamp_last_move':
      vm(a, 'vm', at, vms);
      num(a, 'value', at);
      return;
    case 'run_finished': {
      int(a, 'migrated', at, 0);
      oneOf(a, 'outcome', RUN_OUTCOMES, at);
      const skips = a['skips'];
      if (!isObject(skips) || !SKIP_REASONS.every((r) => isInt(skips[r], 0))) at.fail('skips', `an object of integer counts for ${SKIP_REASONS.join(', ')}`);
      optStr(a, 'error', at);
      return;
    }
  }
}

/** `NeonAction` (protocol.ts): resources are integer milli-vCPU and bytes. */
function checkNeon(a: Obj, at: At): void {
  if (a['type'] === 'plugin_request') {
    resources(a, 'target', at, false);
    resources(a, 'lastPermit', at, true);
    return;
  }
  resources(a, 'current', at, false);
  resources(a, 'target', at, false);
}

// --- field checks ----------------------------------------------------------------------------

function isObject(x: unknown): x is Obj {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isNum(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

/** A safe integer in [lo, hi]. @example isInt(3, 0) // true */
function isInt(x: unknown, lo = Number.MIN_SAFE_INTEGER, hi = Number.MAX_SAFE_INTEGER): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= lo && x <= hi;
}

function str(a: Obj, key: string, at: At, nonEmpty: boolean): void {
  const v = a[key];
  if (typeof v !== 'string' || (nonEmpty && v === '')) at.fail(key, nonEmpty ? 'a non-empty string' : 'a string');
}

function optStr(a: Obj, key: string, at: At): void {
  if (a[key] !== undefined && typeof a[key] !== 'string') at.fail(key, 'a string');
}

function scaling(a: Obj, at: At): void {
  const v = a['scaling'];
  if (v !== undefined && v !== 'up' && v !== 'down') at.fail('scaling', '"up" or "down"');
}

function oneOf(a: Obj, key: string, values: readonly string[], at: At): void {
  const v = a[key];
  if (typeof v !== 'string' || !values.includes(v)) at.fail(key, `one of ${values.join(', ')}`);
}

function int(a: Obj, key: string, at: At, lo: number): void {
  if (!isInt(a[key], lo)) at.fail(key, `an integer ≥ ${lo}`);
}

function num(a: Obj, key: string, at: At): void {
  if (!isNum(a[key])) at.fail(key, 'a number');
}

/** A score as incus reports it: a number, or null (JSON's spelling of a NaN score). */
function score(a: Obj, key: string, at: At): void {
  const v = a[key];
  if (v !== null && typeof v !== 'number') at.fail(key, 'a number or null');
}

/** A member index `< members`. */
function member(a: Obj, key: string, at: At, members: number): void {
  if (!isInt(a[key], 0, members - 1)) at.fail(key, `a member index from 0 to ${members - 1}`);
}

function vm(a: Obj, key: string, at: At, vms: number): void {
  if (!isInt(a[key], 0, vms - 1)) at.fail(key, `a VM index from 0 to ${vms - 1}`);
}

function resources(a: Obj, key: string, at: At, nullable: boolean): void {
  const r = a[key];
  if (nullable && r === null) return;
  if (!isObject(r) || !isInt(r['cpu'], 0) || !isInt(r['mem'], 0)) {
    at.fail(key, `{cpu, mem} with integers ≥ 0 (milli-vCPU, bytes)${nullable ? ', or null' : ''}`);
  }
}

/** A value as messages quote it (at most 40 characters). */
function short(x: unknown): string {
  const s = x === undefined ? 'nothing' : JSON.stringify(x);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

function describeType(t: unknown): string {
  return t === undefined ? 'a reply without "type"' : JSON.stringify(t);
}
