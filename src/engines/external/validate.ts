/**
 * Checks a reply against the request it answers and the request's dialect: the reply's type,
 * every action's type and fields, `wakeAt`'s bounds, the required report fields. Hand-written
 * rather than a JSON schema because it runs once per message on the hot path of an external run.
 */
import type { Micros } from '../../kernel/time.js';
import type { Dialect, Reply, Request } from './protocol.js';

/**
 * The reply, typed, when it is a valid answer to `req` at `now` in `dialect`; otherwise throws
 * an `Error` whose message says what is wrong (the session adds the engine and the message id).
 *
 * (Stub: passes every object through; the real checks come with the protocol work.)
 */
export function validateReply(dialect: Dialect, req: Request, now: Micros, reply: unknown): Reply {
  void dialect;
  void req;
  void now;
  if (reply === null || typeof reply !== 'object') throw new Error('reply is not a JSON object');
  return reply as Reply;
}
