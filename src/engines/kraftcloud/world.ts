/**
 * Unikraft Cloud on the horizontal world (src/world/replicas/): each workload is one service
 * whose master (template) is the workload itself; the pure core (`engine.ts`) decides at its
 * own decision period (a timer sensor, default every 10 ms) on what the platform sees of each
 * instance:
 *
 * - `millicores`: CPU used over the last period (the world's CPU counter difference since this
 *   sensor's previous reading of the instance, over the time between; 1000 = one vCPU busy);
 * - `inflight`, `rps`, `connections`: for a request-driven workload (`requests:`), the request
 *   flow's requests in service now and its served rate over the last settled span, split evenly over the running
 *   instances (the world's load balancer splits evenly); connections = in-flight requests (no
 *   keep-alive modelled). For a workload given in cores, a running instance has one request in
 *   flight while its demand is above 0, so scale-to-zero parks it only when the demand is 0;
 * - `lastRequestAt`: `now` while requests arrive, else none (the core remembers when it last
 *   saw the instance busy);
 * - `waiting`: the requests queued with no instance running (a cores workload: 1 while its
 *   demand is above 0 and nothing runs).
 *
 * Actions go to the world's actuator: spawn (a new instance `<workload>-<n>`, cold boot),
 * destroy (scale-in; the core picks the victims), standby, wake (a stateful wake takes
 * `scale_to_zero.wake_latency`, otherwise a cold boot of `world.boot.latency`), notify (an
 * event). The spawns of a policy scale-out count as one scale-up (a wake does not), a scale-in as one
 * scale-down.
 *
 * The plug-in keeps nothing per workload but the state the world hands back: the core's state
 * and the number of the next instance name. The sensor reads each service into a reading in
 * columns (scratch, reused across calls); the usual turn is decided on it by the fast path
 * (`steady.ts`, proven equal to the core), any other by the core on an observation built from it.
 */
import type { Micros } from '../../kernel/time.js';
import { inFlight, servedRate } from '../../requests/flow.js';
import type { Scenario, WorkloadSpec } from '../../scenario/types.js';
import {
  ReplicaPhase,
  type EngineReading,
  type InitialInstance,
  type ReplicaCommand,
  type ReplicaEngine,
  type ReplicaGroupView,
  type ReplicaInstanceView,
  type ReplicaPanel,
  type ReplicaPlugin,
  type ReplicaStep,
  type TimerSensor,
} from '../../world/replicas/engine.js';
import type { KraftcloudConfig } from './config.js';
import { kraftcloudConfigOf, kraftcloudDescriptor } from './descriptor.js';
import { decide, initialState, type Decision, type InstanceObservation, type KraftcloudState, type Observation } from './engine.js';
import { READ_STATE, steadyPlan, steadyTurn, type SteadyPlan, type SteadyReading } from './steady.js';

/** One service's state in the world: the core's state and the number the next instance gets. */
export interface KraftcloudWorldState {
  readonly core: KraftcloudState;
  readonly nextInstance: number;
}

const NO_ACTIONS: readonly ReplicaCommand[] = [];

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
 * Millicores of `inst` over the time since the sensor last read it (its phase start when never
 * read), marking it read at `now`. The sensor's scratch fields hold the last reading: the time
 * (`reportedAt`) and the CPU counter then (`reportedSec` × 1e6 + `reportedUsec`).
 *
 * @example // 5 ms of CPU over a 10 ms period → 500
 */
export function readMillicores(inst: ReplicaInstanceView, now: Micros): number {
  const since = inst.reportedAt >= 0 ? inst.reportedAt : inst.phaseSince;
  const before = inst.reportedAt >= 0 ? inst.reportedSec * 1e6 + inst.reportedUsec : 0;
  const cpu = inst.cpuUs;
  inst.reportedAt = now;
  inst.reportedSec = Math.floor(cpu / 1e6);
  inst.reportedUsec = cpu - inst.reportedSec * 1e6;
  const span = now - since;
  return span > 0 ? ((cpu - before) / span) * 1000 : 0;
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
 * The plans, equal ones replaced by the first of them: services configured alike (the usual case:
 * one engine section for every workload) share one plan, which stays in cache across the loop.
 */
function sharedPlans(plans: SteadyPlan[]): SteadyPlan[] {
  const seen = new Map<string, SteadyPlan>();
  return plans.map((p) => {
    const key = JSON.stringify(p, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)); // ±Infinity bounds kept apart
    const first = seen.get(key);
    if (first !== undefined) return first;
    seen.set(key, p);
    return p;
  });
}

/** A reading with room for `room` instances. */
function emptyReading(room: number): ServiceReading {
  return { count: 0, states: new Uint8Array(room), createdAt: new Float64Array(room), millicores: new Float64Array(room), inflight: 0, rps: 0, waiting: 0, arriving: false };
}

/** Reading `i` of `readings`, its columns grown to hold `n` instances first when too short. */
function fit(readings: ServiceReading[], i: number, n: number): ServiceReading {
  const r = readings[i]!;
  if (r.states.length >= n) return r;
  return (readings[i] = emptyReading(Math.max(n, 2 * r.states.length)));
}

