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

/**
 * Build a group state. Every state is made here, with its fields in one order, so all states
 * share one hidden class and the hot path stays monomorphic (object spread would not).
 */
function groupState(
  base: GroupState | { group: string; primary: string; managed: boolean },
  members: readonly Member[],
  highTicks: number,
  lowTicks: number,
  lastScaleAction: Micros | null,
  lastAverage: number | null,
): GroupState {
  return { group: base.group, primary: base.primary, managed: base.managed, members, highTicks, lowTicks, lastScaleAction, lastAverage };
}

/** A member's state; the one place members are made. */
function member(name: string, cloneId: number, lastCpu: number, lastAt: Micros, load: number, samples: number): Member {
  return { name, cloneId, lastCpu, lastAt, load, samples };
}

/** A fresh group for a primary that has just appeared. */
export function initialGroup(group: string): GroupState {
  return groupState({ group, primary: group, managed: true }, [member(group, 0, 0, -1, 0, 0)], 0, 0, null, null);
}

/** The same group with another member list. */
function withMembers(state: GroupState, members: readonly Member[]): GroupState {
  return groupState(state, members, state.highTicks, state.lowTicks, state.lastScaleAction, state.lastAverage);
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
export function nextCloneName(members: readonly Member[], group: string): string {
  let highest = 0;
  for (const m of members) if (m.cloneId > highest) highest = m.cloneId;
  return `${group}-clone-${highest + 1}`;
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
    return member(m.name, m.cloneId, cpu, now, load, m.samples + 1);
  }
  const cpu = wholeCpuSeconds(r.utimeSec, r.utimeUsec, r.stimeSec, r.stimeUsec);
  const load = m.samples === 0 ? 0 : faithfulPercent(cpu - m.lastCpu, elapsedWholeSeconds(m.lastAt, now));
  return member(m.name, m.cloneId, cpu, now, load, m.samples + 1);
}

/** Scale of the stored load values relative to percent. */
function loadScale(ctx: GroupContext): number {
  return ctx.options.microsecond_cpu ? 100 : 1;
}

/**
 * Evaluate the group: average, tick counters, cooldown, then at most one scaling action, in
 * the upstream order. Returns the state unchanged (same object) when nothing moves.
 */
export function evaluate(ctx: GroupContext, state: GroupState, now: Micros): Decision {
  return evaluateWith(ctx, state, state.members, now);
}

/**
 * `evaluate` on `state` whose member list is replaced by `members` (the list a round has just
 * updated), so the round's new state is built once.
 */
function evaluateWith(ctx: GroupContext, state: GroupState, members: readonly Member[], now: Micros): Decision {
  const { config, options } = ctx;
  let sum = 0;
  let n = 0;
  const excludeBooting = options.exclude_booting;
  const freshOnly = options.round_evaluation;
  for (let i = 0; i < members.length; i++) {
    const m = members[i]!;
    // faithful: every member counts, a clone without data as 0 %; exclude_booting: only members
    // with a full interval (two records); round_evaluation: only members with a record at `now`
    if (excludeBooting && m.samples < 2) continue;
    if (freshOnly && m.lastAt !== now) continue;
    sum += m.load;
    n++;
  }
  if (n === 0) return decision(members === state.members ? state : withMembers(state, members), NO_ACTIONS);
  const scale = loadScale(ctx);
  const average = Math.trunc(sum / n); // integer average, as upstream
  const clones = members.length - 1;
  const high = average > config.scale_up_threshold_percent * scale;
  const low = average < config.scale_down_threshold_percent * scale && clones > 0;
  const cooling = inCooldown(ctx, state, now);
  const highTicks = high && !cooling ? state.highTicks + 1 : 0;
  const lowTicks = low && !cooling ? state.lowTicks + 1 : 0;
  const lastAverage = average / scale;

  if (!cooling && highTicks >= config.scale_up_trigger_ticks) {
    const max = ctx.policy.maxInstances;
    if (!(options.enforce_limits && max !== null && members.length >= max)) {
      const name = nextCloneName(members, state.group);
      const clone = member(name, cloneIdOf(state.group, name), 0, -1, 0, 0);
      const next = groupState(state, [...members, clone], 0, 0, now, lastAverage);
      return decision(next, [{ type: 'spawn_clone', group: state.group, name }]);
    }
  } else if (!cooling && lowTicks >= config.scale_down_trigger_ticks) {
    if (!(options.enforce_limits && members.length <= ctx.policy.minInstances)) {
      const victim = pickVictim(ctx, members);
      const next = groupState(state, members.filter((m) => m !== victim), 0, 0, now, lastAverage);
      return decision(next, [{ type: 'destroy_clone', group: state.group, name: victim.name, reason: 'scale_down' }]);
    }
  }
  if (members === state.members && highTicks === state.highTicks && lowTicks === state.lowTicks && lastAverage === state.lastAverage) return decision(state, NO_ACTIONS);
  return decision(groupState(state, members, highTicks, lowTicks, state.lastScaleAction, lastAverage), NO_ACTIONS);
}

