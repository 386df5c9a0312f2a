/** Ratios between bench cases measured side by side. */
import { quantileSorted } from '../vendor/statistics.js';

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

/**
 * The median of the round-by-round ratios `a[i] / b[i]` of two cases run in turn (round i: one
 * run of each): each round's two runs see one state of the machine, so a VM that switches speed
 * between rounds moves both alike. Rounds beyond the shorter list are left out; NaN without a
 * round.
 *
 * @example pairedRatio([1.4, 1.8, 1.5], [0.29, 0.36, 0.3]) // median(4.83, 5, 5) = 5
 */
export function pairedRatio(a: readonly number[], b: readonly number[]): number {
  const ratios = a.slice(0, b.length).map((x, i) => x / b[i]!);
  if (ratios.length === 0) return Number.NaN;
  // the median as the run metrics take it (metrics/stats.ts): the sorted list's 0.5 quantile
  return quantileSorted(ratios.sort((x, y) => x - y), 0.5);
}

/** A run's timing with the stats records it took. */
export interface RecordTiming extends RunTiming {
  readonly events: number;
}

/**
 * What one more stats record costs, in ns: the run minus the same case cut to its set-up and
 * first round, over the records taken after them. A whole run's time over its records also
 * counts the per-group set-up, which a case shortened in duration spreads over fewer records.
 *
 * @example marginalNsPerRecord({ wallSeconds: 4.5, events: 26_010_000 }, { wallSeconds: 0.5, events: 10_000 }, 'wall') // (4.5 − 0.5) s / 26,000,000 = 153.8 ns
 */
export function marginalNsPerRecord(run: RecordTiming, setup: RecordTiming, clock: 'wall' | 'CPU'): number {
  return ((clockSeconds(run, clock) - clockSeconds(setup, clock)) / (run.events - setup.events)) * 1e9;
}

/**
 * A whole run's cost a stats record, in ns, set-up included.
 *
 * @example nsPerRecord({ wallSeconds: 1.5, events: 15_000_000 }, 'wall') // 100
 */
export function nsPerRecord(run: RecordTiming, clock: 'wall' | 'CPU'): number {
  return (clockSeconds(run, clock) / run.events) * 1e9;
}

/** A run's wall seconds, or its process CPU seconds (NaN when it has none). */
function clockSeconds(r: RunTiming, clock: 'wall' | 'CPU'): number {
  return clock === 'wall' ? r.wallSeconds : (r.cpuSeconds ?? Number.NaN);
}

/**
 * The scenario override that cuts a PB1 case to its set-up and first round (10 simulated
 * seconds: only the round at 0) when the bench runs the case with the argument `setup`.
 *
 * @example setupOnly(['setup']) // ['duration=10s']
 * @example setupOnly([]) // []
 */
export function setupOnly(args: readonly string[]): string[] {
  return args[0] === 'setup' ? ['duration=10s'] : [];
}
