/**
 * Linux load averages, exactly as the kernel computes them (kernel/sched/loadavg.c) and prints
 * them in /proc/loadavg (fs/proc/loadavg.c), which Incus reads for `GET /1.0/resources`.
 *
 * Every LOAD_FREQ (5 s) the number of runnable (and uninterruptible) tasks, `active`, updates
 * three exponentially-damped averages in 11-bit fixed point (FIXED_1 = 2048):
 *
 *     newload = load · e + active · (FIXED_1 − e);  if active ≥ load: newload += FIXED_1 − 1
 *     load    = newload / FIXED_1            (integer division)
 *
 * with e = EXP_1 = 1884 ≈ 2048 / exp(5 s / 1 min), EXP_5 = 2014, EXP_15 = 2037, and `active` the
 * task count × FIXED_1. /proc/loadavg adds FIXED_1/200 and prints `LOAD_INT.LOAD_FRAC` with two
 * decimals: int = x >> 11, frac = ((x & 2047) · 100) >> 11.
 *
 * The simulator's runnable work is a fractional number of threads (a VM demanding 0.5 cores has
 * a vCPU thread runnable half the time); `active` is that expectation in fixed point,
 * `round(runnable × 2048)`, rather than a sampled whole count.
 */

export const FSHIFT = 11;
export const FIXED_1 = 1 << FSHIFT;
export const EXP_1 = 1884;
export const EXP_5 = 2014;
export const EXP_15 = 2037;
/** Seconds between two load-average updates (LOAD_FREQ). */
export const LOAD_FREQ_SECONDS = 5;

/**
 * One update of a fixed-point load average (`calc_load`).
 *
 * @example calcLoad(0, EXP_1, 2 * FIXED_1) // 328  (0.16 after one 5 s sample of 2 runnable tasks)
 */
export function calcLoad(load: number, exp: number, active: number): number {
  let newload = load * exp + active * (FIXED_1 - exp);
  if (active >= load) newload += FIXED_1 - 1;
  return Math.floor(newload / FIXED_1);
}

/** Runnable work (threads, fractional) as the kernel's fixed-point `active`. */
export function activeOf(runnable: number): number {
  return runnable > 0 ? Math.round(runnable * FIXED_1) : 0;
}

/**
 * The value /proc/loadavg prints for a fixed-point average, as a number with two decimals
 * (what Incus parses): `LOAD_INT(x + FIXED_1/200) + LOAD_FRAC(x + FIXED_1/200) / 100`.
 *
 * @example reported(328) // 0.16
 */
export function reported(load: number): number {
  const x = load + FIXED_1 / 200;
  const whole = x >> FSHIFT;
  const frac = ((x & (FIXED_1 - 1)) * 100) >> FSHIFT;
  return (whole * 100 + frac) / 100;
}

/** A member's three load averages in fixed point. */
export interface LoadAverages {
  avg1: number;
  avg5: number;
  avg15: number;
}

/** One LOAD_FREQ sample of `runnable` threads into `la` (mutated). */
export function sampleLoad(la: LoadAverages, runnable: number): void {
  const active = activeOf(runnable);
  la.avg1 = calcLoad(la.avg1, EXP_1, active);
  la.avg5 = calcLoad(la.avg5, EXP_5, active);
  la.avg15 = calcLoad(la.avg15, EXP_15, active);
}
