/**
 * The loopback engine as a module file: `engine: { kind: module, path: <scalelab>/dist/engines/external/loopback-module.js }`
 * runs the built-in cores through the module session (and, with `SCALELAB_MODULE_CODEC=1`,
 * through the JSON codec), which is how the differential tests show that the protocol carries
 * everything each core reads. `openLoopback` is the same engine as a session, for the production
 * bridge (`scalelab decide`).
 */
import { loopbackEngine } from './loopback/index.js';
import { openModuleEngine } from './module.js';
import type { HelloRequest } from './protocol.js';
import type { EngineSession } from './session.js';

export default loopbackEngine;
export { loopbackEngine as engine };

/**
 * A session with the built-in core of `hello.engine`, behind the protocol.
 *
 * @example openLoopback(helloFor(scenario, 'hpa', population)).call(0, { type: 'init', group: 'web', instances })
 */
export function openLoopback(hello: HelloRequest, codec?: boolean): EngineSession {
  return openModuleEngine(`built-in engine ${hello.engine}`, loopbackEngine, hello, codec);
}
