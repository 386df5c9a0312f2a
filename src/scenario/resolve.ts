/**
 * Semantic checks and resolution: turn a schema-valid `RawScenario` into a `Scenario` with
 * defaults filled, durations in µs, sizes in bytes, `count:` copies expanded and ranges drawn.
 * Each check fails at the key it is about; the first failure is thrown.
 */
import { formatDuration, MICROS_PER_MINUTE, type Micros } from '../kernel/time.js';
import { bytes, micros, multipleOf, show, type ResolveContext } from './context.js';
import { resolveEngine } from './resolve-engine.js';
import { findEngine } from '../engines/registry.js';
import { resolveLoad } from './resolve-load.js';
import { LOAD_FREQ, resolveCluster, type RawCluster } from './resolve-cluster.js';
import { CLUSTER_ENGINES } from './schema.js';
import { HostPool, makeHosts } from '../world/hosts.js';
import { MAX_DURATION, MAX_GROUPS, MAX_HOSTS } from './limits.js';
import { resolveNeon } from './resolve-neon.js';
import type { KeyPath } from './paths.js';
import type { RawFault, RawHost, RawLatency, RawScenario, RawWorkload, RawWorld } from './raw.js';
import type { FaultSpec, HostSpec, LatencySpec, OutputSpec, Scenario, WorkloadSpec, WorldSpec } from './types.js';
import { InputError } from './errors.js';
import { parseRequestsSpec } from '../requests/spec.js';
import type { RequestSpec } from '../requests/flow.js';

export const DEFAULT_ARCH = 'x86_64';
export const DEFAULT_USER = 'scalelab';
const MAX_WORKLOAD_NAME = 63;

/** The whole scenario. */
export function resolveScenario(raw: RawScenario, ctx: ResolveContext): Scenario {
  const duration = micros(ctx, raw.duration, ['duration'], 'positive');
  if (duration > MAX_DURATION) ctx.fail(['duration'], `must be at most ${formatDuration(MAX_DURATION)} (the limit), got ${show(raw.duration)}`);
  const engine = resolveEngine(raw.engine, ctx);
  const cluster = (raw as RawScenario & { cluster?: RawCluster }).cluster;
  if (CLUSTER_ENGINES.includes(engine.name)) return resolveClusterScenario(raw, cluster!, engine, duration, ctx);
  if (cluster !== undefined) ctx.fail(['cluster'], `only for engine ${CLUSTER_ENGINES.join(', ')}; engine ${engine.name} uses world and workloads`);
  const world = resolveWorld(raw.world, ctx);
  const workloads = resolveWorkloads(raw.workloads, world.hosts, ctx);
  checkFit(workloads, raw.workloads, world.hosts, ctx);
  findEngine(engine.name)?.checkWorkloads?.(engine.config, workloads, (path, message) => ctx.fail([...path], message));
  const faults = (raw.faults ?? []).map((f, i) => resolveFault(f, ['faults', i], duration, workloads, ctx));
  return assemble(raw, ctx, { duration, engine, world, workloads, faults });
}

/**
 * The scenario from its resolved parts plus the keys every engine shares (name, seed, SLO,
 * metrics, output), whose grids are multiples of the world's interval.
 */
function assemble(raw: RawScenario, ctx: ResolveContext, parts: Pick<Scenario, 'duration' | 'engine' | 'world' | 'workloads' | 'faults' | 'cluster'>): Scenario {
  const interval = parts.world.stats_interval;
  const metrics = raw.metrics ?? {};
  return {
    name: raw.name,
    description: raw.description ?? '',
    file: ctx.file,
    seed: ctx.seed,
    duration: parts.duration,
    engine: parts.engine,
    world: parts.world,
    workloads: parts.workloads,
    faults: parts.faults,
    slo: { utilisation_target: raw.slo?.utilisation_target ?? 1 },
    metrics: {
      flip_flop_window: micros(ctx, metrics.flip_flop_window ?? '10m', ['metrics', 'flip_flop_window'], 'positive'),
      elasticity_grid: metrics.elasticity_grid === undefined ? interval : gridStep(metrics.elasticity_grid, ['metrics', 'elasticity_grid'], interval, ctx),
    },
    output: resolveOutput(raw.output ?? {}, interval, ctx),
    ...(parts.cluster !== undefined ? { cluster: parts.cluster } : {}),
  };
}

