/**
 * The Kubernetes HPA on the horizontal world: each workload is a Deployment's ReplicaSet of pods
 * (one instance = one pod, its request = its vCPUs) scaled by one HPA. The plug-in is the
 * metrics-server, the pod lister and the ReplicaSet controller around the pure core
 * (`onSync` in engine.ts):
 *
 * - **Sensor (timer)**: at t = 0 and then every `syncPeriod` (15 s) the HPA syncs. Its view is
 *   what the pod lister and metrics-server show: each pod's phase (placing → Pending without a
 *   node or start time; booting → Pending with its start time and Ready False; running → Running,
 *   Ready True since its boot ended; stopping → deleted), its CPU request (vCPUs × 1000 m), and a
 *   metrics-server CPU sample: the rate of its CPU counter between the previous scrape and now
 *   (scrapes are taken at the syncs, so window = time since the previous scrape; a pod's first
 *   scrape gives no sample yet, as metrics-server needs two points), in nanocores truncated, then
 *   millicores rounded up (`Quantity.MilliValue()`).
 * - **Decide**: `onSync` on that view; its `spec.replicas` becomes the ReplicaSet's.
 * - **Actuator (ReplicaSet)**: at each sync, and at once when a pod is gone without being deleted
 *   (boot failed, killed), the live pods not being deleted are brought to `spec.replicas`:
 *   missing pods are created (`<workload>-<n>`); extra ones deleted in the order of
 *   `podsToDelete` (replicaset.ts, the ReplicaSet's own ranking). A change the HPA made is one
 *   scaling action (up or down); replacing a lost pod is not.
 * - **Report**: no cooldown (stabilisation windows are not one); the CPU chart's lines are the
 *   first CPU utilisation target × (1 ± tolerance); the reading is the utilisation the last sync
 *   computed.
 *
 * @example simulateReplicas(scenario, hpaEngine.bind(scenario))
 */
import type { Micros } from '../../kernel/time.js';
import type { Scenario, WorkloadSpec } from '../../scenario/types.js';
import type { ReplicaCommand, ReplicaEngine, ReplicaGroupView, ReplicaInstanceView, ReplicaPlugin, ReplicaStep } from '../../world/replicas/engine.js';
import { ReplicaPhase } from '../../world/replicas/engine.js';
import { hpaDescriptor } from './descriptor.js';
import { initialState, onSync } from './engine.js';
import { podsToDelete, type RankedPod } from './replicaset.js';
import { tolerancesFor } from './replicas.js';
import type { HpaConfig, HpaState, Observation, PodObservation } from './types.js';

/** What the world keeps per workload for the HPA plug-in. Immutable. */
export interface HpaGroupState {
  /** The controller's memory of this HPA. */
  readonly hpa: HpaState;
  /** The scale subresource's `spec.replicas`: what the HPA last wrote (the ReplicaSet's target). */
  readonly specReplicas: number;
  /** Number of the next pod the ReplicaSet creates (`<workload>-<n>`). */
  readonly nextPod: number;
  /** CPU utilisation % the last sync computed (first CPU Utilization metric); null: none yet or failed. */
  readonly utilisation: number | null;
}

const NO_COMMANDS: readonly ReplicaCommand[] = Object.freeze([]);

/**
 * A pod as the pod lister shows it at `now`, with its metrics-server CPU sample. Reads the
 * instance's previous scrape (the sensor scratch `reportedAt`, `reportedSec`/`reportedUsec`) and
 * stores this one there.
 *
 * @example // a pod running since 0 that used 9 s of CPU over the 15 s since its last scrape:
 * // cpu: { usage: 600, timestamp: now, window: 15 s } — 9e6 µs × 1e9 / 15e6 µs = 6e8 nanocores → 600 m
 */
export function podView(inst: ReplicaInstanceView, now: Micros): PodObservation {
  const request = inst.vcpus * 1000;
  let cpu: PodObservation['cpu'] = null;
  const counter = Math.floor(inst.cpuUs);
  if (inst.phase === ReplicaPhase.Booting || inst.phase === ReplicaPhase.Running) {
    const previousAt = inst.reportedAt;
    const previous = inst.reportedSec * 1e6 + inst.reportedUsec;
    if (previousAt >= 0 && now > previousAt) {
      const nanocores = Math.floor(((counter - previous) * 1e9) / (now - previousAt));
      cpu = { usage: Math.ceil(nanocores / 1e6), timestamp: now, window: now - previousAt };
    }
    const sec = Math.floor(counter / 1e6);
    inst.reportedAt = now;
    inst.reportedSec = sec;
    inst.reportedUsec = counter - sec * 1e6;
  }
  switch (inst.phase) {
    case ReplicaPhase.Placing:
      return { name: inst.name, phase: 'Pending', ready: null, startTime: null, deleted: false, requests: { cpu: request }, cpu: null };
    case ReplicaPhase.Booting:
      return { name: inst.name, phase: 'Pending', ready: { status: 'False', lastTransitionTime: inst.startedAt }, startTime: inst.startedAt, deleted: false, requests: { cpu: request }, cpu };
    case ReplicaPhase.Running:
      return { name: inst.name, phase: 'Running', ready: { status: 'True', lastTransitionTime: inst.phaseSince }, startTime: inst.startedAt, deleted: false, requests: { cpu: request }, cpu };
    default:
      // stopping (deletion timestamp set) and parked instances are not active pods
      return { name: inst.name, phase: 'Running', ready: null, startTime: inst.startedAt, deleted: true, requests: { cpu: request }, cpu: null };
  }
}

