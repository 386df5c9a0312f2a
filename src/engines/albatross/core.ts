/**
 * The Albatross/mollymawk clone autoscaler as a pure decision core, one function per step of
 * upstream's `autoscaler.ml` (robur-coop/mollymawk, `Cluster_manager`) and the stats handler of
 * `unikernel.ml`, so the two can be read side by side:
 *
 * | upstream (mollymawk)                     | here                                   |
 * |------------------------------------------|----------------------------------------|
 * | `handle_stats` (unikernel.ml)            | `coreOnStats`                          |
 * | `update_vm_metrics`                      | `updateMemberMetrics`                  |
 * | `evaluate_scaling`: the average          | `groupAverage` (or `roundAverage`)     |
 * | `evaluate_scaling`: counters and status  | `groupStatus`                          |
 * | `register_clone` / `add_clone_to_group`  | `registerClone`                        |
 * | `remove_clone` (after `prune_clone`)     | `removeClone`                          |
 * | `remove_cooldown`                        | `removeCooldown`                       |
 * | `sync_group` (`run_prune_dead_clusters`) | `onSync` / `prune`                     |
 * | `spawn_clone` outcome                    | `onSpawnResult`                        |
 * | `prune_clone` outcome                    | `onDestroyResult`                      |
 *
 * Every function takes the state, an observation and `now`, and returns the next state with
 * the actions to carry out; nothing here reads a clock, draws a random number, does I/O or
 * keeps hidden state. When nothing changes, the state's own pre-built no-op decision comes back
 * (`state.unchanged`). Fast paths live outside the core (steady.ts); a property test proves they
 * decide exactly as the core.
 *
 * The faithful behaviour and every correction are selected by `options`; the `faithful` and
 * `corrected` variants are presets of those options (see descriptor.ts).
 */
import type { Micros } from '../../kernel/time.js';
import { basisPoints, cpuMicros, elapsedWholeSeconds, faithfulPercent, wholeCpuSeconds } from './cpu.js';
import { cloneIdOf, nextCloneName as nextName } from './names.js';

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
  require_primary_record: boolean;
  primary_death: 'orphan' | 'destroy' | 'promote';
  scale_down_victim: 'first' | 'highest_id';
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
 * What the engine remembers about one unikernel of the group (upstream's `Autoscaler.t` without
 * the counters, which the sensor keeps). Only facts that change rarely: a quiet round changes
 * no member, so it allocates nothing.
 */
export interface Member {
  readonly name: string;
  /** 0 for the primary (also after a promotion), the parsed id for `<group>-clone-<id>`. */
  readonly cloneId: number;
  /** Records the engine has seen from it, saturating at 2 (a full interval needs two). */
  readonly records: 0 | 1 | 2;
  /**
   * `silence_is_death`: time of the first round without a record from it since it was last
   * heard; −1 while it reports (and always −1 without the option).
   */
  readonly silentSince: Micros;
  /**
   * Evaluation on the primary's record (faithful): `last_cpu_usage`, the load of its last
   * record in percent or basis points, which later evaluations reuse until its next record. A
   * spawned clone starts with a copy of the primary's. 0 in round evaluation, where only the
   * round's own records count.
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
  /**
   * The primary, then the clones in upstream's list order: `add_clone_to_group` prepends, so
   * the newest registered clone comes first.
   */
  readonly members: readonly Member[];
  readonly highTicks: number;
  readonly lowTicks: number;
  /** `last_scale_action`, or null for the epoch (never, or cleared by `remove_cooldown`). */
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
  | { readonly type: 'spawn_refused'; readonly group: string; readonly reason: 'name_too_long' }
  | { readonly type: 'destroy_clone'; readonly group: string; readonly name: string; readonly reason: 'scale_down' | 'primary_death' }
  | { readonly type: 'orphan'; readonly group: string; readonly names: readonly string[] }
  | { readonly type: 'adopt'; readonly group: string; readonly name: string }
  | { readonly type: 'forget'; readonly group: string };

export interface Decision {
  readonly state: GroupState;
  readonly actions: readonly AlbatrossAction[];
}

/** How a clone spawn ended (`spawn_clone`). */
export type SpawnOutcome =
  /** albatross created the unikernel: the clone is registered now (`register_clone`). */
  | 'created'
  /** fetching the binary or creating the unikernel failed: `remove_cooldown`. */
  | 'failed'
  /** refused before anything was asked of albatross (block devices, primary not found): the stamp stays. */
  | 'refused';

export const NO_ACTIONS: readonly AlbatrossAction[] = Object.freeze([]);

// --- states and members -------------------------------------------------------------------

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

/** A fresh group for a primary that has just appeared (`create_group`). */
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
  return member(name, cloneIdOf(group, name) ?? 0, records, silentSince, load);
}