/**
 * A cluster scenario (engine incus): `cluster:` instead of `world:` and `workloads:`. The world
 * is the defaults with `hosts` mirroring the members and the 5 s load-average period as its
 * interval (so output steps and grids are multiples of it).
 */
function resolveClusterScenario(raw: RawScenario, rawCluster: RawCluster, engine: Scenario['engine'], duration: Micros, ctx: ResolveContext): Scenario {
  const notHere = (key: string, instead: string): void => {
    if ((raw as unknown as Record<string, unknown>)[key] !== undefined) ctx.fail([key], `not used by engine ${engine.name}; ${instead}`);
  };
  notHere('world', 'describe the members under cluster.members');
  notHere('workloads', 'describe the VMs and their load under cluster.vms');
  notHere('faults', 'member state changes go under cluster.events');
  const cluster = resolveCluster(rawCluster, duration, ctx);
  const neonBlocks = (rawCluster.vms ?? []).findIndex((v) => (v as { neon?: unknown }).neon !== undefined);
  if (engine.name === 'neon') cluster.neon = resolveNeon(rawCluster, cluster, ctx);
  else if ((rawCluster as { neon?: unknown }).neon !== undefined) ctx.fail(['cluster', 'neon'], `only for engine neon; engine ${engine.name} does not use it`);
  else if (neonBlocks >= 0) ctx.fail(['cluster', 'vms', neonBlocks, 'neon'], `only for engine neon; engine ${engine.name} does not use it`);
  const world: WorldSpec = {
    stats_interval: LOAD_FREQ,
    hosts: cluster.members.map((m) => ({ name: m.name, arch: m.arch, threads: m.threads, memory_bytes: m.memory_bytes })),
    boot: { latency: { dist: 'fixed', value: 0 }, failure_probability: 0 },
    placement_latency: 0,
    stop_latency: 0,
    measurement_noise: 0,
  };
  return assemble(raw, ctx, { duration, engine, world, workloads: [], faults: [], cluster });
}

/** Copy names for `count:`: the name itself for one copy, else `name-1` … `name-N`. */
export function expandNames(name: string, count: number): string[] {
  if (count <= 1) return [name];
  return Array.from({ length: count }, (_, i) => `${name}-${i + 1}`);
}

/** A duration that must be a positive multiple of the stats interval. */
function gridStep(value: string | number, path: KeyPath, interval: Micros, ctx: ResolveContext): Micros {
  return multipleOf(ctx, micros(ctx, value, path, 'positive'), interval, path, 'world.stats_interval');
}

/** The world: intervals, latencies, boot model and the expanded hosts. */
function resolveWorld(raw: RawWorld, ctx: ResolveContext): WorldSpec {
  const boot = raw.boot ?? {};
  return {
    stats_interval: micros(ctx, raw.stats_interval ?? '10s', ['world', 'stats_interval'], 'positive'),
    hosts: resolveHosts(raw.hosts, ctx),
    boot: {
      latency: resolveLatency(boot.latency ?? { lognormal: { median: '20ms', p99: '60ms' } }, ['world', 'boot', 'latency'], ctx),
      failure_probability: boot.failure_probability ?? 0,
    },
    placement_latency: micros(ctx, raw.placement_latency ?? '1ms', ['world', 'placement_latency'], 'non-negative'),
    stop_latency: micros(ctx, raw.stop_latency ?? '5ms', ['world', 'stop_latency'], 'non-negative'),
    measurement_noise: raw.measurement_noise ?? 0,
  };
}

