/**
 * The one place where a raw reply becomes a checked reply, shared by every session (module,
 * external process, loopback): JSON parsing of a reply line, the id check, the hello
 * negotiation, the per-dialect checks of validate.ts, batch replies part by part, and the
 * one-line `EngineProtocolError` naming the message a failure answers (docs/PROTOCOL.md,
 * "Errors").
 */
import path from 'node:path';
import type { Micros } from '../../kernel/time.js';
import type { EngineSpec } from '../../scenario/types.js';
import { EngineProtocolError, type FailedMessage } from './errors.js';
import { OPTIONAL, REQUIRED, SHAPE, type BatchReply, type BatchRequest, type Dialect, type HelloReply, type HelloRequest, type Reply, type Request, type Shape } from './protocol.js';
import { ReplyInvalid, validateReply } from './validate.js';

/** The longest piece of an engine's own text (an error message, a bad line) quoted in a failure. */
const QUOTE = 200;

/**
 * How failures name the scenario's engine: ``external engine `python3 a.py` `` or
 * `module engine ./policy.js` (the path relative to the scenario's directory).
 *
 * @example engineLabel({ kind: 'external', command: ['python3', 'a.py'], ... }) // 'external engine `python3 a.py`'
 * @example engineLabel({ kind: 'module', path: '/s/policy.js', cwd: '/s', ... }) // 'module engine ./policy.js'
 */
export function engineLabel(spec: EngineSpec): string {
  if (spec.kind === 'external') return `external engine \`${(spec.command ?? []).join(' ')}\``;
  if (spec.kind === 'module') return `module engine ${displayPath(spec.path ?? '?', spec.cwd)}`;
  return `built-in engine ${spec.name}`;
}

/**
 * A path as a user wrote it, relative to `cwd` when it lies below it.
 *
 * @example displayPath('/s/p/x.js', '/s') // './p/x.js'
 */
export function displayPath(p: string, cwd: string | undefined): string {
  if (cwd === undefined || !path.isAbsolute(p)) return p;
  const rel = path.relative(cwd, p);
  return rel.startsWith('..') || path.isAbsolute(rel) ? p : `./${rel}`;
}

/**
 * The group or VM a request is about, for messages (incus requests are about the cluster: none).
 *
 * @example subjectOf({ type: 'observe', group: 'web', records: [] }) // 'web'
 */
export function subjectOf(req: Request | BatchRequest): string | undefined {
  if ('group' in req) return req.group;
  if ('vm' in req) return req.vm;
  return undefined;
}

/**
 * A request as `EngineProtocolError` names it.
 *
 * @example failedMessage(42, { type: 'observe', group: 'web', records: [] }, 20e6) // { id: 42, type: 'observe', subject: 'web', now: 20e6 }
 */
export function failedMessage(id: number, req: Request | BatchRequest | { readonly type: 'hello' }, now: Micros, part?: FailedMessage['part']): FailedMessage {
  const subject = req.type === 'hello' ? undefined : subjectOf(req);
  return { id, type: req.type, now, ...(subject !== undefined ? { subject } : {}), ...(part !== undefined ? { part } : {}) };
}

/**
 * A reply line or a reply object, checked as the answer to `req` (message `sentId`, sent at
 * `now`) in `dialect`. A string is parsed as one JSON line. The reply's `id` must be `sentId`;
 * with `inProcess` (a module handler's reply, which need not carry an id) an absent id is
 * accepted, a wrong one is not. A `batch` request wants a `batch` reply with one
 * checked sub-reply per part. An `error` reply, in whole or in a part, is the run's failure.
 * Returns the reply object itself (no copy); throws `EngineProtocolError` naming the message.
 *
 * @example checkReply('external engine `e`', 'hpa', 7, { type: 'end' }, 9e6, '{"id":7,"type":"bye"}') // { id: 7, type: 'bye' }
 * @example checkReply('external engine `e`', 'hpa', 7, { type: 'end' }, 9e6, '{"id":6,"type":"bye"}')
 * // throws: external engine `e`: reply to message 6 while 7 is pending on message 7 (end at 9 s)
 */
