/**
 * The vm-monitor inside each VM, after neondatabase/neon `libs/vm_monitor` (the cgroup watcher's
 * memory-pressure check and `Runner::try_downscale`) — behaviour reproduced, not code.
 *
 * It samples the VM's non-reclaimable memory (active + inactive anon) every 100 ms and keeps the
 * average of the last 5 samples. When that average reaches 0.85 × the VM's memory it asks the
 * agent for more memory, at most once a second. It approves a downscale to `target` memory only
 * if 0.85 × (target − 100 MiB) ≥ average + 100 MiB; with at most one sample it denies; CPU is
 * never checked.
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
}

/**
 * Whether to ask for more memory at `now` given the average usage and the VM's memory, and the
 * earliest time to check again while the pressure lasts.
 *
 * @example wantsUpscale(cfg, { lastUpscaleRequestAt: null }, 3.5 GiB, 4 GiB, t) // 3.5 ≥ 0.85 × 4 = 3.4 → true
 */
export function wantsUpscale(cfg: MonitorConfig, s: MonitorState, averageBytes: number, memoryBytes: number, now: Micros): { request: boolean; recheckAt: Micros | null } {
  if (averageBytes < cfg.threshold * memoryBytes) return { request: false, recheckAt: null };
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
  const usable = targetBytes - cfg.reservedBytes;
  const allowed = cfg.threshold * usable;
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
