/**
 * Unikraft Cloud's sensor and actuator on the replica world, as free functions: what the platform
 * sees of a service at a decision (`readService`, `observationOf`) and how the core's actions
 * become world commands (`kraftcloudCommands`). Shared by the built-in plug-in (world.ts) and the
 * external one (src/engines/external/replica.ts), so both engines see and do the same.
 */
import type { Micros } from '../../kernel/time.js';
import { inFlight, servedRate } from '../../requests/flow.js';
import { ReplicaPhase, type ReplicaCommand, type ReplicaGroupView } from '../../world/replicas/engine.js';
import type { KraftcloudConfig } from './config.js';
import type { InstanceObservation, KraftcloudAction, Observation } from './engine.js';
import { READ_STATE, type SteadyReading } from './steady.js';

/**
 * The instances a service starts with, warm at t = 0: max(min_size, 1), the first named after
 * the workload (the target of `kill_primary` faults), then `<workload>-2`, …
 *
 * @example initialNames('nginx', 2) // ['nginx', 'nginx-2']
 */
export function initialNames(workload: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => (i === 0 ? workload : `${workload}-${i + 1}`));
}

/**
 * Millicores of the instance in slot `s` over the time since the sensor last read it
 * (`phaseSince`, its phase start, when never read), marking it read at `now`: its CPU counter and
 * the sensor's scratch — the last reading's time and counter — are the world's columns `cpu`,
 * `reportedAt` and `reportedCpu` (`ReplicaInstanceColumns`), taken once by the caller.
 *
 * @example // 5 ms of CPU over a 10 ms period → 500
 * readMillicores(columns.cpu, columns.reportedAt, columns.reportedCpu, inst.slot, inst.phaseSince, now)
 */
export function readMillicores(cpu: Float64Array, reportedAt: Float64Array, reportedCpu: Float64Array, s: number, phaseSince: Micros, now: Micros): number {
  const at = reportedAt[s]!;
  const since = at >= 0 ? at : phaseSince;
  const before = at >= 0 ? reportedCpu[s]! : 0;
  const used = cpu[s]!;
  reportedAt[s] = now;
  reportedCpu[s] = used;
  const span = now - since;
  return span > 0 ? ((used - before) / span) * 1000 : 0;
}

/** The core's state name of a world phase; null for instances it does not see (placing counts as starting; stopping and gone are not seen). */
function stateOf(phase: ReplicaPhase): InstanceObservation['state'] | null {
  switch (phase) {
    case ReplicaPhase.Running:
      return 'running';
    case ReplicaPhase.Placing:
    case ReplicaPhase.Booting:
      return 'starting';
    case ReplicaPhase.Standby:
      return 'standby';
    default:
      return null;
  }
}

/**
 * What the sensor read of one service at one decision (a scratch object per workload, refilled
 * by each call): the columns the fast path reads, and what the core's observation adds — whether
 * requests are arriving (each running instance's last request is `now` then).
 */
export interface ServiceReading extends SteadyReading {
  arriving: boolean;
}

/** A reading with room for `room` instances. */
export function emptyReading(room: number): ServiceReading {
  return { count: 0, states: new Uint8Array(room), createdAt: new Float64Array(room), millicores: new Float64Array(room), inflight: 0, rps: 0, waiting: 0, arriving: false };
}

/** Reading `i` of `readings`, its columns grown to hold `n` instances first when too short. */
export function fit(readings: ServiceReading[], i: number, n: number): ServiceReading {
  const r = readings[i]!;
  if (r.states.length >= n) return r;
  return (readings[i] = emptyReading(Math.max(n, 2 * r.states.length)));
}

/**
 * What the platform sees of the service at `now`, read into `r` (room for every instance): each
 * instance the core sees — placing and booting ones as starting, parked ones as standby, stopping
 * ones not at all — with its millicores since the last reading (running ones; `readMillicores`
 * marks them read), and per service the requests in flight and served per running instance,
 * whether requests arrive, and what waits. Returns the mean millicores of the running instances
 * (−1: none running), for the report.
 *
 * @example readService(group, now, fit(readings, group.index, group.instances.length)) // 412.5
 */