export function checkReply(engine: string, dialect: Dialect, sentId: number, req: Request | BatchRequest, now: Micros, raw: unknown, inProcess = false): Reply {
  const fail = (what: string, part?: FailedMessage['part']): never => {
    throw new EngineProtocolError(engine, what, failedMessage(sentId, req, now, part));
  };
  const reply = typeof raw === 'string' ? parseLine(raw, fail) : raw;
  if (!isObject(reply)) return fail(`reply is not a JSON object (${quote(JSON.stringify(reply) ?? String(reply), 80)})`);
  if (!(inProcess && reply['id'] === undefined)) checkId(reply, sentId, fail);
  if (reply['type'] === 'error') return fail(`engine error: ${quote(String(reply['message']), QUOTE)}`);
  if (req.type === 'batch') return checkBatch(dialect, req, now, reply, fail);
  try {
    return validateReply(dialect, req, now, reply);
  } catch (e) {
    if (e instanceof ReplyInvalid) return fail(e.message);
    throw e;
  }
}

/** The parts of a batch reply, each checked against its sub-request. */
function checkBatch(dialect: Dialect, req: BatchRequest, now: Micros, reply: Readonly<Record<string, unknown>>, fail: (what: string, part?: FailedMessage['part']) => never): BatchReply {
  if (reply['type'] !== 'batch') return fail(`expected a "batch" reply, got ${JSON.stringify(reply['type']) ?? 'a reply without "type"'}`);
  const replies = reply['replies'];
  const n = req.requests.length;
  if (!Array.isArray(replies)) return fail('"replies" must be an array');
  if (replies.length !== n) return fail(`a batch of ${n} requests got ${replies.length} replies`);
  for (let k = 0; k < n; k++) {
    const sub = req.requests[k]!;
    const r: unknown = replies[k];
    if (isObject(r) && r['type'] === 'error') fail(`engine error: ${quote(String(r['message']), QUOTE)}`, partOf(sub, k, n));
    try {
      validateReply(dialect, sub, now, r);
    } catch (e) {
      if (e instanceof ReplyInvalid) fail(e.message, partOf(sub, k, n));
      throw e;
    }
  }
  return reply as unknown as BatchReply;
}

/**
 * Part `k` (0-based) of a batch of `n`, as failures name it.
 *
 * @example partOf({ type: 'observe', group: 'web', records: [] }, 0, 2) // { k: 1, n: 2, type: 'observe', subject: 'web' }
 */
export function partOf(sub: Request, k: number, n: number): NonNullable<FailedMessage['part']> {
  const subject = subjectOf(sub);
  return { k: k + 1, n, type: sub.type, ...(subject !== undefined ? { subject } : {}) };
}

/**
 * The engine's hello reply (a line or an object), checked against our `hello`: the version
 * chosen must lie in both ranges, the dialect and shape must be the scenario's, `batch` a
 * boolean, `wants` names of request types the dialect sends. Returns the normalised reply
 * (`engine`, `shape` and `batch` always set); throws `EngineProtocolError` on message 0.
 *
 * @example negotiate('external engine `e`', hello, '{"id":0,"type":"hello","version":1}').engine // hello.engine
 * @example negotiate('external engine `e`', hello, '{"id":0,"type":"hello","error":"speaks protocol 2 to 3"}')
 * // throws: external engine `e`: no common protocol version: scalelab speaks 1–1, the engine says "speaks protocol 2 to 3" on message 0 (hello at 0 s)
 */
