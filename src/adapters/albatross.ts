/**
 * The Albatross engine outside the simulator: real observations in (JSON lines with wall-clock
 * times), actions out. The same pure functions the simulator calls — `onStats`, `onSync`,
 * `onSpawnResult` — decide here; this module only turns lines into calls and keeps the states.
 *
 * Input, one JSON object per line:
 *   {"time": T, "name": "alice:web", "utime": [sec, usec], "stime": [sec, usec]}   a stats record
 *   {"time": T, "running": ["alice:web", "alice:web-clone-1"]}                     running unikernels
 *   {"time": T, "spawn_failed": "alice:web-clone-2"}                               a failed clone spawn
 * T is Unix time in seconds (fractional allowed) or an ISO 8601 string. Records that arrive at
 * the same T are one round; the adapter pairs each with the same unikernel's previous record
 * (the engine keeps no counters). A sync pass runs every `death_timeout` of input time, on the latest
 * running list. Output, one JSON object per action: {"time": T, "type": …, "group": …, …}.
 */
import type { AlbatrossAction, AlbatrossConfig, AlbatrossOptions, Decision, GroupContext, GroupState, StatsRecord, StatsSample } from '../engines/albatross/engine.js';
import { cpuMicros } from '../engines/albatross/cpu.js';
import { cloneIdOf, initialGroup, onSpawnResult, onStats, onSync } from '../engines/albatross/engine.js';
import type { Micros } from '../kernel/time.js';
import { InputError } from '../scenario/errors.js';

export interface AdapterSettings {
  config: AlbatrossConfig;
  options: AlbatrossOptions;
  /** Scaling groups by primary name, with their policy. */
  groups: ReadonlyMap<string, { vcpus: number; maxInstances: number | null; minInstances: number }>;
}

/** One parsed input line. */
export type AdapterInput =
  | { kind: 'stats'; time: Micros; record: StatsRecord }
  | { kind: 'running'; time: Micros; names: string[] }
  | { kind: 'spawn_failed'; time: Micros; name: string };

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
  let obj: Record<string, unknown>;
  try {
    obj = JSON.parse(line) as Record<string, unknown>;
  } catch {
    throw new InputError('not a JSON object', { file: where });
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new InputError('not a JSON object', { file: where });
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
  if (typeof obj['spawn_failed'] === 'string') return { kind: 'spawn_failed', time, name: obj['spawn_failed'] };
  throw new InputError('expected a stats record ("name", "utime"), a "running" list or "spawn_failed"', { file: where });
}

/** The group a unikernel belongs to: itself if it is a primary, its stem if it is a clone. */
function groupOf(groups: ReadonlyMap<string, unknown>, name: string): string | undefined {
  if (groups.has(name)) return name;
  const at = name.lastIndexOf('-clone-');
  if (at <= 0) return undefined;
  const stem = name.slice(0, at);
  return groups.has(stem) && cloneIdOf(stem, name) > 0 ? stem : undefined;
}

/**
 * The adapter's loop as a fold: feed inputs in order, get the actions. Holds one engine state
 * per group; everything it decides comes from the engine functions.
 */
export class AlbatrossAdapter {
  private readonly states = new Map<string, GroupState>();
  private readonly contexts = new Map<string, GroupContext>();
  private pending: { time: Micros; byGroup: Map<string, StatsRecord[]> } | null = null;
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

  /** Feed one input; returns the actions decided (possibly none). */
  feed(input: AdapterInput): AdapterOutput[] {
    const out: AdapterOutput[] = [];
    if (this.pending && input.time !== this.pending.time) out.push(...this.flush());
    out.push(...this.syncUpTo(input.time));
    switch (input.kind) {
      case 'stats': {
        const group = groupOf(this.settings.groups, input.record.name);
        if (group === undefined) break;
        this.pending ??= { time: input.time, byGroup: new Map() };
        const list = this.pending.byGroup.get(group) ?? [];
        list.push(input.record);
        this.pending.byGroup.set(group, list);
        break;
      }
      case 'running':
        this.running = new Set(input.names);
        break;
      case 'spawn_failed': {
        const group = groupOf(this.settings.groups, input.name);
        if (group !== undefined) out.push(...this.apply(group, onSpawnResult(this.contexts.get(group)!, this.states.get(group)!, input.name, false, input.time), input.time));
        break;
      }
    }
    return out;
  }

  /** End of input: decide on the round still pending. */
  finish(): AdapterOutput[] {
    return this.flush();
  }

  /** Hand the pending round to the engine, one call per group, groups in name order. */
  private flush(): AdapterOutput[] {
    const pending = this.pending;
    this.pending = null;
    if (!pending) return [];
    const out: AdapterOutput[] = [];
    for (const group of [...pending.byGroup.keys()].sort()) {
      const records = pending.byGroup.get(group)!.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const samples = this.samplesOf(records, pending.time);
      out.push(...this.apply(group, onStats(this.contexts.get(group)!, this.states.get(group)!, samples, samples.length, pending.time), pending.time));
    }
    return out;
  }

  /**
   * Pair each record (sorted by name) with the same unikernel's previous one. Two records of one
   * name in a round: the later wins. A counter lower than before means a new unikernel under an
   * old name, so it has no previous record.
   */
  private samplesOf(records: readonly StatsRecord[], time: Micros): StatsSample[] {
    const samples: StatsSample[] = [];
    const cpu = (r: StatsRecord) => cpuMicros(r.utimeSec, r.utimeUsec, r.stimeSec, r.stimeUsec);
    for (const record of records) {
      const last = samples[samples.length - 1];
      if (last !== undefined && last.name === record.name) samples.pop();
      const before = this.previous.get(record.name);
      const usable = before !== undefined && cpu(before.record) <= cpu(record);
      samples.push({
        ...record,
        previousAt: usable ? before.time : -1,
        previousUtimeSec: usable ? before.record.utimeSec : 0,
        previousUtimeUsec: usable ? before.record.utimeUsec : 0,
        previousStimeSec: usable ? before.record.stimeSec : 0,
        previousStimeUsec: usable ? before.record.stimeUsec : 0,
      });
    }
    for (const record of records) this.previous.set(record.name, { time, record });
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
