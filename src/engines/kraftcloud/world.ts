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
import type { Scenario, WorkloadSpec } from '../../scenario/types.js';
import {
  type EngineReading,
  type InitialInstance,
  type ReplicaCommand,
  type ReplicaEngine,
  type ReplicaGroupView,
  type ReplicaPanel,
  type ReplicaPlugin,
  type ReplicaStep,
  type TimerSensor,
} from '../../world/replicas/engine.js';
import type { KraftcloudConfig } from './config.js';
import { kraftcloudConfigOf, kraftcloudDescriptor } from './descriptor.js';
import { decide, initialState, type Decision, type KraftcloudState, type Observation } from './engine.js';
import { steadyPlan, steadyTurn, type SteadyPlan } from './steady.js';
import { emptyReading, fit, initialNames, kraftcloudCommands, observationOf, readService, type ObservationScratch, type ServiceReading } from './sensor.js';

export { initialNames, readMillicores, type ServiceReading } from './sensor.js';

/** One service's state in the world: the core's state and the number the next instance gets. */
export interface KraftcloudWorldState {
  readonly core: KraftcloudState;
  readonly nextInstance: number;
}

const NO_ACTIONS: readonly ReplicaCommand[] = [];

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
  private readonly scratch: ObservationScratch[];
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

  /** What the platform sees of the service at `now` (`readService`), read into the workload's reading (valid until the next call). */
  observe(group: ReplicaGroupView, now: Micros): ServiceReading {
    const r = fit(this.readings, group.index, group.instances.length);
    this.lastCpu[group.index] = readService(group, now, r);
    return r;
  }

  /**
   * The core's observation of the turn `r` read (a reused object per workload): per instance the
   * core sees, its name, state, creation and phase start, the millicores read, and when running
   * the service's per-instance requests (connections = requests in flight; the last request now
   * while requests arrive).
   */
  observationOf(group: ReplicaGroupView, r: ServiceReading, now: Micros): Observation {
    return observationOf(group, r, now, this.scratch[group.index]!);
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

  /** The core's actions as world commands (`kraftcloudCommands`); spawned instances get the next names. */
  private commands(group: ReplicaGroupView, config: KraftcloudConfig, d: Decision, first: number): { actions: ReplicaCommand[]; next: number } {
    return kraftcloudCommands(group, config, d.actions, first, this.wakeLatency);
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
