/**
 * The Albatross/mollymawk clone autoscaler as a pure decision core.
 *
 * One `GroupState` per scaling group (a primary unikernel and its clones). Every function
 * takes the state, an observation and `now`, and returns the next state with the actions to
 * carry out; nothing here reads a clock, draws a random number, does I/O or keeps hidden state.
 * When nothing changes, the same state object comes back and the shared empty action list is
 * used, so a quiet round allocates nothing.
 *
 * The faithful behaviour (mollymawk PR 250) and every correction are selected by `options`; the
 * `faithful` and `corrected` variants are presets of those options (see descriptor.ts).
 */
import type { Micros } from '../../kernel/time.js';
import { basisPoints, cpuMicros, elapsedWholeSeconds, faithfulPercent, wholeCpuSeconds } from './cpu.js';

/** Upstream configuration, durations in µs. */
export interface AlbatrossConfig {
  poll_interval: Micros;
  scale_up_threshold_percent: number;
  scale_up_trigger_ticks: number;
  scale_down_threshold_percent: number;
  scale_down_trigger_ticks: number;
  cooldown_period: Micros;
  death_timeout: Micros;
}

/** Behaviour options; each is one deviation from what upstream ships. */
export interface AlbatrossOptions {
  microsecond_cpu: boolean;
  round_evaluation: boolean;
  exclude_booting: boolean;
  silence_is_death: boolean;
  primary_death: 'orphan' | 'destroy' | 'promote';
  scale_down_victim: 'first' | 'newest';
  enforce_limits: boolean;
}

/** The user's scaling policy for one group. */
export interface GroupPolicy {
  vcpus: number;
  maxInstances: number | null;
  minInstances: number;
}

/** Everything fixed for a group during a run. */
export interface GroupContext {
  config: AlbatrossConfig;
  options: AlbatrossOptions;
  policy: GroupPolicy;
}

/**
 * One stats record as `albatross-stats` pushes it (the rusage part the autoscaler reads).
 * Records passed to the engine are only read during the call, never kept.
 */
export interface StatsRecord {
  name: string;
  utimeSec: number;
  utimeUsec: number;
  stimeSec: number;
  stimeUsec: number;
}

/** What the engine remembers about one unikernel of the group. */
export interface Member {
  readonly name: string;
  /** 0 for the primary (also after a promotion), n for `<group>-clone-n`. */
  readonly cloneId: number;
  /** CPU time at the last record: whole seconds (faithful) or µs (corrected). */
  readonly lastCpu: number;
  /** Receipt time of the last record; -1 before the first. */
  readonly lastAt: Micros;
  /** Load from the last two records: percent (faithful) or basis points (corrected). */
  readonly load: number;
  /** Records seen so far. */
  readonly samples: number;
}

export interface GroupState {
  /** Group (service) name: the primary's original name and the stem of clone names. */
  readonly group: string;
  /** Name of the unikernel currently acting as primary. */
  readonly primary: string;
  /** False once the group was forgotten (primary found dead); records are then ignored. */
  readonly managed: boolean;
  /** Primary first, then the clones in list order (spawn and adoption append). */
  readonly members: readonly Member[];
  readonly highTicks: number;
  readonly lowTicks: number;
  /** Time of the last scaling action, or null (never, or cleared by a failed spawn). */
  readonly lastScaleAction: Micros | null;
  /** The last evaluated group average in percent, or null before the first evaluation. */
  readonly lastAverage: number | null;
}

export type AlbatrossAction =
  | { readonly type: 'spawn_clone'; readonly group: string; readonly name: string }
  | { readonly type: 'destroy_clone'; readonly group: string; readonly name: string; readonly reason: 'scale_down' | 'primary_death' }
  | { readonly type: 'orphan'; readonly group: string; readonly names: readonly string[] }
  | { readonly type: 'adopt'; readonly group: string; readonly name: string }
  | { readonly type: 'forget'; readonly group: string };

