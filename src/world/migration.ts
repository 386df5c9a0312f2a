/**
 * Live migration as Incus drives QEMU (`driver_qemu.go`, `migrateSendLive`): iterative pre-copy
 * of the guest's RAM with auto-converge always on, after Clark et al., "Live Migration of
 * Virtual Machines" (NSDI 2005), with QEMU's own rules for when the dirty bitmap is synced, when
 * the guest is throttled and when it switches over.
 *
 * What Incus sets and what QEMU then does by default (QEMU `migration/options.c`, `ram.c`,
 * `cpu-throttle.c`):
 * - Incus sets no `max-bandwidth`, so QEMU's `MAX_THROTTLE` applies: 128 MiB/s. The migration
 *   stream gets min(that, its share of the link).
 * - Incus sets capability `auto-converge` and parameters `cpu-throttle-initial` 50 and
 *   `throttle-trigger-threshold` 20; QEMU's `cpu-throttle-increment` (10) and
 *   `max-cpu-throttle` (99) stay at their defaults. At each dirty-bitmap sync at least one second
 *   after the last evaluation (`migration_bitmap_sync`), `migration_trigger_throttle` compares the
 *   bytes newly dirtied in the period with 20 % of the bytes sent in it; every second time they
 *   exceed it (`dirty_rate_high_cnt >= 2`) `mig_throttle_guest_down` starts the throttle at 50 %
 *   or raises it by 10 points, up to 99 %. A throttled guest runs (100 − p) % of the time, so it
 *   dirties memory (and does work) at (100 − p) % of its rate.
 * - After the first pass the bitmap is synced at least every 5 s
 *   (`CPU_THROTTLE_DIRTY_SYNC_TIMESLICE_MS`), and when a pass has sent everything pending.
 * - Switchover (stop-and-copy) as soon as what is pending after a sync fits in the downtime limit
 *   (`downtime-limit`, default 300 ms): pending ≤ B · L. There is no cap on passes.
 *
 * The model, in bytes and seconds (B bandwidth, D the guest's dirty rate, M its memory):
 *
 *     setup; optional root-disk copy at the link's share (Incus sends the disk itself, outside
 *     QEMU's rate limit); pass 1 sends M in M / B, the guest dirtying min(M, D · M / B) (no sync,
 *     so no throttle, during the first pass); then sync intervals of Δ = min(5 s, R / B):
 *     R ← R − B Δ + added, added = min(D (100 − p)/100 · Δ, M − (R − B Δ)); throttle evaluation;
 *     switchover when R ≤ B · L; downtime = R / B + the fixed switchover cost.
 *
 * `maxRounds` (> 0) forces the switchover after that many syncs (not a QEMU behaviour; 0, the
 * default, is QEMU's "no cap"). A guest that still outruns the link at 99 % throttle never
 * converges: the result says so (`converged: false`, infinite durations) and the migration
 * stays in flight, as `migrationOp.Wait()` upstream.
 */

/** QEMU's default `max-bandwidth` (`MAX_THROTTLE`): 128 MiB/s. */
export const QEMU_MAX_BANDWIDTH = 128 * 1024 * 1024;
/** Incus's `cpu-throttle-initial` (QEMU's default is 20). */
export const INCUS_THROTTLE_INITIAL = 50;
/** QEMU's default `cpu-throttle-increment`. */
export const QEMU_THROTTLE_INCREMENT = 10;
/** QEMU's default `max-cpu-throttle`. */
export const QEMU_MAX_THROTTLE = 99;
/** Incus's `throttle-trigger-threshold`, percent (QEMU's default is 50). */
export const INCUS_THROTTLE_TRIGGER = 20;
/** QEMU syncs the dirty bitmap at least this often after the first pass, seconds. */
export const QEMU_SYNC_PERIOD = 5;
/** Sync intervals computed at most before a migration is declared non-converging. */
const MAX_INTERVALS = 1_000_000;

export interface PrecopyParams {
  /** Resident memory to send, bytes (M). */
  memoryBytes: number;
  /** Rate at which the running, unthrottled guest dirties memory, bytes/s (D). */
  dirtyRate: number;
  /** Bandwidth of the migration stream, bytes/s (B): min(max-bandwidth, link share). */
  bandwidth: number;
  /** Largest acceptable stop-and-copy time, seconds (L). */
  downtimeLimit: number;
  /** Dirty-bitmap syncs at most before stop-and-copy regardless; 0 = no cap (QEMU). */
  maxRounds: number;
  /** Fixed time before the first byte moves (connection, target QEMU start), seconds. */
  setupSeconds: number;
  /** Auto-converge on (Incus always sets it). */
  autoConverge?: boolean;
  /** Fixed cost of the switchover itself (device state, resume on the target), seconds. */
  switchoverSeconds?: number;
  /** Root disk on a local pool to copy before the RAM, bytes, and the bandwidth for it. */
  diskBytes?: number;
  diskBandwidth?: number;
}

