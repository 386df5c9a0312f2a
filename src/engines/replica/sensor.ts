/**
 * The generic `replica` dialect's sensor: a neutral snapshot of one group, only what a real
 * metrics pipeline would see (no ground-truth demand): each live instance's phase, size, host,
 * age and cumulative CPU time, and for a request-driven workload the request rate, the requests
 * in flight and those queued.
 */
import type { Micros } from '../../kernel/time.js';
import { inFlight } from '../../requests/flow.js';
import { ReplicaPhase, type ReplicaGroupView } from '../../world/replicas/engine.js';
import type { ReplicaSnapshot } from '../external/protocol.js';

/** Phase names as the protocol writes them, by `ReplicaPhase` number. */
const PHASES = ['placing', 'booting', 'running', 'stopping', 'gone', 'standby'] as const;

/**
 * The snapshot of `group` (counters settled to now by the world); `hosts` are the host names by
 * index (`scenario.world.hosts`). A fresh object, which an engine may keep.
 *
 * @example snapshot(group, ['node-1']) // { instances: [{ name: 'web', phase: 'running', vcpus: 1, host: 'node-1', createdAt: 0, phaseSince: 20000, cpuUs: 7812345 }] }
 */
export function snapshot(group: ReplicaGroupView, hosts: readonly string[], _now?: Micros): ReplicaSnapshot {
  const instances = group.instances.map((inst) => ({
    name: inst.name,
    phase: PHASES[inst.phase] as ReplicaSnapshot['instances'][number]['phase'],
    vcpus: inst.vcpus,
    host: inst.phase === ReplicaPhase.Placing ? null : (hosts[inst.host] ?? null),
    createdAt: inst.createdAt,
    phaseSince: inst.phaseSince,
    cpuUs: Math.floor(inst.cpuUs),
  }));
  const flow = group.requests;
  return flow === null ? { instances } : { instances, requests: { rate: group.rate, inflight: inFlight(flow), queued: flow.queued } };
}