export interface Decision {
  readonly state: GroupState;
  readonly actions: readonly AlbatrossAction[];
}

const NO_ACTIONS: readonly AlbatrossAction[] = Object.freeze([]);

/** A fresh group for a primary that has just appeared. */
export function initialGroup(group: string): GroupState {
  return {
    group,
    primary: group,
    managed: true,
    members: [{ name: group, cloneId: 0, lastCpu: 0, lastAt: -1, load: 0, samples: 0 }],
    highTicks: 0,
    lowTicks: 0,
    lastScaleAction: null,
    lastAverage: null,
  };
}

/** The clone number in `<group>-clone-<n>`, or 0 when the name is not a clone of the group. */
export function cloneIdOf(group: string, name: string): number {
  const stem = `${group}-clone-`;
  if (!name.startsWith(stem)) return 0;
  const rest = name.slice(stem.length);
  if (!/^[1-9]\d*$/.test(rest)) return 0;
  return Number(rest);
}

/** Name of the next clone: highest existing clone id + 1, starting at 1. */
export function nextCloneName(state: GroupState): string {
  let highest = 0;
  for (const m of state.members) if (m.cloneId > highest) highest = m.cloneId;
  return `${state.group}-clone-${highest + 1}`;
}

/** Is the group in cooldown at `now`? */
export function inCooldown(ctx: GroupContext, state: GroupState, now: Micros): boolean {
  return state.lastScaleAction !== null && now - state.lastScaleAction < ctx.config.cooldown_period;
}

function decision(state: GroupState, actions: readonly AlbatrossAction[]): Decision {
  return { state, actions };
}

/** Update one member with a new record; returns the new member. */
function observe(ctx: GroupContext, m: Member, r: StatsRecord, now: Micros): Member {
  if (ctx.options.microsecond_cpu) {
    const cpu = cpuMicros(r.utimeSec, r.utimeUsec, r.stimeSec, r.stimeUsec);
    const load = m.samples === 0 ? 0 : basisPoints(cpu - m.lastCpu, now - m.lastAt, ctx.policy.vcpus);
    return { name: m.name, cloneId: m.cloneId, lastCpu: cpu, lastAt: now, load, samples: m.samples + 1 };
  }
  const cpu = wholeCpuSeconds(r.utimeSec, r.utimeUsec, r.stimeSec, r.stimeUsec);
  const load = m.samples === 0 ? 0 : faithfulPercent(cpu - m.lastCpu, elapsedWholeSeconds(m.lastAt, now));
  return { name: m.name, cloneId: m.cloneId, lastCpu: cpu, lastAt: now, load, samples: m.samples + 1 };
}

/** Scale of the stored load values relative to percent. */
function loadScale(ctx: GroupContext): number {
  return ctx.options.microsecond_cpu ? 100 : 1;
}

/**
 * Does a member count in the group average? Faithful: every member, a clone without data
 * counting as 0. `exclude_booting`: only members with a full interval of data (two records).
 * `round_evaluation`: only members with a record received at `now`.
 */
function counts(ctx: GroupContext, m: Member, now: Micros): boolean {
  if (ctx.options.exclude_booting && m.samples < 2) return false;
  if (ctx.options.round_evaluation && m.lastAt !== now) return false;
  return true;
}

/**
 * Evaluate the group: average, tick counters, cooldown, then at most one scaling action, in
 * the upstream order. Returns the state unchanged (same object) when nothing moves.
 */
