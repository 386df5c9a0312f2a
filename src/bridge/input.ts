/**
 * The bridge's input lines (`scalelab decide ENGINE` on the generic bridge): JSON objects shaped
 * like a protocol request without `id`/`now`, plus a `time` (Unix seconds, fractional allowed, or
 * ISO 8601). Each line is checked here and turned into a request with a fixed key order, so the
 * bytes an engine sees do not depend on how the input was spelled. A bad line is one InputError
 * naming it (`stdin:12: key: message`).
 */
import { jsonObjectLine, MAX_INPUT_TIME_S, parseTime } from '../adapters/albatross.js';
import type { Micros } from '../kernel/time.js';
import type { StatsSample } from '../engines/albatross/core.js';
import type { Dialect, Request } from '../engines/external/protocol.js';
import { deeper, fail, flag, int, list, num, object, oneOf, text, type At } from './fields.js';

/** How a line is used in observation mode: data is buffered (newest wins), an event is sent at once. */
export type LineRole = 'data' | 'event';

/** One checked input line. */
export interface BridgeLine {
  /** integer µs of Unix time, or null when the line has no `time` (stamped on receipt) */
  readonly time: Micros | null;
  readonly request: Request;
  readonly role: LineRole;
  /** the group, VM or cluster the line is about (`cluster` for incus) */
  readonly subject: string;
  /** neon: the VM's `init` fields carried by a `tick` of a VM the bridge has not seen */
  readonly init?: Request;
}

const SPAWN_RESULTS = ['placed', 'no_capacity', 'primary_missing', 'block_devices'] as const;
const GONE_CAUSES = ['destroyed', 'boot_failed', 'killed'] as const;
const MEMBER_STATES = ['online', 'evacuated', 'offline'] as const;
const SCHEDULERS = ['all', 'manual', 'group'] as const;

/** The request types a dialect's input may carry (`end` is the bridge's, at the end of input). */
export const INPUT_TYPES: Readonly<Record<Dialect, readonly string[]>> = {
  albatross: ['init', 'observe', 'sync', 'spawn_result', 'gone'],
  hpa: ['init', 'observe', 'spawn_result', 'gone'],
  kraftcloud: ['init', 'observe', 'spawn_result', 'gone'],
  replica: ['init', 'observe', 'spawn_result', 'gone'],
  incus: ['init', 'tick', 'snapshot', 'migration_result', 'daemon_start', 'leader_change'],
  neon: ['init', 'tick', 'plugin_answer', 'neonvm_result', 'monitor_result', 'monitor_upscale_request'],
};

/**
 * Parse one input line of `dialect`. `where` names it in errors (`stdin:12`).
 *
 * @example parseBridgeLine('{"time":10,"type":"neonvm_result","vm":"vm-1","ok":true}', 'neon', 'stdin:1').request
 * // { type: 'neonvm_result', vm: 'vm-1', ok: true }
 */
export function parseBridgeLine(line: string, dialect: Dialect, where: string): BridgeLine {
  const obj = jsonObjectLine(line, where);
  const top: At = { where, key: '' };
  const time = obj['time'] === undefined ? null : parseTime(obj['time']);
  if (time === null && obj['time'] !== undefined) fail(deeper(top, 'time'), `must be Unix seconds (at most ${MAX_INPUT_TIME_S}) or an ISO 8601 string`);
  const allowed = INPUT_TYPES[dialect];
  if (typeof obj['type'] !== 'string' || !allowed.includes(obj['type'])) fail(deeper(top, 'type'), `must be one of ${allowed.join(', ')} (decide ${dialect})`);
  const type = obj['type'];
  if (dialect === 'incus') return { time, ...incusLine(type, obj, top) };
  if (dialect === 'neon') return { time, ...neonLine(type, obj, top) };
  return { time, ...horizontalLine(dialect, type, obj, top) };
}

type Parsed = Omit<BridgeLine, 'time'>;

/** A line of a horizontal dialect (albatross, hpa, kraftcloud, replica). */
function horizontalLine(dialect: Dialect, type: string, obj: Record<string, unknown>, top: At): Parsed {
  const group = text(obj['group'], deeper(top, 'group'));
  const at = (k: string) => deeper(top, k);
  switch (type) {
    case 'init': {
      const instances = obj['instances'] === undefined ? [] : list(obj['instances'], at('instances'), (v, a) => {
        const o = object(v, a);
        return { name: text(o['name'], deeper(a, 'name')), primary: flag(o['primary'] ?? false, deeper(a, 'primary')) };
      });
      return { request: { type: 'init', group, instances }, role: 'event', subject: group };
    }
    case 'observe':
      if (dialect === 'albatross') {
        const records = list(obj['records'], at('records'), (v, a) => statsSample(v, a));
        return { request: { type: 'observe', group, records }, role: 'data', subject: group };
      }
      return { request: { type: 'observe', group, obs: observation(dialect, obj['obs'], at('obs')) as never }, role: 'data', subject: group };
    case 'sync':
      return { request: { type: 'sync', group, alive: list(obj['alive'], at('alive'), text) }, role: 'event', subject: group };
    case 'spawn_result':
      return { request: { type: 'spawn_result', group, name: text(obj['name'], at('name')), result: oneOf(obj['result'], SPAWN_RESULTS, at('result')) }, role: 'event', subject: group };
    default:
      return { request: { type: 'gone', group, name: text(obj['name'], at('name')), cause: oneOf(obj['cause'], GONE_CAUSES, at('cause')) }, role: 'event', subject: group };
  }
}

