/**
 * Resolve `cluster:` (engine incus): members and VMs with `count:` expanded, defaults filled
 * (Incus's own where it has one: `limits.cpu` 1, `limits.memory` 1 GiB, `migration.stateful`
 * false, `scheduler.instance` all, every member in the `default` cluster group, a `default`
 * project without restrictions), durations in µs, sizes in bytes, VM placement decided.
 * Each check fails at the key it is about.
 */
import { formatDuration, MICROS_PER_SECOND, type Micros } from '../kernel/time.js';
import { bytes, micros, multipleOf, show, type ResolveContext } from './context.js';
import type { KeyPath } from './paths.js';
import type { RawDuration, RawLoad, RawSize } from './raw.js';
import { resolveLoad } from './resolve-load.js';
import { QEMU_MAX_BANDWIDTH } from '../world/migration.js';
import type { ClusterEvacuate, ClusterEventSpec, ClusterMemberSpec, ClusterMemberState, ClusterProjectSpec, ClusterSpec, ClusterVmSpec } from './types.js';

/** `cluster:` as written (after schema validation). */
export interface RawCluster {
  leader?: string;
  load_step?: RawDuration;
  host?: { overhead_cores?: number; memory_overhead?: RawSize; initial_loadavg?: 'steady' | 'zero' };
  migration?: { bandwidth_gbps?: number; max_bandwidth?: RawSize; downtime_limit?: RawDuration; max_rounds?: number; auto_converge?: boolean; switchover?: RawDuration; setup?: RawDuration; cpu_overhead?: number; failure_probability?: number };
  offline_threshold?: RawDuration;
  members: RawClusterMember[];
  projects?: RawClusterProject[];
  vms?: RawClusterVm[];
  events?: Array<{ at: RawDuration; member: string; state: ClusterMemberState }>;
}

export interface RawClusterMember {
  name: string;
  count?: number;
  arch?: string;
  threads: number;
  memory: RawSize;
  groups?: string[];
  state?: ClusterMemberState;
  'scheduler.instance'?: 'all' | 'manual' | 'group';
  scheduler?: { instance?: 'all' | 'manual' | 'group' };
  uptime?: RawDuration;
}

export interface RawClusterProject {
  name: string;
  restricted?: boolean;
  'restricted.cluster.groups'?: string[];
  'restricted.cluster.target'?: 'block' | 'allow';
}

export interface RawClusterVm {
  name: string;
  count?: number;
  project?: string;
  member?: string;
  members?: string[];
  arch?: string;
  limits?: { cpu?: number; memory?: RawSize };
  'limits.cpu'?: number;
  'limits.memory'?: RawSize;
  memory_used?: RawSize;
  migration?: { stateful?: boolean };
  'migration.stateful'?: boolean;
  blocking_devices?: string[];
  state?: 'running' | 'stopped';
  last_move?: RawDuration | null;
  dirty_rate?: RawSize;
  root_disk?: RawSize;
  'cluster.evacuate'?: ClusterEvacuate;
  cluster?: { evacuate?: ClusterEvacuate };
  load?: RawLoad;
}

/** The Linux load-average sampling period: VM demand changes on multiples of it. */
export const LOAD_FREQ: Micros = 5 * MICROS_PER_SECOND;
export const DEFAULT_ARCH = 'x86_64';
const MAX_VM_NAME = 63;

/** Copy names for `count:`. */
function expand(name: string, count: number): string[] {
  return count <= 1 ? [name] : Array.from({ length: count }, (_, i) => `${name}-${i + 1}`);
}

/** A value that may be written flat (`limits.cpu: 2`) or nested (`limits: { cpu: 2 }`), not both. */
function either<T>(flat: T | undefined, nested: T | undefined, path: KeyPath, name: string, ctx: ResolveContext): T | undefined {
  if (flat !== undefined && nested !== undefined) ctx.fail(path, `${name} is given twice (flat and nested)`);
  return flat ?? nested;
}