export function evaluate(ctx: GroupContext, state: GroupState, now: Micros): Decision {
  const { config, options } = ctx;
  let sum = 0;
  let n = 0;
  for (const m of state.members) {
    if (counts(ctx, m, now)) {
      sum += m.load;
      n++;
    }
  }
  if (n === 0) return decision(state, NO_ACTIONS);
  const scale = loadScale(ctx);
  const average = Math.trunc(sum / n); // integer average, as upstream
  const clones = state.members.length - 1;
  const high = average > config.scale_up_threshold_percent * scale;
  const low = average < config.scale_down_threshold_percent * scale && clones > 0;
  const cooling = inCooldown(ctx, state, now);
  const highTicks = high && !cooling ? state.highTicks + 1 : 0;
  const lowTicks = low && !cooling ? state.lowTicks + 1 : 0;
  const lastAverage = average / scale;

  if (!cooling && highTicks >= config.scale_up_trigger_ticks) {
    const max = ctx.policy.maxInstances;
    if (!(options.enforce_limits && max !== null && state.members.length >= max)) {
      const name = nextCloneName(state);
      const clone: Member = { name, cloneId: cloneIdOf(state.group, name), lastCpu: 0, lastAt: -1, load: 0, samples: 0 };
      const next: GroupState = { ...state, members: [...state.members, clone], highTicks: 0, lowTicks: 0, lastScaleAction: now, lastAverage };
      return decision(next, [{ type: 'spawn_clone', group: state.group, name }]);
    }
  } else if (!cooling && lowTicks >= config.scale_down_trigger_ticks) {
    if (!(options.enforce_limits && state.members.length <= ctx.policy.minInstances)) {
      const victim = pickVictim(ctx, state);
      const next: GroupState = {
        ...state,
        members: state.members.filter((m) => m !== victim),
        highTicks: 0,
        lowTicks: 0,
        lastScaleAction: now,
        lastAverage,
      };
      return decision(next, [{ type: 'destroy_clone', group: state.group, name: victim.name, reason: 'scale_down' }]);
    }
  }
  if (highTicks === state.highTicks && lowTicks === state.lowTicks && lastAverage === state.lastAverage) return decision(state, NO_ACTIONS);
  return decision({ ...state, highTicks, lowTicks, lastAverage }, NO_ACTIONS);
}

/** The clone a scale-down removes: the first of the list (faithful) or the newest. */
function pickVictim(ctx: GroupContext, state: GroupState): Member {
  if (ctx.options.scale_down_victim === 'first') return state.members[1]!;
  let newest = state.members[1]!;
  for (const m of state.members) if (m.cloneId > newest.cloneId) newest = m;
  return newest;
}

/**
 * A round of stats records for this group's unikernels, in the order albatross-stats pushed
 * them (`count` records of `records`). Faithful: each record updates its member (or adopts a
 * `<group>-clone-n` it does not know) and the group is evaluated whenever the record is the
 * primary's — so clones after the primary in the round still count with their previous value.
 * `round_evaluation`: all records first, then one evaluation.
 */
export function onStats(ctx: GroupContext, state: GroupState, records: readonly StatsRecord[], count: number, now: Micros): Decision {
  let current = state;
  let actions: AlbatrossAction[] | null = null;
  if (!current.managed) {
    // a forgotten group comes back when its primary's stats arrive again
    let primarySeen = false;
    for (let i = 0; i < count; i++) if (records[i]!.name === current.group) primarySeen = true;
    if (!primarySeen) return decision(state, NO_ACTIONS);
    current = initialGroup(current.group);
  }
  for (let i = 0; i < count; i++) {
    const r = records[i]!;
    let index = -1;
    for (let j = 0; j < current.members.length; j++) {
      if (current.members[j]!.name === r.name) {
        index = j;
        break;
      }
    }
    if (index < 0) {
      const id = cloneIdOf(current.group, r.name);
      if (id === 0) continue; // not ours
      const adopted: Member = observe(ctx, { name: r.name, cloneId: id, lastCpu: 0, lastAt: -1, load: 0, samples: 0 }, r, now);
      current = { ...current, members: [...current.members, adopted] };
      (actions ??= []).push({ type: 'adopt', group: current.group, name: r.name });
    } else {
      const members = current.members.slice();
      members[index] = observe(ctx, members[index]!, r, now);
      current = { ...current, members };
    }
    if (!ctx.options.round_evaluation && r.name === current.primary) {
      const d = evaluate(ctx, current, now);
      current = d.state;
      if (d.actions.length > 0) (actions ??= []).push(...d.actions);
    }
  }
  if (ctx.options.silence_is_death) {
    const d = buryTheSilent(ctx, current, now);
    current = d.state;
    if (d.actions.length > 0) (actions ??= []).push(...d.actions);
  }
  if (ctx.options.round_evaluation && current.managed) {
    const d = evaluate(ctx, current, now);
    current = d.state;
    if (d.actions.length > 0) (actions ??= []).push(...d.actions);
  }
  return decision(current, actions ?? NO_ACTIONS);
}