/** A change of the guest's CPU throttle, `at` seconds after the migration started. */
export interface ThrottleStep {
  at: number;
  percent: number;
}

export interface PrecopyResult {
  /** Dirty-bitmap syncs from the end of the first pass on (QEMU's dirty-sync-count minus the setup sync). */
  rounds: number;
  /** Time from start until the guest is paused, seconds (setup + disk + pre-copy). */
  precopySeconds: number;
  /** Stop-and-copy time, seconds: the guest is paused and serves nothing. */
  downtimeSeconds: number;
  totalSeconds: number;
  transferredBytes: number;
  /** Whether pre-copy ended because the rest fit in the downtime limit. */
  converged: boolean;
  /** Throttle changes, in time order; empty without auto-converge or when never needed. */
  throttle: ThrottleStep[];
  /** The throttle in force at the switchover, percent. */
  finalThrottle: number;
}

/**
 * The pre-copy model above.
 *
 * @example
 * // 4 GiB dirtying 64 MiB/s at 128 MiB/s: pass 1 32 s (2 GiB dirtied, cnt 1); the 5 s syncs
 * // throttle the guest to 50 % at 37 s, … (see test/incus-world.test.ts)
 * precopy({ memoryBytes: 4 * 2 ** 30, dirtyRate: 64 * 2 ** 20, bandwidth: 128 * 2 ** 20, downtimeLimit: 0.3, maxRounds: 0, setupSeconds: 0 })
 */
export function precopy(p: PrecopyParams): PrecopyResult {
  const B = p.bandwidth;
  const M = p.memoryBytes;
  const budget = B * p.downtimeLimit;
  const autoConverge = p.autoConverge ?? true;
  const switchover = p.switchoverSeconds ?? 0;
  const diskSeconds = p.diskBytes !== undefined && p.diskBytes > 0 ? p.diskBytes / (p.diskBandwidth ?? B) : 0;
  const start = p.setupSeconds + diskSeconds;
  const throttle: ThrottleStep[] = [];
  // pass 1: everything, no sync before its end
  let t = M / B;
  let sent = M;
  let R = Math.min(M, p.dirtyRate * t);
  let rounds = 1;
  let pct = 0;
  let high = 0;
  // the throttle's evaluation period: since the setup sync
  let periodTime = t;
  let periodDirty = R;
  let periodSent = M;
  const evaluate = (): void => {
    if (!autoConverge || periodTime <= 1) return; // migration_bitmap_sync: only after > 1 s
    if (periodDirty > (periodSent * INCUS_THROTTLE_TRIGGER) / 100 && ++high >= 2) {
      high = 0;
      const next = pct === 0 ? INCUS_THROTTLE_INITIAL : Math.min(pct + QEMU_THROTTLE_INCREMENT, QEMU_MAX_THROTTLE);
      if (next !== pct) throttle.push({ at: start + t, percent: next });
      pct = next;
    }
    periodTime = 0;
    periodDirty = 0;
    periodSent = 0;
  };
  evaluate();
  let intervals = 0;
  while (R > budget && (p.maxRounds <= 0 || rounds < p.maxRounds)) {
    const dirty = (p.dirtyRate * (100 - pct)) / 100;
    const stuck = p.maxRounds <= 0 && dirty >= B && (pct >= QEMU_MAX_THROTTLE || !autoConverge);
    if (stuck || ++intervals > MAX_INTERVALS) {
      return { rounds, precopySeconds: Infinity, downtimeSeconds: 0, totalSeconds: Infinity, transferredBytes: Infinity, converged: false, throttle, finalThrottle: pct };
    }
    const dt = Math.min(QEMU_SYNC_PERIOD, R / B);
    const out = B * dt;
    const left = R - out;
    const added = Math.min(dirty * dt, M - left);
    R = left + added;
    t += dt;
    sent += out;
    rounds++;
    periodTime += dt;
    periodDirty += added;
    periodSent += out;
    evaluate();
  }
  const downtime = R / B + switchover;
  return {
    rounds,
    precopySeconds: start + t,
    downtimeSeconds: downtime,
    totalSeconds: start + t + downtime,
    transferredBytes: sent + R + (p.diskBytes ?? 0),
    converged: R <= budget,
    throttle,
    finalThrottle: pct,
  };
}
