/**
 * Resources as Neon's autoscaler counts them (`api.Resources`): vCPU in integer milli-CPUs and
 * memory in bytes, compared field by field. A compute unit (CU) is 0.25 vCPU + 1 GiB.
 */

/** An amount of CPU (milli-vCPU) and memory (bytes). */
export interface Resources {
  readonly cpu: number;
  readonly mem: number;
}

export const GiB = 1024 ** 3;
export const MiB = 1024 ** 2;

/** The autoscaler-agent's default compute unit (`scaling.computeUnit`: 0.25 vCPU, 1 GiB). */
export const COMPUTE_UNIT: Resources = { cpu: 250, mem: GiB };

/** `n` compute units. @example cu(4) // { cpu: 1000, mem: 4 GiB } */
export function cu(n: number, unit: Resources = COMPUTE_UNIT): Resources {
  return { cpu: unit.cpu * n, mem: unit.mem * n };
}

/** Whether any field of `a` is greater than `b`'s (`HasFieldGreaterThan`). */
export function hasFieldGreater(a: Resources, b: Resources): boolean {
  return a.cpu > b.cpu || a.mem > b.mem;
}

/** Whether any field of `a` is less than `b`'s (`HasFieldLessThan`). */
export function hasFieldLess(a: Resources, b: Resources): boolean {
  return a.cpu < b.cpu || a.mem < b.mem;
}

/** Field-wise maximum. */
export function maxRes(a: Resources, b: Resources): Resources {
  return a.cpu >= b.cpu && a.mem >= b.mem ? a : { cpu: Math.max(a.cpu, b.cpu), mem: Math.max(a.mem, b.mem) };
}

/** Field-wise minimum. */
export function minRes(a: Resources, b: Resources): Resources {
  return a.cpu <= b.cpu && a.mem <= b.mem ? a : { cpu: Math.min(a.cpu, b.cpu), mem: Math.min(a.mem, b.mem) };
}

/** Field-wise equality. */
export function sameRes(a: Resources, b: Resources): boolean {
  return a.cpu === b.cpu && a.mem === b.mem;
}

/** Field-wise sum. */
export function addRes(a: Resources, b: Resources): Resources {
  return { cpu: a.cpu + b.cpu, mem: a.mem + b.mem };
}

/** Field-wise `a − b`, never below 0 (`SaturatingSub`). */
export function satSub(a: Resources, b: Resources): Resources {
  return { cpu: Math.max(0, a.cpu - b.cpu), mem: Math.max(0, a.mem - b.mem) };
}

/** Compute units in `r` when both fields agree (CPU ones for a mixed amount: max of the two, rounded up). */
export function cuOf(r: Resources, unit: Resources = COMPUTE_UNIT): number {
  return Math.max(Math.ceil(r.cpu / unit.cpu), Math.ceil(r.mem / unit.mem));
}

/** Text form for events: `1.5 vCPU/6 GiB`. */
export function showRes(r: Resources): string {
  return `${r.cpu / 1000} vCPU/${Math.round((r.mem / GiB) * 1000) / 1000} GiB`;
}
