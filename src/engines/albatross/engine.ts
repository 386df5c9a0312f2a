/**
 * The Albatross/mollymawk clone autoscaler as a pure decision core.
 *
 * One `GroupState` per scaling group (a primary unikernel and its clones). Every function
 * takes the state, an observation and `now`, and returns the next state with the actions to
 * carry out; nothing here reads a clock, draws a random number, does I/O or keeps hidden state.
 * When nothing changes, the state's own pre-built no-op decision comes back (`state.unchanged`),
 * and a member changes only when a rare fact about it does (first records, silence), so a
 * quiet round of the corrected variant allocates nothing.
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
 */
export interface StatsRecord {
  name: string;
  utimeSec: number;
  utimeUsec: number;
  stimeSec: number;
  stimeUsec: number;
}

/**
 * What one stats interval says about a unikernel: its record at `now` and its previous record
 * (receipt time and counters), which the sensor keeps — the world per instance, the live
 * adapter per name. `previousAt` is −1 when this is the unikernel's first record. Samples are
 * only read during the call, never kept, so a caller may reuse the objects.
 */
export interface StatsSample extends StatsRecord {
  previousAt: Micros;
  previousUtimeSec: number;
  previousUtimeUsec: number;
  previousStimeSec: number;
  previousStimeUsec: number;
}

/**
 * What the engine remembers about one unikernel of the group. Only facts that change rarely:
 * a quiet round changes no member, so it allocates nothing.
 */
