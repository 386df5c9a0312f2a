/**
 * External engines (`engine: { kind: external, command: [...] }`): a child process speaking the
 * protocol as JSON lines, exchanged synchronously through the transport.
 */
import type { EngineSpec } from '../../scenario/types.js';
import type { HelloRequest } from './protocol.js';
import type { EngineSession } from './session.js';

/** Start `spec.command`, negotiate with `hello`, and return the session. (Stub.) */
export function openExternal(spec: EngineSpec, hello: HelloRequest): EngineSession {
  void hello;
  throw new Error(`external engine \`${(spec.command ?? []).join(' ')}\`: external sessions are not built yet`);
}
