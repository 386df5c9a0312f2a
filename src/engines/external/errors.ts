/**
 * How a misbehaving engine is reported: one line naming the engine and the message that caused
 * the failure. It is an `InputError`, so the CLI prints it and exits 2, and a run writes nothing.
 */
import { InputError } from '../../scenario/errors.js';
import type { Micros } from '../../kernel/time.js';

/** The request a failure belongs to, for its message. */
export interface FailedMessage {
  readonly id: number;
  readonly type: string;
  /** the group, VM or member the request is about, when it has one */
  readonly subject?: string;
  readonly now: Micros;
  /** inside a batch: part k (1-based) of n, and that part's own type and subject */
  readonly part?: { readonly k: number; readonly n: number; readonly type: string; readonly subject?: string };
}

/**
 * A protocol failure: `<engine>: <what> on message <id> (<type> <subject> at <s> s)`.
 *
 * @example new EngineProtocolError('external engine `python3 a.py`', 'no reply within 2 s', { id: 42, type: 'observe', subject: 'web', now: 20_000_000 }).message
 * // 'external engine `python3 a.py`: no reply within 2 s on message 42 (observe web at 20 s)'
 */
export class EngineProtocolError extends InputError {
  constructor(engine: string, what: string, message?: FailedMessage) {
    super(`${engine}: ${what}${message === undefined ? '' : ` on message ${describeMessage(message)}`}`);
    this.name = 'EngineProtocolError';
  }
}

/**
 * A request as error messages name it.
 *
 * @example describeMessage({ id: 50, type: 'batch', now: 10_000_000, part: { k: 13, n: 1000, type: 'observe', subject: 'group-13' } })
 * // '50 (batch, part 13 of 1000: observe group-13 at 10 s)'
 */
export function describeMessage(m: FailedMessage): string {
  const at = `at ${m.now / 1e6} s`;
  if (m.part !== undefined) {
    const p = m.part;
    return `${m.id} (${m.type}, part ${p.k} of ${p.n}: ${p.type}${p.subject !== undefined ? ` ${p.subject}` : ''} ${at})`;
  }
  return `${m.id} (${m.type}${m.subject !== undefined ? ` ${m.subject}` : ''} ${at})`;
}
