/**
 * The autoscaler-agent's decision core, after neondatabase/autoscaling `pkg/agent/core/state.go`
 * (`nextActions`, `calculatePluginAction`, `calculateNeonVMAction`,
 * `calculateMonitorUpscaleAction`, `calculateMonitorDownscaleAction`,
 * `desiredResourcesFromMetricsOrRequestedUpscaling`, `clampResources`) — behaviour reproduced,
 * not code.
 *
 * As upstream, the state is plain data owned by the caller (one per VM); the caller records what
 * happened through the small update functions below (`pluginStarting`, `neonvmDone`,
 * `monitorDenied`, …, upstream's handle methods), and `nextActions(cfg, state, now)` is a pure
 * function of (config, state, now): it reads no clock, draws no random numbers and changes
 * nothing, and returns the requests to make now plus how long to wait before asking again.
 *
 * Order of operations that follows from it: upscale = permit from the scheduler plugin, then
 * NeonVM resizes to at most the permit, then the vm-monitor is told, one unit per request.
 * Downscale = the vm-monitor approves one unit per request, NeonVM resizes down to at most what
 * was approved, then the plugin is told at its next request.
 */
import type { Micros } from '../../kernel/time.js';
import { goalCU, goalParts, systemGoalCU, type LfcConfig, type ScalingConfig, type SystemMetrics } from './goal.js';
import { addRes, COMPUTE_UNIT, hasFieldGreater, hasFieldLess, maxRes, sameRes, satSub, type Resources } from './resources.js';

/** Agent configuration: scaling targets plus the request timings (µs), upstream names in comments. */
export interface AgentConfig extends ScalingConfig, LfcConfig {
  computeUnit: Resources;
  /** `enableLFCMetrics` (false): read the LFC working-set buckets every 15 s and size for them. */
  enableLFCMetrics: boolean;
  /** `scheduler.requestAtLeastEverySeconds` (15 s). */
  pluginRequestTick: Micros;
  /** `scheduler.retryFailedRequestSeconds` (3 s). */
  pluginRetryWait: Micros;
  /** `scheduler.retryDeniedUpscaleSeconds` (2 s). */
  pluginDeniedRetryWait: Micros;
  /** `neonvm.retryFailedRequestSeconds` (5 s). */
  neonvmRetryWait: Micros;
  /** `monitor.retryFailedRequestSeconds` (3 s). */
  monitorRetryWait: Micros;
  /** `monitor.retryDeniedDownscaleSeconds` (5 s). */
  monitorDeniedDownscaleCooldown: Micros;
  /** `monitor.requestedUpscaleValidSeconds` (10 s). */
  monitorRequestedUpscaleValidPeriod: Micros;
  /**
   * Never ask the plugin for less than a NeonVM resize in flight (scalelab option
   * `plugin_request_floor: in-flight`). Upstream bounds a new request by what the VM uses only;
   * its NeonVM request is an API call of milliseconds, while here it lasts the hot-plug, so
   * without this a request for less could free room another VM is then granted.
   */
  requestFloorInFlight: boolean;
}

/** One VM's agent state (upstream `state`, without revisions and logging). */
export interface AgentState {
  vm: { using: Resources; min: Resources; max: Resources };
  metrics: SystemMetrics | null;
  /** LFC working-set buckets in 8 KiB pages (bucket k: the last k + 1 minutes), when read. */
  lfc: readonly number[] | null;
  plugin: {
    ongoing: boolean;
    lastRequest: { at: Micros; resources: Resources } | null;
    permit: Resources | null;
    lastFailureAt: Micros | null;
    /** The random 0–100 ms the executor takes off the request tick, drawn by the caller per request. */
    tickJitter: Micros;
  };
  neonvm: { ongoing: Resources | null; failedAt: Micros | null };
  monitor: {
    active: boolean;
    approved: Resources | null;
    ongoing: { kind: 'upscale' | 'downscale'; requested: Resources } | null;
    requestedUpscale: { at: Micros; base: Resources; cpu: boolean; mem: boolean } | null;
    deniedDownscale: { at: Micros; current: Resources; requested: Resources } | null;
    upscaleFailureAt: Micros | null;
    downscaleFailureAt: Micros | null;
  };
}

/** What to do now (upstream `ActionSet`); `wait` null when nothing needs a wake-up. */
export interface ActionSet {
  pluginRequest: { lastPermit: Resources | null; target: Resources } | null;
  neonvmRequest: { current: Resources; target: Resources } | null;
  monitorUpscale: { current: Resources; target: Resources } | null;
  monitorDownscale: { current: Resources; target: Resources } | null;
  /** Ask again after this long (µs), or null. */
  wait: Micros | null;
}

