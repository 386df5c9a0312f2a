/**
 * The Unikraft Cloud engine outside the simulator: instance metrics in (JSON lines with
 * wall-clock times), actions out. `decide` from src/engines/kraftcloud/engine.ts decides; this
 * module only turns lines into observations and keeps the engine state.
 *
 * Input, one JSON object per line:
 *   {"time": T, "instance": "nginx-1", "state": "running", "millicores": 700, "inflight": 3,
 *    "rps": 120, "connections": 4, "last_request": T, "created": T}      one instance's metrics
 *   {"time": T, "waiting": 3}                          requests waiting at the service for an instance
 * T is Unix time in seconds (fractional allowed) or an ISO 8601 string; times never go back.
 * Lines with the same T are one round and one decision; a round lists every instance of the
 * service (one not listed is gone). Missing fields: state running, numbers 0, last_request none,
 * created = when the adapter first saw the instance; an instance's `since` is when the adapter
 * first saw it in its current state (or the line's "since").
 * Output, one JSON object per action: {"time": T, "type": …, …} with T in Unix seconds.
 */
import type { Micros } from '../kernel/time.js';
import type { KraftcloudConfig } from '../engines/kraftcloud/config.js';
import { decide, initialState, type InstanceObservation, type InstanceState, type KraftcloudAction, type KraftcloudState } from '../engines/kraftcloud/engine.js';
import { InputError } from '../scenario/errors.js';
import { jsonObjectLine, parseTime } from './albatross.js';

/** An instance line: an observation whose creation and state-change times may be missing. */
export type InstanceLine = Omit<InstanceObservation, 'createdAt' | 'since'> & { createdAt: Micros | null; since: Micros | null };

/** One parsed input line. */
export type KraftcloudInput =
  | { kind: 'instance'; time: Micros; instance: InstanceLine }
  | { kind: 'waiting'; time: Micros; waiting: number };

/** An action as printed: the time it was decided (Unix seconds) and the engine's action. */
export type KraftcloudOutput = { time: number } & Record<string, unknown>;

const STATES: readonly InstanceState[] = ['running', 'starting', 'standby'];
const INSTANCE_KEYS = ['time', 'instance', 'state', 'millicores', 'inflight', 'rps', 'connections', 'last_request', 'created', 'since'];

/** A non-negative finite number field (default 0). */
function count(obj: Record<string, unknown>, key: string, where: string): number {
  const v = obj[key] ?? 0;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new InputError('must be a non-negative number', { file: where, key });
  return v;
}

/** An optional time field. */
function optionalTime(obj: Record<string, unknown>, key: string, where: string): Micros | null {
  if (obj[key] === undefined || obj[key] === null) return null;
  const t = parseTime(obj[key]);
  if (t === null) throw new InputError('must be Unix seconds or an ISO 8601 string', { file: where, key });
  return t;
}

/**
 * Parse one input line; `where` names it in errors (e.g. `stdin:12`).
 *
 * @example parseKraftcloudLine('{"time":10,"instance":"a","millicores":700}', 'stdin:1').kind // 'instance'
 */
export function parseKraftcloudLine(line: string, where: string): KraftcloudInput {
  const obj = jsonObjectLine(line, where);
  const time = parseTime(obj['time']);
  if (time === null) throw new InputError('needs "time": Unix seconds or an ISO 8601 string', { file: where, key: 'time' });
  if (typeof obj['instance'] === 'string' && obj['instance'] !== '') {
    for (const k of Object.keys(obj)) if (!INSTANCE_KEYS.includes(k)) throw new InputError(`unknown field (known: ${INSTANCE_KEYS.join(', ')})`, { file: where, key: k });
    const state = obj['state'] ?? 'running';
    if (typeof state !== 'string' || !STATES.includes(state as InstanceState)) throw new InputError(`must be one of ${STATES.join(', ')}`, { file: where, key: 'state' });
    return {
      kind: 'instance',
      time,
      instance: {
        id: obj['instance'],
        state: state as InstanceState,
        millicores: count(obj, 'millicores', where),
        inflight: count(obj, 'inflight', where),
        rps: count(obj, 'rps', where),
        connections: count(obj, 'connections', where),
        lastRequestAt: optionalTime(obj, 'last_request', where),
        createdAt: optionalTime(obj, 'created', where),
        since: optionalTime(obj, 'since', where),
      },
    };
  }
  if (obj['waiting'] !== undefined) return { kind: 'waiting', time, waiting: count(obj, 'waiting', where) };
  throw new InputError('expected an instance line ("instance": name) or a "waiting" count', { file: where });
}

/** Times in output: Unix seconds. */
function seconds(us: Micros): number {
  return us / 1e6;
}

/** The engine's action as printed. */
function printable(time: Micros, a: KraftcloudAction): KraftcloudOutput {
  return a.type === 'notify' ? { time: seconds(time), ...a, standbyAt: seconds(a.standbyAt) } : { time: seconds(time), ...a };
}

/**
 * The adapter's loop as a fold: feed inputs in order, get the actions. Holds the engine state
 * and what it remembers of each instance (creation and state-change times).
 */
export class KraftcloudAdapter {
  private state: KraftcloudState = initialState();
  private round: { time: Micros; instances: Map<string, InstanceObservation>; waiting: number } | null = null;
  private lastTime: Micros | null = null;
  private readonly seen = new Map<string, { createdAt: Micros; state: InstanceState; since: Micros }>();

  constructor(private readonly config: KraftcloudConfig) {}

  /** Feed one input; `where` names its line if its time goes back. Returns the actions decided. */
  feed(input: KraftcloudInput, where = ''): KraftcloudOutput[] {
    if (this.lastTime !== null && input.time < this.lastTime) throw new InputError('time goes back', { file: where || undefined, key: 'time' });
    this.lastTime = input.time;
    const out = this.round && this.round.time !== input.time ? this.flush() : [];
    this.round ??= { time: input.time, instances: new Map(), waiting: 0 };
    if (input.kind === 'waiting') this.round.waiting = input.waiting;
    else this.round.instances.set(input.instance.id, this.observe(input.instance, input.time));
    return out;
  }

  /** End of input: decide on the round still pending. */
  finish(): KraftcloudOutput[] {
    return this.flush();
  }

  /** Fill in creation and state-change times the line left out. */
  private observe(i: InstanceLine, time: Micros): InstanceObservation {
    const known = this.seen.get(i.id);
    const createdAt = i.createdAt ?? known?.createdAt ?? time;
    const since = i.since ?? (known !== undefined && known.state === i.state ? known.since : time);
    this.seen.set(i.id, { createdAt, state: i.state, since });
    return { ...i, createdAt, since };
  }

  /** Hand the pending round to the engine. */
  private flush(): KraftcloudOutput[] {
    const round = this.round;
    this.round = null;
    if (!round) return [];
    for (const id of [...this.seen.keys()]) if (!round.instances.has(id)) this.seen.delete(id);
    const d = decide(this.config, this.state, { instances: [...round.instances.values()], waiting: round.waiting }, round.time);
    this.state = d.state;
    return d.actions.map((a) => printable(round.time, a));
  }
}