/** The pod lister's and metrics-server's view of a workload for one sync. */
export function observe(group: ReplicaGroupView, state: HpaGroupState, now: Micros): Observation {
  return { specReplicas: state.specReplicas, pods: group.instances.map((inst) => podView(inst, now)) };
}

/** A live pod the ReplicaSet counts (not being deleted) as the deletion ranking reads it. */
function ranked(inst: ReplicaInstanceView): RankedPod {
  const placed = inst.phase !== ReplicaPhase.Placing;
  return {
    name: inst.name,
    id: inst.id,
    node: placed ? inst.host : null,
    phase: inst.phase === ReplicaPhase.Running ? 'Running' : 'Pending',
    ready: inst.phase === ReplicaPhase.Running,
    readySince: inst.phaseSince,
    createdAt: inst.createdAt,
  };
}

/**
 * The ReplicaSet's reconcile (`manageReplicas`): create or delete pods so that the active ones
 * (not being deleted) number `state.specReplicas`. `scaling` marks the commands as the HPA's
 * scaling action.
 */
export function reconcile(group: ReplicaGroupView, state: HpaGroupState, now: Micros, scaling: 'up' | 'down' | null): { state: HpaGroupState; actions: readonly ReplicaCommand[] } {
  const active = group.instances.filter((i) => i.phase !== ReplicaPhase.Stopping && i.phase !== ReplicaPhase.Standby);
  const diff = state.specReplicas - active.length;
  if (diff === 0) return { state, actions: NO_COMMANDS };
  const actions: ReplicaCommand[] = [];
  if (diff > 0) {
    let next = state.nextPod;
    for (let k = 0; k < diff; k++) {
      const name = `${group.spec.name}-${next++}`;
      actions.push(scaling === 'up' ? { type: 'spawn', name, scaling } : { type: 'spawn', name });
    }
    return { state: { ...state, nextPod: next }, actions };
  }
  for (const pod of podsToDelete(active.map(ranked), -diff, now)) {
    actions.push(scaling === 'down' ? { type: 'destroy', instance: pod.name, reason: 'scale_down', scaling } : { type: 'destroy', instance: pod.name, reason: 'replicaset' });
  }
  return { state, actions };
}

/** The first CPU utilisation target, percent (null: none). */
function cpuTarget(config: HpaConfig): number | null {
  for (const m of config.metrics) if (m.type === 'Resource' && m.name === 'cpu' && m.target.type === 'Utilization') return m.target.averageUtilization;
  return null;
}

/** Pods a workload starts with: its `min_instances` within [minReplicas, maxReplicas]; the first is named after the workload (the target of `kill_primary` faults). */
function initialPods(config: HpaConfig, spec: WorkloadSpec): number {
  return Math.min(config.maxReplicas, Math.max(config.minReplicas, spec.min_instances));
}

/** Bind the HPA to one run: the configuration `resolveConfig` made from the scenario. */
function bind(scenario: Scenario): ReplicaPlugin<HpaGroupState, Observation> {
  const config = scenario.engine.config as unknown as HpaConfig;
  const target = cpuTarget(config);
  const tolerances = tolerancesFor(config);

  const sync = (group: ReplicaGroupView, state: HpaGroupState, obs: Observation, now: Micros): ReplicaStep<HpaGroupState> => {
    const r = onSync(config, state.hpa, obs, now);
    const cpu = r.metrics.find((m) => m.metric.startsWith('cpu resource utilization'));
    const utilisation = target !== null && cpu !== undefined ? cpu.current : null;
    const desired = r.desiredReplicas;
    const scaling = desired > state.specReplicas ? 'up' : desired < state.specReplicas ? 'down' : null;
    const next: HpaGroupState = { hpa: r.state, specReplicas: desired, nextPod: state.nextPod, utilisation };
    const rs = reconcile(group, next, now, scaling);
    return { state: rs.state, actions: rs.actions, wakeAt: r.wakeAt };
  };

  return {
    initialInstances: (spec) => Array.from({ length: initialPods(config, spec) }, (_, k) => ({ name: k === 0 ? spec.name : `${spec.name}-${k + 1}`, primary: k === 0 })),
    initialState: (group) => ({ hpa: initialState(), specReplicas: group.instances.length, nextPod: group.instances.length + 1, utilisation: null }),
    sensor: {
      kind: 'timer',
      firstWake: () => 0,
      observe,
      decide: sync,
    },
    onSpawnResult: (_group, state) => ({ state, actions: NO_COMMANDS }),
    onGone(group, state, _name, cause, now) {
      // a deleted pod was the ReplicaSet's own doing; a lost one is replaced at once
      if (cause === 'destroyed') return null;
      return reconcile(group, state, now, null);
    },
    report: {
      cooldown: 0,
      thresholds: target === null ? { up: 100, down: 0 } : { up: round2(target * (1 + tolerances.up)), down: round2(target * (1 - tolerances.down)) },
      sensorNote: `HPA syncs every ${config.syncPeriod / 1e6} s on metrics-server CPU samples`,
      reading(_group, _before, after, _now, out) {
        out.cpu = after.utilisation;
        out.highTicks = 0;
        out.lowTicks = 0;
        out.inCooldown = false;
      },
    },
  };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** The Kubernetes HPA as a replica engine. */
export const hpaEngine: ReplicaEngine<HpaGroupState, Observation> = { descriptor: hpaDescriptor, bind };