/** The whole `cluster:` section of a scenario lasting `duration`. */
export function resolveCluster(raw: RawCluster, duration: Micros, ctx: ResolveContext): ClusterSpec {
  const at = (...rest: Array<string | number>): KeyPath => ['cluster', ...rest];
  const members = resolveMembers(raw.members, ctx);
  const byName = new Map(members.map((m) => [m.name, m]));
  const leader = raw.leader ?? members.find((m) => m.state === 'online')?.name;
  if (leader === undefined) ctx.fail(at('members'), 'no member is online, so there is no leader');
  if (!byName.has(leader)) ctx.fail(at('leader'), `no member named ${show(leader)} (members: ${listSome(members.map((m) => m.name))})`);
  if (byName.get(leader)!.state === 'offline') ctx.fail(at('leader'), `the leader ${show(leader)} is offline`);
  const projects = resolveProjects(raw.projects ?? [], members, ctx);
  const host = raw.host ?? {};
  const mig = raw.migration ?? {};
  const loadStep = micros(ctx, raw.load_step ?? '1m', at('load_step'), 'positive');
  multipleOf(ctx, loadStep, LOAD_FREQ, at('load_step'), 'the 5 s load-average period');
  return {
    leader,
    load_step: loadStep,
    host: {
      overhead_cores: host.overhead_cores ?? 0.2,
      memory_overhead_bytes: host.memory_overhead === undefined ? 2 * 1024 ** 3 : sizeOrZero(host.memory_overhead, at('host', 'memory_overhead'), ctx),
      initial_loadavg: host.initial_loadavg ?? 'steady',
    },
    migration: {
      bandwidth_bytes: ((mig.bandwidth_gbps ?? 10) * 1e9) / 8,
      max_bandwidth_bytes: mig.max_bandwidth === undefined ? QEMU_MAX_BANDWIDTH : sizeOrZero(mig.max_bandwidth, at('migration', 'max_bandwidth'), ctx),
      downtime_limit: micros(ctx, mig.downtime_limit ?? '300ms', at('migration', 'downtime_limit'), 'positive'),
      max_rounds: mig.max_rounds ?? 0,
      auto_converge: mig.auto_converge ?? true,
      switchover: micros(ctx, mig.switchover ?? '30ms', at('migration', 'switchover'), 'non-negative'),
      setup: micros(ctx, mig.setup ?? '1s', at('migration', 'setup'), 'non-negative'),
      cpu_overhead: mig.cpu_overhead ?? 0.5,
      failure_probability: mig.failure_probability ?? 0,
    },
    members,
    projects,
    vms: resolveVms(raw.vms ?? [], members, projects, ctx),
    offline_threshold: offlineThreshold(raw.offline_threshold, at('offline_threshold'), ctx),
    events: (raw.events ?? []).map((e, i): ClusterEventSpec => {
      const when = micros(ctx, e.at, at('events', i, 'at'), 'non-negative');
      if (when > duration) ctx.fail(at('events', i, 'at'), `must be within the run (0 to ${formatDuration(duration)}), got ${show(e.at)}`);
      if (!byName.has(e.member)) ctx.fail(at('events', i, 'member'), `no member named ${show(e.member)} (members: ${listSome(members.map((m) => m.name))})`);
      return { at: when, member: e.member, state: e.state };
    }),
  };
}

/** A size that may be 0 (an overhead, a rate): `0`, `'0'`, `0B`, `0MiB` all read 0. */
function sizeOrZero(value: RawSize, path: KeyPath, ctx: ResolveContext): number {
  if (value === 0 || value === '0') return 0;
  if (typeof value === 'string' && /^\s*0+(\.0+)?\s*[A-Za-z]+\s*$/.test(value)) {
    bytes(ctx, value.replace(/^\s*0+(\.0+)?/, '1'), path); // the unit must still be one we read
    return 0;
  }
  return bytes(ctx, value, path);
}