/** The same group with another member list. */
export function withMembers(state: GroupState, members: readonly Member[]): GroupState {
  return groupState(state, members, state.highTicks, state.lowTicks, state.lastScaleAction, state.lastAverage);
}

/** Position of the member called `name`, or −1. */
export function indexOfMember(members: readonly Member[], name: string): number {
  for (let j = 0; j < members.length; j++) if (members[j]!.name === name) return j;
  return -1;
}

/** Is `name` among the first `count` samples? */
export function reported(samples: readonly StatsSample[], count: number, name: string): boolean {
  for (let i = 0; i < count; i++) if (samples[i]!.name === name) return true;
  return false;
}

/**
 * Name of the next clone (`next_clone_name`): highest clone id + 1, or null when its label
 * would be over 63 characters.
 *
 * @example nextCloneName(initialGroup('web').members, 'web') // 'web-clone-1'
 */
export function nextCloneName(members: readonly Member[], group: string): string | null {
  const ids: number[] = [];
  for (let j = 1; j < members.length; j++) ids.push(members[j]!.cloneId);
  return nextName(group, ids);
}

export { cloneIdOf };

/** Is the group in cooldown at `now` (`in_cooldown`)? The epoch (null) never is. */
export function inCooldown(ctx: GroupContext, state: GroupState, now: Micros): boolean {
  return state.lastScaleAction !== null && coolingSince(state.lastScaleAction, now, ctx.config.cooldown_period);
}

/**
 * `in_cooldown`'s test on a stamp: is `now` less than `period` after the scaling action stamped
 * at `stamp`? (The batch round asks it of a stamp it mirrors; −∞ is never in a cooldown.)
 *
 * @example coolingSince(30e6, 620e6, 600e6) // true; at 630e6: false
 */
export function coolingSince(stamp: Micros, now: Micros, period: Micros): boolean {
  return now - stamp < period;
}

export function decision(state: GroupState, actions: readonly AlbatrossAction[]): Decision {
  return actions.length === 0 ? state.unchanged : { state, actions };
}

// --- load ---------------------------------------------------------------------------------

/**
 * Load over the interval a sample covers (`Cpu_monitor.measure`): percent with the faithful
 * arithmetic (whole seconds, division first), basis points of the vCPUs with `microsecond_cpu`;
 * 0 without a previous record.
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
export function loadScale(ctx: GroupContext): number {
  return ctx.options.microsecond_cpu ? 100 : 1;
}

/** Is the integer group `average` (percent or basis points) above the up threshold? */
export function isHigh(ctx: GroupContext, average: number): boolean {
  return average > ctx.config.scale_up_threshold_percent * loadScale(ctx);
}

/** Is it below the down threshold, with clones to remove? */
export function isLow(ctx: GroupContext, average: number, clones: number): boolean {
  return average < ctx.config.scale_down_threshold_percent * loadScale(ctx) && clones > 0;
}

// --- upstream steps -----------------------------------------------------------------------

/**
 * `update_vm_metrics`: a member after its record — one more record seen (saturating at 2), no
 * longer silent, and (faithful evaluation) the record's load as its last load. The first record
 * the engine sees from a member reads 0 %: upstream measures it against a monitor created at
 * the same instant (a new group, an adopted clone) or against the primary's copied counters,
 * which are ahead of a fresh clone's (a negative delta reads 0). Returns `m` itself when
 * nothing changes.
 *
 * @example updateMemberMetrics(ctx, memberOf('web', 'web'), sample, now).records // 1
 */