/** A fresh agent for a VM using `using` between `min` and `max`, monitor connected or not. */
export function newAgentState(using: Resources, min: Resources, max: Resources, monitorActive = true): AgentState {
  return {
    vm: { using, min, max },
    metrics: null,
    lfc: null,
    plugin: { ongoing: false, lastRequest: null, permit: null, lastFailureAt: null, tickJitter: 0 },
    neonvm: { ongoing: null, failedAt: null },
    monitor: { active: monitorActive, approved: monitorActive ? using : null, ongoing: null, requestedUpscale: null, deniedDownscale: null, upscaleFailureAt: null, downscaleFailureAt: null },
  };
}

/**
 * Clamp `desired` toward `current` per field (`clampResources`): a decrease is held at
 * `lower`, an increase at `upper` (null: unbounded).
 *
 * @example clampResources({cpu:1000,mem:4},{cpu:500,mem:8},{cpu:750,mem:4},{cpu:1000,mem:6}) // {cpu:750, mem:6}
 */
export function clampResources(current: Resources, desired: Resources, lower: Resources | null, upper: Resources | null): Resources {
  let cpu = desired.cpu;
  if (desired.cpu < current.cpu && lower !== null) cpu = Math.max(desired.cpu, lower.cpu);
  else if (desired.cpu > current.cpu && upper !== null) cpu = Math.min(desired.cpu, upper.cpu);
  let mem = desired.mem;
  if (desired.mem < current.mem && lower !== null) mem = Math.max(desired.mem, lower.mem);
  else if (desired.mem > current.mem && upper !== null) mem = Math.min(desired.mem, upper.mem);
  return cpu === desired.cpu && mem === desired.mem ? desired : { cpu, mem };
}

/** The goal's parts from what the agent has read (LFC only when enabled and read). */
export function goalPartsOf(cfg: AgentConfig, s: AgentState): ReturnType<typeof goalParts> {
  return goalParts(cfg, s.metrics, cfg.computeUnit, s.lfc !== null ? { cfg, buckets: s.lfc } : null);
}

/**
 * The goal in whole compute units from what the agent has read: `goalCU(goalPartsOf(cfg, s))`,
 * computed without the parts object while no LFC buckets were read (0 before any metrics).
 *
 * @example agentGoalCU(cfg, s) // with load1 = load5 = 0.9 and 1 GiB in use: ceil(max(round(4), 1.33)) = 4
 */
export function agentGoalCU(cfg: AgentConfig, s: AgentState): number {
  if (s.lfc !== null) return goalCU(goalPartsOf(cfg, s));
  return s.metrics === null ? 0 : systemGoalCU(cfg, s.metrics, cfg.computeUnit);
}

/** System metrics read, and LFC metrics too when enabled (`hasAllMetrics`). */
export function hasAllMetrics(cfg: AgentConfig, s: AgentState): boolean {
  return s.metrics !== null && (!cfg.enableLFCMetrics || s.lfc !== null);
}

/** The desired resources and, if they depend on a timed override, when that override ends. */
export interface Desired {
  resources: Resources;
  /** The goal in whole CUs before overrides and clamping (for metrics). */
  goalCU: number;
  /** Time until requested upscaling stops mattering, µs (null when it did not matter). */
  requestedUpscaleWait: Micros | null;
  /** Time until a denied downscale stops mattering, µs (null when it did not matter). */
  deniedDownscaleWait: Micros | null;
}

/**
 * The desired resources (`desiredResourcesFromMetricsOrRequestedUpscaling`): the goal from the
 * metrics; raised for 10 s to 1 + floor(base / unit) by a monitor upscale request; raised for
 * 5 s to 1 + floor(denied / unit) after a denied downscale; without metrics never below what
 * the VM uses; clamped to [min, max]; then after a denied downscale at least one unit above
 * the denied amount per field (capped at what the VM had then).
 */
