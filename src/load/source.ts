/**
 * Where demand comes from. A load source yields the CPU demand, in cores, of one or more
 * series over simulated time. It is pulled, not pushed: the world asks for the demand in
 * effect from time `t` on, with `t` never decreasing, so a recorded trace can be read as a
 * stream (memory independent of its length) and a synthetic one computed on the fly.
 */
import type { Micros } from '../kernel/time.js';

export interface LoadSource {
  /** Names of the series this source yields, in the order of `out` slots. */
  readonly names: readonly string[];
  /**
   * Write the demand (cores, ≥ 0) of each series in effect from time `t` until the next call
   * into `out[offset + i]`. Calls come with non-decreasing `t`.
   */
  sample(t: Micros, out: Float64Array, offset: number): void;
  /** Release files or buffers. */
  close(): void;
  /** Warnings when the source does not cover simulated time [0, end) (a trace starting late, ending early); one line each. */
  coverage?(end: Micros): string[];
}