export interface Member {
  readonly name: string;
  /** 0 for the primary (also after a promotion), n for `<group>-clone-n`. */
  readonly cloneId: number;
  /** Records the engine has seen from it, saturating at 2 (a full interval needs two). */
  readonly records: 0 | 1 | 2;
  /**
   * `silence_is_death`: time of the first round without a record from it since it was last
   * heard; −1 while it reports (and always −1 without the option).
   */
  readonly silentSince: Micros;
  /**
   * Evaluation on the primary's record (faithful): the load of its last record, percent or
   * basis points, which later evaluations reuse until its next record. 0 in round evaluation,
   * where only the round's own records count.
   */
  readonly load: number;
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
  /**
   * Evaluation on the primary's record: the last average evaluated, percent (null before the
   * first). Always null in round evaluation; `evaluatedAverage` recomputes that one on demand.
   */
  readonly lastAverage: number | null;
  /** The decision "this state, no actions", built once with the state (a cycle: state.unchanged.state === state). */
  readonly unchanged: Decision;
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
 * share one hidden class and the hot path stays monomorphic (object spread would not). The
 * state's own no-op decision is attached once, so returning "nothing changed" allocates nothing.
 */
function groupState(
  base: { readonly group: string; readonly primary: string; readonly managed: boolean },
  members: readonly Member[],
  highTicks: number,
  lowTicks: number,
  lastScaleAction: Micros | null,
  lastAverage: number | null,
): GroupState {
  const unchanged = { state: null as unknown as GroupState, actions: NO_ACTIONS };
  const state: GroupState = { group: base.group, primary: base.primary, managed: base.managed, members, highTicks, lowTicks, lastScaleAction, lastAverage, unchanged };
  unchanged.state = state;
  return state;
}

/** A member's state; the one place members are made. */
function member(name: string, cloneId: number, records: 0 | 1 | 2, silentSince: Micros, load: number): Member {
  return { name, cloneId, records, silentSince, load };
}

/** A fresh group for a primary that has just appeared. */
export function initialGroup(group: string): GroupState {
  return groupState({ group, primary: group, managed: true }, [member(group, 0, 0, -1, 0)], 0, 0, null, null);
}

/**
 * A state with the given fields replaced (the tests' and adapters' way to set up a group).
 *
 * @example withGroup(initialGroup('web'), { highTicks: 2 }).highTicks // 2
 */
export function withGroup(state: GroupState, changes: Partial<Omit<GroupState, 'unchanged'>>): GroupState {
  const next: Omit<GroupState, 'unchanged'> = { ...state, ...changes };
  return groupState(next, next.members, next.highTicks, next.lowTicks, next.lastScaleAction, next.lastAverage);
}

/**
 * A member as the engine would hold it after `records` records (the tests' way to set up a group).
 *
 * @example memberOf('web', 'web-clone-2').cloneId // 2
 */
export function memberOf(group: string, name: string, records: 0 | 1 | 2 = 0, silentSince: Micros = -1, load = 0): Member {
  return member(name, cloneIdOf(group, name), records, silentSince, load);
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
  return actions.length === 0 ? state.unchanged : { state, actions };
}

/**
 * Load over the interval a sample covers: percent with the faithful arithmetic (whole seconds,
 * division first), basis points of the vCPUs with `microsecond_cpu`; 0 without a previous record.
 */
export function sampleLoad(ctx: GroupContext, s: StatsSample, now: Micros): number {
  if (s.previousAt < 0) return 0;
  if (ctx.options.microsecond_cpu) {
    const cpu = cpuMicros(s.utimeSec, s.utimeUsec, s.stimeSec, s.stimeUsec) - cpuMicros(s.previousUtimeSec, s.previousUtimeUsec, s.previousStimeSec, s.previousStimeUsec);
    return basisPoints(cpu, now - s.previousAt, ctx.policy.vcpus);
  }
  const cpu = wholeCpuSeconds(s.utimeSec, s.utimeUsec, s.stimeSec, s.stimeUsec) - wholeCpuSeconds(s.previousUtimeSec, s.previousUtimeUsec, s.previousStimeSec, s.previousStimeUsec);
  return faithfulPercent(cpu, elapsedWholeSeconds(s.previousAt, now));
}

/** Scale of load values relative to percent. */
function loadScale(ctx: GroupContext): number {
  return ctx.options.microsecond_cpu ? 100 : 1;
}

/** Is the integer group `average` (percent or basis points) above the up threshold? */
function isHigh(ctx: GroupContext, average: number): boolean {
  return average > ctx.config.scale_up_threshold_percent * loadScale(ctx);
}

/** Is it below the down threshold, with clones to remove? */
function isLow(ctx: GroupContext, average: number, clones: number): boolean {
  return average < ctx.config.scale_down_threshold_percent * loadScale(ctx) && clones > 0;
}

/**
 * Round evaluation: what a member's sample adds to the round, given how many records the engine
 * had seen from the member before it (0 for one it did not know): its load — 0 % for the first
 * record the engine sees — or null when `exclude_booting` leaves a member without a full
 * interval out of the average.
 */
function roundLoad(ctx: GroupContext, seenBefore: number, s: StatsSample, now: Micros): number | null {
  if (seenBefore === 0) return ctx.options.exclude_booting ? null : 0;
  return sampleLoad(ctx, s, now);
}

/** Position of the member called `name`, or −1. */
function indexOfMember(members: readonly Member[], name: string): number {
  for (let j = 0; j < members.length; j++) if (members[j]!.name === name) return j;
  return -1;
}

/** Is `name` among the first `count` samples? */
function reported(samples: readonly StatsSample[], count: number, name: string): boolean {
  for (let i = 0; i < count; i++) if (samples[i]!.name === name) return true;
  return false;
}

/**
 * Tick counters, cooldown, then at most one scaling action, in the upstream order, given the
 * evaluated load `sum / n` (n > 0) over `members` (the list the caller has just updated, which
 * replaces the state's). Returns the state itself when nothing moves.
 */
function decide(ctx: GroupContext, state: GroupState, members: readonly Member[], sum: number, n: number, now: Micros): Decision {
  const { config, options } = ctx;
  const average = Math.trunc(sum / n); // integer average, as upstream
  const high = isHigh(ctx, average);
  const low = isLow(ctx, average, members.length - 1);
  const cooling = inCooldown(ctx, state, now);
  const highTicks = high && !cooling ? state.highTicks + 1 : 0;
  const lowTicks = low && !cooling ? state.lowTicks + 1 : 0;
  // the faithful evaluation keeps its average in the state; a round evaluation recomputes it on demand
  const lastAverage = options.round_evaluation ? state.lastAverage : average / loadScale(ctx);

  if (!cooling && highTicks >= config.scale_up_trigger_ticks) {
    const max = ctx.policy.maxInstances;
    if (!(options.enforce_limits && max !== null && members.length >= max)) {
      const name = nextCloneName(members, state.group);
      const clone = member(name, cloneIdOf(state.group, name), 0, -1, 0);
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
  if (members === state.members && highTicks === state.highTicks && lowTicks === state.lowTicks && lastAverage === state.lastAverage) return state.unchanged;
  return decision(groupState(state, members, highTicks, lowTicks, state.lastScaleAction, lastAverage), NO_ACTIONS);
}

/**
 * Faithful evaluation on the primary's record: every member's last load counts — a clone
 * without data as 0 % — or, with `exclude_booting`, only members with a full interval.
 */
function evaluateMembers(ctx: GroupContext, state: GroupState, members: readonly Member[], now: Micros): Decision {
  const excludeBooting = ctx.options.exclude_booting;
  let sum = 0;
  let n = 0;
  for (let i = 0; i < members.length; i++) {
    const m = members[i]!;
    if (excludeBooting && m.records < 2) continue;
    sum += m.load;
    n++;
  }
  if (n === 0) return members === state.members ? state.unchanged : withMembers(state, members).unchanged;
  return decide(ctx, state, members, sum, n, now);
}

/** The clone a scale-down removes: the first of the list (faithful) or the newest. */
function pickVictim(ctx: GroupContext, members: readonly Member[]): Member {
  if (ctx.options.scale_down_victim === 'first') return members[1]!;
  let newest = members[1]!;
  for (const m of members) if (m.cloneId > newest.cloneId) newest = m;
  return newest;
}

/**
 * A round of stats samples for this group's unikernels, in the order albatross-stats pushed
 * them (`count` samples of `samples`). Each sample updates its member (or adopts a
 * `<group>-clone-n` it does not know); a member's first record seen by the engine counts as
 * 0 load. Faithful: the group is evaluated whenever the sample is the primary's — so clones
 * after the primary in the round still count with their previous value. `round_evaluation`:
 * one evaluation after all samples, on this round's samples only.
 *
 * A round in which no member changes state (every member already heard twice, still
 * reporting, tick counters unchanged) returns `state.unchanged`: no allocation. A round holds
 * at most one sample per unikernel.
 */
export function onStats(ctx: GroupContext, state: GroupState, samples: readonly StatsSample[], count: number, now: Micros): Decision {
  if (ctx.options.round_evaluation && state.managed && count === state.members.length) {
    const d = steadyRound(ctx, state, samples, count, now);
    if (d !== null) return d;
  }
  return anyRound(ctx, state, samples, count, now);
}

/**
 * The common case of round evaluation, and the same result as `anyRound` for it: one sample
 * from every member, each heard before and not silent, so no member changes and only the
 * tick counters can. null when the round is not that case.
 */
function steadyRound(ctx: GroupContext, state: GroupState, samples: readonly StatsSample[], count: number, now: Micros): Decision | null {
  const members = state.members;
  let sum = 0;
  for (let i = 0; i < count; i++) {
    const s = samples[i]!;
    let m = members[i]!;
    if (m.name !== s.name) {
      const j = indexOfMember(members, s.name);
      if (j < 0) return null;
      m = members[j]!;
    }
    if (m.records !== 2 || m.silentSince !== -1) return null;
    sum += sampleLoad(ctx, s, now);
  }
  if (count === 0) return state.unchanged;
  if (state.highTicks === 0 && state.lowTicks === 0) {
    // the usual round: neither high nor low with both counters at 0, so nothing moves (what
    // `decide` would find, without its call)
    const average = Math.trunc(sum / count);
    if (!isHigh(ctx, average) && !isLow(ctx, average, count - 1)) return state.unchanged;
  }
  return decide(ctx, state, members, sum, count, now);
}

/**
 * The group a round is decided on: the state itself while managed; a forgotten group comes
 * back, fresh, when its primary's stats arrive again; otherwise null (the round is ignored).
 */
function managedFor(state: GroupState, samples: readonly StatsSample[], count: number): GroupState | null {
  if (state.managed) return state;
  return reported(samples, count, state.group) ? initialGroup(state.group) : null;
}

/** `onStats` for any round: adoption, first records, silence, both evaluation modes. */
function anyRound(ctx: GroupContext, state: GroupState, samples: readonly StatsSample[], count: number, now: Micros): Decision {
  const { options } = ctx;
  const active = managedFor(state, samples, count);
  if (active === null) return state.unchanged;
  let current = active;
  let actions: AlbatrossAction[] | null = null;
  const round = options.round_evaluation;
  // members updated by this call: a private copy, made on the first write (copy on write)
  let members: Member[] | null = null;
  let sum = 0;
  let n = 0;
  let matched = 0;
  for (let i = 0; i < count; i++) {
    const s = samples[i]!;
    const list: readonly Member[] = members ?? current.members;
    let index = indexOfMember(list, s.name);
    let m: Member;
    if (index < 0) {
      const id = cloneIdOf(current.group, s.name);
      if (id === 0) continue; // not ours
      m = member(s.name, id, 0, -1, 0);
      members ??= current.members.slice();
      index = members.length;
      members.push(m);
      (actions ??= []).push({ type: 'adopt', group: current.group, name: s.name });
    } else {
      m = list[index]!;
      matched++;
    }
    const records = m.records === 0 ? 1 : 2;
    // faithful evaluation keeps the load of a member's last record (0 % for its first)
    const kept = round || m.records === 0 ? 0 : sampleLoad(ctx, s, now);
    if (records !== m.records || m.silentSince !== -1 || kept !== m.load) {
      members ??= current.members.slice();
      members[index] = member(m.name, m.cloneId, records, -1, kept);
    }
    if (round) {
      const load = roundLoad(ctx, m.records, s, now);
      if (load !== null) {
        sum += load;
        n++;
      }
    } else if (s.name === current.primary) {
      const d = evaluateMembers(ctx, current, members ?? current.members, now);
      members = null;
      current = d.state;
      if (d.actions.length > 0) (actions ??= []).push(...d.actions);
    }
  }
  if (options.silence_is_death) {
    // someone did not report (or something changed): mark the newly silent, bury the dead
    const list: readonly Member[] = members ?? current.members;
    if (!round || members !== null || matched !== list.length) {
      const d = markSilence(ctx, current, list, samples, count, now);
      members = null;
      current = d.state;
      if (d.actions.length > 0) (actions ??= []).push(...d.actions);
    }
  }
  if (round && current.managed && n > 0) {
    const d = decide(ctx, current, members ?? current.members, sum, n, now);
    if (actions === null) return d;
    current = d.state;
    if (d.actions.length > 0) actions.push(...d.actions);
  } else if (members !== null) {
    current = withMembers(current, members);
  }
  return decision(current, actions ?? NO_ACTIONS);
}

/**
 * `silence_is_death`: members heard before but missing from this round become silent from
 * `now`; members silent for at least `death_timeout` are dead and pruned as at a sync pass.
 * With rounds every stats interval and `death_timeout` a multiple of it, a unikernel last
 * heard at t is buried in the first round after t + death_timeout.
 */
function markSilence(ctx: GroupContext, state: GroupState, list: readonly Member[], samples: readonly StatsSample[], count: number, now: Micros): Decision {
  let members: Member[] | null = null;
  let dead = false;
  for (let j = 0; j < list.length; j++) {
    const m = list[j]!;
    if (m.records === 0 || m.silentSince >= 0 || reported(samples, count, m.name)) {
      if (m.silentSince >= 0 && now - m.silentSince >= ctx.config.death_timeout) dead = true;
      continue;
    }
    members ??= list.slice();
    members[j] = member(m.name, m.cloneId, m.records, now, m.load);
  }
  const next = members !== null ? withMembers(state, members) : list === state.members ? state : withMembers(state, list);
  if (!dead) return next.unchanged;
  const limit = ctx.config.death_timeout;
  return prune(ctx, next, (name) => {
    const m = next.members[indexOfMember(next.members, name)]!;
    return !(m.silentSince >= 0 && now - m.silentSince >= limit);
  });
}

/**
 * The group average in percent that the call `onStats(ctx, before, samples, count, now)`
 * evaluated — for charts and time series, which sample it now and then instead of the engine
 * keeping it in every state. Round evaluation: recomputed from the samples (null when no
 * sample counted); evaluation on the primary's record: the last average it kept (`after`).
 *
 * @example evaluatedAverage(ctx, before, after, samples, count, now) // 95 (percent)
 */
export function evaluatedAverage(ctx: GroupContext, before: GroupState, after: GroupState, samples: readonly StatsSample[], count: number, now: Micros): number | null {
  if (!ctx.options.round_evaluation) return after.lastAverage;
  const start = managedFor(before, samples, count);
  if (start === null) return null;
  let sum = 0;
  let n = 0;
  for (let i = 0; i < count; i++) {
    const s = samples[i]!;
    const index = indexOfMember(start.members, s.name);
    if (index < 0 && cloneIdOf(start.group, s.name) === 0) continue;
    const load = roundLoad(ctx, index < 0 ? 0 : start.members[index]!.records, s, now);
    if (load === null) continue;
    sum += load;
    n++;
  }
  return n === 0 ? null : Math.trunc(sum / n) / loadScale(ctx);
}

/**
 * The sync pass, run every `death_timeout`: compare the group with the unikernels that are
 * running. Clones no longer running are dropped. If the primary is gone the group is forgotten
 * and, as shipped, its clones are left running unmanaged (`orphan`); the corrected variant
 * destroys them or promotes the oldest clone to primary.
 */
export function onSync(ctx: GroupContext, state: GroupState, isRunning: (name: string) => boolean, now: Micros): Decision {
  void now;
  if (!state.managed) return state.unchanged;
  return prune(ctx, state, isRunning);
}

function prune(ctx: GroupContext, state: GroupState, alive: (name: string) => boolean): Decision {
  let all = true;
  for (let i = 0; i < state.members.length && all; i++) all = alive(state.members[i]!.name);
  if (all) return state.unchanged; // the usual sync pass: nothing to drop, nothing allocated
  const survivors = state.members.filter((m) => alive(m.name));
  const primaryAlive = survivors.some((m) => m.name === state.primary);
  if (primaryAlive) {
    if (survivors.length === state.members.length) return state.unchanged;
    return withMembers(state, survivors).unchanged;
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
      return groupState({ group: state.group, primary: oldest.name, managed: true }, members, state.highTicks, state.lowTicks, state.lastScaleAction, state.lastAverage).unchanged;
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
  if (ok || !state.managed) return state.unchanged;
  return groupState(state, state.members.filter((m) => m.name !== name), state.highTicks, state.lowTicks, null, state.lastAverage).unchanged;
}