export function desiredResources(cfg: AgentConfig, s: AgentState, now: Micros): Desired {
  const unit = cfg.computeUnit;
  const base = agentGoalCU(cfg, s);
  let goal = base;
  let requestedUpscaleWait: Micros | null = null;
  let deniedDownscaleWait: Micros | null = null;
  const ru = s.monitor.requestedUpscale;
  const ruLeft = ru === null ? 0 : ru.at + cfg.monitorRequestedUpscaleValidPeriod - now;
  if (ru !== null && ruLeft > 0) {
    let req = 0;
    if (ru.cpu) req = Math.max(req, 1 + Math.floor(ru.base.cpu / unit.cpu));
    if (ru.mem) req = Math.max(req, 1 + Math.floor(ru.base.mem / unit.mem));
    if (req > base) {
      goal = Math.max(goal, req);
      requestedUpscaleWait = ruLeft;
    }
  }
  const dd = s.monitor.deniedDownscale;
  const ddLeft = dd === null ? 0 : dd.at + cfg.monitorDeniedDownscaleCooldown - now;
  let deniedAffected = false;
  if (dd !== null && ddLeft > 0) {
    const req = Math.max(1 + Math.floor(dd.requested.cpu / unit.cpu), 1 + Math.floor(dd.requested.mem / unit.mem));
    if (req > base) {
      deniedAffected = true;
      goal = Math.max(goal, req);
    }
  }
  // the goal in resources (without all metrics never below what the VM uses), clamped to
  // [min, max] per field; the VM's own `using` record when equal (no allocation in the steady state)
  const { using, min, max } = s.vm;
  let cpu = unit.cpu * goal;
  let mem = unit.mem * goal;
  if (!hasAllMetrics(cfg, s)) {
    cpu = Math.max(cpu, using.cpu);
    mem = Math.max(mem, using.mem);
  }
  cpu = Math.max(Math.min(cpu, max.cpu), min.cpu);
  mem = Math.max(Math.min(mem, max.mem), min.mem);
  let result: Resources = cpu === using.cpu && mem === using.mem ? using : { cpu, mem };
  if (dd !== null && ddLeft > 0) {
    const floor: Resources = {
      cpu: Math.min(dd.current.cpu, unit.cpu * (1 + Math.floor(dd.requested.cpu / unit.cpu))),
      mem: Math.min(dd.current.mem, unit.mem * (1 + Math.floor(dd.requested.mem / unit.mem))),
    };
    const raised = maxRes(result, floor);
    if (!sameRes(raised, result)) deniedAffected = true;
    result = raised;
  }
  if (deniedAffected) deniedDownscaleWait = ddLeft;
  return { resources: result, goalCU: base, requestedUpscaleWait, deniedDownscaleWait };
}

/** A part of `nextActions` with no request and nothing to wait for (shared, never changed). */
const NOTHING = Object.freeze({ req: null, wait: null });

/** The request to the scheduler plugin, if one is due (`calculatePluginAction`), and the wait. */
function pluginAction(cfg: AgentConfig, s: AgentState, now: Micros, desired: Resources): { req: ActionSet['pluginRequest']; wait: Micros | null } {
  const p = s.plugin;
  const using = s.vm.using;
  // never below what the VM uses: a decrease happens before the plugin is told
  const current = s.neonvm.ongoing !== null ? maxRes(using, s.neonvm.ongoing) : using;
  const clamped = clampResources(using, desired, using, null);
  const requestResources = cfg.requestFloorInFlight ? maxRes(clamped, current) : clamped;
  const untilTick = p.lastRequest === null ? 0 : cfg.pluginRequestTick - p.tickJitter - (now - p.lastRequest.at);
  const timeForRequest = untilTick <= 0;
  const previouslyDenied = !p.ongoing && p.lastRequest !== null && p.permit !== null && hasFieldGreater(p.lastRequest.resources, p.permit);
  const untilDeniedRetry = previouslyDenied ? p.lastRequest!.at + cfg.pluginDeniedRetryWait - now : 0;
  const waitingOnDenied = untilDeniedRetry > 0;
  const wantNew = p.lastRequest !== null && p.permit !== null && !sameRes(requestResources, p.permit);
  const shouldRequestNew = wantNew && !waitingOnDenied;
  const target = shouldRequestNew ? requestResources : current;
  if (p.ongoing) return NOTHING;
  if (p.lastFailureAt !== null) {
    const left = p.lastFailureAt + cfg.pluginRetryWait - now;
    if (left > 0) return { req: null, wait: left };
  }
  if (timeForRequest || shouldRequestNew) return { req: { lastPermit: p.permit, target }, wait: null };
  return { req: null, wait: waitingOnDenied ? Math.min(untilTick, untilDeniedRetry) : untilTick };
}

/** The resize to ask NeonVM for, if any (`calculateNeonVMAction`). */
function neonvmAction(cfg: AgentConfig, s: AgentState, now: Micros, desired: Resources, pluginRequested: Resources | null): { req: ActionSet['neonvmRequest']; wait: Micros | null } {
  const using = s.vm.using;
  const lower = s.monitor.approved ?? using;
  const upper = s.plugin.permit ?? using;
  const target = clampResources(using, desired, lower, upper);
  if (sameRes(using, target)) return NOTHING;
  const conflicting = pluginRequested !== null && hasFieldLess(pluginRequested, target);
  if (s.neonvm.ongoing !== null || conflicting) return NOTHING;
  if (s.neonvm.failedAt !== null) {
    const left = s.neonvm.failedAt + cfg.neonvmRetryWait - now;
    if (left > 0) return { req: null, wait: left };
  }
  return { req: { current: using, target }, wait: null };
}

