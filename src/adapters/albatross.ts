/**
 * The Albatross engine outside the simulator: real observations in (JSON lines with wall-clock
 * times), actions out. The same pure functions the simulator calls — `onStats`, `onSync`,
 * `onSpawnResult`, `onDestroyResult` — decide here; this module only turns lines into calls and
 * keeps the states.
 *
 * Input, one JSON object per line:
 *   {"time": T, "name": "alice:web", "utime": [sec, usec], "stime": [sec, usec]}   a stats record
 *   {"time": T, "running": ["alice:web", "alice:web-clone-1"]}                     running unikernels
 *   {"time": T, "spawned": "alice:web-clone-2"}                                     albatross created a clone
 *   {"time": T, "spawn_failed": "alice:web-clone-2", "refused": false}             a clone spawn failed
 *   {"time": T, "destroyed": "alice:web-clone-2"}                                   albatross confirmed a destroy
 * T is Unix time in seconds (fractional allowed) or an ISO 8601 string.
 *
 * Rounds: albatross-stats pushes one record per unikernel every stats interval, with a few
 * milliseconds between unikernels. A round opens with the first record after the last round
 * and holds every record received within half a stats interval of it (`roundWindow`); it is
 * complete when that window has passed — when a line with a later time arrives, at the end of
 * input, or (live input, `closeRound`) when the wall clock passes it — and is then decided at
 * the time of its latest record. Each record is paired with the same unikernel's previous one
 * (the engine keeps no counters), and the sample keeps its own elapsed time. A sync pass runs
 * every `death_timeout` of input time on the latest running list. Output, one JSON object per
 * action: {"time": T, "type": …, "group": …, …}.
 */
import type { AlbatrossAction, AlbatrossConfig, AlbatrossOptions, Decision, GroupContext, GroupState, StatsRecord, StatsSample } from '../engines/albatross/engine.js';
import { cpuMicros } from '../engines/albatross/cpu.js';
import { cloneIdOf, initialGroup, onDestroyResult, onSpawnResult, onStats, onSync } from '../engines/albatross/engine.js';
import type { Micros } from '../kernel/time.js';
import { InputError } from '../scenario/errors.js';

export interface AdapterSettings {
  /** The stats interval of albatross-stats (`--interval`), µs: rounds are grouped by it. */
  interval: Micros;
  config: AlbatrossConfig;
  options: AlbatrossOptions;
  /** Scaling groups by primary name, with their policy. */
  groups: ReadonlyMap<string, { vcpus: number; maxInstances: number | null; minInstances: number }>;
}

/** One parsed input line. */
export type AdapterInput =
  | { kind: 'stats'; time: Micros; record: StatsRecord }
  | { kind: 'running'; time: Micros; names: string[] }
  | { kind: 'spawned'; time: Micros; name: string }
  | { kind: 'spawn_failed'; time: Micros; name: string; refused: boolean }
  | { kind: 'destroyed'; time: Micros; name: string };

/** An action as printed: the engine's action with the time it was decided. */
export type AdapterOutput = { time: number } & AlbatrossAction;

/**
 * Read a time: Unix seconds or ISO 8601 → integer µs since the epoch.
 *
 * @example parseTime(1780000000.5) // 1_780_000_000_500_000
 */
export function parseTime(value: unknown): Micros | null {
  if (typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= MAX_INPUT_TIME_S) return Math.round(value * 1e6);
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    if (!Number.isNaN(ms) && Math.abs(ms) <= MAX_INPUT_TIME_S * 1000) return ms * 1000;
  }
  return null;
}

/**
 * One input line as a JSON object; anything else (bad JSON, an array, a number, null) is refused
 * naming the line. Every `decide` adapter reads its lines through this.
 *
 * @example jsonObjectLine('{"time":10}', 'stdin:1') // { time: 10 }
 */