export function updateMemberMetrics(ctx: GroupContext, m: Member, s: StatsSample, now: Micros): Member {
  const records = m.records === 0 ? 1 : 2;
  const load = ctx.options.round_evaluation || m.records === 0 ? 0 : sampleLoad(ctx, s, now);
  if (records === m.records && m.silentSince === -1 && load === m.load) return m;
  return member(m.name, m.cloneId, records, -1, load);
}

/**
 * `register_clone`: the clone goes to the head of the clone list (`add_clone_to_group`, unless
 * it is there already) and `last_scale_action` is stamped with `now`, the moment of
 * registration — spawn completion or adoption from stats.
 *
 * @example registerClone(initialGroup('web'), clone, 40e6).members.map((m) => m.name) // ['web', 'web-clone-1']
 */
export function registerClone(state: GroupState, clone: Member, now: Micros): GroupState {
  const list = state.members;
  let members = list;
  if (indexOfMember(list, clone.name) < 0) {
    const next: Member[] = [list[0]!, clone];
    for (let j = 1; j < list.length; j++) next.push(list[j]!);
    members = next;
  }
  return groupState(state, members, state.highTicks, state.lowTicks, now, state.lastAverage);
}

/**
 * `remove_clone`, run once albatross confirms the destroy (`prune_clone`): the clone leaves the
 * list and `last_scale_action` is stamped with `now`, the moment of removal.
 *
 * @example removeClone(group, 'web-clone-1', 50e6).lastScaleAction // 50e6
 */
export function removeClone(state: GroupState, name: string, now: Micros): GroupState {
  const members = state.members.filter((m) => m.name !== name);
  return groupState(state, members, state.highTicks, state.lowTicks, now, state.lastAverage);
}

/** `remove_cooldown`: the stamp back to the epoch, so the next high ticks may act at once. */
export function removeCooldown(state: GroupState): GroupState {
  return groupState(state, state.members, state.highTicks, state.lowTicks, null, state.lastAverage);
}

/**
 * `evaluate_scaling`'s average on the primary's record: the members' last loads summed and
 * divided by their number in integer arithmetic (`total_usage / List.length`) — a clone without
 * a record yet counts at the load it was registered with. With `exclude_booting` only members
 * with a full interval count. null when no member counts.
 *
 * @example groupAverage(ctx, [primaryAt100, cloneAt0]) // 50
 */
export function groupAverage(ctx: GroupContext, members: readonly Member[]): number | null {
  const excludeBooting = ctx.options.exclude_booting;
  let sum = 0;
  let n = 0;
  for (let i = 0; i < members.length; i++) {
    const m = members[i]!;
    if (excludeBooting && m.records < 2) continue;
    sum += m.load;
    n++;
  }
  return n === 0 ? null : Math.trunc(sum / n);
}

/**
 * Round evaluation: what a member's sample adds to the round, given how many records the engine
 * had seen from the member before it (0 for one it did not know): its load — 0 for the first
 * record the engine sees — or null when `exclude_booting` leaves a member without a full
 * interval out of the average.
 */
export function roundLoad(ctx: GroupContext, seenBefore: number, s: StatsSample, now: Micros): number | null {
  if (seenBefore === 0) return ctx.options.exclude_booting ? null : 0;
  return sampleLoad(ctx, s, now);
}

/** The clone a scale-down removes: the head of the list (faithful, the newest registered) or the highest id. */
export function scaleDownVictim(ctx: GroupContext, members: readonly Member[]): Member {
  let victim = members[1]!; // List.hd clones
  if (ctx.options.scale_down_victim === 'highest_id') {
    for (let j = 2; j < members.length; j++) if (members[j]!.cloneId > victim.cloneId) victim = members[j]!;
  }
  return victim;
}

/**
 * `evaluate_scaling`: tick counters, cooldown, then at most one scaling action, in the upstream
 * order, for the integer group `average` over `members` (the list the caller has just updated,
 * which replaces the state's). Overloaded: both counters reset, `last_scale_action` = now, and
 * a clone spawn is asked for (it joins the group only when created, `onSpawnResult`); an
 * over-long clone name stops there. Underloaded: the same, and the head clone is to be destroyed
 * (it stays in the group until the destroy is confirmed, `onDestroyResult`). Returns the state's
 * own no-op decision when nothing moves.
 */
