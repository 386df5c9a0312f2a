/**
 * Resolve the Neon parts of `cluster:` (engine neon): `cluster.neon` (message latencies) and each
 * VM's `neon:` block (compute-unit range, start size, memory demand, auto-migration label), with
 * the checks a user can trip: min_cu above max_cu, a start size outside the range, a VM whose
 * max_cu fits no node, and nodes overcommitted by the start sizes. Each fails at its key.
 */
import type { Micros } from '../kernel/time.js';
import { micros, show, type ResolveContext } from './context.js';
import type { KeyPath } from './paths.js';
import type { RawDuration, RawLoad } from './raw.js';
import type { RawCluster } from './resolve-cluster.js';
import { resolveLoad } from './resolve-load.js';
import type { ClusterSpec, NeonSpec, NeonVmSpec } from './types.js';

/** `cluster.neon` as written. */
export interface RawNeonWorld {
  plugin_latency?: RawDuration;
  reconcile_delay?: RawDuration;
  neonvm_latency?: RawDuration;
  monitor_latency?: RawDuration;
  request_jitter?: RawDuration;
  failure_probability?: { plugin?: number; neonvm?: number; monitor?: number };
  monitor?: { threshold?: number };
}

/** A VM's `neon:` as written. */
export interface RawNeonVm {
  min_cu?: number;
  max_cu?: number;
  cu?: number;
  memory?: RawLoad;
  lfc?: RawLoad;
  auto_migrate?: boolean;
}

/** vCPU and GiB of one compute unit. */
const CU_VCPU = 0.25;
const CU_GIB = 1;
const GiB = 1024 ** 3;

/** A node's allocatable resources: its threads as vCPU and its memory less the host's own. */
export function allocatable(cluster: ClusterSpec, member: number): { vcpu: number; memBytes: number } {
  const m = cluster.members[member]!;
  return { vcpu: m.threads, memBytes: m.memory_bytes - cluster.host.memory_overhead_bytes };
}

/** Neon's part of an already resolved cluster. */
export function resolveNeon(raw: RawCluster, cluster: ClusterSpec, ctx: ResolveContext): NeonSpec {
  const w = ((raw as RawCluster & { neon?: RawNeonWorld }).neon ?? {}) as RawNeonWorld;
  const at = (...rest: Array<string | number>): KeyPath => ['cluster', 'neon', ...rest];
  const d = (value: RawDuration | undefined, fallback: string, key: string): Micros => micros(ctx, value ?? fallback, at(key), 'non-negative');
  const vms = resolveNeonVms(raw, cluster, ctx);
  checkStartFits(raw, cluster, vms, ctx);
  return {
    plugin_latency: d(w.plugin_latency, '10ms', 'plugin_latency'),
    reconcile_delay: d(w.reconcile_delay, '500ms', 'reconcile_delay'),
    neonvm_latency: d(w.neonvm_latency, '1s', 'neonvm_latency'),
    monitor_latency: d(w.monitor_latency, '5ms', 'monitor_latency'),
    request_jitter: d(w.request_jitter, '100ms', 'request_jitter'),
    monitor_threshold: w.monitor?.threshold ?? 0.85,
    failure_probability: { plugin: w.failure_probability?.plugin ?? 0, neonvm: w.failure_probability?.neonvm ?? 0, monitor: w.failure_probability?.monitor ?? 0 },
    vms,
  };
}

/** Raw index of each expanded VM (the order resolve-cluster expands `count:` in). */
function rawIndexOf(raw: RawCluster): number[] {
  const out: number[] = [];
  (raw.vms ?? []).forEach((v, i) => {
    for (let c = 0; c < (v.count ?? 1); c++) out.push(i);
  });
  return out;
}

