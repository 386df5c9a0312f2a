/** Process CPU time for the bench's in-process cases (case.ts, external.ts). */

/**
 * Process CPU time (user + system, in seconds) used since `start`, a `process.cpuUsage()` taken
 * before the work: on a shared machine steadier than wall time.
 *
 * @example const start = process.cpuUsage(); work(); cpuSince(start) // → 0.42
 */
export function cpuSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}
