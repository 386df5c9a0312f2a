/**
 * Hosts and placement. A host offers hardware threads and memory; an instance reserves its
 * vCPUs and memory there from placement until it is gone. No room of the right architecture
 * means the spawn fails, visibly.
 */
import type { HostSpec } from '../scenario/types.js';

export interface Host {
  readonly name: string;
  readonly arch: string;
  readonly threads: number;
  readonly memoryBytes: number;
  freeThreads: number;
  freeMemory: number;
}

/** Hosts as the world holds them, with all capacity free. */
export function makeHosts(specs: readonly HostSpec[]): Host[] {
  return specs.map((h) => ({ name: h.name, arch: h.arch, threads: h.threads, memoryBytes: h.memory_bytes, freeThreads: h.threads, freeMemory: h.memory_bytes }));
}

/**
 * The host for a new instance: right architecture, enough free threads and memory, and of
 * those the one with the most free threads (the least used; ties go to the first listed).
 * Returns -1 when nothing fits.
 *
 * @example chooseHost(hosts, 'x86_64', 1, 256 * 2 ** 20) // index of the emptiest x86_64 host
 */
export function chooseHost(hosts: readonly Host[], arch: string, vcpus: number, memoryBytes: number): number {
  let best = -1;
  for (let i = 0; i < hosts.length; i++) {
    const h = hosts[i]!;
    if (h.arch !== arch || h.freeThreads < vcpus || h.freeMemory < memoryBytes) continue;
    if (best < 0 || h.freeThreads > hosts[best]!.freeThreads) best = i;
  }
  return best;
}

/** Reserve (sign 1) or release (sign -1) an instance's resources on a host. */
export function reserve(host: Host, vcpus: number, memoryBytes: number, sign: 1 | -1): void {
  host.freeThreads -= sign * vcpus;
  host.freeMemory -= sign * memoryBytes;
}
