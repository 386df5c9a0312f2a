/**
 * CPU load arithmetic of the Albatross autoscaler: how a pair of stats records becomes a load
 * figure. Two versions: the one merged upstream (whole seconds, division before
 * multiplication) and the corrected one (integer microseconds, basis points, vCPU-aware).
 */
import type { Micros } from '../../kernel/time.js';

/**
 * CPU seconds of a record as mollymawk computes them: `sec + usec / 1_000_000` in integer
 * arithmetic, so the microseconds are always dropped. utime and stime are summed.
 *
 * @example wholeCpuSeconds(9, 999_999, 0, 500_000) // 9
 */
export function wholeCpuSeconds(utimeSec: number, utimeUsec: number, stimeSec: number, stimeUsec: number): number {
  return utimeSec + Math.trunc(utimeUsec / 1_000_000) + stimeSec + Math.trunc(stimeUsec / 1_000_000);
}

/**
 * Faithful load percentage between two receipts: `delta / elapsed * 100` with integer division
 * first, capped at 100; 0 when `elapsed ≤ 0` or `delta < 0`. `elapsed` is whole seconds
 * between the receipts.
 *
 * @example faithfulPercent(9, 10) // 0   (9 / 10 = 0 in integer division)
 * @example faithfulPercent(10, 10) // 100
 */
export function faithfulPercent(deltaCpuSeconds: number, elapsedSeconds: number): number {
  if (elapsedSeconds <= 0 || deltaCpuSeconds < 0) return 0;
  return Math.min(100, Math.trunc(deltaCpuSeconds / elapsedSeconds) * 100);
}

/** Whole seconds between two receipt times. @example elapsedWholeSeconds(0, 10_400_000) // 10 */
export function elapsedWholeSeconds(from: Micros, to: Micros): number {
  return Math.floor((to - from) / 1_000_000);
}

/**
 * Total CPU time of a record in integer microseconds.
 *
 * @example cpuMicros(9, 500_000, 0, 0) // 9_500_000
 */
export function cpuMicros(utimeSec: number, utimeUsec: number, stimeSec: number, stimeUsec: number): number {
  return (utimeSec + stimeSec) * 1_000_000 + utimeUsec + stimeUsec;
}

/**
 * Corrected load in basis points of the unikernel's vCPUs: CPU µs over wall µs × vCPUs,
 * multiplication before (integer) division, capped at 10 000 (100 %).
 *
 * @example basisPoints(9_500_000, 10_000_000, 1) // 9_500
 * @example basisPoints(9_500_000, 10_000_000, 2) // 4_750
 */
export function basisPoints(deltaCpuUs: number, wallUs: Micros, vcpus: number): number {
  if (wallUs <= 0 || deltaCpuUs < 0) return 0;
  return Math.min(10_000, Math.floor((deltaCpuUs * 10_000) / (wallUs * vcpus)));
}
