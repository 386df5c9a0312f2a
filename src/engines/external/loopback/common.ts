/**
 * What the loopback handlers share: the empty step and `bye`, the per-group lookup of a
 * horizontal hello, and the request narrowing of each dialect.
 */
import type { HelloGroup, HelloRequest, Reply, StepReply } from '../protocol.js';

/** The step that does nothing and keeps every wake-up (frozen: shared by every quiet reply). */
export const EMPTY_STEP: StepReply = Object.freeze({ type: 'step', actions: Object.freeze([]) }) as StepReply;

/** The reply to `end`. */
export const BYE: Reply = Object.freeze({ type: 'bye' }) as Reply;

/**
 * The groups of a horizontal hello by name, with their position.
 *
 * @example groupsOf(hello).get('web') // { index: 0, group: { name: 'web', vcpus: 1, … } }
 */
export function groupsOf(hello: HelloRequest): Map<string, { readonly index: number; readonly group: HelloGroup }> {
  const out = new Map<string, { index: number; group: HelloGroup }>();
  (hello.groups ?? []).forEach((group, index) => out.set(group.name, { index, group }));
  return out;
}

/** A request that names a group this run's hello did not list: the engine's error. */
export function unknownGroup(name: unknown): Error {
  return new Error(`unknown group ${JSON.stringify(name)} (not in hello.groups)`);
}

/** A request type the dialect does not know: the engine's error, as the protocol asks. */
export function unknownRequest(dialect: string, type: unknown): Error {
  return new Error(`the ${dialect} engine does not answer ${JSON.stringify(type)} requests`);
}

/** JSON's spelling of a number that may be NaN: null (so the in-process and the wire report agree). */
export function num(x: number | null): number | null {
  return x === null || Number.isNaN(x) ? null : x;
}