/** An albatross stats sample (src/engines/albatross/core.ts StatsSample): whole numbers, `previousAt` −1 for a first record. */
function statsSample(value: unknown, at: At): StatsSample {
  const o = object(value, at);
  const n = (k: string, max = Number.MAX_SAFE_INTEGER) => int(o[k] ?? 0, deeper(at, k), 0, max);
  return {
    name: text(o['name'], deeper(at, 'name')),
    utimeSec: n('utimeSec'),
    utimeUsec: n('utimeUsec', 999_999),
    stimeSec: n('stimeSec'),
    stimeUsec: n('stimeUsec', 999_999),
    previousAt: int(o['previousAt'] ?? -1, deeper(at, 'previousAt'), -1),
    previousUtimeSec: n('previousUtimeSec'),
    previousUtimeUsec: n('previousUtimeUsec', 999_999),
    previousStimeSec: n('previousStimeSec'),
    previousStimeUsec: n('previousStimeUsec', 999_999),
  };
}

/**
 * An hpa, kraftcloud or replica observation: the outer shape is checked here (the lists and the
 * counts the cores index by); the values inside go to the engine as written.
 */
function observation(dialect: Dialect, value: unknown, at: At): Record<string, unknown> {
  const o = object(value, at);
  if (dialect === 'hpa') {
    int(o['specReplicas'], deeper(at, 'specReplicas'), 0);
    if (o['statusReplicas'] !== undefined) int(o['statusReplicas'], deeper(at, 'statusReplicas'), 0);
    list(o['pods'], deeper(at, 'pods'), (v, a) => text(object(v, a)['name'], deeper(a, 'name')));
  } else if (dialect === 'kraftcloud') {
    list(o['instances'], deeper(at, 'instances'), (v, a) => text(object(v, a)['id'], deeper(a, 'id')));
    if (num(o['waiting'], deeper(at, 'waiting')) < 0) fail(deeper(at, 'waiting'), 'must not be negative');
  } else {
    list(o['instances'], deeper(at, 'instances'), (v, a) => text(object(v, a)['name'], deeper(a, 'name')));
  }
  return o;
}

/** An incus line: a cluster snapshot (data) or a rebalancer event. */
function incusLine(type: string, obj: Record<string, unknown>, top: At): Parsed {
  const role: LineRole = type === 'tick' || type === 'snapshot' ? 'data' : 'event';
  const cluster = obj['cluster'] === undefined && role === 'event' ? null : clusterSnapshot(obj['cluster'], deeper(top, 'cluster'));
  const c = cluster as never;
  switch (type) {
    case 'migration_result':
      return { request: { type, ok: flag(obj['ok'], deeper(top, 'ok')), cluster: c }, role, subject: 'cluster' };
    case 'daemon_start':
      return { request: { type, member: int(obj['member'], deeper(top, 'member'), 0), cluster: c }, role, subject: 'cluster' };
    case 'snapshot':
      return { request: { type: 'tick', cluster: c }, role, subject: 'cluster' };
    default:
      return { request: { type: type as 'init' | 'tick' | 'leader_change', cluster: c }, role, subject: 'cluster' };
  }
}

/**
 * An incus cluster snapshot (docs/PROTOCOL.md, rebalancing dialect), rebuilt field by field in the
 * protocol's order. `mapRandom` may be left out (the bridge then draws it).
 */
