/**
 * The built-in hpa core behind the protocol (docs/PROTOCOL.md): a module handler that answers
 * each request as the built-in plug-in would have called the core.
 */
import type { ModuleHandler } from '../api.js';
import type { HelloRequest } from '../protocol.js';

/** The loopback handler for one run of the hpa dialect. */
export function openHpaLoopback(hello: HelloRequest): ModuleHandler {
  throw new Error(`the hpa loopback is not built yet (${hello.engine})`);
}