/** Boot latency: a duration or `{fixed}` is fixed; uniform needs min ≤ max; lognormal p99 ≥ median > 0. */
function resolveLatency(raw: RawLatency, path: KeyPath, ctx: ResolveContext): LatencySpec {
  if (typeof raw === 'string' || typeof raw === 'number') return { dist: 'fixed', value: micros(ctx, raw, path, 'non-negative') };
  if ('fixed' in raw) return { dist: 'fixed', value: micros(ctx, raw.fixed, [...path, 'fixed'], 'non-negative') };
  if ('uniform' in raw) {
    const min = micros(ctx, raw.uniform[0], [...path, 'uniform', 0], 'non-negative');
    const max = micros(ctx, raw.uniform[1], [...path, 'uniform', 1], 'non-negative');
    if (min > max) ctx.fail([...path, 'uniform'], `min ${formatDuration(min)} is above max ${formatDuration(max)}`);
    return { dist: 'uniform', min, max };
  }
  const median = micros(ctx, raw.lognormal.median, [...path, 'lognormal', 'median'], 'positive');
  const p99 = micros(ctx, raw.lognormal.p99, [...path, 'lognormal', 'p99'], 'positive');
  if (p99 < median) ctx.fail([...path, 'lognormal', 'p99'], `p99 ${formatDuration(p99)} is below the median ${formatDuration(median)}`);
  return { dist: 'lognormal', median, p99 };
}

/** Hosts with `count:` expanded; names must be unique. */
function resolveHosts(raw: RawHost[], ctx: ResolveContext): HostSpec[] {
  const hosts: HostSpec[] = [];
  const seen = new Set<string>();
  raw.forEach((h, i) => {
    const memory_bytes = bytes(ctx, h.memory, ['world', 'hosts', i, 'memory']);
    if (hosts.length + (h.count ?? 1) > MAX_HOSTS) ctx.fail(['world', 'hosts', i, 'count'], `more than ${MAX_HOSTS} hosts in all (the limit)`);
    for (const name of expandNames(h.name, h.count ?? 1)) {
      if (seen.has(name)) ctx.fail(['world', 'hosts', i, 'name'], `duplicate host name "${name}"`);
      seen.add(name);
      hosts.push({ name, arch: h.arch ?? DEFAULT_ARCH, threads: h.threads, memory_bytes });
    }
  });
  return hosts;
}

/** A workload's `requests:` block (src/requests/spec.ts), failing at its key with the file's line. */
function requestsOf(raw: unknown, path: KeyPath, ctx: ResolveContext): Required<RequestSpec> {
  try {
    return parseRequestsSpec(raw, { key: '' });
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    const sub = (err.key ?? '').replace(/^\./, '');
    return ctx.fail(sub === '' ? path : [...path, sub], err.detail);
  }
}

/** Workloads with `count:` expanded; names unique and valid, arch present on some host. */
function resolveWorkloads(raw: RawWorkload[], hosts: HostSpec[], ctx: ResolveContext): WorkloadSpec[] {
  const out: WorkloadSpec[] = [];
  const seen = new Set<string>();
  const arches = [...new Set(hosts.map((h) => h.arch))];
  raw.forEach((w, i) => {
    const at = (...rest: Array<string | number>): KeyPath => ['workloads', i, ...rest];
    const arch = w.arch ?? DEFAULT_ARCH;
    if (!arches.includes(arch)) ctx.fail(at('arch'), `no host has arch "${arch}" (host arches: ${arches.join(', ')})`);
    const max_instances = w.max_instances ?? null;
    const min_instances = w.min_instances ?? 1;
    if (max_instances !== null && min_instances > max_instances) ctx.fail(at('min_instances'), `min_instances ${min_instances} is above max_instances ${max_instances}`);
    const memory_bytes = bytes(ctx, w.memory ?? '256MiB', at('memory'));
    if (out.length + (w.count ?? 1) > MAX_GROUPS) ctx.fail(at('count'), `more than ${MAX_GROUPS} workloads in all (the limit)`);
    expandNames(w.name, w.count ?? 1).forEach((name, index) => {
      if (name.length > MAX_WORKLOAD_NAME) ctx.fail(at('name'), `name "${name}" (after count expansion) is longer than ${MAX_WORKLOAD_NAME} characters`);
      if (seen.has(name)) ctx.fail(at('name'), `duplicate workload name "${name}"`);
      seen.add(name);
      const load = resolveLoad(w.load, { ctx, copy: name, workload: ['workloads', i], index, count: w.count ?? 1 });
      const spec: WorkloadSpec = { name, user: w.user ?? DEFAULT_USER, arch, vcpus: w.vcpus ?? 1, memory_bytes, block_devices: w.block_devices ?? false, max_instances, min_instances, load };
      if (w.requests !== undefined) spec.requests = requestsOf(w.requests, at('requests'), ctx);
      out.push(spec);
    });
  });
  return out;
}

