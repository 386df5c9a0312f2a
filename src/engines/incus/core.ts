/**
 * Who decides in an Incus run: the world (`src/run/incus.ts`) calls an `IncusCore` at each of
 * the rebalancer's entry points and carries out the actions it returns. The built-in core keeps
 * the engine's state (`IncusState`) in a closure and calls the pure functions of engine.ts; the
 * external core (`src/engines/external/incus.ts`) sends each call as a protocol request and keeps
 * no engine state at all — the engine on the other side does.
 */
import type { Micros } from '../../kernel/time.js';
import {
  initialState,
  onDaemonStart,
  onLeaderChange,
  onMigrationResult,
  onTick,
  wakeAt,
  type ClusterView,
  type IncusAction,
  type IncusContext,
  type IncusState,
} from './engine.js';

/**
 * What one call of the core returns: the actions to carry out in order, and when to call `tick`
 * next (`null`: no tick is pending — the world cancels the one it had). A `Decision` is one.
 */
export interface IncusStep {
  readonly actions: readonly IncusAction[];
  readonly wakeAt: Micros | null;
}

/** The rebalancer's entry points, as the world calls them. */
export interface IncusCore {
  /** The run starts (t = 0): the first wake-up. */
  init(view: ClusterView, now: Micros): IncusStep;
  /** The leader's task ticks at `now` (the last `wakeAt`). */
  tick(view: ClusterView, now: Micros): IncusStep;
  /** The migration the run waits for ended at `now`. */
  migrationResult(view: ClusterView, ok: boolean, now: Micros): IncusStep;
  /** The daemon on member `member` started again at `now`. */
  daemonStart(view: ClusterView, member: number, now: Micros): IncusStep;
  /** Leadership moved (or went away) at `now`. */
  leaderChange(view: ClusterView, now: Micros): IncusStep;
}

const NO_ACTIONS: readonly IncusAction[] = Object.freeze([]);

/**
 * The built-in core: engine.ts's pure functions over one `IncusState`, kept here between calls.
 * It returns the engine's `Decision` objects as they are (no copy), so the built-in path costs one
 * indirect call per decision more than calling engine.ts directly.
 *
 * @example const core = builtinIncusCore(ctx); schedule(core.init(view, 0).wakeAt) // 60 s after the leader's daemon started (6.21+)
 */
export function builtinIncusCore(ctx: IncusContext): IncusCore {
  let state: IncusState | null = null;
  const current = (): IncusState => {
    if (state === null) throw new Error('the incus core was called before init');
    return state;
  };
  const keep = <D extends { readonly state: IncusState }>(d: D): D => {
    state = d.state;
    return d;
  };
  return {
    init(view, now) {
      state = initialState(view, ctx);
      return { actions: NO_ACTIONS, wakeAt: wakeAt(state, view, now) };
    },
    tick: (view, now) => keep(onTick(ctx, current(), view, now)),
    migrationResult: (view, ok, now) => keep(onMigrationResult(ctx, current(), view, ok, now)),
    daemonStart: (view, member, now) => keep(onDaemonStart(ctx, current(), view, member, now)),
    leaderChange: (view, now) => keep(onLeaderChange(ctx, current(), view, now)),
  };
}