export function groupStatus(ctx: GroupContext, state: GroupState, members: readonly Member[], average: number, now: Micros): Decision {
  const { config, options } = ctx;
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
      const next = groupState(state, members, 0, 0, now, lastAverage);
      const name = nextCloneName(members, state.group);
      if (name === null) return decision(next, [{ type: 'spawn_refused', group: state.group, reason: 'name_too_long' }]);
      return decision(next, [{ type: 'spawn_clone', group: state.group, name }]);
    }
  } else if (!cooling && lowTicks >= config.scale_down_trigger_ticks) {
    if (!(options.enforce_limits && members.length <= ctx.policy.minInstances)) {
      const victim = scaleDownVictim(ctx, members);
      const next = groupState(state, members, 0, 0, now, lastAverage);
      return decision(next, [{ type: 'destroy_clone', group: state.group, name: victim.name, reason: 'scale_down' }]);
    }
  }
  if (members === state.members && highTicks === state.highTicks && lowTicks === state.lowTicks && lastAverage === state.lastAverage) return state.unchanged;
  return decision(groupState(state, members, highTicks, lowTicks, state.lastScaleAction, lastAverage), NO_ACTIONS);
}

/**
 * The group a round is decided on: the state itself while managed; a forgotten group comes
 * back, fresh, when its primary's stats arrive again (`handle_stats` creates a group for a
 * primary it does not know); otherwise null (the round is ignored).
 */
export function managedFor(state: GroupState, samples: readonly StatsSample[], count: number): GroupState | null {
  if (state.managed) return state;
  return reported(samples, count, state.group) ? initialGroup(state.group) : null;
}

/**
 * `handle_stats` for a round of stats samples of this group's unikernels, in the order
 * albatross-stats pushed them (`count` samples of `samples`). Per sample: a running
 * `<group>-clone-<id>` the group does not know is registered (`registerClone`, which stamps
 * the cooldown); its member is updated (`updateMemberMetrics`); faithful — when the sample is
 * the primary's the group is evaluated (`groupAverage`, `groupStatus`), so clones after the
 * primary in the round still count with their previous value. `round_evaluation`: one
 * evaluation after all samples, on this round's samples only (and, with
 * `require_primary_record`, only when the primary's is among them). `silence_is_death`: members
 * missing from the round become silent, and the long silent are pruned.
 */