/** The clone a scale-down removes: the first of the list (faithful) or the newest. */
function pickVictim(ctx: GroupContext, members: readonly Member[]): Member {
  if (ctx.options.scale_down_victim === 'first') return members[1]!;
  let newest = members[1]!;
  for (const m of members) if (m.cloneId > newest.cloneId) newest = m;
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
  // members updated by this call: a private copy, made on the first write (copy on write)
  let members: Member[] | null = null;
  for (let i = 0; i < count; i++) {
    const r = records[i]!;
    const list: readonly Member[] = members ?? current.members;
    let index = -1;
    for (let j = 0; j < list.length; j++) {
      if (list[j]!.name === r.name) {
        index = j;
        break;
      }
    }
    if (index < 0) {
      const id = cloneIdOf(current.group, r.name);
      if (id === 0) continue; // not ours
      members ??= current.members.slice();
      members.push(observe(ctx, member(r.name, id, 0, -1, 0, 0), r, now));
      (actions ??= []).push({ type: 'adopt', group: current.group, name: r.name });
    } else {
      members ??= current.members.slice();
      members[index] = observe(ctx, members[index]!, r, now);
    }
    if (!ctx.options.round_evaluation && r.name === current.primary) {
      const d = evaluateWith(ctx, current, members, now);
      members = null;
      current = d.state;
      if (d.actions.length > 0) (actions ??= []).push(...d.actions);
    }
  }
  if (ctx.options.silence_is_death && anySilent(ctx, members ?? current.members, now)) {
    if (members !== null) current = withMembers(current, members);
    members = null;
    const d = buryTheSilent(ctx, current, now);
    current = d.state;
    if (d.actions.length > 0) (actions ??= []).push(...d.actions);
  }
  if (ctx.options.round_evaluation && current.managed) {
    const d = evaluateWith(ctx, current, members ?? current.members, now);
    if (actions === null) return d;
    current = d.state;
    if (d.actions.length > 0) actions.push(...d.actions);
  } else if (members !== null) {
    current = withMembers(current, members);
  }
  return decision(current, actions ?? NO_ACTIONS);
}

/** Has any member been silent for longer than `death_timeout`? */
function anySilent(ctx: GroupContext, members: readonly Member[], now: Micros): boolean {
  const limit = ctx.config.death_timeout;
  for (let i = 0; i < members.length; i++) {
    const m = members[i]!;
    if (m.lastAt >= 0 && now - m.lastAt > limit) return true;
  }
  return false;
}

/** Corrected: members silent for longer than `death_timeout` are dead. */
function buryTheSilent(ctx: GroupContext, state: GroupState, now: Micros): Decision {
  const limit = ctx.config.death_timeout;
  const silent = (m: Member) => m.lastAt >= 0 && now - m.lastAt > limit;
  if (!anySilent(ctx, state.members, now)) return decision(state, NO_ACTIONS);
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
    return decision(withMembers(state, survivors), NO_ACTIONS);
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
      return decision(groupState({ group: state.group, primary: oldest.name, managed: true }, members, state.highTicks, state.lowTicks, state.lastScaleAction, state.lastAverage), NO_ACTIONS);
    }
  }
}

function forgotten(state: GroupState): GroupState {
  return groupState({ group: state.group, primary: state.primary, managed: false }, [], 0, 0, null, null);
}

/**
 * The outcome of a spawn: on failure the clone leaves the list and the cooldown stamp is
 * cleared (upstream resets `last_scale_action`), so the next high ticks may try again at once.
 */
export function onSpawnResult(ctx: GroupContext, state: GroupState, name: string, ok: boolean, now: Micros): Decision {
  void ctx;
  void now;
  if (ok || !state.managed) return decision(state, NO_ACTIONS);
  return decision(groupState(state, state.members.filter((m) => m.name !== name), state.highTicks, state.lowTicks, null, state.lastAverage), NO_ACTIONS);
}