export function jsonObjectLine(line: string, where: string): Record<string, unknown> {
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch {
    throw new InputError('not a JSON object', { file: where });
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new InputError('not a JSON object', { file: where });
  return obj as Record<string, unknown>;
}

/** Latest time an input may carry: year 5138 (1e11 s). A millisecond timestamp is past it. */
export const MAX_INPUT_TIME_S = 1e11;
/** Largest step forward between two inputs: 7 days of input time (a sync pass runs every death_timeout of it). */
export const MAX_TIME_JUMP: Micros = 7 * 86_400_000_000;

/**
 * Refuse a step forward in input time beyond `MAX_TIME_JUMP`: the adapter would run a sync pass
 * for every death_timeout in between (a timestamp in ms instead of s spins for minutes).
 *
 * @example checkTimeJump(0, 8 * 86_400_000_000, 'stdin:2') // throws: stdin:2: time: jumps 8d forward …
 */
export function checkTimeJump(previous: Micros | null, time: Micros, where: string): void {
  if (previous === null || time - previous <= MAX_TIME_JUMP) return;
  throw new InputError(`jumps ${Math.round((time - previous) / 86_400_000_000)} days forward from the line before (the limit is 7 days); a timestamp in milliseconds instead of seconds?`, { file: where, key: 'time' });
}

/** A (sec, usec) pair as albatross prints it. */
function timePair(value: unknown): [number, number] | null {
  if (!Array.isArray(value) || value.length !== 2) return null;
  const [sec, usec] = value;
  if (!Number.isInteger(sec) || !Number.isInteger(usec) || sec < 0 || usec < 0 || usec >= 1_000_000) return null;
  return [sec, usec];
}

/**
 * Parse one input line; `where` names it in errors (e.g. `stdin:12`).
 *
 * @example parseLine('{"time":10,"name":"web","utime":[9,500000],"stime":[0,0]}', 'stdin:1').kind // 'stats'
 */
export function parseLine(line: string, where: string): AdapterInput {
  const obj = jsonObjectLine(line, where);
  const time = parseTime(obj['time']);
  if (time === null) throw new InputError(`needs "time": Unix seconds (at most ${MAX_INPUT_TIME_S}) or an ISO 8601 string`, { file: where, key: 'time' });
  if (typeof obj['name'] === 'string') {
    const utime = timePair(obj['utime']);
    const stime = timePair(obj['stime'] ?? [0, 0]);
    if (!utime) throw new InputError('needs "utime": [seconds, microseconds]', { file: where, key: 'utime' });
    if (!stime) throw new InputError('"stime" must be [seconds, microseconds]', { file: where, key: 'stime' });
    return { kind: 'stats', time, record: { name: obj['name'], utimeSec: utime[0], utimeUsec: utime[1], stimeSec: stime[0], stimeUsec: stime[1] } };
  }
  if (Array.isArray(obj['running'])) {
    if (!obj['running'].every((n) => typeof n === 'string')) throw new InputError('"running" must be a list of names', { file: where, key: 'running' });
    return { kind: 'running', time, names: obj['running'] as string[] };
  }
  if (typeof obj['spawned'] === 'string') return { kind: 'spawned', time, name: obj['spawned'] };
  if (typeof obj['destroyed'] === 'string') return { kind: 'destroyed', time, name: obj['destroyed'] };
  if (typeof obj['spawn_failed'] === 'string') {
    const refused = obj['refused'] ?? false;
    if (typeof refused !== 'boolean') throw new InputError('"refused" must be true or false', { file: where, key: 'refused' });
    return { kind: 'spawn_failed', time, name: obj['spawn_failed'], refused };
  }
  throw new InputError('expected a stats record ("name", "utime"), a "running" list, "spawned", "spawn_failed" or "destroyed"', { file: where });
}

/** The group a unikernel belongs to: itself if it is a primary, its stem if it is a clone. */
function groupOf(groups: ReadonlyMap<string, unknown>, name: string): string | undefined {
  if (groups.has(name)) return name;
  const at = name.lastIndexOf('-clone-');
  if (at <= 0) return undefined;
  const stem = name.slice(0, at);
  return groups.has(stem) && cloneIdOf(stem, name) !== null ? stem : undefined;
}

/**
 * How long a round stays open after its first record: half a stats interval, so records a few
 * milliseconds apart fall in one round and the next round's records (an interval later) do not.
 *
 * @example roundWindow(10_000_000) // 5_000_000
 */
export function roundWindow(interval: Micros): Micros {
  return Math.floor(interval / 2);
}

/** A round being collected: when it opened and closes, its latest record, its records by group. */
interface PendingRound {
  closesAt: Micros;
  latest: Micros;
  byGroup: Map<string, { time: Micros; record: StatsRecord }[]>;
}

/**
 * The adapter's loop as a fold: feed inputs in order, get the actions. Holds one engine state
 * per group; everything it decides comes from the engine functions.
 */
export class AlbatrossAdapter {
  private readonly states = new Map<string, GroupState>();
  private readonly contexts = new Map<string, GroupContext>();
  private pending: PendingRound | null = null;
  /** The sensor's memory: each unikernel's last record and its time (the engine keeps none). */
  private readonly previous = new Map<string, { time: Micros; record: StatsRecord }>();
  private running: ReadonlySet<string> | null = null;
  private nextSync: Micros | null = null;

  constructor(private readonly settings: AdapterSettings) {
    for (const [name, policy] of settings.groups) {
      this.states.set(name, initialGroup(name));
      this.contexts.set(name, { config: settings.config, options: settings.options, policy });
    }
  }

  /** Feed one input; returns the actions decided (possibly none), a completed round's first. */
  feed(input: AdapterInput): AdapterOutput[] {
    const out = this.closeRound(input.time);
    out.push(...this.syncUpTo(input.time));
    switch (input.kind) {
      case 'stats': {
        const group = groupOf(this.settings.groups, input.record.name);
        if (group === undefined) break;
        this.pending ??= { closesAt: input.time + roundWindow(this.settings.interval), latest: input.time, byGroup: new Map() };
        this.pending.latest = Math.max(this.pending.latest, input.time);
        const list = this.pending.byGroup.get(group) ?? [];
        list.push({ time: input.time, record: input.record });
        this.pending.byGroup.set(group, list);
        break;
      }
      case 'running':
        this.running = new Set(input.names);
        break;
      case 'spawned':
      case 'spawn_failed':
      case 'destroyed': {
        const group = groupOf(this.settings.groups, input.name);
        if (group === undefined) break;
        const ctx = this.contexts.get(group)!;
        const state = this.states.get(group)!;
        const d =
          input.kind === 'destroyed'
            ? onDestroyResult(ctx, state, input.name, input.time)
            : onSpawnResult(ctx, state, input.name, input.kind === 'spawned' ? 'created' : input.refused ? 'refused' : 'failed', input.time);
        out.push(...this.apply(group, d, input.time));
        break;
      }
    }
    return out;
  }

  /** When the round being collected is complete (µs, input time), or null when none is open. */
  roundClosesAt(): Micros | null {
    return this.pending?.closesAt ?? null;
  }

  /** Decide the open round if its window has passed at `now` (input time); the live CLI calls this on a timer. */
  closeRound(now: Micros): AdapterOutput[] {
    return this.pending !== null && now >= this.pending.closesAt ? this.flush() : [];
  }

  /** End of input: decide on the round still pending. */
  finish(): AdapterOutput[] {
    return this.flush();
  }

  /**
   * Hand the pending round to the engine, one call per group, groups in name order, at the time
   * of the round's latest record. With silence_is_death a group without any record in the round
   * still gets its (empty) round, so its silence counts.
   */
  private flush(): AdapterOutput[] {
    const pending = this.pending;
    this.pending = null;
    if (!pending) return [];
    const now = pending.latest;
    const out: AdapterOutput[] = [];
    for (const group of [...this.states.keys()].sort()) {
      const received = pending.byGroup.get(group);
      if (received === undefined && !this.settings.options.silence_is_death) continue;
      const samples = this.samplesOf(received ?? [], now);
      out.push(...this.apply(group, onStats(this.contexts.get(group)!, this.states.get(group)!, samples, samples.length, now), now));
    }
    return out;
  }

  /**
   * Pair each record (sorted by name) with the same unikernel's previous one. Two records of one
   * name in a round: the later wins. A counter lower than before means a new unikernel under an
   * old name, so it has no previous record. The engine measures every sample up to the round's
   * `now`, so a sample's previous time is shifted by the record's own lag behind `now`: the
   * interval it covers stays the one between its two receipts.
   */
  private samplesOf(received: readonly { time: Micros; record: StatsRecord }[], now: Micros): StatsSample[] {
    const sorted = [...received].sort((a, b) => (a.record.name < b.record.name ? -1 : a.record.name > b.record.name ? 1 : 0));
    const samples: StatsSample[] = [];
    const cpu = (r: StatsRecord) => cpuMicros(r.utimeSec, r.utimeUsec, r.stimeSec, r.stimeUsec);
    for (const { time, record } of sorted) {
      const last = samples[samples.length - 1];
      if (last !== undefined && last.name === record.name) samples.pop();
      const before = this.previous.get(record.name);
      const usable = before !== undefined && cpu(before.record) <= cpu(record);
      samples.push({
        ...record,
        previousAt: usable ? now - (time - before.time) : -1,
        previousUtimeSec: usable ? before.record.utimeSec : 0,
        previousUtimeUsec: usable ? before.record.utimeUsec : 0,
        previousStimeSec: usable ? before.record.stimeSec : 0,
        previousStimeUsec: usable ? before.record.stimeUsec : 0,
      });
    }
    for (const { time, record } of sorted) this.previous.set(record.name, { time, record });
    return samples;
  }
  /** Run the sync passes due before `now` (every death_timeout, from the first input on). */
  private syncUpTo(now: Micros): AdapterOutput[] {
    const period = this.settings.config.death_timeout;
    if (this.nextSync === null) {
      this.nextSync = now + period;
      return [];
    }
    const out: AdapterOutput[] = [];
    while (this.nextSync <= now) {
      const at = this.nextSync;
      if (this.running !== null) {
        const running = this.running;
        for (const group of [...this.states.keys()].sort()) out.push(...this.apply(group, onSync(this.contexts.get(group)!, this.states.get(group)!, (n) => running.has(n), at), at));
      }
      this.nextSync += period;
    }
    return out;
  }

  private apply(group: string, d: Decision, time: Micros): AdapterOutput[] {
    this.states.set(group, d.state);
    return d.actions.map((a) => ({ time: time / 1e6, ...a }));
  }
}
