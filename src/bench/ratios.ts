/** Ratios between bench cases measured side by side. */

/** A run's timing: wall time, and process CPU time where the case measures it. */
export interface RunTiming {
  readonly wallSeconds: number;
  readonly cpuSeconds?: number;
}

/**
 * The ratio of the fastest run of each side, by process CPU time (wall time when a run has no
 * CPU time). On a VM whose speed drifts during a set (every function of a run slower alike, the
 * baseline's runs too), the least-disturbed run of each side is the closest to the work's own
 * cost, as Python's `timeit` advises for repeated timings.
 *
 * @example leastDisturbedRatio([{ wallSeconds: 13, cpuSeconds: 12 }, { wallSeconds: 18, cpuSeconds: 17 }], [{ wallSeconds: 7, cpuSeconds: 7 }, { wallSeconds: 7, cpuSeconds: 6 }]) // 2
 */
export function leastDisturbedRatio(model: readonly RunTiming[], baseline: readonly RunTiming[]): number {
  const best = (runs: readonly RunTiming[]): number => Math.min(...runs.map((r) => r.cpuSeconds ?? r.wallSeconds));
  return best(model) / best(baseline);
}
