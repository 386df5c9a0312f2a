/**
 * The vm-monitor inside each VM, after neondatabase/neon `libs/vm_monitor/src/runner.rs`
 * (read at commit 90c01135: `Config::cgroup_threshold`, `Runner::try_downscale`,
 * `Runner::handle_upscale`, the upscale-request branch of `Runner::run`) — behaviour reproduced,
 * not code.
 *
 * It samples the VM's non-reclaimable memory every 100 ms and keeps an average. Its threshold is
 * (total × (1 − 0.15)) truncated to bytes: at start of the VM's memory, then of the usable memory
 * (memory − 100 MiB) the agent last told it about (an upscale notice or an approved downscale).
 * When the average reaches the threshold it asks the agent for more memory, at most once a
 * second. It approves a downscale to `target` memory only if the new threshold
 * (0.85 × (target − 100 MiB), truncated) ≥ average + 100 MiB; with at most one sample it denies;
 * CPU is never checked.
 */
import type { Micros } from '../../kernel/time.js';
import { MiB } from './resources.js';

export interface MonitorConfig {
  /** Fraction of memory at which an upscale is requested, and of usable memory a downscale may fill (0.85). */
  threshold: number;
  /** Least time between two upscale requests (1 s). */
  minUpscaleInterval: Micros;
  /** Memory kept back from the usable amount (100 MiB). */
  reservedBytes: number;
  /** Margin added to the usage on downscale (100 MiB). */
  marginBytes: number;
}

export const DEFAULT_MONITOR_CONFIG: MonitorConfig = { threshold: 0.85, minUpscaleInterval: 1_000_000, reservedBytes: 100 * MiB, marginBytes: 100 * MiB };

/** The monitor's own memory between calls. */
export interface MonitorState {
  lastUpscaleRequestAt: Micros | null;
  /** Bytes of average usage at which it asks for more (`CgroupState.threshold`). */
  threshold: number;
}

/**
 * The threshold for `totalBytes` of memory (`Config::cgroup_threshold`): truncated threshold × total.
 *
 * @example cgroupThreshold(cfg, 4 GiB) // floor(0.85 × 4294967296) = 3650722201
 */
export function cgroupThreshold(cfg: MonitorConfig, totalBytes: number): number {
  return Math.floor(totalBytes * cfg.threshold);
}

/** The threshold after the agent announces `memoryBytes` (`handle_upscale`, an approved downscale): of memory − 100 MiB. */
export function thresholdFor(cfg: MonitorConfig, memoryBytes: number): number {
  return cgroupThreshold(cfg, Math.max(0, memoryBytes - cfg.reservedBytes));
}

/**
 * Whether to ask for more memory at `now` given the average usage, and the earliest time to check
 * again while the pressure lasts.
 *
 * @example wantsUpscale(cfg, { lastUpscaleRequestAt: null, threshold: thresholdFor(cfg, 4 GiB) }, 3.5 GiB, t) // 3584 MiB ≥ 0.85 × 3996 MiB → true
 */
export function wantsUpscale(cfg: MonitorConfig, s: MonitorState, averageBytes: number, now: Micros): { request: boolean; recheckAt: Micros | null } {
  if (averageBytes < s.threshold) return { request: false, recheckAt: null };
  const last = s.lastUpscaleRequestAt;
  if (last !== null && now - last < cfg.minUpscaleInterval) return { request: false, recheckAt: last + cfg.minUpscaleInterval };
  return { request: true, recheckAt: now + cfg.minUpscaleInterval };
}

/**
 * The downscale verdict for a target memory size.
 *
 * @example approveDownscale(cfg, 2 GiB, 5, 3 GiB) // usable 2972 MiB × 0.85 = 2526.2 MiB ≥ 2148 MiB → approved
 */
export function approveDownscale(cfg: MonitorConfig, averageBytes: number, samples: number, targetBytes: number): { ok: boolean; reason: string } {
  if (samples <= 1) return { ok: false, reason: 'not enough memory samples' };
  const allowed = thresholdFor(cfg, targetBytes);
  const need = averageBytes + cfg.marginBytes;
  if (allowed >= need) return { ok: true, reason: 'approved' };
  return { ok: false, reason: `${Math.round(need / MiB)} MiB needed, ${Math.round(allowed / MiB)} MiB allowed` };
}

/**
 * The file cache size the monitor sets for a VM of `memoryBytes`: min((mem − 256 MiB) / 1.1,
 * 0.75 × mem), in whole MiB (never negative).
 *
 * @example fileCacheBytes(4 GiB) // min(3490.9, 3072) → 3072 MiB
 */
export function fileCacheBytes(memoryBytes: number): number {
  const a = (memoryBytes - 256 * MiB) / 1.1;
  const b = 0.75 * memoryBytes;
  return Math.max(0, Math.floor(Math.min(a, b) / MiB)) * MiB;
}