/** Tell the monitor about more resources, one unit at a time (`calculateMonitorUpscaleAction`). */
function monitorUpscaleAction(cfg: AgentConfig, s: AgentState, now: Micros, desired: Resources): { req: ActionSet['monitorUpscale']; wait: Micros | null } {
  const m = s.monitor;
  if (!m.active || m.approved === null) return NOTHING;
  const approved = m.approved;
  // the VM uses no more than the monitor approved: nothing to tell (what the clamps below give)
  if (s.vm.using.cpu <= approved.cpu && s.vm.using.mem <= approved.mem) return NOTHING;
  let req = clampResources(approved, s.vm.using, approved, maxRes(desired, approved));
  req = clampResources(approved, req, null, addRes(approved, cfg.computeUnit));
  if (sameRes(req, approved)) return NOTHING;
  if (m.ongoing !== null) return NOTHING;
  if (m.upscaleFailureAt !== null) {
    const left = m.upscaleFailureAt + cfg.monitorRetryWait - now;
    if (left > 0) return { req: null, wait: left };
  }
  return { req: { current: approved, target: req }, wait: null };
}

/** Ask the monitor to approve one unit less (`calculateMonitorDownscaleAction`). */
function monitorDownscaleAction(cfg: AgentConfig, s: AgentState, now: Micros, desired: Resources, plannedUpscale: boolean): { req: ActionSet['monitorDownscale']; wait: Micros | null } {
  const m = s.monitor;
  if (!m.active || m.approved === null) return NOTHING;
  const approved = m.approved;
  // nothing desired below what the monitor approved: no downscale (what the clamps below give)
  if (desired.cpu >= approved.cpu && desired.mem >= approved.mem) return NOTHING;
  let req = clampResources(approved, desired, null, approved);
  req = clampResources(approved, req, satSub(approved, cfg.computeUnit), null);
  if (sameRes(req, approved)) return NOTHING;
  if (plannedUpscale || m.ongoing !== null) return NOTHING;
  if (m.downscaleFailureAt !== null) {
    const left = m.downscaleFailureAt + cfg.monitorRetryWait - now;
    if (left > 0) return { req: null, wait: left };
  }
  return { req: { current: approved, target: req }, wait: null };
}

/**
 * Everything the agent should do at `now` (`nextActions`): the plugin request, the NeonVM
 * resize, the monitor upscale notice and the monitor downscale request (upscale first: a
 * planned upscale notice holds back a downscale request), and the shortest of the waits.
 * Pure: `s` is not changed.
 */
export function nextActions(cfg: AgentConfig, s: AgentState, now: Micros): ActionSet {
  const d = desiredResources(cfg, s, now);
  const plugin = pluginAction(cfg, s, now, d.resources);
  const pluginRequested = s.plugin.ongoing ? s.plugin.lastRequest!.resources : plugin.req !== null ? plugin.req.target : null;
  const neonvm = neonvmAction(cfg, s, now, d.resources, pluginRequested);
  const up = monitorUpscaleAction(cfg, s, now, d.resources);
  const down = monitorDownscaleAction(cfg, s, now, d.resources, up.req !== null);
  let wait: Micros | null = null;
  if (d.deniedDownscaleWait !== null && down.req === null && s.monitor.ongoing === null) wait = d.deniedDownscaleWait;
  wait = earliest(wait, d.requestedUpscaleWait);
  wait = earliest(wait, plugin.wait);
  wait = earliest(wait, neonvm.wait);
  wait = earliest(wait, up.wait);
  wait = earliest(wait, down.wait);
  return { pluginRequest: plugin.req, neonvmRequest: neonvm.req, monitorUpscale: up.req, monitorDownscale: down.req, wait };
}

/** The shorter of two waits, null meaning none. @example earliest(null, 5) // 5 */
function earliest(a: Micros | null, b: Micros | null): Micros | null {
  return b !== null && (a === null || b < a) ? b : a;
}

// --- updates: what happened (upstream's PluginHandle, NeonVMHandle, MonitorHandle) -----------

/** New metrics from the VM (`UpdateSystemMetrics`). */
export function metricsUpdated(s: AgentState, m: SystemMetrics): void {
  s.metrics = m;
}

