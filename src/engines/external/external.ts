/**
 * External engines (`engine: { kind: external, command: [...] }`): a child process speaking the
 * protocol as JSON lines, exchanged synchronously through the transport (transport.ts).
 *
 * The session numbers the requests (hello is 0, then +1 per line sent), encodes each as one line
 * with `id`, `type` and `now` first, waits for the one reply line within the per-message timeout
 * (the hello within the startup allowance), and checks it (checked.ts, shared with module
 * sessions: the id, JSON, the dialect's actions and bounds, the hello negotiation). Every
 * failure is an `EngineProtocolError` naming the message; after one the session is broken and
 * `close` just kills the process.
 */
import type { Micros } from '../../kernel/time.js';
import type { EngineSpec } from '../../scenario/types.js';
import { checkReply, engineLabel, failedMessage, negotiate, wanted } from './checked.js';
import { EngineProtocolError } from './errors.js';
import { OPTIONAL, type BatchRequest, type Dialect, type HelloReply, type HelloRequest, type Reply, type Request } from './protocol.js';
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
  return engineLabel({ name: '', variant: '', config: {}, options: {}, kind: 'external', command });
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
  /** request types the engine left out of `wants` (never sent) */
  private readonly unwanted: ReadonlySet<string>;
  private readonly batch: boolean;
  private nextId = 1;
  private broken = false;
  /** the first failure: every later call throws it again */
  private failure: Error | null = null;
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
    const helloMessage = failedMessage(0, hello, 0);
    try {
      this.transport = new Transport({ command, cwd: spec.cwd ?? process.cwd(), timeoutMs: this.timeoutMs, startupMs });
    } catch (err) {
      if (err instanceof TransportFailure) throw new EngineProtocolError(this.label, err.what, helloMessage);
      throw err;
    }
    try {
      this.hello = negotiate(this.label, hello, this.transport.exchange(JSON.stringify(hello), startupMs));
    } catch (err) {
      this.broken = true;
      this.close(0);
      if (err instanceof TransportFailure) throw new EngineProtocolError(this.label, err.what, helloMessage);
      throw err;
    }
    const reply = this.hello;
    this.unwanted = new Set(OPTIONAL[this.dialect].filter((t) => !wanted(reply, t)));
    this.batch = this.hello.batch === true;
  }

  /** One request at `now` → its checked reply (an unwanted optional request is not sent). */
  call(now: Micros, req: Request): Reply {
    if (this.failure !== null) throw this.failure;
    if (this.unwanted.has(req.type)) return UNWANTED;
    const id = this.nextId++;
    const line = this.roundTrip(encode(id, now, req), id, req, now);
    try {
      return checkReply(this.label, this.dialect, id, req, now, line);
    } catch (err) {
      throw this.fail(err);
    }
  }

  /** Several requests at one `now`: one `batch` line when the engine accepts batches. */
  callMany(now: Micros, reqs: readonly Request[]): Reply[] {
    if (this.failure !== null) throw this.failure;
    const sent = reqs.filter((r) => !this.unwanted.has(r.type));
    if (!this.batch || sent.length <= 1) return reqs.map((r) => this.call(now, r));
    const id = this.nextId++;
    const batch: BatchRequest = { type: 'batch', requests: sent };
    const line = this.roundTrip(JSON.stringify({ id, type: 'batch', now, requests: sent }), id, batch, now);
    let parts: readonly Reply[];
    try {
      const reply = checkReply(this.label, this.dialect, id, batch, now, line);
      parts = (reply as { readonly replies: readonly Reply[] }).replies;
    } catch (err) {
      throw this.fail(err);
    }
    if (sent.length === reqs.length) return parts as Reply[];
    let k = 0;
    return reqs.map((r) => (this.unwanted.has(r.type) ? UNWANTED : parts[k++]!));
  }

  /**
   * Send `end`, wait for `bye`, and release the process: it gets min(timeout, 2 s) to exit, then
   * its process group is killed. A broken session only kills. Throws when the engine answers
   * `end` wrongly (the run then fails, as for any other message).
   */
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
      checkReply(this.label, this.dialect, id, end, now, this.roundTrip(encode(id, now, end), id, end, now));
    } catch (err) {
      this.fail(err);
      throw err;
    } finally {
      this.transport.close(this.broken ? 0 : Math.min(this.timeoutMs, EXIT_GRACE_MS));
    }
  }

  /** The session is broken by `err` (kept for later calls): returns it, for `throw`. */
  private fail(err: unknown): unknown {
    this.broken = true;
    if (this.failure === null && err instanceof Error) this.failure = err;
    return err;
  }

  /** Exchange one line for the reply line; a transport failure names the message. */
  private roundTrip(line: string, id: number, req: Request | BatchRequest, now: Micros): string {
    try {
      return this.transport.exchange(line);
    } catch (err) {
      throw this.fail(err instanceof TransportFailure ? new EngineProtocolError(this.label, err.what, failedMessage(id, req, now)) : err);
    }
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