/**
 * What the sensor read of one service at one decision (a scratch object per workload, refilled
 * by each call): the columns the fast path reads, and what the core's observation adds — whether
 * requests are arriving (each running instance's last request is `now` then).
 */
export interface ServiceReading extends SteadyReading {
  arriving: boolean;
}

/** The plug-in of one run: a core configuration and fast-path plan per workload, a reused reading and observation per workload. */
class KraftcloudPlugin implements ReplicaPlugin<KraftcloudWorldState, ServiceReading> {
  readonly configs: KraftcloudConfig[];
  /** Per workload: its configuration laid out for the steady-turn fast path. */
  readonly plans: SteadyPlan[];
  readonly wakeLatency: Micros;
  /** Scratch per workload: the sensor's reading, refilled whole by each call. */
  private readonly readings: ServiceReading[];
  /**
   * Scratch per workload: the core's observation and the instance objects in it, built from the
   * reading when the fast path declines, rewritten whole each time (so a service's list keeps its
   * length while the service does).
   */
  private readonly scratch: { pool: InstanceObservation[]; observation: { instances: InstanceObservation[]; waiting: number } }[];
  /** Scratch for the report only: the average millicores each workload's core last read (−1: none). */
  private readonly lastCpu: Float64Array;
  /** Scratch: the core's last decision, filled again by the next call (no allocation per tick). */
  private decision: Decision | undefined = undefined;
  private readonly lastStep: { state: KraftcloudWorldState; actions: readonly ReplicaCommand[]; wakeAt: Micros | null } = { state: null as never, actions: NO_ACTIONS, wakeAt: null };
  readonly sensor: TimerSensor<KraftcloudWorldState, ServiceReading>;
  readonly report;

  constructor(readonly scenario: Scenario) {
    const engine = scenario.engine;
    this.configs = scenario.workloads.map((w) => kraftcloudConfigOf(engine.config, engine.options, w.name));
    this.plans = sharedPlans(this.configs.map(steadyPlan));
    this.scratch = scenario.workloads.map(() => ({ pool: [], observation: { instances: [], waiting: 0 } }));
    this.readings = scenario.workloads.map(() => emptyReading(8));
    this.wakeLatency = engine.config['scale_to_zero.wake_latency'] as Micros;
    this.lastCpu = new Float64Array(scenario.workloads.length).fill(-1);
    const first = this.configs[0];
    const cpuPolicy = first?.policies.find((p) => p.metric === 'cpu');
    const up = cpuPolicy?.steps.find((s) => s.adjustment > 0)?.lower ?? 1000;
    const down = cpuPolicy?.steps.find((s) => s.adjustment < 0)?.upper ?? 0;
    this.sensor = {
      kind: 'timer',
      firstWake: (group) => this.configs[group.index]!.decisionPeriod,
      observe: (group, _state, now) => this.observe(group, now),
      decide: (group, state, observation, now) => this.decide(group, state, observation, now),
    };
    // The engine's own chart in place of the tick-counter chart (Unikraft Cloud has no ticks):
    // what the service holds each round — serving, starting, parked — between min_size and max_size.
    const instancesPanel: ReplicaPanel = {
      title: 'Unikraft Cloud: running, starting and standby instances',
      subtitle: `instances per state at each round (mean per bucket): running serve requests, starting are being placed or booted, standby are parked by scale-to-zero (they hold memory, no CPU); dashed: min_size ${first?.minSize ?? 0} and max_size ${first?.maxSize ?? 0}`,
      axis: 'instances',
      series: ['running', 'starting', 'standby'],
      rules: [
        { value: first?.minSize ?? 0, label: 'min_size' },
        { value: first?.maxSize ?? 0, label: 'max_size' },
      ],
      integer: true,
      values: new Float64Array(3),
    };
    this.report = {
      panels: [instancesPanel],
      cooldown: first?.cooldown ?? 0,
      thresholds: { up: up / 10, down: down / 10 },
      sensorNote: `millicores, in-flight requests and requests/s per instance every ${(first?.decisionPeriod ?? 0) / 1000} ms (the decision period)`,
      reading: (group: ReplicaGroupView, _before: KraftcloudWorldState, after: KraftcloudWorldState, now: Micros, out: EngineReading): void => {
        const cpu = this.lastCpu[group.index]!;
        out.cpu = cpu < 0 ? null : cpu / 10;
        out.highTicks = 0;
        out.lowTicks = 0;
        const c = this.configs[group.index]!;
        const s = after.core;
        out.inCooldown = s.lastScaleIn !== null && now < s.lastScaleIn + c.cooldown;
        const v = instancesPanel.values;
        v[0] = group.running;
        v[1] = group.placing + group.booting;
        v[2] = group.standby;
      },
    };
  }

