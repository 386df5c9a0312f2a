/**
 * External engines (`engine: { kind: external, command: [...] }`): a child process speaking the
 * protocol as JSON lines, exchanged synchronously through the transport (transport.ts).
 *
 * The session numbers the requests (hello is 0, then +1 per line sent), encodes each as one line
 * with `id`, `type` and `now` first, waits for the one reply line within the per-message timeout
 * (the hello within the startup allowance), parses it and checks it (external-check.ts). Every
 * failure is an `EngineProtocolError` naming the message; after one the session is broken and
 * `close` just kills the process.
 */
import type { Micros } from '../../kernel/time.js';
import type { EngineSpec } from '../../scenario/types.js';
import { EngineProtocolError, type FailedMessage } from './errors.js';
import { checkBody, checkReply, messageOf, negotiate, subjectOf } from './external-check.js';
import { OPTIONAL, type Dialect, type HelloReply, type HelloRequest, type Reply, type Request } from './protocol.js';
import type { EngineSession } from './session.js';
import { Transport, TransportFailure } from './transport.js';

/** The per-message timeout when the scenario gives none (2 s). */
export const DEFAULT_TIMEOUT: Micros = 2_000_000;

/**
 * The least time the engine gets to start and answer `hello` (10 s): process start alone (an
 * interpreter through a version-manager shim, on a loaded machine) can take half a second.
 */
export const STARTUP_ALLOWANCE_MS = 10_000;

/** How long the engine gets to exit after its `bye` before it is killed, at most (ms). */
const EXIT_GRACE_MS = 2_000;

/**
 * How messages name an external engine.
 *
 * @example externalLabel(['python3', 'albatross.py']) // 'external engine `python3 albatross.py`'
 */
export function externalLabel(command: readonly string[]): string {
  return `external engine \`${command.join(' ')}\``;
}

/** The empty step: the answer to a request the engine did not want (it is never sent). */
const UNWANTED: Reply = Object.freeze({ type: 'step', actions: Object.freeze([]) as readonly never[] });

/** A session with an engine process. */
export class ExternalSession implements EngineSession {
  readonly hello: HelloReply;
  /** the engine process and its FIFOs */
  readonly transport: Transport;
  private readonly label: string;
  private readonly dialect: Dialect;
  private readonly timeoutMs: number;
  /** optional request types the engine left out of `wants` (never sent) */
  private readonly unwanted: ReadonlySet<string>;
  private readonly batch: boolean;
  private nextId = 1;
  private broken = false;
  private closed = false;

  /**
   * Start `spec.command` in `spec.cwd` and negotiate with `hello`. Throws `EngineProtocolError`
   * (exit 2) when it cannot start, does not answer within the startup allowance, or speaks
   * another version or dialect; the process is gone by then.
   */
  constructor(spec: EngineSpec, hello: HelloRequest) {
    const command = spec.command ?? [];
    this.label = externalLabel(command);
    this.dialect = hello.engine;
    this.timeoutMs = (spec.timeout ?? DEFAULT_TIMEOUT) / 1000;
    const startupMs = Math.max(this.timeoutMs, STARTUP_ALLOWANCE_MS);
    const helloMessage: FailedMessage = { id: 0, type: 'hello', now: 0 };
    try {
      this.transport = new Transport({ command, cwd: spec.cwd ?? process.cwd(), timeoutMs: this.timeoutMs, startupMs });
    } catch (err) {
      if (err instanceof TransportFailure) throw new EngineProtocolError(this.label, err.what, helloMessage);
      throw err;
    }
    try {
      const line = this.transport.exchange(JSON.stringify(hello), startupMs);
      this.hello = negotiate(this.label, hello, this.parse(line, helloMessage));
    } catch (err) {
      this.broken = true;
      this.close(0);
      if (err instanceof TransportFailure) throw new EngineProtocolError(this.label, err.what, helloMessage);
      throw err;
    }
    const optional = OPTIONAL[this.dialect];
    const wants = this.hello.wants;
    this.unwanted = new Set(wants === undefined ? [] : optional.filter((t) => !wants.includes(t)));
    this.batch = this.hello.batch === true;
  }

  /** One request at `now` → its checked reply (an unwanted optional request is not sent). */
  call(now: Micros, req: Request): Reply {
    if (this.unwanted.has(req.type)) return UNWANTED;
    const id = this.nextId++;
    const raw = this.roundTrip(encode(id, now, req), id, req, now);
    try {
      return checkReply(this.label, this.dialect, id, req, now, raw);
    } catch (err) {
      this.broken = true;
      throw err;
    }
  }

  /** Several requests at one `now`: one `batch` line when the engine accepts batches. */
  callMany(now: Micros, reqs: readonly Request[]): Reply[] {
    const sent = reqs.filter((r) => !this.unwanted.has(r.type));
    if (!this.batch || sent.length <= 1) return reqs.map((r) => this.call(now, r));
    const id = this.nextId++;
    const whole = { id, type: 'batch', now };
    const raw = this.roundTrip(JSON.stringify({ id, type: 'batch', now, requests: sent }), id, whole, now);
    try {
      const parts = this.batchReplies(raw, id, whole, now, sent);
      let k = 0;
      return reqs.map((r) => (this.unwanted.has(r.type) ? UNWANTED : parts[k++]!));
    } catch (err) {
      this.broken = true;
      throw err;
    }
  }