/** Corrected: members silent for longer than `death_timeout` are dead. */
function buryTheSilent(ctx: GroupContext, state: GroupState, now: Micros): Decision {
  const limit = ctx.config.death_timeout;
  const silent = (m: Member) => m.lastAt >= 0 && now - m.lastAt > limit;
  if (!state.members.some(silent)) return decision(state, NO_ACTIONS);
  return prune(ctx, state, (name) => !state.members.some((m) => m.name === name && silent(m)));
}

/**
 * The sync pass, run every `death_timeout`: compare the group with the unikernels that are
 * running. Clones no longer running are dropped. If the primary is gone the group is forgotten
 * and, as shipped, its clones are left running unmanaged (`orphan`); the corrected variant
 * destroys them or promotes the oldest clone to primary.
 */
export function onSync(ctx: GroupContext, state: GroupState, isRunning: (name: string) => boolean, now: Micros): Decision {
  void now;
  if (!state.managed) return decision(state, NO_ACTIONS);
  return prune(ctx, state, isRunning);
}

function prune(ctx: GroupContext, state: GroupState, alive: (name: string) => boolean): Decision {
  const survivors = state.members.filter((m) => alive(m.name));
  const primaryAlive = survivors.some((m) => m.name === state.primary);
  if (primaryAlive) {
    if (survivors.length === state.members.length) return decision(state, NO_ACTIONS);
    return decision({ ...state, members: survivors }, NO_ACTIONS);
  }
  const clones = survivors.filter((m) => m.name !== state.primary);
  const names = clones.map((m) => m.name);
  switch (ctx.options.primary_death) {
    case 'orphan': {
      const actions: AlbatrossAction[] = [{ type: 'forget', group: state.group }];
      if (names.length > 0) actions.push({ type: 'orphan', group: state.group, names });
      return decision(forgotten(state), actions);
    }
    case 'destroy': {
      const actions: AlbatrossAction[] = [{ type: 'forget', group: state.group }];
      for (const name of names) actions.push({ type: 'destroy_clone', group: state.group, name, reason: 'primary_death' });
      return decision(forgotten(state), actions);
    }
    case 'promote': {
      if (clones.length === 0) return decision(forgotten(state), [{ type: 'forget', group: state.group }]);
      let oldest = clones[0]!;
      for (const m of clones) if (m.cloneId < oldest.cloneId) oldest = m;
      const members = [oldest, ...clones.filter((m) => m !== oldest)];
      return decision({ ...state, primary: oldest.name, members }, NO_ACTIONS);
    }
  }
}

function forgotten(state: GroupState): GroupState {
  return { ...state, managed: false, members: [], highTicks: 0, lowTicks: 0, lastScaleAction: null, lastAverage: null };
}

/**
 * The outcome of a spawn: on failure the clone leaves the list and the cooldown stamp is
 * cleared (upstream resets `last_scale_action`), so the next high ticks may try again at once.
 */
export function onSpawnResult(ctx: GroupContext, state: GroupState, name: string, ok: boolean, now: Micros): Decision {
  void ctx;
  void now;
  if (ok || !state.managed) return decision(state, NO_ACTIONS);
  return decision({ ...state, members: state.members.filter((m) => m.name !== name), lastScaleAction: null }, NO_ACTIONS);
}
