/**
 * The horizontal dialects (albatross, hpa, kraftcloud, replica) with a decision engine that is not
 * built in: one generic replica-world plug-in whose hooks each become one protocol request to an
 * `EngineSession` (a module in process or a child process; docs/PROTOCOL.md), plus a small
 * adapter per dialect for what stays in the world.
 *
 * What the world keeps (in process): the sensors, exactly as the built-in plug-ins read the
 * world (albatross's stats sampler, the HPA's pod lister and metrics-server, Unikraft Cloud's
 * service reading, the generic snapshot), the HPA's ReplicaSet (pods created and deleted by its
 * ranking, lost pods replaced without asking), Unikraft Cloud's instance naming and wake
 * latency, and the report's facts (cooldown, thresholds, panels), taken from the built-in
 * plug-in bound to the same scenario. What the engine keeps: the core's state, all of it. The
 * world-side state per group (`ExternalState`) is the engine's last `report` and the dialect's
 * bookkeeping (`world`).
 *
 * Determinism: each request is built from the world in a fixed key order; the replies pass
 * through the session's check. A reply changes a group's state object only when it carries a
 * report that differs from the last one or the world-side bookkeeping changes (for the HPA: at
 * every sync, as its built-in state does), so quiet rounds keep their state as the built-in
 * plug-ins do.
 *
 * @example simulateReplicas(scenario, bindExternalReplica(scenario, 'hpa', session)) // the HPA world, decisions by the session
 */
import type { Micros } from '../../kernel/time.js';
import type { Scenario, WorkloadSpec } from '../../scenario/types.js';
import {
  type EngineReading,
  type GoneCause,
  type InitialInstance,
  type ReplicaCommand,
  type ReplicaGroupView,
  type ReplicaPlugin,
  type ReplicaReportInfo,
  type ReplicaStep,
  type RoundSensor,
  type SpawnResult,
  type TimerSensor,
} from '../../world/replicas/engine.js';
import { albatrossEngine } from '../albatross/plugin.js';
import { aliveNames, makeStatsSampler } from '../albatross/sensor.js';
import type { AlbatrossOptions, StatsSample } from '../albatross/core.js';
import { hpaEngine, countersOf, initialPodInstances, observe as hpaObserve, observeWorld, reconcile, worldNeeds, type RequestCounters } from '../hpa/plugin.js';
import type { HpaWorldConfig } from '../hpa/descriptor.js';
import type { ScaleAction } from '../hpa/types.js';
import { kraftcloudConfigOf } from '../kraftcloud/descriptor.js';
import type { KraftcloudConfig } from '../kraftcloud/config.js';
import type { KraftcloudAction } from '../kraftcloud/engine.js';
import { emptyReading, fit, initialNames, kraftcloudCommands, observationOf, readService, type ServiceReading } from '../kraftcloud/sensor.js';
import { kraftcloudEngine } from '../kraftcloud/world.js';
import { snapshot } from '../replica/sensor.js';
import { EngineProtocolError } from './errors.js';
import { helloFor } from './open.js';
import type { Dialect, HelloGroup, HelloRequest, Reply, Request, StepReply } from './protocol.js';
import type { EngineSession } from './session.js';

/** The horizontal dialects. */
export type ReplicaDialect = 'albatross' | 'hpa' | 'kraftcloud' | 'replica';

/** Is `name` a horizontal dialect (one this plug-in runs)? */
export function isReplicaDialect(name: string): name is ReplicaDialect {
  return name === 'albatross' || name === 'hpa' || name === 'kraftcloud' || name === 'replica';
}

/** The world-side bookkeeping of the HPA dialect: the ReplicaSet's target and next pod, the request counters of the last sync. */
export interface HpaWorld {
  readonly specReplicas: number;
  readonly nextPod: number;
  readonly counters: RequestCounters | null;
}

/** The world-side bookkeeping of the Unikraft Cloud dialect: the number the next instance gets. */
export interface KraftcloudWorld {
  readonly nextInstance: number;
}

/** One group's state in the world when an engine outside decides: its last report and the dialect's bookkeeping. Immutable. */
export interface ExternalState {
  /** the engine's last `report` (null: none yet) */
  readonly report: Readonly<Record<string, unknown>> | null;
  /** hpa: `HpaWorld`; kraftcloud: `KraftcloudWorld`; albatross and replica: null */
  readonly world: HpaWorld | KraftcloudWorld | null;
}