export function negotiate(engine: string, hello: HelloRequest, raw: unknown, inProcess = false): HelloReply {
  const fail = (what: string): never => {
    throw new EngineProtocolError(engine, what, failedMessage(0, hello, 0));
  };
  const reply = typeof raw === 'string' ? parseLine(raw, fail) : raw;
  if (!isObject(reply)) return fail(`reply is not a JSON object (${quote(JSON.stringify(reply) ?? String(reply), 80)})`);
  if (!(inProcess && reply['id'] === undefined)) checkId(reply, 0, fail);
  if (reply['type'] === 'error') return fail(`engine error: ${quote(String(reply['message']), QUOTE)}`);
  if (reply['type'] !== 'hello') return fail(`expected a "hello" reply, got ${JSON.stringify(reply['type']) ?? 'a reply without "type"'}`);
  const ours = `scalelab speaks ${hello.protocol.min}–${hello.protocol.max}`;
  if (reply['error'] !== undefined) return fail(`no common protocol version: ${ours}, the engine says ${JSON.stringify(quote(String(reply['error']), QUOTE))}`);
  const version = reply['version'];
  if (version === undefined) return fail(`no common protocol version: ${ours}, the engine's hello names no "version"`);
  if (typeof version !== 'number' || !Number.isInteger(version) || version < hello.protocol.min || version > hello.protocol.max) {
    return fail(`no common protocol version: ${ours}, the engine chose ${quote(JSON.stringify(version) ?? '?', 40)}`);
  }
  const dialect = reply['engine'] ?? hello.engine;
  if (typeof dialect !== 'string' || !(dialect in SHAPE)) return fail(`hello reply: "engine" must be one of ${Object.keys(SHAPE).join(', ')}, got ${quote(JSON.stringify(dialect) ?? '?', 40)}`);
  const d = dialect as Dialect;
  const shape = reply['shape'] ?? SHAPE[d];
  if (shape !== SHAPE[d]) return fail(`hello reply: "shape" ${quote(JSON.stringify(shape) ?? '?', 40)} does not match ${d}, which is ${SHAPE[d]}`);
  if (d !== hello.engine) {
    if (hello.engine === 'replica') return fail(`the engine speaks ${d}; write engine.name: ${d} in the scenario`);
    return fail(`speaks ${d} (${SHAPE[d]}), the scenario's engine is ${hello.engine}`);
  }
  const batch = reply['batch'] ?? false;
  if (typeof batch !== 'boolean') return fail('hello reply: "batch" must be true or false');
  const name = reply['name'];
  if (name !== undefined && typeof name !== 'string') return fail('hello reply: "name" must be a string');
  const wants = reply['wants'];
  if (wants !== undefined) {
    const known = [...REQUIRED[d], ...OPTIONAL[d]];
    if (!Array.isArray(wants) || !wants.every((w) => typeof w === 'string')) return fail('hello reply: "wants" must be an array of request types');
    const unknown = wants.find((w) => !known.includes(w as string));
    if (unknown !== undefined) {
      return fail(`hello reply: "wants" names ${JSON.stringify(unknown)}, which the ${d} dialect does not send (optional: ${OPTIONAL[d].join(', ') || 'none'})`);
    }
  }
  return {
    id: 0,
    type: 'hello',
    version,
    engine: d,
    shape: shape as Shape,
    batch,
    ...(name !== undefined ? { name } : {}),
    ...(wants !== undefined ? { wants: wants as string[] } : {}),
  };
}

/**
 * Whether the engine wants requests of `type` (required types always; optional ones unless its
 * hello left them out of `wants`).
 *
 * @example wanted({ id: 0, type: 'hello', engine: 'albatross', wants: ['sync'] }, 'gone') // false
 */
export function wanted(hello: HelloReply, type: string): boolean {
  if (hello.wants === undefined) return true;
  const d = hello.engine;
  if (d !== undefined && REQUIRED[d].includes(type)) return true;
  return hello.wants.includes(type);
}

/**
 * The failure when an in-process engine's version range does not meet ours.
 *
 * @example versionMismatch('module engine ./x.js', { min: 1, max: 1 }, { min: 2, max: 3 }).message
 * // 'module engine ./x.js: no common protocol version: scalelab speaks 1–1, the engine 2–3 on message 0 (hello at 0 s)'
 */
export function versionMismatch(engine: string, ours: { readonly min: number; readonly max: number }, theirs: { readonly min: number; readonly max: number }): EngineProtocolError {
  return new EngineProtocolError(engine, `no common protocol version: scalelab speaks ${ours.min}–${ours.max}, the engine ${theirs.min}–${theirs.max}`, { id: 0, type: 'hello', now: 0 });
}

/**
 * Text an engine wrote, made safe for a one-line message: whitespace runs (newlines included)
 * become one space, and it is cut to `max` characters.
 *
 * @example quote('a\n  b', 80) // 'a b'
 */
export function quote(text: string, max: number): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

function parseLine(line: string, fail: (what: string) => never): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return fail(`reply is not JSON (${quote(line, 80)})`);
  }
}

function checkId(reply: Readonly<Record<string, unknown>>, sentId: number, fail: (what: string) => never): void {
  const id = reply['id'];
  if (id === sentId) return;
  if (id === undefined) fail(`reply has no "id" while ${sentId} is pending`);
  fail(`reply to message ${quote(JSON.stringify(id) ?? '?', 40)} while ${sentId} is pending`);
}

function isObject(x: unknown): x is Readonly<Record<string, unknown>> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
