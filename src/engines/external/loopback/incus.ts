/**
 * The built-in incus core behind the protocol (docs/PROTOCOL.md): a module handler that answers
 * each request as the built-in world would have called the core (`src/engines/incus/core.ts`
 * `builtinIncusCore`). The engine's state lives here between requests; the cluster arrives with
 * every request and is read during that request only.
 */
import {
  initialState,
  onDaemonStart,
  onLeaderChange,
  onMigrationResult,
  onTick,
  wakeAt,
  type ClusterView,
  type Decision,
  type IncusConfig,
  type IncusContext,
  type IncusOptions,
  type IncusState,
} from '../../incus/engine.js';
import type { ModuleHandler, Sent } from '../api.js';
import type { ClusterSnapshot, HelloRequest, Reply } from '../protocol.js';

/**
 * The rebalancer's view of a snapshot: `vmsOn(m)` is the VMs whose `member` is m, in the cluster
 * database's order — project index, then name (`<`, as `src/world/cluster.ts:insertVm` keeps
 * each member's list). Throws when the snapshot is not a cluster (the bridge feeds live input).
 *
 * @example viewOf(snapshot).vmsOn(0) // [2, 0] when VMs 0 "web-2" and 2 "web-10" are on member 0
 */
export function viewOf(cluster: ClusterSnapshot): ClusterView {
  if (cluster === null || typeof cluster !== 'object' || !Array.isArray(cluster.members) || !Array.isArray(cluster.vms) || !Array.isArray(cluster.projects)) {
    throw new Error('"cluster" must be an object with members, vms and projects arrays');
  }
  const { members, vms, projects } = cluster;
  const problem = snapshotProblem(cluster);
  if (problem !== null) throw new Error(problem);
  if (!Number.isSafeInteger(cluster.leader) || cluster.leader < -1 || cluster.leader >= members.length) throw new Error(`"cluster.leader" ${JSON.stringify(cluster.leader)} is not -1 or a member index`);
  const on: number[][] = members.map(() => []);
  for (let i = 0; i < vms.length; i++) {
    const v = vms[i]!;
    if (!Number.isSafeInteger(v.member) || v.member < 0 || v.member >= members.length) throw new Error(`"cluster.vms[${i}].member" ${JSON.stringify(v.member)} is not a member index`);
    if (!Number.isSafeInteger(v.project) || v.project < 0 || v.project >= projects.length) throw new Error(`"cluster.vms[${i}].project" ${JSON.stringify(v.project)} is not a project index`);
    on[v.member]!.push(i);
  }
  const byDatabaseOrder = (a: number, b: number): number => {
    const va = vms[a]!;
    const vb = vms[b]!;
    if (va.project !== vb.project) return va.project - vb.project;
    return va.name < vb.name ? -1 : va.name > vb.name ? 1 : a - b;
  };
  for (const list of on) list.sort(byDatabaseOrder);
  return { members, vms, projects, leader: cluster.leader, mapRandom: cluster.mapRandom, vmsOn: (m) => on[m] ?? [] };
}

type Check = (x: unknown) => boolean;
const isStr: Check = (x) => typeof x === 'string';
const isBool: Check = (x) => typeof x === 'boolean';
const isNum: Check = (x) => typeof x === 'number' && Number.isFinite(x);
const isInt: Check = (x) => Number.isSafeInteger(x);
const oneOf = (...values: string[]): Check => (x) => values.includes(x as string);
const optional = (c: Check): Check => (x) => x === undefined || c(x);
const nullable = (c: Check): Check => (x) => x === null || c(x);
const strings: Check = (x) => Array.isArray(x) && x.every(isStr);

/** What each field of a snapshot must be, with its expected form for messages. */
const MEMBER_FIELDS: readonly (readonly [string, Check, string])[] = [
  ['name', isStr, 'a string'],
  ['arch', isStr, 'a string'],
  ['threads', isNum, 'a number'],
  ['memoryTotal', isNum, 'a number (bytes)'],
  ['memoryUsed', isNum, 'a number (bytes)'],
  ['load1', isNum, 'a number'],
  ['state', oneOf('online', 'evacuated', 'offline'), 'online, evacuated or offline'],
  ['scheduler', oneOf('all', 'manual', 'group'), 'all, manual or group'],
  ['groups', strings, 'an array of strings'],
  ['startedAt', isInt, 'an integer (µs)'],
  ['reachable', optional(isBool), 'true or false'],
];
const VM_FIELDS: readonly (readonly [string, Check, string])[] = [
  ['name', isStr, 'a string'],
  ['running', isBool, 'true or false'],
  ['stateful', isBool, 'true or false'],
  ['blockingDevices', isBool, 'true or false'],
  ['evacuate', optional(isStr), 'a string'],
  ['migrating', isBool, 'true or false'],
  ['lastMove', nullable(isInt), 'an integer (s) or null'],
  ['limitsCpu', isNum, 'a number'],
  ['limitsMemory', isNum, 'a number (bytes)'],
  ['cpuUsage', isNum, 'a number (cores)'],
  ['memoryUsage', isNum, 'a number (bytes)'],
];
const PROJECT_FIELDS: readonly (readonly [string, Check, string])[] = [
  ['name', isStr, 'a string'],
  ['restricted', isBool, 'true or false'],
  ['clusterGroups', strings, 'an array of strings'],
  ['clusterTarget', optional(oneOf('block', 'allow')), 'block or allow'],
];