/** New LFC working-set buckets (`UpdateLFCMetrics`). */
export function lfcUpdated(s: AgentState, buckets: readonly number[]): void {
  s.lfc = buckets;
}

/**
 * A plugin request for `resources` leaves now; `jitter` is taken off the next request tick. The
 * agent's one `lastRequest` record is updated in place after the first request.
 */
export function pluginStarting(s: AgentState, now: Micros, resources: Resources, jitter: Micros = 0): void {
  const last = s.plugin.lastRequest;
  if (last === null) s.plugin.lastRequest = { at: now, resources };
  else {
    last.at = now;
    last.resources = resources;
  }
  s.plugin.ongoing = true;
  s.plugin.tickJitter = jitter;
}

/** The plugin's answer: the permit (an invalid one counts as a failure, as upstream). */
export function pluginAnswered(s: AgentState, now: Micros, permit: Resources): boolean {
  s.plugin.ongoing = false;
  const asked = s.plugin.lastRequest!.resources;
  if (hasFieldGreater(permit, asked) || hasFieldLess(permit, s.vm.using)) {
    s.plugin.lastFailureAt = now;
    return false;
  }
  s.plugin.permit = permit;
  return true;
}

/** The plugin request failed (timeout, error). */
export function pluginFailed(s: AgentState, now: Micros): void {
  s.plugin.ongoing = false;
  s.plugin.lastFailureAt = now;
}

/** A NeonVM resize to `resources` starts. */
export function neonvmStarting(s: AgentState, resources: Resources): void {
  s.neonvm.ongoing = resources;
}

/** The NeonVM resize is done: the VM uses the new resources. */
export function neonvmDone(s: AgentState): void {
  s.vm.using = s.neonvm.ongoing!;
  s.neonvm.ongoing = null;
}

/** The NeonVM resize failed. */
export function neonvmFailed(s: AgentState, now: Micros): void {
  s.neonvm.ongoing = null;
  s.neonvm.failedAt = now;
}

/** The vm-monitor asks for more memory (`UpscaleRequested`). */
export function monitorRequestedUpscale(s: AgentState, now: Micros, cpu: boolean, mem: boolean): void {
  if (s.monitor.approved === null) return;
  s.monitor.requestedUpscale = { at: now, base: s.monitor.approved, cpu, mem };
}

/** An upscale notice or a downscale request to the monitor leaves now. */
export function monitorStarting(s: AgentState, kind: 'upscale' | 'downscale', resources: Resources): void {
  s.monitor.ongoing = { kind, requested: resources };
  if (kind === 'upscale') s.monitor.upscaleFailureAt = null;
  else s.monitor.downscaleFailureAt = null;
}

/** The monitor took the upscale notice, or approved the downscale. */
export function monitorApproved(s: AgentState): void {
  s.monitor.approved = s.monitor.ongoing!.requested;
  s.monitor.ongoing = null;
}

/** The monitor denied the downscale (`DownscaleRequestDenied`). */
export function monitorDenied(s: AgentState, now: Micros): void {
  s.monitor.deniedDownscale = { at: now, current: s.monitor.approved!, requested: s.monitor.ongoing!.requested };
  s.monitor.ongoing = null;
}

/** A monitor request failed. */
export function monitorFailed(s: AgentState, now: Micros): void {
  const kind = s.monitor.ongoing?.kind;
  s.monitor.ongoing = null;
  if (kind === 'upscale') s.monitor.upscaleFailureAt = now;
  else s.monitor.downscaleFailureAt = now;
}

/** The default agent configuration (autoscaler-agent config_map.yaml), durations in µs. */
export const DEFAULT_AGENT_CONFIG: AgentConfig = {
  computeUnit: COMPUTE_UNIT,
  loadAverageFractionTarget: 0.9,
  memoryUsageFractionTarget: 0.75,
  cpuStableZoneRatio: 0,
  cpuMixedZoneRatio: 0,
  pluginRequestTick: 15_000_000,
  pluginRetryWait: 3_000_000,
  pluginDeniedRetryWait: 2_000_000,
  neonvmRetryWait: 5_000_000,
  monitorRetryWait: 3_000_000,
  monitorDeniedDownscaleCooldown: 5_000_000,
  monitorRequestedUpscaleValidPeriod: 10_000_000,
  requestFloorInFlight: true,
  enableLFCMetrics: false,
  memoryTotalFractionTarget: 0.9,
  lfcToMemoryRatio: 0.75,
  lfcWindowSizeMinutes: 5,
  lfcMinWaitBeforeDownscaleMinutes: 5,
  lfcUseLargestWindow: false,
};
