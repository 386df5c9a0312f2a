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

/**
 * The hosts of a world with placement in O(log hosts) for the usual case: per architecture, a
 * binary tree over its hosts (in listed order) keeps the most free threads and the most free
 * memory under each node. `choose` answers exactly as `chooseHost` (a property test holds them
 * side by side): a branch-and-bound descent visits the subtree with more free threads first and
 * drops every subtree that cannot fit the instance or cannot beat the best host found so far
 * (more free threads, or as many and listed earlier). Only when memory, not threads, is what
 * runs out can the descent visit more than a path's worth of nodes. `reserve` updates one leaf
 * and its ancestors. Allocation-free after construction.
 *
 * @example
 * const pool = new HostPool(makeHosts(specs));
 * const h = pool.choose('x86_64', 1, 64 * 2 ** 20); // as chooseHost(pool.hosts, …)
 * if (h >= 0) pool.reserve(h, 1, 64 * 2 ** 20, 1);
 */
export class HostPool {
  readonly hosts: Host[];
  private readonly trees = new Map<string, ArchTree>();
  /** For each host: its architecture's tree and its leaf position there. */
  private readonly treeOf: ArchTree[];
  private readonly leafOf: Int32Array;
  // the descent's running best (fields, so `visit` allocates nothing)
  private bestPos = -1;
  private bestThreads = -1;

  constructor(hosts: Host[]) {
    this.hosts = hosts;
    this.treeOf = new Array<ArchTree>(hosts.length);
    this.leafOf = new Int32Array(hosts.length);
    const byArch = new Map<string, number[]>();
    hosts.forEach((h, i) => {
      const list = byArch.get(h.arch) ?? [];
      list.push(i);
      byArch.set(h.arch, list);
    });
    for (const [arch, members] of byArch) {
      let size = 1;
      while (size < members.length) size *= 2;
      const tree: ArchTree = { size, members: Int32Array.from(members), threads: new Float64Array(2 * size).fill(-Infinity), memory: new Float64Array(2 * size).fill(-Infinity) };
      this.trees.set(arch, tree);
      members.forEach((host, pos) => {
        this.treeOf[host] = tree;
        this.leafOf[host] = pos;
        this.setLeaf(tree, pos, hosts[host]!);
      });
    }
  }

  /** The host for a new instance, exactly as `chooseHost` would pick it; -1 when nothing fits. */
  choose(arch: string, vcpus: number, memoryBytes: number): number {
    const tree = this.trees.get(arch);
    if (tree === undefined) return -1;
    this.bestPos = -1;
    this.bestThreads = -1;
    this.visit(tree, 1, 0, tree.size, vcpus, memoryBytes);
    return this.bestPos < 0 ? -1 : tree.members[this.bestPos]!;
  }

  /** Reserve (sign 1) or release (sign -1) an instance's resources on host `index`. */
  reserve(index: number, vcpus: number, memoryBytes: number, sign: 1 | -1): void {
    const host = this.hosts[index]!;
    reserve(host, vcpus, memoryBytes, sign);
    this.setLeaf(this.treeOf[index]!, this.leafOf[index]!, host);
  }

  private setLeaf(tree: ArchTree, pos: number, host: Host): void {
    let node = tree.size + pos;
    tree.threads[node] = host.freeThreads;
    tree.memory[node] = host.freeMemory;
    for (node >>= 1; node >= 1; node >>= 1) {
      tree.threads[node] = Math.max(tree.threads[2 * node]!, tree.threads[2 * node + 1]!);
      tree.memory[node] = Math.max(tree.memory[2 * node]!, tree.memory[2 * node + 1]!);
    }
  }

  /** Branch and bound over `node`, which covers leaf positions [lo, hi). */
  private visit(tree: ArchTree, node: number, lo: number, hi: number, vcpus: number, memoryBytes: number): void {
    const threads = tree.threads[node]!;
    if (threads < vcpus || tree.memory[node]! < memoryBytes) return;
    if (threads < this.bestThreads || (threads === this.bestThreads && lo > this.bestPos)) return;
    if (node >= tree.size) {
      // a leaf that fits: better when it has more free threads, or as many and is listed first
      if (threads > this.bestThreads || lo < this.bestPos) {
        this.bestThreads = threads;
        this.bestPos = lo;
      }
      return;
    }
    const mid = (lo + hi) >> 1;
    const left = 2 * node;
    if (tree.threads[left + 1]! > tree.threads[left]!) {
      this.visit(tree, left + 1, mid, hi, vcpus, memoryBytes);
      this.visit(tree, left, lo, mid, vcpus, memoryBytes);
    } else {
      this.visit(tree, left, lo, mid, vcpus, memoryBytes);
      this.visit(tree, left + 1, mid, hi, vcpus, memoryBytes);
    }
  }
}

/** One architecture's hosts: leaf i is host `members[i]`; node n's children are 2n and 2n + 1. */
interface ArchTree {
  size: number;
  members: Int32Array;
  threads: Float64Array;
  memory: Float64Array;
}

/** Reserve (sign 1) or release (sign -1) an instance's resources on a host. */
export function reserve(host: Host, vcpus: number, memoryBytes: number, sign: 1 | -1): void {
  host.freeThreads -= sign * vcpus;
  host.freeMemory -= sign * memoryBytes;
}