const NO_COMMANDS: readonly ReplicaCommand[] = Object.freeze([]);

/**
 * How error messages name the scenario's engine: ``external engine `python3 a.py` `` or
 * `module engine /abs/policy.mjs`.
 *
 * @example engineLabel({ kind: 'external', command: ['python3', 'a.py'], … }) // 'external engine `python3 a.py`'
 */
export function engineLabel(spec: Scenario['engine']): string {
  if (spec.kind === 'external') return `external engine \`${(spec.command ?? []).join(' ')}\``;
  if (spec.kind === 'module') return `module engine ${spec.path ?? '?'}`;
  return `engine ${spec.name}`;
}

/**
 * The hello request for a horizontal dialect: the groups (name, vCPUs, min and max instances —
 * null when unbounded —, request-driven or not; kraftcloud: each group's core configuration) and
 * the core's configuration (albatross `{config, options}`; hpa the resolved config).
 *
 * @example replicaHello(scenario, 'albatross').groups // [{ name: 'web', vcpus: 1, minInstances: 1, maxInstances: 8, requests: false }]
 */
export function replicaHello(scenario: Scenario, dialect: ReplicaDialect): HelloRequest {
  const engine = scenario.engine;
  const groups: HelloGroup[] = scenario.workloads.map((w) => ({
    name: w.name,
    vcpus: w.vcpus,
    minInstances: w.min_instances,
    // null (JSON) when unbounded: the protocol type says number, the scenario allows none
    maxInstances: w.max_instances as number,
    requests: w.requests !== undefined && w.requests !== null,
    ...(dialect === 'kraftcloud' ? { core: kraftcloudConfigOf(engine.config, engine.options, w.name) } : {}),
  }));
  const core = dialect === 'albatross' ? { config: engine.config, options: engine.options } : dialect === 'hpa' ? engine.config : null;
  return helloFor(scenario, dialect, { core, groups });
}

/** Does the engine want the optional request `type` (hello `wants`; absent: all)? */
function wanted(session: EngineSession, type: string): boolean {
  const wants = session.hello.wants;
  return wants === undefined || wants.includes(type);
}

/** Shallow equality of two reports (plain JSON values: numbers, strings, booleans, null, arrays of those). */
function sameReport(a: Readonly<Record<string, unknown>> | null, b: Readonly<Record<string, unknown>>): boolean {
  if (a === null) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of kb) {
    const x = a[k];
    const y = b[k];
    if (x === y) continue;
    if (Array.isArray(x) && Array.isArray(y) && x.length === y.length && x.every((v, i) => Object.is(v, y[i]))) continue;
    return false;
  }
  return true;
}

/** The plug-in for `dialect` on `scenario`, each decision asked of `session` (opened with `replicaHello`). */
export function bindExternalReplica(scenario: Scenario, dialect: ReplicaDialect, session: EngineSession): ReplicaPlugin<ExternalState, unknown> {
  return new ExternalReplicaPlugin(scenario, dialect, session);
}

/** The generic plug-in; see the module doc. */
class ExternalReplicaPlugin implements ReplicaPlugin<ExternalState, unknown> {
  readonly sensor: RoundSensor<ExternalState> | TimerSensor<ExternalState, unknown>;
  readonly periodic?: ReplicaPlugin<ExternalState>['periodic'];
  readonly spawnFailures?: 'backoff' | 'each';
  readonly report: ReplicaReportInfo<ExternalState>;
  private readonly label: string;
  private readonly hosts: readonly string[];
  /** the init replies by workload index (filled at the first `initialState`) */
  private inits: StepReply[] | null = null;
  private readonly hpaConfig: HpaWorldConfig | null;
  private readonly kcConfigs: KraftcloudConfig[] | null;
  private readonly kcReadings: ServiceReading[];
  /** kraftcloud: the mean millicores each workload's sensor last read (−1: none), for the report */
  private readonly kcCpu: Float64Array;
  private readonly wakeLatency: Micros;
  /** albatross: the sensor's scratch records (copied into each request) */
  private readonly records: StatsSample[] = [];