export function readService(group: ReplicaGroupView, now: Micros, r: ServiceReading): number {
  const flow = group.requests;
  const running = group.running;
  r.inflight = flow !== null ? (running > 0 ? inFlight(flow) / running : 0) : group.demand > 0 ? 1 : 0;
  r.rps = flow !== null && running > 0 ? servedRate(flow) / running : 0;
  r.arriving = flow !== null ? group.rate > 0 : group.demand > 0;
  r.waiting = running > 0 ? 0 : flow !== null ? flow.queued : group.demand > 0 ? 1 : 0;
  const { states, createdAt, millicores } = r;
  const instances = group.instances;
  // each instance's numbers from the world's columns, taken once here (a decision every 10 ms:
  // through the instance's own fields each read was a few loads more)
  const columns = group.columns;
  const phases = columns.phase;
  const cpu = columns.cpu;
  const reportedAt = columns.reportedAt;
  const reportedCpu = columns.reportedCpu;
  let n = 0;
  let cpuSum = 0;
  for (let k = 0; k < instances.length; k++) {
    const inst = instances[k]!;
    const slot = inst.slot;
    const phase = phases[slot];
    if (phase === ReplicaPhase.Stopping || phase === ReplicaPhase.Gone) continue;
    createdAt[n] = inst.createdAt;
    if (phase === ReplicaPhase.Running) {
      states[n] = READ_STATE.running;
      const m = readMillicores(cpu, reportedAt, reportedCpu, slot, inst.phaseSince, now);
      millicores[n] = m;
      cpuSum += m;
    } else {
      states[n] = phase === ReplicaPhase.Standby ? READ_STATE.standby : READ_STATE.starting;
      millicores[n] = 0;
    }
    n++;
  }
  r.count = n;
  return running > 0 ? cpuSum / running : -1;
}

/** Scratch for `observationOf`: the instance objects it reuses and the observation it fills. */
export interface ObservationScratch {
  pool: InstanceObservation[];
  observation: { instances: InstanceObservation[]; waiting: number };
}

/**
 * The core's observation of the turn `r` read, written into `scratch` (pass a fresh one for an
 * observation to keep): per instance the core sees, its name, state, creation and phase start,
 * the millicores read, and when running the service's per-instance requests (connections =
 * requests in flight; the last request now while requests arrive).
 *
 * @example observationOf(group, r, now, { pool: [], observation: { instances: [], waiting: 0 } }).instances[0] // { id: 'nginx', state: 'running', … }
 */
export function observationOf(group: ReplicaGroupView, r: ServiceReading, now: Micros, scratch: ObservationScratch): Observation {
  const { pool, observation } = scratch;
  const list = observation.instances;
  const instances = group.instances;
  let n = 0;
  for (let k = 0; k < instances.length; k++) {
    const inst = instances[k]!;
    const state = stateOf(inst.phase);
    if (state === null) continue;
    let o = pool[n];
    if (o === undefined) {
      o = { id: '', state, createdAt: 0, since: 0, millicores: 0, inflight: 0, rps: 0, connections: 0, lastRequestAt: null };
      pool.push(o);
    }
    const isRunning = state === 'running';
    o.id = inst.name;
    o.state = state;
    o.createdAt = inst.createdAt;
    o.since = inst.phaseSince;
    o.millicores = r.millicores[n]!;
    o.inflight = isRunning ? r.inflight : 0;
    o.rps = isRunning ? r.rps : 0;
    o.connections = o.inflight;
    o.lastRequestAt = isRunning && r.arriving ? now : null;
    if (n < list.length) list[n] = o;
    else list.push(o);
    n++;
  }
  if (list.length !== n) list.length = n;
  observation.waiting = r.waiting;
  return observation;
}

/**
 * The core's actions as world commands; spawned instances get the next names from `first`
 * (`<workload>-<n>`). A stateful wake resumes in `wakeLatency`.
 *
 * @example kraftcloudCommands(group, config, [{ type: 'spawn', count: 2, from: 'nginx', reason: 'policy' }], 3, 5000) // { actions: [spawn nginx-3 up, spawn nginx-4 up], next: 5 }
 */
export function kraftcloudCommands(group: ReplicaGroupView, config: KraftcloudConfig, actions: readonly KraftcloudAction[], first: number, wakeLatency: Micros): { actions: ReplicaCommand[]; next: number } {
  const name = group.spec.name;
  const out: ReplicaCommand[] = [];
  let next = first;
  for (const a of actions) {
    switch (a.type) {
      case 'spawn':
        for (let k = 0; k < a.count; k++) out.push(a.reason === 'policy' ? { type: 'spawn', name: `${name}-${next++}`, scaling: 'up' } : { type: 'spawn', name: `${name}-${next++}` });
        break;
      case 'destroy':
        out.push({ type: 'destroy', instance: a.instance, reason: 'scale_in', scaling: 'down' });
        break;
      case 'standby':
        out.push({ type: 'standby', instance: a.instance, reason: 'scale_to_zero' });
        break;
      case 'wake':
        out.push(config.scaleToZero.stateful ? { type: 'wake', instance: a.instance, reason: a.reason, latency: wakeLatency } : { type: 'wake', instance: a.instance, reason: a.reason });
        break;
      case 'notify':
        out.push({ type: 'note', event: 'notify', fields: { instance: a.instance, standby_at_s: a.standbyAt / 1e6 } });
        break;
    }
  }
  return { actions: out, next };
}