/**
 * `cluster.offline_threshold` (default 20 s, `db.DefaultOfflineThreshold`); Incus refuses 10 s
 * or less (`offlineThresholdValidator`: it must exceed the heartbeat granularity) and takes
 * whole seconds.
 */
function offlineThreshold(value: RawDuration | undefined, path: KeyPath, ctx: ResolveContext): Micros {
  const us = micros(ctx, value ?? '20s', path, 'positive');
  if (us % MICROS_PER_SECOND !== 0) ctx.fail(path, `Incus takes whole seconds, got ${show(value)}`);
  if (us <= 10 * MICROS_PER_SECOND) ctx.fail(path, `must be more than 10s (Incus: "Value must be greater than '10'"), got ${show(value)}`);
  return us;
}

function resolveMembers(raw: RawClusterMember[], ctx: ResolveContext): ClusterMemberSpec[] {
  const out: ClusterMemberSpec[] = [];
  const seen = new Set<string>();
  raw.forEach((m, i) => {
    const at = (...rest: Array<string | number>): KeyPath => ['cluster', 'members', i, ...rest];
    const memory_bytes = bytes(ctx, m.memory, at('memory'));
    const scheduler = either(m['scheduler.instance'], m.scheduler?.instance, at('scheduler'), 'scheduler.instance', ctx) ?? 'all';
    const uptime = m.uptime === undefined ? 0 : micros(ctx, m.uptime, at('uptime'), 'non-negative');
    const groups = m.groups ?? ['default'];
    if (groups.length === 0) ctx.fail(at('groups'), 'a member belongs to at least one cluster group (Incus puts every member in "default")');
    for (const name of expand(m.name, m.count ?? 1)) {
      if (seen.has(name)) ctx.fail(at('name'), `duplicate member name ${show(name)}`);
      seen.add(name);
      out.push({ name, arch: m.arch ?? DEFAULT_ARCH, threads: m.threads, memory_bytes, groups: [...groups], state: m.state ?? 'online', scheduler_instance: scheduler, started: -uptime });
    }
  });
  return out;
}

function resolveProjects(raw: RawClusterProject[], members: ClusterMemberSpec[], ctx: ResolveContext): ClusterProjectSpec[] {
  const groups = new Set(members.flatMap((m) => m.groups));
  const out: ClusterProjectSpec[] = [];
  raw.forEach((p, i) => {
    const at = (...rest: Array<string | number>): KeyPath => ['cluster', 'projects', i, ...rest];
    if (out.some((q) => q.name === p.name)) ctx.fail(at('name'), `duplicate project name ${show(p.name)}`);
    const cluster_groups = p['restricted.cluster.groups'] ?? [];
    for (const g of cluster_groups) {
      if (!groups.has(g)) ctx.fail(at('restricted.cluster.groups'), `no member is in cluster group ${show(g)} (groups: ${[...groups].join(', ')})`);
    }
    out.push({ name: p.name, restricted: p.restricted ?? false, cluster_groups: [...cluster_groups], cluster_target: p['restricted.cluster.target'] ?? 'block' });
  });
  if (!out.some((p) => p.name === 'default')) out.unshift({ name: 'default', restricted: false, cluster_groups: [], cluster_target: 'block' });
  return out;
}