/**
 * Refuse a world the workloads cannot start in: every primary is placed at time 0 the way the
 * world places instances (most free threads first), and then, for the corrected variant's
 * floor, every workload's `min_instances` copies. A workload whose primary finds no host is
 * refused at its key, with what it needs and what is left.
 */
function checkFit(workloads: readonly WorkloadSpec[], raw: readonly RawWorkload[], hosts: readonly HostSpec[], ctx: ResolveContext): void {
  // the world's own placement (O(log hosts) a primary), so 100,000 primaries on 6,400 hosts stay quick
  const pool = new HostPool(makeHosts(hosts));
  const place = (w: WorkloadSpec): boolean => {
    const best = pool.choose(w.arch, w.vcpus, w.memory_bytes);
    if (best < 0) return false;
    pool.reserve(best, w.vcpus, w.memory_bytes, 1);
    return true;
  };
  const index = (w: WorkloadSpec) => Math.max(0, raw.findIndex((r) => expandNames(r.name, r.count ?? 1).includes(w.name)));
  const largest = largestHosts(hosts);
  for (const w of workloads) {
    const { threads: mostThreads, memory: mostMemory } = largest.get(w.arch) ?? { threads: -Infinity, memory: -Infinity };
    if (w.vcpus > mostThreads) ctx.fail(['workloads', index(w), 'vcpus'], `${w.vcpus} vCPUs fit on no ${w.arch} host (the largest has ${mostThreads} threads)`);
    if (w.memory_bytes > mostMemory) ctx.fail(['workloads', index(w), 'memory'], `${formatBytes(w.memory_bytes)} fits on no ${w.arch} host (the largest has ${formatBytes(mostMemory)})`);
  }
  for (const w of workloads) {
    if (!place(w)) {
      ctx.fail(['workloads', index(w)], `the primary of ${w.name} (${w.vcpus} vCPUs, ${formatBytes(w.memory_bytes)}) fits on no ${w.arch} host once the primaries before it are placed (${hosts.length} host(s); the world places every primary at time 0)`);
    }
  }
  for (const w of workloads) {
    for (let k = 1; k < w.min_instances; k++) {
      if (!place(w)) ctx.fail(['workloads', index(w), 'min_instances'], `${w.min_instances} instances of ${w.name} (${w.vcpus} vCPUs, ${formatBytes(w.memory_bytes)} each) do not fit on the ${w.arch} hosts beside the primaries`);
    }
  }
}

/**
 * The most threads and the most memory of any host, per architecture (computed once, not per workload).
 *
 * @example largestHosts([{ arch: 'x86_64', threads: 8, memory_bytes: 2 ** 34, … }]).get('x86_64') // { threads: 8, memory: 17179869184 }
 */
function largestHosts(hosts: readonly HostSpec[]): Map<string, { threads: number; memory: number }> {
  const out = new Map<string, { threads: number; memory: number }>();
  for (const h of hosts) {
    const m = out.get(h.arch) ?? { threads: -Infinity, memory: -Infinity };
    out.set(h.arch, { threads: Math.max(m.threads, h.threads), memory: Math.max(m.memory, h.memory_bytes) });
  }
  return out;
}

