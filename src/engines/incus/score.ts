/**
 * The score arithmetic of Incus's cluster rebalancer (`cmd/incusd/api_cluster_rebalance.go`,
 * `calculateScore`, `clusterRebalance`, `clusterRebalanceServers`), in three flavours:
 *
 * - `uint8` (as shipped): every score is a Go `uint8`. `uint8(f)` of a float64 compiles to a
 *   conversion to int32 followed by keeping the low 8 bits, so a CPU part of 260 % becomes 4, and
 *   the sum before halving wraps too: mem 90 + cpu 170 → 260 → 4 → score 2 (an overloaded host
 *   looks idle). Out of the int32 range the result depends on the CPU the leader runs on: x86
 *   (`CVTTSD2SL`) yields 0x80000000, so the low byte is 0; arm64 and the others saturate to
 *   0x7FFFFFFF, low byte 255 (NaN → 0 everywhere but x86).
 * - `saturating`: every uint8 operation clamps at 0 and 255 instead of wrapping.
 * - `wide`: the same formulas in wide integers — no wrap, no cap (a host at 170 % CPU scores
 *   above 100).
 *
 * All functions are pure and allocation-free.
 */

/** How the rebalancer's uint8 arithmetic is done. */
export type ScoreArithmetic = 'uint8' | 'saturating' | 'wide';

/** How Go converts an out-of-range float to a small integer on the leader's CPU. */
export type FloatConversion = 'x86' | 'saturating';

/** The float conversion a leader of architecture `arch` (an Incus architecture name) performs. */
export function floatConversionOf(arch: string): FloatConversion {
  return arch === 'x86_64' || arch === 'i686' || arch === 'amd64' || arch === 'i386' ? 'x86' : 'saturating';
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/**
 * Go's `uint8(x)` for a float64 `x`: truncate toward zero into an int32 (Cvt64Fto32), keep the
 * low 8 bits (Trunc32to8).
 *
 * @example goUint8(260.7, 'x86') // 4
 * @example goUint8(-1, 'x86')    // 255
 * @example goUint8(6.7e9, 'x86') // 0   (out of int32 range: 0x80000000)
 * @example goUint8(6.7e9, 'saturating') // 255 (0x7FFFFFFF)
 */
export function goUint8(x: number, conversion: FloatConversion): number {
  let i: number;
  if (Number.isNaN(x)) i = conversion === 'x86' ? INT32_MIN : 0;
  else {
    const t = Math.trunc(x);
    if (t > INT32_MAX) i = conversion === 'x86' ? INT32_MIN : INT32_MAX;
    else if (t < INT32_MIN) i = INT32_MIN;
    else i = t;
  }
  return i & 0xff;
}

/** A float clamped into [0, 255] after truncation (saturating uint8). */
function satUint8(x: number): number {
  if (!(x > 0)) return 0; // also NaN
  const t = Math.trunc(x);
  return t > 255 ? 255 : t;
}

/** A float truncated toward zero (wide integer); NaN → 0. */
function wideInt(x: number): number {
  return Number.isNaN(x) ? 0 : Math.trunc(x);
}

/**
 * What `calculateScore` reads of a member (`ServerUsage`): memory used and total (bytes), the
 * 1-minute load average and the hardware thread count.
 */
export interface Usage {
  memoryUsage: number;
  memoryTotal: number;
  cpuUsage: number;
  cpuTotal: number;
}

/**
 * `calculateScore(su, au)`: the member's usage `su` plus an optional addition `au` (all four
 * fields added, as upstream), then
 * `mem = uint8(memUsage × 100 / memTotal)`, `cpu = uint8(cpuUsage × 100 / cpuTotal)`,
 * `score = (mem + cpu) / 2` in the chosen arithmetic.
 *
 * @example score('uint8', 'x86', { memoryUsage: 90, memoryTotal: 100, cpuUsage: 1.7, cpuTotal: 1 }) // (90 + 170) & 255 = 4 → 2
 */
export function score(arith: ScoreArithmetic, conversion: FloatConversion, su: Usage, au: Usage | null = null): number {
  let memoryUsage = su.memoryUsage;
  let memoryTotal = su.memoryTotal;
  let cpuUsage = su.cpuUsage;
  let cpuTotal = su.cpuTotal;
  if (au !== null) {
    memoryUsage += au.memoryUsage;
    memoryTotal += au.memoryTotal;
    cpuUsage += au.cpuUsage;
    cpuTotal += au.cpuTotal;
  }
  return scoreOf(arith, conversion, (memoryUsage * 100) / memoryTotal, (cpuUsage * 100) / cpuTotal);
}

/** The score from the two float percentages, in the chosen arithmetic. */
export function scoreOf(arith: ScoreArithmetic, conversion: FloatConversion, memPercent: number, cpuPercent: number): number {
  switch (arith) {
    case 'uint8':
      return ((goUint8(memPercent, conversion) + goUint8(cpuPercent, conversion)) & 0xff) >> 1;
    case 'saturating': {
      const sum = satUint8(memPercent) + satUint8(cpuPercent);
      return (sum > 255 ? 255 : sum) >> 1;
    }
    case 'wide':
      return Math.floor((wideInt(memPercent) + wideInt(cpuPercent)) / 2);
  }
}

/**
 * `targetScore := (srcServer.Score + chosenScore.Score) / 2`: the midpoint between the source's
 * and the target's initial scores, in the chosen arithmetic (uint8: the sum wraps).
 *
 * @example midpoint('uint8', 200, 100) // (300 & 255) >> 1 = 22
 * @example midpoint('wide', 200, 100)  // 150
 */
export function midpoint(arith: ScoreArithmetic, a: number, b: number): number {
  switch (arith) {
    case 'uint8':
      return ((a + b) & 0xff) >> 1;
    case 'saturating':
      return (a + b > 255 ? 255 : a + b) >> 1;
    case 'wide':
      return Math.floor((a + b) / 2);
  }
}

/**
 * The imbalance the threshold is compared with. Relative (as shipped):
 * `int64(float64(max − min) / float64(max) × 100)`; absolute: `max − min` in score points.
 *
 * @example imbalance('relative', 50, 40) // 20
 * @example imbalance('absolute', 50, 40) // 10
 */
export function imbalance(mode: 'relative' | 'absolute', max: number, min: number): number {
  if (mode === 'absolute') return max - min;
  return Math.trunc(((max - min) / max) * 100);
}