  initialInstances(spec: WorkloadSpec): readonly InitialInstance[] {
    const c = this.configs[this.scenario.workloads.indexOf(spec)]!;
    return initialNames(spec.name, Math.max(c.minSize, 1)).map((name, i) => ({ name, primary: i === 0 }));
  }

  initialState(group: ReplicaGroupView): KraftcloudWorldState {
    return { core: initialState(), nextInstance: group.instances.length + 1 };
  }

  /**
   * What the platform sees of the service at `now`, read into the workload's reading (a reused
   * object, valid until the next call): each instance the core sees — placing and booting ones as
   * starting, parked ones as standby, stopping ones not at all — with its millicores since the
   * last reading (running ones; `readMillicores` marks them read), and per service the requests in
   * flight and served per running instance, whether requests arrive, and what waits.
   */
  observe(group: ReplicaGroupView, now: Micros): ServiceReading {
    const flow = group.requests;
    const running = group.running;
    const r = fit(this.readings, group.index, group.instances.length);
    r.inflight = flow !== null ? (running > 0 ? inFlight(flow) / running : 0) : group.demand > 0 ? 1 : 0;
    r.rps = flow !== null && running > 0 ? servedRate(flow) / running : 0;
    r.arriving = flow !== null ? group.rate > 0 : group.demand > 0;
    r.waiting = running > 0 ? 0 : flow !== null ? flow.queued : group.demand > 0 ? 1 : 0;
    const { states, createdAt, millicores } = r;
    const instances = group.instances;
    let n = 0;
    let cpuSum = 0;
    for (let k = 0; k < instances.length; k++) {
      const inst = instances[k]!;
      const phase = inst.phase;
      if (phase === ReplicaPhase.Stopping || phase === ReplicaPhase.Gone) continue;
      createdAt[n] = inst.createdAt;
      if (phase === ReplicaPhase.Running) {
        states[n] = READ_STATE.running;
        const m = readMillicores(inst, now);
        millicores[n] = m;
        cpuSum += m;
      } else {
        states[n] = phase === ReplicaPhase.Standby ? READ_STATE.standby : READ_STATE.starting;
        millicores[n] = 0;
      }
      n++;
    }
    r.count = n;
    this.lastCpu[group.index] = running > 0 ? cpuSum / running : -1;
    return r;
  }

  /**
   * The core's observation of the turn `r` read (a reused object per workload): per instance the
   * core sees, its name, state, creation and phase start, the millicores read, and when running
   * the service's per-instance requests (connections = requests in flight; the last request now
   * while requests arrive).
   */
  observationOf(group: ReplicaGroupView, r: ServiceReading, now: Micros): Observation {
    const { pool, observation } = this.scratch[group.index]!;
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

  decide(group: ReplicaGroupView, state: KraftcloudWorldState, reading: ServiceReading, now: Micros): ReplicaStep<KraftcloudWorldState> {
    const config = this.configs[group.index]!;
    const step = this.lastStep;
    // the usual turn (nothing to do, state kept) without the core's bookkeeping; proven equal to the core
    const steady = steadyTurn(this.plans[group.index]!, state.core, reading, now);
    if (steady >= 0) {
      step.state = state;
      step.actions = NO_ACTIONS;
      step.wakeAt = steady;
      return step;
    }
    const observation = this.observationOf(group, reading, now);
    const d = decide(config, state.core, observation, now, this.decision);
    this.decision = d; // reused by the next call: its actions are turned into commands below
    step.wakeAt = d.wakeAt;
    if (d.actions.length === 0) {
      step.state = d.state === state.core ? state : { core: d.state, nextInstance: state.nextInstance };
      step.actions = NO_ACTIONS;
      return step;
    }
    const { actions, next } = this.commands(group, config, d, state.nextInstance);
    step.state = { core: d.state, nextInstance: next };
    step.actions = actions;
    return step;
  }

  /** The core's actions as world commands; spawned instances get the next names. */
  private commands(group: ReplicaGroupView, config: KraftcloudConfig, d: Decision, first: number): { actions: ReplicaCommand[]; next: number } {
    const name = group.spec.name;
    const out: ReplicaCommand[] = [];
    let next = first;
    for (const a of d.actions) {
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
          out.push(config.scaleToZero.stateful ? { type: 'wake', instance: a.instance, reason: a.reason, latency: this.wakeLatency } : { type: 'wake', instance: a.instance, reason: a.reason });
          break;
        case 'notify':
          out.push({ type: 'note', event: 'notify', fields: { instance: a.instance, standby_at_s: a.standbyAt / 1e6 } });
          break;
      }
    }
    return { actions: out, next };
  }

  onSpawnResult(_group: ReplicaGroupView, state: KraftcloudWorldState): ReplicaStep<KraftcloudWorldState> {
    return { state, actions: NO_ACTIONS };
  }

  onGone(): null {
    return null;
  }
}

/** Unikraft Cloud as the replica world runs it. */
export const kraftcloudEngine: ReplicaEngine<KraftcloudWorldState, ServiceReading> = {
  descriptor: kraftcloudDescriptor,
  bind: (scenario) => new KraftcloudPlugin(scenario),
};
