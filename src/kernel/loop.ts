/**
 * The kernel's event loop: pop events in (time, priority, insertion) order and hand each to
 * the world's dispatcher, until the queue is empty or the next event is at or after `end`.
 */
import type { EventQueue } from './heap.js';
import type { Micros } from './time.js';

/** Handles one event: its time, kind and integer argument. */
export type Dispatch = (t: Micros, kind: number, arg: number) => void;

/**
 * Run events before `end`; returns how many were dispatched. Events the dispatcher schedules
 * are run in the same loop.
 *
 * @example const q = new EventQueue(); q.push(5, 1); runUntil(q, 10, (t, kind) => log(t, kind)); // 1
 */
export function runUntil(queue: EventQueue, end: Micros, dispatch: Dispatch): number {
  let dispatched = 0;
  while (queue.size > 0) {
    const t = queue.peekTime();
    if (t >= end) break;
    const kind = queue.peekKind();
    const arg = queue.peekArg();
    queue.pop();
    dispatched++;
    dispatch(t, kind, arg);
  }
  return dispatched;
}
