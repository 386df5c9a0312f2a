/**
 * Live migration by iterative pre-copy, as QEMU does it for Incus VMs (`migration.stateful`),
 * after Clark et al., "Live Migration of Virtual Machines" (NSDI 2005) and the analytic model of
 * Akoush et al., "Predicting the Performance of Virtual Machine Migration" (MASCOTS 2010):
 *
 * - round 0 sends the VM's resident memory M at bandwidth B: V₀ = M, T₀ = V₀ / B;
 * - while it is sent the guest dirties pages at rate D, so round i + 1 resends
 *   V_{i+1} = min(M, D · T_i), T_{i+1} = V_{i+1} / B (geometric: V_i = M · (D/B)^i);
 * - pre-copy stops as soon as what is left can be sent within the downtime limit L
 *   (V ≤ B · L, QEMU's `downtime-limit`, default 300 ms) or after `maxRounds` rounds;
 * - stop-and-copy: the guest is paused and the rest sent: downtime = V_last / B.
 *
 * Duration = setup + Σ T_i (pre-copy) + downtime; bytes sent = Σ V_i + V_last. When D ≥ B the
 * rounds do not shrink and the round limit ends pre-copy with a long downtime (QEMU would throttle
 * the guest with auto-converge; not modelled).
 */

export interface PrecopyParams {
  /** Resident memory to send, bytes (M). */
  memoryBytes: number;
  /** Rate at which the running guest dirties memory, bytes/s (D). */
  dirtyRate: number;
  /** Bandwidth available to this migration, bytes/s (B). */
  bandwidth: number;
  /** Largest acceptable stop-and-copy time, seconds (L). */
  downtimeLimit: number;
  /** Pre-copy rounds at most before stop-and-copy regardless. */
  maxRounds: number;
  /** Fixed time before the first byte moves (connection, target QEMU start), seconds. */
  setupSeconds: number;
}

export interface PrecopyResult {
  /** Pre-copy rounds done (stop-and-copy not counted). */
  rounds: number;
  /** Time from start until the guest is paused, seconds (setup + pre-copy). */
  precopySeconds: number;
  /** Stop-and-copy time, seconds: the guest is paused and serves nothing. */
  downtimeSeconds: number;
  totalSeconds: number;
  transferredBytes: number;
  /** Whether pre-copy ended because the rest fit in the downtime limit. */
  converged: boolean;
}

/**
 * The pre-copy model above.
 *
 * @example
 * precopy({ memoryBytes: 4 * 2 ** 30, dirtyRate: 125e6, bandwidth: 1.25e9, downtimeLimit: 0.3, maxRounds: 30, setupSeconds: 0 })
 * // 2 rounds (3.436 s + 0.344 s), downtime 0.0344 s, total 3.8139 s
 */
export function precopy(p: PrecopyParams): PrecopyResult {
  const B = p.bandwidth;
  const budget = B * p.downtimeLimit;
  let remaining = p.memoryBytes;
  let seconds = 0;
  let sent = 0;
  let rounds = 0;
  while (remaining > budget && rounds < p.maxRounds) {
    const t = remaining / B;
    seconds += t;
    sent += remaining;
    rounds++;
    remaining = Math.min(p.memoryBytes, p.dirtyRate * t);
  }
  const downtime = remaining / B;
  return {
    rounds,
    precopySeconds: p.setupSeconds + seconds,
    downtimeSeconds: downtime,
    totalSeconds: p.setupSeconds + seconds + downtime,
    transferredBytes: sent + remaining,
    converged: remaining <= budget,
  };
}