  constructor(
    private readonly scenario: Scenario,
    private readonly dialect: ReplicaDialect,
    private readonly session: EngineSession,
  ) {
    this.label = engineLabel(scenario.engine);
    this.hosts = scenario.world.hosts.map((h) => h.name);
    const engine = scenario.engine;
    this.hpaConfig = dialect === 'hpa' ? (engine.config as unknown as HpaWorldConfig) : null;
    this.kcConfigs = dialect === 'kraftcloud' ? scenario.workloads.map((w) => kraftcloudConfigOf(engine.config, engine.options, w.name)) : null;
    this.kcReadings = dialect === 'kraftcloud' ? scenario.workloads.map(() => emptyReading(8)) : [];
    this.kcCpu = new Float64Array(dialect === 'kraftcloud' ? scenario.workloads.length : 0).fill(-1);
    this.wakeLatency = dialect === 'kraftcloud' ? (engine.config['scale_to_zero.wake_latency'] as Micros) : 0;
    this.report = this.reportInfo();
    if (dialect === 'albatross') {
      this.spawnFailures = 'each';
      this.sensor = this.roundSensor();
      const every = engine.config['death_timeout'] as Micros;
      this.periodic = { every, run: (group, state, now) => this.sync(group, state, now) };
    } else {
      this.sensor = this.timerSensor();
    }
  }

  // --- start ---------------------------------------------------------------------------------

  initialInstances(spec: WorkloadSpec): readonly InitialInstance[] {
    return this.initialInstancesOf(spec, this.dialect === 'kraftcloud' ? this.scenario.workloads.indexOf(spec) : -1);
  }

  /** The warm instances of workload `index` (`spec`), as each dialect's built-in plug-in starts them. */
  private initialInstancesOf(spec: WorkloadSpec, index: number): readonly InitialInstance[] {
    switch (this.dialect) {
      case 'albatross':
        return [{ name: spec.name, primary: true }];
      case 'hpa':
        return initialPodInstances(this.hpaConfig!, spec);
      case 'kraftcloud': {
        const c = this.kcConfigs![index]!;
        return initialNames(spec.name, Math.max(c.minSize, 1)).map((name, i) => ({ name, primary: i === 0 }));
      }
      case 'replica':
        return initialNames(spec.name, Math.max(spec.min_instances, 1)).map((name, i) => ({ name, primary: i === 0 }));
    }
  }

  /** The first call sends every group's `init` (one batch when the engine takes batches); the replies are kept for `firstWake`. */
  initialState(group: ReplicaGroupView): ExternalState {
    if (this.inits === null) {
      const reqs: Request[] = this.scenario.workloads.map((w, k) => ({ type: 'init', group: w.name, instances: this.initialInstancesOf(w, k).map((i) => ({ name: i.name, primary: i.primary })) }));
      const replies = this.session.callMany(0, reqs);
      this.inits = replies.map((r, k) => {
        const step = this.stepOf(r, 'init', this.scenario.workloads[k]!.name);
        if (step.actions.length > 0) throw new EngineProtocolError(this.label, `the reply to init of group ${this.scenario.workloads[k]!.name} has actions; give them at the first observe`);
        return step;
      });
    }
    const reply = this.inits[group.index]!;
    return { report: reply.report ?? null, world: this.initialWorld(group) };
  }

  private initialWorld(group: ReplicaGroupView): HpaWorld | KraftcloudWorld | null {
    const n = group.instances.length;
    if (this.dialect === 'hpa') return { specReplicas: n, nextPod: n + 1, counters: null };
    if (this.dialect === 'kraftcloud') return { nextInstance: n + 1 };
    return null;
  }

  // --- sensors -------------------------------------------------------------------------------