  /** Send `end`, wait for `bye`, and release the process (kill it when the session is broken). */
  close(now: Micros): void {
    if (this.closed) return;
    this.closed = true;
    if (this.broken) {
      this.transport.close(0);
      return;
    }
    const id = this.nextId++;
    const end: Request = { type: 'end' };
    try {
      const raw = this.roundTrip(JSON.stringify({ id, type: 'end', now }), id, end, now);
      const message = messageOf(id, end, now);
      if (raw === null || typeof raw !== 'object' || (raw as { id?: unknown }).id !== id) {
        checkReply(this.label, this.dialect, id, end, now, raw); // names the wrong id
      }
      const type = (raw as { type?: unknown }).type;
      if (type === 'error') checkBody(this.label, this.dialect, message, end, now, raw);
      if (type !== 'bye') throw new EngineProtocolError(this.label, `reply type "${String(type)}" to end (expected "bye")`, message);
    } finally {
      this.transport.close(this.broken ? 0 : Math.min(this.timeoutMs, EXIT_GRACE_MS));
    }
  }

  /** Exchange one line and parse the reply; a transport failure or bad JSON names the message. */
  private roundTrip(line: string, id: number, req: Request | { readonly type: string }, now: Micros): unknown {
    const message = messageOf(id, req, now);
    let reply: string;
    try {
      reply = this.transport.exchange(line);
    } catch (err) {
      this.broken = true;
      if (err instanceof TransportFailure) throw new EngineProtocolError(this.label, err.what, message);
      throw err;
    }
    try {
      return this.parse(reply, message);
    } catch (err) {
      this.broken = true;
      throw err;
    }
  }

  /** `line` as JSON, or the error quoting its first 80 characters. */
  private parse(line: string, message: FailedMessage): unknown {
    try {
      return JSON.parse(line) as unknown;
    } catch {
      const head = line.length > 80 ? `${line.slice(0, 80)}…` : line;
      throw new EngineProtocolError(this.label, `reply is not JSON (${JSON.stringify(head)})`, message);
    }
  }

  /** A batch reply split into its parts, each checked against its own request. */
  private batchReplies(raw: unknown, id: number, whole: { readonly type: string }, now: Micros, reqs: readonly Request[]): Reply[] {
    const message = messageOf(id, whole, now);
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new EngineProtocolError(this.label, 'reply is not a JSON object', message);
    const r = raw as { id?: unknown; type?: unknown; replies?: unknown; message?: unknown };
    if (r.id !== id) throw new EngineProtocolError(this.label, typeof r.id === 'number' ? `reply to message ${r.id} while ${id} is pending` : 'reply has no "id"', message);
    if (r.type === 'error') throw new EngineProtocolError(this.label, `engine error: ${String(r.message)}`, message);
    if (r.type !== 'batch') throw new EngineProtocolError(this.label, `reply type "${String(r.type)}" to a batch (expected "batch")`, message);
    if (!Array.isArray(r.replies)) throw new EngineProtocolError(this.label, '"replies" must be an array', message);
    if (r.replies.length !== reqs.length) throw new EngineProtocolError(this.label, `batch reply has ${r.replies.length} replies for ${reqs.length} requests`, message);
    const out: Reply[] = new Array<Reply>(reqs.length);
    for (let k = 0; k < reqs.length; k++) {
      const req = reqs[k]!;
      const subject = subjectOf(req);
      const part: FailedMessage = { id, type: 'batch', now, part: { k: k + 1, n: reqs.length, type: req.type, ...(subject === undefined ? {} : { subject }) } };
      const sub = r.replies[k] as { type?: unknown } | null;
      if (sub !== null && typeof sub === 'object' && sub.type !== 'step' && sub.type !== 'error') {
        throw new EngineProtocolError(this.label, `reply type "${String(sub.type)}" inside a batch (expected "step" or "error")`, part);
      }
      out[k] = checkBody(this.label, this.dialect, part, req, now, sub);
    }
    return out;
  }
}

/**
 * A request as one line: `id`, `type` and `now` first, then the request's own fields in their
 * order (the builders write them in a fixed order, so the bytes are deterministic).
 *
 * @example encode(3, 20_000_000, { type: 'sync', group: 'web', alive: ['web'] }) // '{"id":3,"type":"sync","now":20000000,"group":"web","alive":["web"]}'
 */
export function encode(id: number, now: Micros, req: Request): string {
  const { type, ...rest } = req;
  return JSON.stringify({ id, type, now, ...rest });
}

/** Start `spec.command`, negotiate with `hello`, and return the session. */
export function openExternal(spec: EngineSpec, hello: HelloRequest): EngineSession {
  return new ExternalSession(spec, hello);
}
