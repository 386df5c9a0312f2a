/**
 * The autoscaler-agent's goal in compute units from a VM's metrics (neondatabase/autoscaling
 * `pkg/agent/core/goalcu.go`: `calculateGoalCU`, `calculateCPUGoalCU`, `blendingFactor`,
 * `calculateMemGoalCU`, `ScalingGoal.GoalCU`). Behaviour reproduced, not code.
 */
import { COMPUTE_UNIT, type Resources } from './resources.js';

/** The scaling configuration (`api.ScalingConfig`), upstream names. */
export interface ScalingConfig {
  loadAverageFractionTarget: number;
  memoryUsageFractionTarget: number;
  cpuStableZoneRatio: number;
  cpuMixedZoneRatio: number;
}

/** What the agent reads from the VM every 5 s (`SystemMetrics`). */
export interface SystemMetrics {
  /** `host_load1`, `host_load5` as the VM's /proc/loadavg prints them. */
  load1: number;
  load5: number;
  /** total − available + 100 MiB, bytes (`MemoryUsageBytes`). */
  memoryUsageBytes: number;
}

/** The goal's parts before rounding (`ScalingGoalParts`); null when metrics are missing. */
export interface GoalParts {
  cpu: number | null;
  mem: number | null;
}

/**
 * Weight of load1 against load5 (`blendingFactor`): 0 at or below `t1`, 1 at or above `t2`,
 * linear between (with upstream's 1e-6 guard in the divisor).
 *
 * @example blendingFactor(0.5, 0, 0) // 1 — with both zone ratios 0 any difference selects load1
 */
export function blendingFactor(value: number, t1: number, t2: number): number {
  if (value <= t1) return 0;
  if (value >= t2) return 1;
  return (value - t1) / (t2 - t1 + 1e-6);
}

/**
 * CPU part in (fractional) compute units: blended load / loadAverageFractionTarget / vCPU per CU.
 *
 * @example cpuGoalCU(cfg, { load1: 1.8, load5: 1, … }) // 1.8 / 0.9 / 0.25 = 8
 */
export function cpuGoalCU(cfg: ScalingConfig, m: SystemMetrics, unit: Resources = COMPUTE_UNIT): number {
  const stable = cfg.cpuStableZoneRatio * m.load5;
  const mixed = stable + cfg.cpuMixedZoneRatio * m.load5;
  const w = blendingFactor(Math.abs(m.load1 - m.load5), stable, mixed);
  const load = w * m.load1 + (1 - w) * m.load5;
  return load / cfg.loadAverageFractionTarget / (unit.cpu / 1000);
}

/**
 * Memory part in (fractional) compute units: round(usage / memoryUsageFractionTarget) bytes / CU memory.
 *
 * @example memGoalCU(cfg, { memoryUsageBytes: 3 GiB, … }) // round(3 GiB / 0.75) / 1 GiB = 4
 */
export function memGoalCU(cfg: ScalingConfig, m: SystemMetrics, unit: Resources = COMPUTE_UNIT): number {
  return Math.round(m.memoryUsageBytes / cfg.memoryUsageFractionTarget) / unit.mem;
}

/** Both parts, or nulls without metrics (`calculateGoalCU` without LFC). */
export function goalParts(cfg: ScalingConfig, m: SystemMetrics | null, unit: Resources = COMPUTE_UNIT): GoalParts {
  if (m === null) return { cpu: null, mem: null };
  return { cpu: cpuGoalCU(cfg, m, unit), mem: memGoalCU(cfg, m, unit) };
}

/**
 * The goal in whole compute units (`ScalingGoal.GoalCU`): ceil(max(round(cpu), mem)) — only the
 * CPU part goes through round(), for upstream's historical compatibility. Missing parts count 0.
 *
 * @example goalCU({ cpu: 2.4, mem: 2.1 }) // ceil(max(2, 2.1)) = 3
 */
export function goalCU(parts: GoalParts): number {
  return Math.ceil(Math.max(Math.round(parts.cpu ?? 0), parts.mem ?? 0, 0));
}