function resolveNeonVms(raw: RawCluster, cluster: ClusterSpec, ctx: ResolveContext): NeonVmSpec[] {
  const rawVms = raw.vms ?? [];
  const index = rawIndexOf(raw);
  let largestCpu = 0;
  let largestMem = 0;
  cluster.members.forEach((_, m) => {
    const a = allocatable(cluster, m);
    largestCpu = Math.max(largestCpu, a.vcpu);
    largestMem = Math.max(largestMem, a.memBytes);
  });
  const checked = new Set<number>();
  return cluster.vms.map((vm, k) => {
    const i = index[k]!;
    const n = ((rawVms[i] as { neon?: RawNeonVm }).neon ?? {}) as RawNeonVm;
    const at = (...rest: Array<string | number>): KeyPath => ['cluster', 'vms', i, 'neon', ...rest];
    const min = n.min_cu ?? 1;
    const max = n.max_cu ?? Math.max(min, 4);
    if (!checked.has(i)) {
      checked.add(i);
      if (min > max) ctx.fail(at(n.min_cu !== undefined ? 'min_cu' : 'max_cu'), `min_cu ${min} is above max_cu ${max}`);
      const start = n.cu ?? min;
      if (start < min || start > max) ctx.fail(at('cu'), `start size ${start} CU is outside min_cu..max_cu (${min}..${max})`);
      if (max * CU_VCPU > largestCpu || max * CU_GIB * GiB > largestMem) {
        ctx.fail(at('max_cu'), `a VM of ${max} CU (${max * CU_VCPU} vCPU, ${max * CU_GIB} GiB) fits no node (largest allocatable: ${largestCpu} vCPU, ${Math.floor((largestMem / GiB) * 100) / 100} GiB)`);
      }
    }
    const memory = n.memory === undefined ? null : resolveLoad(n.memory, { ctx: memoryContext(ctx, ['cluster', 'vms', i, 'neon', 'memory']), copy: `${vm.name}/memory`, workload: ['cluster', 'vms', i, 'neon', 'memory'] });
    const lfc = n.lfc === undefined ? null : resolveLoad(n.lfc, { ctx: memoryContext(ctx, ['cluster', 'vms', i, 'neon', 'lfc']), copy: `${vm.name}/lfc`, workload: ['cluster', 'vms', i, 'neon', 'lfc'] });
    return { min_cu: min, max_cu: max, cu: n.cu ?? min, memory, lfc, auto_migrate: n.auto_migrate ?? true };
  });
}

/**
 * A context whose failures name `neon.memory.…` rather than `neon.memory.load.…` (the load
 * resolver appends `load` to the workload's path).
 */
function memoryContext(ctx: ResolveContext, base: KeyPath): ResolveContext {
  return {
    file: ctx.file,
    seed: ctx.seed,
    fail: (path, message) => ctx.fail(path.length > base.length && path[base.length] === 'load' ? [...base, ...path.slice(base.length + 1)] : path, message),
  };
}

/** Every node must hold its VMs' start sizes (the plugin never overcommits). */
function checkStartFits(raw: RawCluster, cluster: ClusterSpec, vms: NeonVmSpec[], ctx: ResolveContext): void {
  const index = rawIndexOf(raw);
  const byName = new Map(cluster.members.map((m, i) => [m.name, i]));
  const cpu = new Float64Array(cluster.members.length);
  const mem = new Float64Array(cluster.members.length);
  cluster.vms.forEach((vm, k) => {
    const m = byName.get(vm.member)!;
    cpu[m]! += vms[k]!.cu * CU_VCPU;
    mem[m]! += vms[k]!.cu * CU_GIB * GiB;
    const a = allocatable(cluster, m);
    if (cpu[m]! > a.vcpu || mem[m]! > a.memBytes) {
      ctx.fail(['cluster', 'vms', index[k]!, 'neon', 'cu'], `node ${show(vm.member)} is overcommitted at the start: its VMs' start sizes need ${cpu[m]} vCPU and ${Math.round((mem[m]! / GiB) * 100) / 100} GiB, it has ${a.vcpu} vCPU and ${Math.floor((a.memBytes / GiB) * 100) / 100} GiB allocatable`);
    }
  });
}