function resolveVms(raw: RawClusterVm[], members: ClusterMemberSpec[], projects: ClusterProjectSpec[], ctx: ResolveContext): ClusterVmSpec[] {
  const out: ClusterVmSpec[] = [];
  const seen = new Set<string>();
  const byName = new Map(members.map((m) => [m.name, m]));
  const memberNames = (): string => listSome(members.map((m) => m.name));
  raw.forEach((v, i) => {
    const at = (...rest: Array<string | number>): KeyPath => ['cluster', 'vms', i, ...rest];
    const project = v.project ?? 'default';
    if (!projects.some((p) => p.name === project)) ctx.fail(at('project'), `no project named ${show(project)} (projects: ${projects.map((p) => p.name).join(', ')})`);
    if (v.member !== undefined && v.members !== undefined) ctx.fail(at('members'), 'give either member or members, not both');
    // placement: one member, a list round-robin, or round-robin over the online members of the arch
    let placement: string[];
    if (v.member !== undefined) placement = [v.member];
    else if (v.members !== undefined) placement = v.members;
    else {
      const arch = v.arch ?? members[0]!.arch;
      placement = members.filter((m) => m.arch === arch && m.state !== 'offline').map((m) => m.name);
      if (placement.length === 0) ctx.fail(at('arch'), `no online member has arch ${show(arch)}`);
    }
    placement.forEach((name, j) => {
      const m = byName.get(name);
      const key = v.member !== undefined ? at('member') : at('members', j);
      if (m === undefined) ctx.fail(key, `no member named ${show(name)} (members: ${memberNames()})`);
      if (v.arch !== undefined && m.arch !== v.arch) ctx.fail(key, `member ${show(name)} has arch ${m.arch}, not ${v.arch}`);
    });
    const limitsCpu = either(v['limits.cpu'], v.limits?.cpu, at('limits'), 'limits.cpu', ctx) ?? 1;
    const rawMemory = either(v['limits.memory'], v.limits?.memory, at('limits'), 'limits.memory', ctx) ?? '1GiB';
    const memoryPath = v['limits.memory'] !== undefined ? at('limits.memory') : at('limits', 'memory');
    const limitsMemory = bytes(ctx, rawMemory, memoryPath);
    const memoryUsed = v.memory_used === undefined ? limitsMemory : bytes(ctx, v.memory_used, at('memory_used'));
    if (memoryUsed > limitsMemory) ctx.fail(at('memory_used'), `${show(v.memory_used)} is more than limits.memory (${show(rawMemory)})`);
    const stateful = either(v['migration.stateful'], v.migration?.stateful, at('migration'), 'migration.stateful', ctx) ?? false;
    const lastMove = v.last_move === undefined || v.last_move === null ? null : -micros(ctx, v.last_move, at('last_move'), 'non-negative');
    const dirty = v.dirty_rate === undefined ? 64 * 1024 ** 2 : sizeOrZero(v.dirty_rate, at('dirty_rate'), ctx);
    const rootDisk = v.root_disk === undefined ? 0 : sizeOrZero(v.root_disk, at('root_disk'), ctx);
    const evacuate = either(v['cluster.evacuate'], v.cluster?.evacuate, at('cluster'), 'cluster.evacuate', ctx) ?? 'auto';
    expand(v.name, v.count ?? 1).forEach((name, copy) => {
      if (name.length > MAX_VM_NAME) ctx.fail(at('name'), `name ${show(name)} (after count expansion) is longer than ${MAX_VM_NAME} characters`);
      if (seen.has(name)) ctx.fail(at('name'), `duplicate VM name ${show(name)}`);
      seen.add(name);
      out.push({
        name,
        project,
        member: placement[copy % placement.length]!,
        limits_cpu: limitsCpu,
        limits_memory_bytes: limitsMemory,
        memory_used_bytes: memoryUsed,
        stateful,
        blocking_devices: [...(v.blocking_devices ?? [])],
        running: (v.state ?? 'running') === 'running',
        last_move: lastMove,
        dirty_rate_bytes: dirty,
        root_disk_bytes: rootDisk,
        evacuate,
        load: v.load === undefined ? null : resolveLoad(v.load, { ctx, copy: name, workload: ['cluster', 'vms', i] }),
      });
    });
  });
  return out;
}

/** The first few names of a long list, for messages. */
function listSome(names: string[], limit = 8): string {
  return names.length <= limit ? names.join(', ') : `${names.slice(0, limit).join(', ')}, … (${names.length} in all)`;
}
