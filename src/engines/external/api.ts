/**
 * The shape of an engine that runs in process: a module named by `engine: { kind: module, path }`
 * in a scenario, or the loopback (the built-in cores behind the protocol). Both answer the same
 * requests as an external process would; the session (session.ts) checks their replies the same
 * way.
 */
import type { Micros } from '../../kernel/time.js';
import type { Dialect, HelloRequest, Reply, Request } from './protocol.js';

/** A request as an engine receives it: the body plus the session's `id` and the simulated `now`. */
export type Sent = Request & { readonly id: number; readonly now: Micros };

/** What a module exports (as its default export, or as a named export `engine`). */
export interface ModuleEngine {
  /** Protocol versions it speaks (absent: { min: 1, max: 1 }). */
  readonly protocol?: { readonly min: number; readonly max: number };
  /** Called once per run with the hello request; returns the run's handler. */
  open(hello: HelloRequest): ModuleHandler;
}

/** One run's engine in process. */
export interface ModuleHandler {
  /** The dialect it speaks: must equal `hello.engine`. */
  readonly engine: Dialect;
  /** Optional request types it wants (absent: all). */
  readonly wants?: readonly string[];
  /** A name for messages and reports. */
  readonly name?: string;
  /** Answer one request. Synchronous; a throw becomes "engine error: <message>". */
  handle(req: Sent): Reply;
  /** The run is over. */
  close?(): void;
}