  /** albatross: the stats records of each round, one `observe` per group (the whole round as one batch). */
  private roundSensor(): RoundSensor<ExternalState> {
    const records = this.records;
    const sample = makeStatsSampler(records);
    const silenceIsDeath = (this.scenario.engine.options as unknown as AlbatrossOptions).silence_is_death;
    const observeOf = (group: ReplicaGroupView, n: number): Request => ({ type: 'observe', group: group.spec.name, records: records.slice(0, n).map((r) => ({ ...r })) });
    return {
      kind: 'round',
      sample,
      decide: (group, state, n, now) => {
        // the built-in rule without the core's `managed` (an engine no longer managing answers an empty step)
        if (!(n > 0 || silenceIsDeath)) return null;
        return this.toStep(group, state, this.session.call(now, observeOf(group, n)), now, 'observe');
      },
      roundBatch: (groups, states, from, to, now, steps) => {
        let total = 0;
        const asked: number[] = [];
        const reqs: Request[] = [];
        for (let g = from; g < to; g++) {
          const group = groups[g]!;
          let n = 0;
          for (const inst of group.instances) if (sample(inst, n, now)) n++;
          total += n;
          steps[g] = null;
          if (!(n > 0 || silenceIsDeath)) continue;
          asked.push(g);
          reqs.push(observeOf(group, n));
        }
        if (reqs.length === 0) return total;
        const replies = this.session.callMany(now, reqs);
        for (let k = 0; k < asked.length; k++) {
          const g = asked[k]!;
          steps[g] = this.toStep(groups[g]!, states[g]!, replies[k]!, now, 'observe');
        }
        return total;
      },
      // one batch message per round, whatever the number of groups
      batchChunk: Infinity,
    };
  }

  /** hpa, kraftcloud, replica: the engine's wake-ups; at each, one `observe` of the group. */
  private timerSensor(): TimerSensor<ExternalState, unknown> {
    const dialect = this.dialect;
    const hpa = this.hpaConfig;
    const needs = hpa !== null ? worldNeeds(hpa) : null;
    const cpuOnly = hpa !== null && hpa.metrics.every((m) => m.type === 'Resource' && m.name === 'cpu');
    const period = this.scenario.engine.config['period'] as Micros;
    return {
      kind: 'timer',
      firstWake: (group) => {
        const wakeAt = this.inits![group.index]!.wakeAt;
        // the generic dialect's first wake defaults to its period
        if (wakeAt === undefined) return dialect === 'replica' ? period : null;
        return wakeAt;
      },
      observe: (group, state, now) => {
        switch (dialect) {
          case 'hpa': {
            const w = state.world as HpaWorld;
            return cpuOnly ? hpaObserve(group, w, now) : observeWorld(group, w, now, needs!);
          }
          case 'kraftcloud': {
            const r = fit(this.kcReadings, group.index, group.instances.length);
            this.kcCpu[group.index] = readService(group, now, r);
            // a fresh observation per request (a module engine may keep what it is handed)
            return observationOf(group, r, now, { pool: [], observation: { instances: [], waiting: 0 } });
          }
          default:
            return snapshot(group, this.hosts, now);
        }
      },
      decide: (group, state, obs, now) => {
        const reply = this.session.call(now, { type: 'observe', group: group.spec.name, obs } as Request);
        return this.toStep(group, state, reply, now, 'observe');
      },
    };
  }

  /** albatross's sync pass: the instances alive (not stopping), when the engine wants `sync`. */
  private sync(group: ReplicaGroupView, state: ExternalState, now: Micros): ReplicaStep<ExternalState> {
    if (!wanted(this.session, 'sync')) return { state, actions: NO_COMMANDS };
    return this.toStep(group, state, this.session.call(now, { type: 'sync', group: group.spec.name, alive: aliveNames(group.instances) }), now, 'sync');
  }

  // --- outcomes ------------------------------------------------------------------------------

  onSpawnResult(group: ReplicaGroupView, state: ExternalState, name: string, result: SpawnResult, now: Micros): ReplicaStep<ExternalState> {
    if (!wanted(this.session, 'spawn_result')) return { state, actions: NO_COMMANDS };
    return this.toStep(group, state, this.session.call(now, { type: 'spawn_result', group: group.spec.name, name, result }), now, 'spawn_result');
  }