export function clusterSnapshot(value: unknown, at: At): Record<string, unknown> {
  const o = object(value, at);
  const members = list(o['members'], deeper(at, 'members'), (v, a) => {
    const m = object(v, a);
    const k = (key: string) => deeper(a, key);
    return {
      name: text(m['name'], k('name')),
      arch: text(m['arch'], k('arch')),
      threads: int(m['threads'], k('threads'), 0),
      memoryTotal: num(m['memoryTotal'], k('memoryTotal')),
      memoryUsed: num(m['memoryUsed'], k('memoryUsed')),
      load1: num(m['load1'], k('load1')),
      state: oneOf(m['state'], MEMBER_STATES, k('state')),
      scheduler: oneOf(m['scheduler'] ?? 'all', SCHEDULERS, k('scheduler')),
      groups: m['groups'] === undefined ? [] : list(m['groups'], k('groups'), text),
      startedAt: int(m['startedAt'] ?? 0, k('startedAt')),
      ...(m['reachable'] !== undefined ? { reachable: flag(m['reachable'], k('reachable')) } : {}),
    };
  });
  const projects = list(o['projects'], deeper(at, 'projects'), (v, a) => {
    const p = object(v, a);
    const k = (key: string) => deeper(a, key);
    return {
      name: text(p['name'], k('name')),
      restricted: flag(p['restricted'] ?? false, k('restricted')),
      clusterGroups: p['clusterGroups'] === undefined ? [] : list(p['clusterGroups'], k('clusterGroups'), text),
      ...(p['clusterTarget'] !== undefined ? { clusterTarget: oneOf(p['clusterTarget'], ['block', 'allow'] as const, k('clusterTarget')) } : {}),
    };
  });
  const vms = list(o['vms'], deeper(at, 'vms'), (v, a) => {
    const m = object(v, a);
    const k = (key: string) => deeper(a, key);
    return {
      name: text(m['name'], k('name')),
      project: int(m['project'], k('project'), 0, Math.max(0, projects.length - 1)),
      member: int(m['member'], k('member'), 0, Math.max(0, members.length - 1)),
      running: flag(m['running'], k('running')),
      stateful: flag(m['stateful'] ?? false, k('stateful')),
      blockingDevices: flag(m['blockingDevices'] ?? false, k('blockingDevices')),
      ...(m['evacuate'] !== undefined ? { evacuate: text(m['evacuate'], k('evacuate')) } : {}),
      migrating: flag(m['migrating'] ?? false, k('migrating')),
      lastMove: m['lastMove'] === null || m['lastMove'] === undefined ? null : int(m['lastMove'], k('lastMove')),
      limitsCpu: num(m['limitsCpu'], k('limitsCpu')),
      limitsMemory: num(m['limitsMemory'], k('limitsMemory')),
      cpuUsage: num(m['cpuUsage'], k('cpuUsage')),
      memoryUsage: num(m['memoryUsage'], k('memoryUsage')),
    };
  });
  const leader = int(o['leader'] ?? -1, deeper(at, 'leader'), -1, members.length - 1);
  return {
    members,
    vms,
    projects,
    leader,
    ...(o['mapRandom'] !== undefined ? { mapRandom: int(o['mapRandom'], deeper(at, 'mapRandom'), 0, 4294967295) } : {}),
  };
}

/** A neon resources pair: milli-vCPU and bytes, whole numbers ≥ 0. */
function resources(value: unknown, at: At): { cpu: number; mem: number } {
  const o = object(value, at);
  return { cpu: int(o['cpu'], deeper(at, 'cpu'), 0), mem: int(o['mem'], deeper(at, 'mem'), 0) };
}

/** A neon line: the agent's per-VM events; a `tick` carries the VM's metrics. */
function neonLine(type: string, obj: Record<string, unknown>, top: At): Parsed {
  const vm = text(obj['vm'], deeper(top, 'vm'));
  const k = (key: string) => deeper(top, key);
  const initOf = (): Request => ({
    type: 'init',
    vm,
    using: resources(obj['using'], k('using')),
    min: resources(obj['min'], k('min')),
    max: resources(obj['max'], k('max')),
    monitorActive: flag(obj['monitorActive'] ?? true, k('monitorActive')),
  });
  switch (type) {
    case 'init':
      return { request: initOf(), role: 'event', subject: vm };
    case 'tick': {
      const metrics = obj['metrics'] === undefined ? undefined : systemMetrics(obj['metrics'], k('metrics'));
      const lfc = obj['lfc'] === undefined ? undefined : list(obj['lfc'], k('lfc'), num);
      const init = obj['using'] !== undefined || obj['min'] !== undefined || obj['max'] !== undefined ? initOf() : undefined;
      return { request: { type: 'tick', vm, ...(metrics ? { metrics } : {}), ...(lfc ? { lfc } : {}) }, role: 'event', subject: vm, ...(init ? { init } : {}) };
    }
    case 'plugin_answer':
      return { request: { type, vm, permit: obj['permit'] === null ? null : resources(obj['permit'], k('permit')) }, role: 'event', subject: vm };
    case 'neonvm_result':
      return { request: { type, vm, ok: flag(obj['ok'], k('ok')) }, role: 'event', subject: vm };
    case 'monitor_result':
      return {
        request: { type, vm, kind: oneOf(obj['kind'], ['upscale', 'downscale'] as const, k('kind')), result: oneOf(obj['result'], ['approved', 'denied', 'failed'] as const, k('result')) },
        role: 'event',
        subject: vm,
      };
    default:
      return { request: { type: 'monitor_upscale_request', vm, cpu: flag(obj['cpu'] ?? false, k('cpu')), mem: flag(obj['mem'] ?? true, k('mem')) }, role: 'event', subject: vm };
  }
}

/** A VM's readings (neon `SystemMetrics`): load averages and memory bytes. */
function systemMetrics(value: unknown, at: At): { load1: number; load5: number; memoryUsageBytes: number; memoryCachedBytes?: number } {
  const o = object(value, at);
  return {
    load1: num(o['load1'], deeper(at, 'load1')),
    load5: num(o['load5'], deeper(at, 'load5')),
    memoryUsageBytes: num(o['memoryUsageBytes'], deeper(at, 'memoryUsageBytes')),
    ...(o['memoryCachedBytes'] !== undefined ? { memoryCachedBytes: num(o['memoryCachedBytes'], deeper(at, 'memoryCachedBytes')) } : {}),
  };
}