/** Bytes for messages, in binary units. */
function formatBytes(n: number): string {
  for (const [unit, size] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) if (n >= size) return `${Math.round((n / size) * 10) / 10} ${unit}`;
  return `${n} B`;
}

/** A fault: time within the run, `kill_primary` or `kill_instance` (with `instance`), target an existing workload. */
function resolveFault(raw: RawFault, path: KeyPath, duration: Micros, workloads: WorkloadSpec[], ctx: ResolveContext): FaultSpec {
  const at = micros(ctx, raw.at, [...path, 'at'], 'non-negative');
  if (at > duration) ctx.fail([...path, 'at'], `must be within the run (0 to ${formatDuration(duration)}), got ${show(raw.at)}`);
  const key = faultKind(raw, path, ctx);
  const target = raw[key]!;
  if (!workloads.some((w) => w.name === target)) {
    ctx.fail([...path, key], `no workload named "${target}" (workloads: ${listSome(workloads.map((w) => w.name))})`);
  }
  if (key === 'kill_instance') return { at, kill_instance: target, instance: raw.instance! };
  const restart = raw.restart_after;
  return { at, kill_primary: target, restart_after: restart === undefined || restart === null ? null : micros(ctx, restart, [...path, 'restart_after'], 'non-negative') };
}

/**
 * Which kind of fault `raw` is: exactly one of `kill_primary` and `kill_instance`; `instance`
 * goes (only) with `kill_instance`, `restart_after` (only) with `kill_primary`.
 */
function faultKind(raw: RawFault, path: KeyPath, ctx: ResolveContext): 'kill_primary' | 'kill_instance' {
  const primary = raw.kill_primary !== undefined;
  const instance = raw.kill_instance !== undefined;
  if (primary && instance) ctx.fail([...path, 'kill_instance'], 'a fault has one of kill_primary and kill_instance, not both');
  if (!primary && !instance) ctx.fail(path, 'a fault needs kill_primary (a workload) or kill_instance (a workload, with instance)');
  if (primary) {
    if (raw.instance !== undefined) ctx.fail([...path, 'instance'], 'goes with kill_instance, not kill_primary');
    return 'kill_primary';
  }
  if (raw.instance === undefined) ctx.fail([...path, 'instance'], 'required with kill_instance: an index (0 = the oldest live instance) or any');
  if (raw.restart_after !== undefined) ctx.fail([...path, 'restart_after'], 'goes with kill_primary only (the engine replaces a killed instance itself)');
  return 'kill_instance';
}

/** Default `output.max_bytes`: a warning when a streamed output will pass 1 GiB. */
export const DEFAULT_MAX_OUTPUT_BYTES = 1024 ** 3;

/** Output settings; the default timeseries step is max(1m, stats interval) rounded up to a multiple of it. */
function resolveOutput(raw: NonNullable<RawScenario['output']>, interval: Micros, ctx: ResolveContext): OutputSpec {
  const defaultStep = Math.ceil(Math.max(MICROS_PER_MINUTE, interval) / interval) * interval;
  return {
    timeseries: raw.timeseries ?? true,
    timeseries_step: raw.timeseries_step === undefined ? defaultStep : gridStep(raw.timeseries_step, ['output', 'timeseries_step'], interval, ctx),
    events: raw.events ?? true,
    report: raw.report ?? true,
    chart_groups: raw.chart_groups ?? 8,
    groups: raw.groups ?? 'all',
    max_bytes: raw.max_bytes === undefined ? DEFAULT_MAX_OUTPUT_BYTES : bytes(ctx, raw.max_bytes, ['output', 'max_bytes']),
  };
}

/** The first few names of a long list, for messages. */
function listSome(names: string[], limit = 8): string {
  return names.length <= limit ? names.join(', ') : `${names.slice(0, limit).join(', ')}, … (${names.length} in all)`;
}