/**
 * What is wrong with a snapshot's members, VMs and projects (the first problem, naming the
 * field), or null. The bridge hands operators' snapshots to the loopback, so a missing or
 * mistyped field is named rather than read as undefined.
 *
 * @example snapshotProblem({ ...snap, members: [{ ...snap.members[0], load1: '9.5' }] }) // '"cluster.members[0].load1" must be a number, got "9.5"'
 */
export function snapshotProblem(cluster: ClusterSnapshot): string | null {
  const lists: [string, readonly unknown[], readonly (readonly [string, Check, string])[]][] = [
    ['members', cluster.members, MEMBER_FIELDS],
    ['vms', cluster.vms, VM_FIELDS],
    ['projects', cluster.projects, PROJECT_FIELDS],
  ];
  for (const [list, items, fields] of lists) {
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (item === null || typeof item !== 'object' || Array.isArray(item)) return `"cluster.${list}[${i}]" must be an object`;
      for (const [key, ok, form] of fields) {
        const v = (item as Record<string, unknown>)[key];
        if (!ok(v)) return `"cluster.${list}[${i}].${key}" must be ${form}, got ${shown(v)}`;
      }
    }
  }
  if (!isInt(cluster.mapRandom)) return `"cluster.mapRandom" must be an integer, got ${shown(cluster.mapRandom)}`;
  return null;
}

/** A value as a message quotes it: JSON, at most 40 characters. */
function shown(v: unknown): string {
  if (v === undefined) return 'nothing';
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

/** The engine configuration a hello carries for incus (`core: {config, options}`). */
function contextOf(hello: HelloRequest): IncusContext {
  const core = hello.core as { config?: IncusConfig; options?: IncusOptions } | null | undefined;
  if (core?.config === undefined || core.options === undefined) throw new Error('the incus hello has no core: {config, options}');
  return { config: core.config, options: core.options };
}

/** A `step` reply from a decision. */
function step(d: Pick<Decision, 'actions' | 'wakeAt'>): Reply {
  return { type: 'step', actions: d.actions, wakeAt: d.wakeAt };
}

/**
 * The reply to `migration_result`: as `step`, with the run's id added to `stamp_last_move`
 * (`run`, as every other incus action carries it; the world ignores it). The protocol's reply
 * check (validate.ts) asks every incus action for an integer `run`.
 *
 * @example stamped(d, 3).actions[0] // { type: 'stamp_last_move', run: 3, vm: 0, value: 202 }
 */
function stamped(d: Decision, run: number | undefined): Reply {
  if (run === undefined || !d.actions.some((a) => a.type === 'stamp_last_move')) return step(d);
  const actions = d.actions.map((a) => (a.type === 'stamp_last_move' ? { type: a.type, run, vm: a.vm, value: a.value } : a));
  return { type: 'step', actions, wakeAt: d.wakeAt };
}

/**
 * The loopback handler for one run of the incus dialect.
 *
 * @example openIncusLoopback(hello).handle({ id: 1, now: 0, type: 'init', cluster }) // { type: 'step', actions: [], wakeAt: 60000000 } for a leader started at 0 (6.21+)
 */
export function openIncusLoopback(hello: HelloRequest): ModuleHandler {
  const ctx = contextOf(hello);
  let state: IncusState | null = null;
  const current = (type: string): IncusState => {
    if (state === null) throw new Error(`${type} before init`);
    return state;
  };
  const keep = (d: Decision): Reply => {
    state = d.state;
    return step(d);
  };
  return {
    engine: 'incus',
    name: 'scalelab incus (built-in core)',
    handle(req: Sent): Reply {
      switch (req.type) {
        case 'init': {
          if (!('cluster' in req)) break;
          const view = viewOf(req.cluster);
          state = initialState(view, ctx);
          return step({ actions: [], wakeAt: wakeAt(state, view, req.now) });
        }
        case 'tick':
          if (!('cluster' in req)) break;
          return keep(onTick(ctx, current(req.type), viewOf(req.cluster), req.now));
        case 'migration_result': {
          const before = current(req.type);
          const d = onMigrationResult(ctx, before, viewOf(req.cluster), req.ok, req.now);
          state = d.state;
          return stamped(d, before.run?.id);
        }
        case 'daemon_start':
          return keep(onDaemonStart(ctx, current(req.type), viewOf(req.cluster), req.member, req.now));
        case 'leader_change':
          return keep(onLeaderChange(ctx, current(req.type), viewOf(req.cluster), req.now));
        case 'end':
          return { type: 'bye' };
      }
      return { type: 'error', message: `the incus dialect has no request "${req.type}"` };
    },
  };
}
