/**
 * The Neon driver's fast path: agent core calls it may skip because their answer is known.
 * Outside the core on purpose (engines/neon/agent.ts stays the plain upstream logic); every rule
 * here is checked against `nextActions` itself by test/neon-quiet.test.ts on random states.
 *
 * 1. A quiet agent stays quiet. When `nextActions(cfg, s, t0)` asked for nothing and said "wait
 *    w" (or nothing to wait for), then at any later t < t0 + w, with the same state apart from
 *    new system metrics that give the same goal in compute units, `nextActions` again asks for
 *    nothing and waits until the same instant t0 + w. Every time-dependent branch of the core is
 *    a deadline (next plugin tick, denied-upscale retry, failure retries, requested-upscale and
 *    denied-downscale windows) and each deadline that can change its answer is among the waits
 *    it reports — except one: the denied-downscale window's wait is not reported while a monitor
 *    request is in flight, so then the rule is off (`mayStayQuiet`). With LFC metrics the goal
 *    has more inputs than the system metrics; the rule is off too.
 * 2. After a plugin request alone, the next round is quiet. When `nextActions` asked only for a
 *    plugin request, then right after `pluginStarting` it asks for nothing and reports the same
 *    wait: the desired resources do not depend on the plugin state, the NeonVM part sees the
 *    same planned request (now the request in flight) and the same permit, the monitor parts do
 *    not read the plugin state, and the plugin part, now waiting for its answer, reports no wait
 *    (as it reported none while asking).
 *
 * 3. A steady request answered in full keeps the agent quiet. Call a plugin request *steady*
 *    when the agent held a permit P, its previous request was for exactly P (so it was not
 *    waiting on a denied upscale), and the new request's target is P again. When such a request
 *    left at t0 with tick jitter j, every call since it left was quiet until D (rule 1's
 *    instant, Infinity for none) with the same goal, and the plugin answers P at t1 < min(D,
 *    t0 + tick − j), then right after `pluginAnswered` the core asks for nothing and waits until
 *    min(D, t0 + tick − j): the desired resources are those of the quiet call (t1 < D); the plugin
 *    part sees no failure (none blocked the request), no denial (P = target) and nothing new to
 *    ask (the resources it would request were P when it asked, and nothing they depend on has
 *    changed), so it reports its next tick; the NeonVM part loses the in-flight request it was
 *    checked against, but that never blocked it (a resize target above P in some field is
 *    clamped to the permit P = target); the monitor parts do not read the plugin state.
 * 4. At that tick the steady request repeats. When the agent is still quiet from rule 3 (same
 *    state, same goal) and is woken at its tick t = t0 + tick − j < D, the core asks for a plugin
 *    request alone, for target P with last permit P (the same amounts as the steady request),
 *    and reports the wait D − t (none when D is Infinity): the tick is due, nothing else changed.
 *    Rule 2 then gives the next round.
 *
 * Times are integer microseconds, so t0 + w − t is exact.
 */
import type { Micros } from '../kernel/time.js';
import type { ActionSet, AgentConfig, AgentState } from '../engines/neon/agent.js';
import { sameRes, type Resources } from '../engines/neon/resources.js';

/** Whether `a` asks for anything. @example anyAction({ pluginRequest: null, …, wait: 5 }) // false */
export function anyAction(a: ActionSet): boolean {
  return a.pluginRequest !== null || a.neonvmRequest !== null || a.monitorUpscale !== null || a.monitorDownscale !== null;
}

/** Whether `a` asks for a plugin request and nothing else (rule 2 applies after it starts). */
export function onlyPluginRequest(a: ActionSet): boolean {
  return a.pluginRequest !== null && a.neonvmRequest === null && a.monitorUpscale === null && a.monitorDownscale === null;
}

/**
 * Whether rule 1 may be used for agent `s` after a quiet call: metrics read, no LFC metrics, and
 * no denied downscale while a monitor request is in flight.
 */
export function mayStayQuiet(cfg: AgentConfig, s: AgentState): boolean {
  return !cfg.enableLFCMetrics && s.metrics !== null && !(s.monitor.deniedDownscale !== null && s.monitor.ongoing !== null);
}

/**
 * Until when (exclusive) a call at `now` that asked for nothing and reported `wait` stays the
 * answer (rule 1): `now + wait`, or Infinity when there was nothing to wait for.
 *
 * @example quietUntil(10_000_000, 5_000_000) // 15_000_000
 */
export function quietUntil(now: Micros, wait: Micros | null): Micros {
  return wait === null ? Infinity : now + wait;
}

/**
 * Whether a plugin request for `target`, about to leave, is steady (rule 3): the agent holds a
 * permit, its previous request asked for exactly that permit, and `target` is that permit again.
 * Read before `pluginStarting`.
 *
 * @example steadyRequest(s, cu(2)) // true when s.plugin.permit and s.plugin.lastRequest.resources are 2 CU
 */
export function steadyRequest(s: AgentState, target: Resources): boolean {
  const { permit, lastRequest } = s.plugin;
  return permit !== null && lastRequest !== null && sameRes(lastRequest.resources, permit) && sameRes(target, permit);
}

/**
 * The plugin tick of the request in flight or last sent: t0 + tick − jitter, when rule 3 says
 * the next request is due.
 *
 * @example pluginTickAt(cfg, s) // 25_000_000 − 40_000 for a request sent at 10 s with 40 ms jitter and a 15 s tick
 */
export function pluginTickAt(cfg: AgentConfig, s: AgentState): Micros {
  return s.plugin.lastRequest!.at + cfg.pluginRequestTick - s.plugin.tickJitter;
}

/**
 * Rule 3: until when (exclusive) the agent stays quiet after the plugin answered at `now`, or −1
 * when the rule does not apply. `steady`: the request was steady (`steadyRequest`), asked alone,
 * `pluginAnswered` accepted the permit and it is the amount asked for; `quietAt`: until when every
 * call since the request left was quiet with the current goal (−1 when not known); `tickAt`: the
 * request's tick (`pluginTickAt`).
 *
 * @example steadyAnswerQuietUntil(10_020_000, true, Infinity, 24_960_000) // 24_960_000: the next tick
 */
export function steadyAnswerQuietUntil(now: Micros, steady: boolean, quietAt: Micros, tickAt: Micros): Micros {
  if (!steady || now >= quietAt || now >= tickAt) return -1;
  return Math.min(quietAt, tickAt);
}
