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
  /** Page-cache bytes (`MemoryCachedBytes`; used with LFC metrics only). */
  memoryCachedBytes?: number;
}

/** The goal's parts before rounding (`ScalingGoalParts`); null when metrics are missing. */
export interface GoalParts {
  cpu: number | null;
  mem: number | null;
  lfc?: number | null;
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

/**
 * The parts (`calculateGoalCU`): CPU and memory from the system metrics (nulls without them);
 * with LFC buckets also the LFC part, and the memory part raised to the memory-total part when
 * the working set is known (too few buckets: LFC part 0, no working set).
 */
export function goalParts(cfg: ScalingConfig, m: SystemMetrics | null, unit: Resources = COMPUTE_UNIT, lfc: { cfg: LfcConfig; buckets: readonly number[] } | null = null): GoalParts {
  const l = lfc === null ? null : lfcGoalCU(lfc.cfg, lfc.buckets, unit);
  const parts: GoalParts = m === null ? { cpu: null, mem: null } : { cpu: cpuGoalCU(cfg, m, unit), mem: memGoalCU(cfg, m, unit) };
  if (lfc !== null) parts.lfc = l === null ? 0 : l.cu;
  if (m !== null && l !== null && lfc !== null) parts.mem = Math.max(parts.mem!, memTotalGoalCU(lfc.cfg, m.memoryUsageBytes, m.memoryCachedBytes ?? 0, l.wssBytes, unit));
  return parts;
}

/**
 * The goal in whole compute units (`ScalingGoal.GoalCU`): ceil(max(round(cpu), mem)) — only the
 * CPU part goes through round(), for upstream's historical compatibility. Missing parts count 0.
 *
 * @example goalCU({ cpu: 2.4, mem: 2.1 }) // ceil(max(2, 2.1)) = 3
 */
export function goalCU(parts: GoalParts): number {
  return Math.ceil(Math.max(Math.round(parts.cpu ?? 0), parts.mem ?? 0, parts.lfc ?? 0, 0));
}

/**
 * The goal in whole compute units from the system metrics alone (no LFC buckets): the same
 * number as `goalCU(goalParts(cfg, m, unit))`, without building the parts — the agent's driver
 * computes it for every VM every 5 s.
 *
 * @example systemGoalCU(cfg, { load1: 0.54, load5: 0.5, memoryUsageBytes: 1.6 GiB }, unit) // ceil(max(round(2.4), 2.13)) = 3
 */
export function systemGoalCU(cfg: ScalingConfig, m: SystemMetrics, unit: Resources = COMPUTE_UNIT): number {
  return Math.ceil(Math.max(Math.round(cpuGoalCU(cfg, m, unit)), memGoalCU(cfg, m, unit), 0));
}

// --- LFC (local file cache) part, used when `enableLFCMetrics` is on ------------------------

/** LFC scaling keys (`api.ScalingConfig`), upstream names and defaults in comments. */
export interface LfcConfig {
  /** `memoryTotalFractionTarget` (0.9). */
  memoryTotalFractionTarget: number;
  /** `lfcToMemoryRatio` (0.75). */
  lfcToMemoryRatio: number;
  /** `lfcWindowSizeMinutes` (5). */
  lfcWindowSizeMinutes: number;
  /** `lfcMinWaitBeforeDownscaleMinutes` (5). */
  lfcMinWaitBeforeDownscaleMinutes: number;
  /** `lfcUseLargestWindow` (false). */
  lfcUseLargestWindow: boolean;
}

/** Bytes in one LFC page (the working-set buckets count 8 KiB pages). */
export const LFC_PAGE_BYTES = 8192;

/**
 * The working set from per-minute buckets (`EstimateTrueWorkingSetSize`): with w = window − 1,
 * scan t from `offset` while t < length − w; the first t where the rise ahead
 * max(0, s[t+w] − s[t]) exceeds `maxIncrease` × the rise behind max(0, s[t] − s[t−w]) gives
 * s[t]; otherwise the last bucket.
 *
 * @example estimateWorkingSet([1,2,3,4,5,6,7,20,40,60,80], 3, 4, 5) // t = 4: ahead 40 − 5 = 35 > 3 × (5 − 1) = 12 → 5
 */
export function estimateWorkingSet(series: readonly number[], maxIncrease: number, offset: number, window: number): number {
  const w = window - 1;
  for (let t = offset; t < series.length - w; t++) {
    const behind = Math.max(0, series[t]! - series[t - w]!);
    const ahead = Math.max(0, series[t + w]! - series[t]!);
    if (ahead > behind * maxIncrease) return series[t]!;
  }
  return series[series.length - 1]!;
}

/**
 * The highest value projected one step ahead (`ProjectNextHighest`): over the series, with
 * x1 = max(x0, next) (decreases ignored), max of x1 + (x1 − x0) × projectLen, and the first value.
 *
 * @example projectNextHighest([10, 14, 12], 0.5) // 14 + 4 × 0.5 = 16
 */
export function projectNextHighest(series: readonly number[], projectLen: number): number {
  let highest = series[0]!;
  for (let i = 1; i < series.length; i++) {
    const x0 = series[i - 1]!;
    const x1 = Math.max(x0, series[i]!);
    highest = Math.max(highest, x1 + (x1 - x0) * projectLen);
  }
  return highest;
}

/**
 * The LFC part of the goal (`calculateLFCGoalCU`) from working-set buckets in pages (bucket k =
 * pages touched in the last k + 1 minutes): null with fewer than offset + window buckets
 * (offset = lfcMinWaitBeforeDownscaleMinutes − 1); else the estimate (or the last bucket with
 * `lfcUseLargestWindow`), projected one minute ahead over the buckets from `offset` up to the
 * first above the estimate, in bytes, / lfcToMemoryRatio / CU memory. Returns the CU and the
 * working set in bytes.
 */
export function lfcGoalCU(cfg: LfcConfig, buckets: readonly number[], unit: Resources = COMPUTE_UNIT): { cu: number; wssBytes: number } | null {
  const offset = cfg.lfcMinWaitBeforeDownscaleMinutes - 1;
  const window = cfg.lfcWindowSizeMinutes;
  if (buckets.length < offset + window) return null;
  const estimate = cfg.lfcUseLargestWindow ? buckets[buckets.length - 1]! : estimateWorkingSet(buckets, 3, offset, window);
  let end = offset;
  while (end < buckets.length && buckets[end]! <= estimate) end++;
  const predicted = projectNextHighest(buckets.slice(0, end), 0.5);
  const wssBytes = predicted * LFC_PAGE_BYTES;
  return { cu: wssBytes / cfg.lfcToMemoryRatio / unit.mem, wssBytes };
}

/**
 * The memory part with the cache (`calculateMemTotalGoalCU`): (min(working set, cached) + usage)
 * / memoryTotalFractionTarget / CU memory; the goal's memory part is the larger of this and the
 * plain memory part.
 *
 * @example memTotalGoalCU(cfg, 1 GiB usage, 4 GiB cached, 2 GiB wss) // (2 + 1) / 0.9 = 3.33 CU
 */
export function memTotalGoalCU(cfg: LfcConfig, usageBytes: number, cachedBytes: number, wssBytes: number, unit: Resources = COMPUTE_UNIT): number {
  return (Math.min(wssBytes, cachedBytes) + usageBytes) / cfg.memoryTotalFractionTarget / unit.mem;
}
