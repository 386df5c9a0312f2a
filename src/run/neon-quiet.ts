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
 * Times are integer microseconds, so t0 + w − t is exact.
 */
import type { Micros } from '../kernel/time.js';
import type { ActionSet, AgentConfig, AgentState } from '../engines/neon/agent.js';

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
