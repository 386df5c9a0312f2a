/**
 * Module engines (`engine: { kind: module, path: ./my-policy.js }`): loaded once per thread
 * before the run (`prepareEngine`, async), then called synchronously through a session.
 */
import type { EngineSpec, Scenario } from '../../scenario/types.js';
import type { HelloRequest } from './protocol.js';
import type { EngineSession } from './session.js';

/**
 * Load the scenario's module engine, if it has one (a no-op otherwise). Await it before
 * `simulateScenario`. (Stub.)
 */
export async function prepareEngine(scenario: Scenario): Promise<void> {
  void scenario;
}

/** A session with the module engine named by `spec.path` (loaded by `prepareEngine`). (Stub.) */
export function openModule(spec: EngineSpec, hello: HelloRequest): EngineSession {
  void hello;
  throw new Error(`module engine ${spec.path ?? '?'}: module sessions are not built yet`);
}
