/**
 * A fast path for the usual round of round evaluation, kept outside the core: one sample from
 * every member, each heard before and not silent, so no member changes and only the tick
 * counters can. It decides exactly as `coreOnStats` (a property test feeds both the same
 * random rounds, test/albatross-steady.test.ts) and returns null for any other round.
 */
import type { Micros } from '../../kernel/time.js';
import { groupStatus, indexOfMember, isHigh, isLow, sampleLoad, type Decision, type GroupContext, type GroupState, type StatsSample } from './core.js';

/**
 * The steady round's decision, or null when the round is not that case. A sample is looked for
 * at its own position, then anywhere (samples come sorted by name, clones are listed newest
 * first; groups are small). Kept small so that V8 inlines it into the stats round.
 *
 * @example steadyRound(ctx, state, samples, state.members.length, now) // state.unchanged in a quiet round
 */
export function steadyRound(ctx: GroupContext, state: GroupState, samples: readonly StatsSample[], count: number, now: Micros): Decision | null {
  if (!ctx.options.round_evaluation || !state.managed || count !== state.members.length || count === 0) return null;
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
  return steadyDecision(ctx, state, count, Math.trunc(sum / count), now);
}

/**
 * The decision of a steady round (see `steadyRound`) of `count` = every member, once the group
 * `average` is known: what `groupStatus` decides on the members as they are.
 *
 * @example steadyDecision(ctx, state, 2, 5_000, now) // state.unchanged: between the thresholds, counters at 0
 */
export function steadyDecision(ctx: GroupContext, state: GroupState, count: number, average: number, now: Micros): Decision {
  // the usual round: neither high nor low with both counters at 0, so nothing moves (what
  // `groupStatus` would find, without its call)
  if (state.highTicks === 0 && state.lowTicks === 0 && !isHigh(ctx, average) && !isLow(ctx, average, count - 1)) return state.unchanged;
  return groupStatus(ctx, state, state.members, average, now);
}
