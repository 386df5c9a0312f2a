/**
 * A session decorator that logs every exchange: `scalelab run --protocol-log FILE` and the
 * bridge's replay test record a run's requests and replies with it.
 */
import type { Micros } from '../kernel/time.js';
import type { Reply, Request } from '../engines/external/protocol.js';
import type { EngineSession } from '../engines/external/session.js';

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