  onGone(group: ReplicaGroupView, state: ExternalState, name: string, cause: GoneCause, now: Micros): ReplicaStep<ExternalState> | null {
    const told = wanted(this.session, 'gone') ? this.toStep(group, state, this.session.call(now, { type: 'gone', group: group.spec.name, name, cause }), now, 'gone') : null;
    // the HPA's ReplicaSet replaces a lost pod at once, without the HPA (world-side)
    if (this.dialect === 'hpa' && cause !== 'destroyed') {
      const base = told ?? { state, actions: NO_COMMANDS };
      const rs = reconcile(group, base.state.world as HpaWorld, now, null);
      const next = rs.state === base.state.world ? base.state : { report: base.state.report, world: rs.state };
      return { state: next, actions: base.actions.length === 0 ? rs.actions : [...base.actions, ...rs.actions], ...(base.wakeAt !== undefined ? { wakeAt: base.wakeAt } : {}) };
    }
    return told;
  }

  // --- replies -------------------------------------------------------------------------------

  /** The reply as a step, or a protocol error naming what came instead. */
  private stepOf(reply: Reply, type: string, group: string): StepReply {
    if (reply.type === 'step') return reply;
    const what = reply.type === 'error' ? `engine error: ${reply.message}` : `answered ${type} of group ${group} with a ${reply.type} reply, expected a step`;
    throw new EngineProtocolError(this.label, what);
  }

  /** An engine's reply to a request about `group` as a world step, per dialect. */
  private toStep(group: ReplicaGroupView, state: ExternalState, raw: Reply, now: Micros, type: string): ReplicaStep<ExternalState> {
    const reply = this.stepOf(raw, type, group.spec.name);
    const report = reply.report !== undefined && !sameReport(state.report, reply.report) ? reply.report : state.report;
    switch (this.dialect) {
      case 'albatross': {
        // round dialect: no wake-ups (the session's check refuses wakeAt)
        const next = report === state.report ? state : { report, world: null };
        return { state: next, actions: this.commandsOf(group, reply, type, now) };
      }
      case 'replica': {
        const next = report === state.report ? state : { report, world: null };
        return { state: next, actions: this.commandsOf(group, reply, type, now), ...(reply.wakeAt !== undefined ? { wakeAt: reply.wakeAt } : {}) };
      }
      case 'hpa':
        return this.hpaStep(group, state, reply, report, now, type === 'observe');
      case 'kraftcloud': {
        const world = state.world as KraftcloudWorld;
        const actions = reply.actions as readonly KraftcloudAction[];
        if (actions.length === 0) {
          const next = report === state.report ? state : { report, world };
          return { state: next, actions: NO_COMMANDS, ...(reply.wakeAt !== undefined ? { wakeAt: reply.wakeAt } : {}) };
        }
        const c = kraftcloudCommands(group, this.kcConfigs![group.index]!, actions, world.nextInstance, this.wakeLatency);
        const nextWorld = c.next === world.nextInstance ? world : { nextInstance: c.next };
        return { state: { report, world: nextWorld }, actions: c.actions, ...(reply.wakeAt !== undefined ? { wakeAt: reply.wakeAt } : {}) };
      }
    }
  }

  /**
   * A reply's actions as the world's commands (albatross, replica: verbatim), refusing what the
   * world cannot take: a spawn whose name is already live in the group, or given twice in one
   * step (instance names are unique among a group's live instances).
   */
  private commandsOf(group: ReplicaGroupView, reply: StepReply, type: string, now: Micros): readonly ReplicaCommand[] {
    const actions = reply.actions as readonly ReplicaCommand[];
    for (let k = 0; k < actions.length; k++) {
      const a = actions[k]!;
      if (a.type !== 'spawn') continue;
      const taken = group.instances.some((i) => i.name === a.name) || actions.some((b, j) => j < k && b.type === 'spawn' && b.name === a.name);
      if (taken) throw new EngineProtocolError(this.label, `action ${k + 1} (spawn): "${a.name}" is already the name of a live instance of group ${group.spec.name}, in the reply to ${type} ${group.spec.name} at ${now / 1e6} s`);
    }
    return actions;
  }

