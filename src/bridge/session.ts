/**
 * Sessions the bridge uses: an in-process session over a `ModuleEngine` (the loopback — the
 * built-in cores behind the protocol — or a user's module), and a decorator that logs every
 * exchange (`scalelab run --protocol-log`, the replay test's recording).
 */
import type { Micros } from '../kernel/time.js';
import type { ModuleEngine, ModuleHandler } from '../engines/external/api.js';
import { EngineProtocolError, type FailedMessage } from '../engines/external/errors.js';
import { latestSharedVersion, PROTOCOL, SHAPE, type HelloReply, type HelloRequest, type Reply, type Request } from '../engines/external/protocol.js';
import type { EngineSession } from '../engines/external/session.js';
import { validateReply } from '../engines/external/validate.js';

/**
 * The request a failure belongs to, as error messages name it.
 *
 * @example failedMessage(7, 5_000_000, { type: 'tick', vm: 'vm-1' }) // { id: 7, type: 'tick', subject: 'vm-1', now: 5_000_000 }
 */
export function failedMessage(id: number, now: Micros, req: Request): FailedMessage {
  const r = req as { group?: string; vm?: string };
  const subject = r.group ?? r.vm;
  return { id, type: req.type, ...(subject !== undefined ? { subject } : {}), now };
}

/**
 * A session with an engine that runs in process: requests are numbered as on the wire, each
 * reply is checked against its request (`validateReply`), and a throw inside the engine becomes
 * `engine error: <message>` naming the request.
 *
 * @example inProcessSession(loopbackEngine, hello, 'built-in engine hpa').call(now, { type: 'init', group: 'web', instances: [] })
 */
export function inProcessSession(engine: ModuleEngine, hello: HelloRequest, label: string): EngineSession {
  const theirs = engine.protocol ?? { min: 1, max: 1 };
  const version = latestSharedVersion(PROTOCOL, theirs);
  const at0: FailedMessage = { id: 0, type: 'hello', now: 0 };
  if (version === null) throw new EngineProtocolError(label, `no common protocol version: scalelab speaks ${PROTOCOL.min}–${PROTOCOL.max}, the engine ${theirs.min}–${theirs.max}`, at0);
  let handler: ModuleHandler;
  try {
    handler = engine.open(hello);
  } catch (err) {
    throw new EngineProtocolError(label, `engine error: ${(err as Error).message}`, at0);
  }
  if (handler.engine !== hello.engine) throw new EngineProtocolError(label, `speaks ${handler.engine} (${SHAPE[handler.engine] ?? '?'}), the scenario's engine is ${hello.engine}`, at0);
  const helloReply: HelloReply = { id: 0, type: 'hello', version, engine: handler.engine, shape: SHAPE[handler.engine], ...(handler.name !== undefined ? { name: handler.name } : {}), batch: false, ...(handler.wants !== undefined ? { wants: handler.wants } : {}) };
  let id = 0;
  const call = (now: Micros, req: Request): Reply => {
    id++;
    const msg = failedMessage(id, now, req);
    let raw: unknown;
    try {
      raw = handler.handle({ ...req, id, now } as never);
    } catch (err) {
      throw new EngineProtocolError(label, `engine error: ${(err as Error).message}`, msg);
    }
    if (raw !== null && typeof raw === 'object' && (raw as { type?: unknown }).type === 'error') throw new EngineProtocolError(label, `engine error: ${String((raw as { message?: unknown }).message)}`, msg);
    try {
      return validateReply(hello.engine, req, now, raw);
    } catch (err) {
      throw new EngineProtocolError(label, (err as Error).message, msg);
    }
  };
  return {
    hello: helloReply,
    call,
    callMany: (now, reqs) => reqs.map((r) => call(now, r)),
    close(now) {
      try {
        call(now, { type: 'end' });
      } finally {
        handler.close?.();
      }
    },
  };
}

/**
 * One exchange as the protocol log writes it: the request with its `now`, and the reply.
 * A batch is logged part by part, each part with its own reply.
 */
export interface LoggedExchange {
  readonly now: Micros;
  readonly request: Request;
  readonly reply: Reply;
}

/**
 * `session`, with every exchange written to `log` as one JSON line
 * (`{"now":…,"request":{…},"reply":{…}}`). The bytes the engine sees do not change.
 *
 * @example loggingSession(session, (line) => lines.push(line)).call(0, req) // also pushes one line
 */
export function loggingSession(session: EngineSession, log: (line: string) => void): EngineSession {
  const write = (now: Micros, request: Request, reply: Reply) => log(JSON.stringify({ now, request, reply }));
  return {
    get hello() {
      return session.hello;
    },
    call(now, req) {
      const reply = session.call(now, req);
      write(now, req, reply);
      return reply;
    },
    callMany(now, reqs) {
      const replies = session.callMany(now, reqs);
      replies.forEach((reply, i) => write(now, reqs[i]!, reply));
      return replies;
    },
    close(now) {
      session.close(now);
    },
  };
}
