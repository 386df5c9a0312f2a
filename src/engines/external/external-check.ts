/**
 * Turning an external engine's raw reply (already parsed JSON) into a checked `Reply`, or an
 * `EngineProtocolError` naming the message: the id check, the engine's own `error` replies, and
 * the dialect's checks (`validateReply`). Also the hello negotiation.
 *
 * Package "core" owns the shared version of these (`checked.ts`: `checkReply`, `negotiate`);
 * this file keeps the external session working with the same names until it lands.
 */
import type { Micros } from '../../kernel/time.js';
import { EngineProtocolError, type FailedMessage } from './errors.js';
import { SHAPE, type Dialect, type HelloReply, type HelloRequest, type Reply, type Request } from './protocol.js';
import { validateReply } from './validate.js';

/**
 * What a request is about, for messages: its group, VM, or member index.
 *
 * @example subjectOf({ type: 'observe', group: 'web', records: [] }) // 'web'
 */
export function subjectOf(req: Request | { readonly type: string }): string | undefined {
  const r = req as { group?: unknown; vm?: unknown; member?: unknown };
  if (typeof r.group === 'string') return r.group;
  if (typeof r.vm === 'string') return r.vm;
  if (typeof r.member === 'number') return `member ${r.member}`;
  return undefined;
}

/** The message a request was sent as. */
export function messageOf(id: number, req: Request | { readonly type: string }, now: Micros): FailedMessage {
  const subject = subjectOf(req);
  return subject === undefined ? { id, type: req.type, now } : { id, type: req.type, subject, now };
}

/**
 * `raw` as the checked reply to request `sentId` (`req` at `now`), or an `EngineProtocolError`
 * (thrown) naming the message: a wrong id, an engine `error` reply, or what `validateReply`
 * finds wrong.
 *
 * @example checkReply('external engine `python3 a.py`', 'albatross', 3, req, 20_000_000, { id: 3, type: 'step', actions: [] }) // { type: 'step', actions: [] } (checked)
 */
export function checkReply(engine: string, dialect: Dialect, sentId: number, req: Request, now: Micros, raw: unknown): Reply {
  const message = messageOf(sentId, req, now);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new EngineProtocolError(engine, 'reply is not a JSON object', message);
  const id = (raw as { id?: unknown }).id;
  if (id !== sentId) {
    throw new EngineProtocolError(engine, typeof id === 'number' ? `reply to message ${id} while ${sentId} is pending` : 'reply has no "id"', message);
  }
  return checkBody(engine, dialect, message, req, now, raw);
}

/**
 * A reply body without its id (a whole reply, or one part of a batch) checked: an `error` reply
 * fails the run with the engine's message; anything else goes through `validateReply`.
 */
export function checkBody(engine: string, dialect: Dialect, message: FailedMessage, req: Request, now: Micros, raw: unknown): Reply {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new EngineProtocolError(engine, 'reply is not a JSON object', message);
  const body = raw as { type?: unknown; message?: unknown };
  if (body.type === 'error') {
    throw new EngineProtocolError(engine, `engine error: ${typeof body.message === 'string' ? oneLine(body.message) : JSON.stringify(body.message)}`, message);
  }
  try {
    return validateReply(dialect, req, now, raw);
  } catch (err) {
    if (err instanceof EngineProtocolError) throw err;
    throw new EngineProtocolError(engine, (err as Error).message, message);
  }
}

/**
 * The engine's hello reply checked against the hello request: the version chosen must be in both
 * ranges (or the engine said it has none), and the engine must speak the scenario's dialect.
 *
 * @example negotiate('external engine `x`', hello, { id: 0, type: 'hello', version: 1, engine: 'albatross' }).version // 1
 */
export function negotiate(engine: string, hello: HelloRequest, raw: unknown): HelloReply {
  const message: FailedMessage = { id: 0, type: 'hello', now: 0 };
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new EngineProtocolError(engine, 'reply is not a JSON object', message);
  const r = raw as Record<string, unknown>;
  if (r.id !== 0) throw new EngineProtocolError(engine, typeof r.id === 'number' ? `reply to message ${r.id} while 0 is pending` : 'reply has no "id"', message);
  const ours = `${hello.protocol.min}–${hello.protocol.max}`;
  if (r.type === 'error' || typeof r.error === 'string') {
    const said = typeof r.error === 'string' ? r.error : typeof r.message === 'string' ? r.message : 'no reason given';
    throw new EngineProtocolError(engine, `no common protocol version: scalelab speaks ${ours}, the engine says "${oneLine(said)}"`, message);
  }
  if (r.type !== 'hello') throw new EngineProtocolError(engine, `reply type "${String(r.type)}" to hello (expected "hello")`, message);
  const version = r.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < hello.protocol.min || version > hello.protocol.max) {
    throw new EngineProtocolError(engine, `no common protocol version: scalelab speaks ${ours}, the engine chose ${JSON.stringify(version ?? null)}`, message);
  }
  const dialect = r.engine;
  if (dialect !== undefined && dialect !== hello.engine) {
    const shape = typeof dialect === 'string' && dialect in SHAPE ? ` (${SHAPE[dialect as Dialect]})` : '';
    throw new EngineProtocolError(engine, `speaks ${String(dialect)}${shape}, the scenario's engine is ${hello.engine}; write engine.name: ${String(dialect)} in the scenario`, message);
  }
  if (r.shape !== undefined && r.shape !== hello.shape) {
    throw new EngineProtocolError(engine, `speaks the ${String(r.shape)} shape, the scenario's engine ${hello.engine} is ${hello.shape}`, message);
  }
  if (r.batch !== undefined && typeof r.batch !== 'boolean') throw new EngineProtocolError(engine, '"batch" must be true or false', message);
  if (r.wants !== undefined && (!Array.isArray(r.wants) || !r.wants.every((w) => typeof w === 'string'))) {
    throw new EngineProtocolError(engine, '"wants" must be an array of request types', message);
  }
  if (r.name !== undefined && typeof r.name !== 'string') throw new EngineProtocolError(engine, '"name" must be a string', message);
  return raw as HelloReply;
}

/** A message from an engine on one line, at most 200 characters. */
function oneLine(text: string): string {
  const line = text.replace(/\s*\n\s*/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}