  /**
   * The HPA's reply: `desiredReplicas` becomes the ReplicaSet's target, which the ReplicaSet
   * reaches by its own ranking (`reconcile`), a change being one scaling action; at a sync the
   * request counters are kept for the next rates. As the built-in `sync`, a sync always gives a
   * new state.
   */
  private hpaStep(group: ReplicaGroupView, state: ExternalState, reply: StepReply, report: ExternalState['report'], now: Micros, isSync: boolean): ReplicaStep<ExternalState> {
    const world = state.world as HpaWorld;
    const scale = (reply.actions as readonly ScaleAction[]).find((a) => a.type === 'scale');
    const desired = reply.desiredReplicas ?? scale?.to ?? world.specReplicas;
    const wake = reply.wakeAt !== undefined ? { wakeAt: reply.wakeAt } : {};
    if (!isSync && desired === world.specReplicas) return { state: report === state.report ? state : { report, world }, actions: NO_COMMANDS, ...wake };
    const scaling = desired > world.specReplicas ? 'up' : desired < world.specReplicas ? 'down' : null;
    const next: HpaWorld = { specReplicas: desired, nextPod: world.nextPod, counters: isSync ? countersOf(group.requests, now) : world.counters };
    const rs = reconcile(group, next, now, scaling);
    return { state: { report, world: rs.state }, actions: rs.actions, ...wake };
  }

  // --- report ----------------------------------------------------------------------------------

  /**
   * The report's facts as the built-in plug-in states them (its cooldown, thresholds, sensor note
   * and panels: bound to the same scenario for those only), and a `reading` from the engine's
   * last report and the world.
   */
  private reportInfo(): ReplicaReportInfo<ExternalState> {
    const dialect = this.dialect;
    if (dialect === 'replica') {
      return {
        cooldown: 0,
        thresholds: { up: 100, down: 0 },
        sensorNote: `the engine observes each group at its own wake-ups (first after ${(this.scenario.engine.config['period'] as number) / 1e6} s unless its init reply says)`,
        reading: (_group, _before, after, _now, out) => readingFromReport(after.report, out),
      };
    }
    const builtin = dialect === 'albatross' ? albatrossEngine.bind(this.scenario).report : dialect === 'hpa' ? hpaEngine.bind(this.scenario).report : kraftcloudEngine.bind(this.scenario).report;
    const panels = builtin.panels;
    const info: { -readonly [K in keyof ReplicaReportInfo<ExternalState>]: ReplicaReportInfo<ExternalState>[K] } = {
      cooldown: builtin.cooldown,
      thresholds: builtin.thresholds,
      sensorNote: builtin.sensorNote,
      reading: (group, _before, after, _now, out) => {
        readingFromReport(after.report, out);
        if (dialect === 'kraftcloud') {
          const cpu = this.kcCpu[group.index]!;
          out.cpu = cpu < 0 ? null : cpu / 10;
          const v = panels?.[0]?.values;
          if (v) {
            v[0] = group.running;
            v[1] = group.placing + group.booting;
            v[2] = group.standby;
          }
        } else if (dialect === 'hpa' && panels !== undefined) {
          const r = panels[0]!.values;
          r[0] = (after.world as HpaWorld).specReplicas;
          r[1] = numberOr(after.report?.['proposal'], NaN);
          r[2] = group.running;
          const m = panels[1]!.values;
          const ratios = after.report?.['ratios'];
          for (let k = 0; k < m.length; k++) m[k] = Array.isArray(ratios) ? numberOr(ratios[k], NaN) : NaN;
        }
      },
    };
    if (panels !== undefined) info.panels = panels;
    if (dialect === 'albatross') info.cooldownStart = (state) => numberOr(state.report?.['cooldownStart'], null);
    return info;
  }
}

/** A report value when it is a number, else `fallback` (JSON has no NaN: null stands for none). */
function numberOr<F>(value: unknown, fallback: F): number | F {
  return typeof value === 'number' ? value : fallback;
}

/** The engine reading of the time series and charts from a report: cpu, tick counters, cooldown (absent: none). */
function readingFromReport(report: ExternalState['report'], out: EngineReading): void {
  out.cpu = numberOr(report?.['cpu'], null);
  out.highTicks = numberOr(report?.['highTicks'], 0);
  out.lowTicks = numberOr(report?.['lowTicks'], 0);
  out.inCooldown = report?.['inCooldown'] === true;
}

/** The dialects this plug-in serves, for `runners.ts`. */
export const REPLICA_DIALECTS: readonly Dialect[] = ['albatross', 'hpa', 'kraftcloud', 'replica'];