export function coreOnStats(ctx: GroupContext, state: GroupState, samples: readonly StatsSample[], count: number, now: Micros): Decision {
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
    let list: readonly Member[] = members ?? current.members;
    let index = indexOfMember(list, s.name);
    if (index < 0) {
      const id = cloneIdOf(current.group, s.name);
      if (id === null) continue; // not ours
      // a running clone the group does not know: register it (handle_stats → register_clone)
      current = registerClone(members === null ? current : withMembers(current, members), member(s.name, id, 0, -1, 0), now);
      members = null;
      list = current.members;
      index = 1;
      (actions ??= []).push({ type: 'adopt', group: current.group, name: s.name });
    } else {
      matched++;
    }
    const m = list[index]!;
    const updated = updateMemberMetrics(ctx, m, s, now);
    if (updated !== m) {
      members ??= list.slice();
      members[index] = updated;
    }
    if (round) {
      const load = roundLoad(ctx, m.records, s, now);
      if (load !== null) {
        sum += load;
        n++;
      }
    } else if (s.name === current.primary) {
      const d = evaluateOnPrimary(ctx, current, members ?? current.members, now);
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
  if (round && current.managed && n > 0 && roundCounts(ctx, current, samples, count)) {
    const d = groupStatus(ctx, current, members ?? current.members, Math.trunc(sum / n), now);
    if (actions === null) return d;
    current = d.state;
    if (d.actions.length > 0) actions.push(...d.actions);
  } else if (members !== null) {
    current = withMembers(current, members);
  }
  return decision(current, actions ?? NO_ACTIONS);
}

/** Round evaluation: is this round evaluated? Not, with `require_primary_record`, without the primary's record. */
export function roundCounts(ctx: GroupContext, state: GroupState, samples: readonly StatsSample[], count: number): boolean {
  return !ctx.options.require_primary_record || reported(samples, count, state.primary);
}

/** Evaluation on the primary's record: `groupAverage` then `groupStatus` (nothing when no member counts). */
function evaluateOnPrimary(ctx: GroupContext, state: GroupState, members: readonly Member[], now: Micros): Decision {
  const average = groupAverage(ctx, members);
  if (average === null) return members === state.members ? state.unchanged : withMembers(state, members).unchanged;
  return groupStatus(ctx, state, members, average, now);
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
 * sample counted or the round was not evaluated); evaluation on the primary's record: the last
 * average it kept (`after`).
 *
 * @example evaluatedAverage(ctx, before, after, samples, count, now) // 95 (percent)
 */
export function evaluatedAverage(ctx: GroupContext, before: GroupState, after: GroupState, samples: readonly StatsSample[], count: number, now: Micros): number | null {
  if (!ctx.options.round_evaluation) return after.lastAverage;
  const start = managedFor(before, samples, count);
  if (start === null || !roundCounts(ctx, start, samples, count)) return null;
  let sum = 0;
  let n = 0;
  for (let i = 0; i < count; i++) {
    const s = samples[i]!;
    const index = indexOfMember(start.members, s.name);
    if (index < 0 && cloneIdOf(start.group, s.name) === null) continue;
    const load = roundLoad(ctx, index < 0 ? 0 : start.members[index]!.records, s, now);
    if (load === null) continue;
    sum += load;
    n++;
  }
  return n === 0 ? null : Math.trunc(sum / n) / loadScale(ctx);
}

/**
 * The sync pass (`run_prune_dead_clusters` → `sync_group`), run every `death_timeout`: compare
 * the group with the unikernels that are running. Clones no longer running are dropped. If the
 * primary is gone the group is forgotten and, as shipped, its clones are left running
 * unmanaged (`orphan`); the corrected variant destroys them or promotes the oldest clone.
 */
export function onSync(ctx: GroupContext, state: GroupState, isRunning: (name: string) => boolean, now: Micros): Decision {
  void now;
  if (!state.managed) return state.unchanged;
  return prune(ctx, state, isRunning);
}

/** `sync_group` on a liveness test: drop dead clones; a dead primary ends the group (`primary_death`). */
function prune(ctx: GroupContext, state: GroupState, alive: (name: string) => boolean): Decision {
  let all = true;
  for (let i = 0; i < state.members.length && all; i++) all = alive(state.members[i]!.name);
  if (all) return state.unchanged; // the usual sync pass: nothing to drop, nothing allocated
  const survivors = state.members.filter((m) => alive(m.name));
  const primaryAlive = survivors.some((m) => m.name === state.primary);
  if (primaryAlive) return withMembers(state, survivors).unchanged;
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
 * The outcome of a spawn (`spawn_clone`), at the moment it is known. `created`: the clone is
 * registered with a copy of the primary's last load and the stamp set to `now`. `failed` (the
 * binary could not be fetched or albatross did not create the unikernel): `remove_cooldown`.
 * `refused` (block devices, primary not found, no CPU in the policy): an error without
 * `remove_cooldown`, so the stamp of the decision stays and the next try waits a full cooldown.
 * A forgotten group ignores the outcome.
 *
 * @example onSpawnResult(ctx, state, 'web-clone-1', 'failed', now).state.lastScaleAction // null
 */
export function onSpawnResult(ctx: GroupContext, state: GroupState, name: string, outcome: SpawnOutcome, now: Micros): Decision {
  void ctx;
  if (!state.managed) return state.unchanged;
  switch (outcome) {
    case 'created': {
      const primary = state.members[0]!;
      return registerClone(state, member(name, cloneIdOf(state.group, name) ?? 0, 0, -1, primary.load), now).unchanged;
    }
    case 'failed':
      return removeCooldown(state).unchanged;
    case 'refused':
      return state.unchanged;
  }
}

/**
 * Albatross confirmed a destroy (`prune_clone` → `remove_clone`): the clone leaves the group
 * and the stamp is set to `now`. A forgotten group ignores it.
 *
 * @example onDestroyResult(ctx, state, 'web-clone-2', 60e6).state.lastScaleAction // 60e6
 */
export function onDestroyResult(ctx: GroupContext, state: GroupState, name: string, now: Micros): Decision {
  void ctx;
  if (!state.managed) return state.unchanged;
  return removeClone(state, name, now).unchanged;
}
