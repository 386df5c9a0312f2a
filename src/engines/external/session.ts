/**
 * A session with a decision engine that speaks the protocol (protocol.ts): the one abstraction
 * behind module engines, external processes, the loopback (the built-in cores behind the
 * protocol) and the production bridge. The world talks to a session; it never knows which kind
 * of engine answers.
 */
import type { Micros } from '../../kernel/time.js';
import type { HelloReply, Reply, Request } from './protocol.js';

export interface EngineSession {
  /** The engine's hello, negotiated when the session was opened (a mismatch throws then). */
  readonly hello: HelloReply;
  /**
   * One request at `now` → its reply, already checked against the request's dialect.
   * Synchronous. Throws `EngineProtocolError` naming the request when the engine misbehaves.
   */
  call(now: Micros, req: Request): Reply;
  /**
   * Several independent requests at one `now`: one `batch` when the engine's hello said
   * `batch: true`, otherwise one by one. The replies come back in the requests' order.
   */
  callMany(now: Micros, reqs: readonly Request[]): Reply[];
  /** Send `end`, wait for `bye`, release the engine (always called, also after an error). */
  close(now: Micros): void;
}
