/**
 * The Albatross engine as the simulator and the live adapter call it: the pure core
 * (core.ts, one function per upstream step) behind one entry per observation, with the
 * steady-round fast path (steady.ts) tried first. Everything else is re-exported from the core.
 */
import type { Micros } from '../../kernel/time.js';
import { coreOnStats, type Decision, type GroupContext, type GroupState, type StatsSample } from './core.js';
import { steadyRound } from './steady.js';

export * from './core.js';

/**
 * A round of stats samples for one group (`count` samples of `samples`, in albatross-stats
 * order): the fast path when it applies, else the core. Same decision either way.
 *
 * @example onStats(ctx, initialGroup('web'), [sample], 1, 0).state.members[0].records // 1
 */
export function onStats(ctx: GroupContext, state: GroupState, samples: readonly StatsSample[], count: number, now: Micros): Decision {
  return steadyRound(ctx, state, samples, count, now) ?? coreOnStats(ctx, state, samples, count, now);
}
