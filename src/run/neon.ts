/**
 * One simulated run of Neon vertical autoscaling on the cluster world: per VM an agent core
 * (engines/neon/agent.ts) and a vm-monitor core (monitor.ts), one scheduler plugin core
 * (plugin.ts) over all nodes, NeonVM resizes with a hot-plug latency and live migrations with
 * the pre-copy model (world/migration.ts). Every message between the parties is a heap event
 * after its latency; each agent is woken when its core asks (`ActionSet.wait`).
 *
 * Heap events: the 5 s sample (one event for all VMs: on load-step multiples the demands are
 * re-sampled; every VM's load averages are updated and its agent reads its metrics and acts),
 * agent wake-ups, plugin requests and answers, node reconciles, resizes done, monitor requests
 * and answers, the monitor's memory checks, and migration phases. Ties: migrations, then
 * messages, then the sample, then wake-ups.
 *
 * The hot path: the sample updates every VM's load averages in one pass over typed arrays
 * (world/neon.ts `NeonVmBank`), computes each agent's goal from its readings, and calls the
 * agent core only when its last answer may have changed — its goal changed, its wait ended, or
 * something happened to it since (the fast path, neon-quiet.ts, checked against the core by
 * test/neon-quiet.test.ts). An agent is handed its readings when its core reads them; the
 * amounts agents keep are shared records (`intern`).
 *
 * The 15 s plugin cycle of a settled agent (wake-up, request, answer: three heap events, as
 * upstream's agent and plugin exchange them) is decided by rules 3 and 4 of neon-quiet.ts from
 * the VM's cycle record alone (one Float64Array slice per VM: wake-up, readings, goal, quiet
 * times, its last request's time and tick); the agent's state is then left behind by that
 * request and brought up to date by `agentOf` before anything else reads it. Such a cycle
 * touches the cycle record, the plugin's pod and the heap, and allocates nothing but the
 * plugin's answer.
 *
 * With `options.agents` (an external or module engine, src/engines/external/neon.ts) the agents
 * are outside: the same world dispatches the agent-facing events to `dispatchOutside`, chosen
 * once before the run, which asks `NeonAgents` and reads a `NeonMirror` per VM where the built-in
 * path reads the agent's state. No fast path there (every VM is ticked at every sample, in one
 * batch) and no request jitter drawn by the world. The built-in path above never runs any of it.
 */
import { EventQueue } from '../kernel/heap.js';
import { runUntil } from '../kernel/loop.js';
import { stream } from '../kernel/random.js';
import { MICROS_PER_SECOND, type Micros } from '../kernel/time.js';
import { buildLoadSources, sampleAll } from '../load/index.js';
import { NeonMetrics } from '../metrics/neon.js';
import type { NeonChartData } from '../report/neon-charts.js';
import type { NeonRunSummary } from '../report/neon.js';
import { LOAD_FREQ } from '../scenario/resolve-cluster.js';
import { allocatable } from '../scenario/resolve-neon.js';
import type { Scenario } from '../scenario/types.js';
import { ClusterMember, ClusterVm, insertVm, removeVm } from '../world/cluster.js';
import { precopy } from '../world/migration.js';
import { NeonVm, NeonVmBank } from '../world/neon.js';
import { VERSION } from '../version.js';
import {
  agentGoalCU,
  DEFAULT_AGENT_CONFIG,
  lfcUpdated,
  metricsUpdated,
  monitorApproved,
  monitorFailed,
  monitorDenied,
  monitorRequestedUpscale,
  monitorStarting,
  neonvmDone,
  neonvmFailed,
  neonvmStarting,
  newAgentState,
  nextActions,
  pluginAnswered,
  pluginFailed,
  pluginStarting,
  type ActionSet,
  type AgentConfig,
  type AgentState,
} from '../engines/neon/agent.js';
import { LFC_PAGE_BYTES, systemGoalCU, type SystemMetrics } from '../engines/neon/goal.js';
import { fileCacheBytes } from '../engines/neon/monitor.js';
import { approveDownscale, cgroupThreshold, DEFAULT_MONITOR_CONFIG, thresholdFor, wantsUpscale, type MonitorConfig, type MonitorState } from '../engines/neon/monitor.js';
import {
  addPod,
  chooseTarget,
  handleRequest,
  newNode,
  newPod,
  reconcileNode,
  removePod,
  startMigrating,
  stopMigrating,
  watermarkCandidates,
  type PluginConfig,
  type PluginNode,
  type Pod,
  type SchedulerModel,
} from '../engines/neon/plugin.js';
import { COMPUTE_UNIT, cu, GiB, hasFieldGreater, sameRes, showRes, type Resources } from '../engines/neon/resources.js';
import { EngineProtocolError } from '../engines/external/errors.js';
import { scenarioSummary } from './header.js';
import type { AgentAction, AgentInit, AgentStep, NeonAgents } from '../engines/neon/agents.js';
import { NeonMirror } from '../engines/neon/mirror.js';
import { anyAction, mayStayQuiet, onlyPluginRequest, pluginTickAt, quietUntil, steadyAnswerQuietUntil, steadyRequest } from './neon-quiet.js';
import type { RunSinks } from './albatross.js';
import type { Simulated } from './simulated.js';

const EV_SAMPLE = 1;
const EV_WAKE = 2;
const EV_PLUGIN_REQ = 3;
const EV_PLUGIN_RESP = 4;
const EV_RECONCILE = 5;
const EV_RESIZE = 6;
const EV_MON_UP_DONE = 7;
const EV_MON_DOWN_REQ = 8;
const EV_MON_DOWN_RESP = 9;
const EV_MON_CHECK = 10;
const EV_MON_ASK = 11;
const EV_MIG_PAUSE = 12;
const EV_MIG_DONE = 13;
const EV_MIG_FAIL = 14;

const PRIO_MIGRATION = 0;
const PRIO_MESSAGE = 1;
const PRIO_SAMPLE = 2;
const PRIO_WAKE = 3;

const MAX_CHART_MIGRATIONS = 400;
const MAX_CHART_MARKS = 20_000;
const MAX_CHART_VMS = 12;
const CHART_POINTS = 400;

export interface NeonSimulation {
  metrics: ReturnType<NeonMetrics['finish']>;
  perVm: Record<string, ReturnType<NeonMetrics['vmMetrics']>>;
  chart: NeonChartData;
  /** engineCalls: agent core calls made; agentSkips: calls the fast path (neon-quiet.ts) knew the answer of. */
  counts: { rounds: number; records: number; heapEvents: number; engineCalls: number; agentSkips: number };
}

/** Driver switches for tests: `fastPath: false` calls the agent core every time (default true). */
export interface NeonOptions {
  fastPath?: boolean;
  /**
   * The agents are outside the world (an external or module engine, src/engines/external/neon.ts):
   * the world talks to them through `NeonAgents` and keeps a `NeonMirror` per VM. This is the
   * external path: no fast path, the readings handed at every sample, and no request jitter drawn
   * (the agents draw their own).
   */
  agents?: NeonAgents;
}

/** A migration in flight. */
interface Migration {
  vm: number;
  from: number;
  to: number;
  start: Micros;
  pauseAt: Micros;
  doneAt: Micros;
  downtime: Micros;
  targetPod: Pod;
  done: boolean;
}

/** Round for text outputs. */
function r6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** The agent configuration from the scenario's `engine.config` (durations already in µs). */
export function agentConfigOf(config: Record<string, unknown>, options: Record<string, unknown> = { plugin_request_floor: 'in-flight' }): AgentConfig {
  const n = (k: string): number => config[k] as number;
  return {
    ...DEFAULT_AGENT_CONFIG,
    loadAverageFractionTarget: n('loadAverageFractionTarget'),
    memoryUsageFractionTarget: n('memoryUsageFractionTarget'),
    cpuStableZoneRatio: n('cpuStableZoneRatio'),
    cpuMixedZoneRatio: n('cpuMixedZoneRatio'),
    pluginRequestTick: n('scheduler.requestAtLeastEvery'),
    pluginRetryWait: n('scheduler.retryFailedRequest'),
    pluginDeniedRetryWait: n('scheduler.retryDeniedUpscale'),
    neonvmRetryWait: n('neonvm.retryFailedRequest'),
    monitorRetryWait: n('monitor.retryFailedRequest'),
    monitorDeniedDownscaleCooldown: n('monitor.retryDeniedDownscale'),
    monitorRequestedUpscaleValidPeriod: n('monitor.requestedUpscaleValid'),
    requestFloorInFlight: options['plugin_request_floor'] === 'in-flight',
    enableLFCMetrics: config['enableLFCMetrics'] as boolean,
    memoryTotalFractionTarget: n('memoryTotalFractionTarget'),
    lfcToMemoryRatio: n('lfcToMemoryRatio'),
    lfcWindowSizeMinutes: n('lfcWindowSizeMinutes'),
    lfcMinWaitBeforeDownscaleMinutes: n('lfcMinWaitBeforeDownscaleMinutes'),
    lfcUseLargestWindow: config['lfcUseLargestWindow'] as boolean,
  };
}

/** The plugin configuration from `engine.config` and `engine.options`. */
export function pluginConfigOf(config: Record<string, unknown>, options: Record<string, unknown>): PluginConfig {
  return {
    model: options['scheduler_model'] as SchedulerModel,
    watermark: config['watermark'] as number,
    minUsageScore: config['scoring.minUsageScore'] as number,
    maxUsageScore: config['scoring.maxUsageScore'] as number,
    scorePeak: config['scoring.scorePeak'] as number,
    unit: COMPUTE_UNIT,
    retryPeriod: options['plugin_retry_period'] as number,
  };
}

/** Run the scenario to its end. */
export function simulateNeon(scenario: Scenario, sinks: RunSinks = {}, options: NeonOptions = {}): NeonSimulation {
  const outside = options.agents;
  const fastPath = outside === undefined && (options.fastPath ?? true);
  const spec = scenario.cluster;
  const neon = spec?.neon;
  if (spec === undefined || neon === undefined) throw new Error(`scenario ${scenario.name} has no cluster: section for engine neon`);
  const acfg = agentConfigOf(scenario.engine.config, scenario.engine.options);
  const pcfg = pluginConfigOf(scenario.engine.config, scenario.engine.options);
  const mcfg: MonitorConfig = { ...DEFAULT_MONITOR_CONFIG, threshold: neon.monitor_threshold };
  const end = scenario.duration;
  const loadStep = spec.load_step;
  const queue = new EventQueue(1024);
  const rngJitter = stream(scenario.seed, 'world:plugin-request-jitter');
  const rngFail = stream(scenario.seed, 'world:migration-failure');
  const rngFailTime = stream(scenario.seed, 'world:migration-failure-time');
  const rngRequestFail = stream(scenario.seed, 'world:neon-request-failure');
  const fails = (p: number): boolean => p > 0 && rngRequestFail.next() < p;

  // --- the world: nodes and VMs on the cluster world -------------------------------------
  const members = spec.members.map((m, i) => new ClusterMember(i, m, spec.host));
  const memberIndex = new Map(members.map((m) => [m.name, m.index]));
  const projectIndex = new Map(spec.projects.map((p, i) => [p.name, i]));
  const cvms = spec.vms.map((v, i) => new ClusterVm(i, v, projectIndex.get(v.project)!, memberIndex.get(v.member)!));
  for (const v of cvms) insertVm(members[v.member]!.vms, v.index, cvms);
  const bank = new NeonVmBank(spec.vms.length);
  const vms = spec.vms.map((v, i) => {
    const n = neon.vms[i]!;
    return new NeonVm(bank, i, v.name, n.cu * COMPUTE_UNIT.cpu, n.cu * COMPUTE_UNIT.mem);
  });
  const alloc = members.map((_, i) => allocatable(spec, i));
  const nodeCpu = new Float64Array(members.length); // Σ allocated mCPU (incl. incoming migrations)
  const nodeMem = new Float64Array(members.length);
  const plugin: PluginNode[] = members.map((_, i) => newNode(i, { cpu: alloc[i]!.vcpu * 1000, mem: alloc[i]!.memBytes }, pcfg.watermark));
  const pods: Pod[] = vms.map((vm) => {
    const pod = newPod(vm.index, { cpu: vm.cpu, mem: vm.mem }, 0, neon.vms[vm.index]!.auto_migrate);
    addPod(plugin[cvms[vm.index]!.member]!, pod);
    nodeCpu[cvms[vm.index]!.member] += vm.cpu;
    nodeMem[cvms[vm.index]!.member] += vm.mem;
    return pod;
  });
  // one shared record per amount for everything the agents keep (their cores compare amounts by
  // value, never by identity): a few records stay in cache instead of one per VM and field
  const interned = new Map<number, Map<number, Resources>>();
  const intern = (r: Resources): Resources => {
    let byMem = interned.get(r.cpu);
    if (byMem === undefined) interned.set(r.cpu, (byMem = new Map()));
    const known = byMem.get(r.mem);
    if (known !== undefined) return known;
    byMem.set(r.mem, r);
    return r;
  };
  /** `intern(r)`, or `known` (an interned record) when it holds the same amounts: no map lookup. */
  const internAs = (r: Resources, known: Resources | null): Resources => (known !== null && r.cpu === known.cpu && r.mem === known.mem ? known : intern(r));
  const agents: AgentState[] = vms.map((vm) => {
    const n = neon.vms[vm.index]!;
    return newAgentState(intern({ cpu: vm.cpu, mem: vm.mem }), intern(cu(n.min_cu)), intern(cu(n.max_cu)));
  });
  const monitors: MonitorState[] = vms.map((vm) => ({ lastUpscaleRequestAt: null, threshold: cgroupThreshold(mcfg, vm.mem) }));
  const metrics = new NeonMetrics(vms.length, members.length, scenario.slo.utilisation_target, scenario.metrics.flip_flop_window);
  for (const vm of vms) metrics.init(vm.index, vm.cpu, vm.mem);

  // load sources: CPU demand (cores) per VM, memory demand (GiB) per VM
  const cpuLoaded = spec.vms.map((v, i) => ({ i, load: v.load })).filter((x) => x.load !== null);
  const memLoaded = neon.vms.map((v, i) => ({ i, load: v.memory })).filter((x) => x.load !== null);
  const lfcLoaded = acfg.enableLFCMetrics ? neon.vms.map((v, i) => ({ i, load: v.lfc })).filter((x) => x.load !== null) : [];
  const load = buildLoadSources(scenario.seed, [
    ...cpuLoaded.map((x) => ({ name: vms[x.i]!.name, load: x.load! })),
    ...memLoaded.map((x) => ({ name: `${vms[x.i]!.name}/memory`, load: x.load! })),
    ...lfcLoaded.map((x) => ({ name: `${vms[x.i]!.name}/lfc`, load: x.load! })),
  ]);
  const lfcSlot = new Int32Array(vms.length).fill(-1);
  // external path: the LFC buckets read since each agent was last told (null: none new)
  const lfcOut: Array<readonly number[] | null> | null = outside !== undefined ? new Array<readonly number[] | null>(vms.length).fill(null) : null;
  for (const x of lfcLoaded) lfcSlot[x.i] = load.slotOf.get(`${vms[x.i]!.name}/lfc`)!;
  // LFC: per VM the working set now (bytes) and the largest of each of the last 60 minutes
  const LFC_MINUTES = 60;
  const wssNow = new Float64Array(vms.length);
  const wssMinute = new Float64Array(vms.length * LFC_MINUTES);
  let lfcMinute = -1;
  const cpuSlot = new Int32Array(vms.length).fill(-1);
  const memSlot = new Int32Array(vms.length).fill(-1);
  for (const x of cpuLoaded) cpuSlot[x.i] = load.slotOf.get(vms[x.i]!.name)!;
  for (const x of memLoaded) memSlot[x.i] = load.slotOf.get(`${vms[x.i]!.name}/memory`)!;
  const demand = new Float64Array(load.width);
  if (sinks.warn) for (const s of load.sources) for (const line of s.coverage?.(end) ?? []) sinks.warn(line);

  // Each VM's scalars of the plugin cycle and the fast path, side by side in one record of CYCLE
  // numbers (one cache line), since the cycle touches them all every 15 s for every VM in turn:
  //  WAKE_AT      the agent's pending wake-up (−1: none);
  //  READ1        load1 of its readings of the last 5 s sample (the others below);
  //  LAST_GOAL    the goal (CU) of those readings;
  //  QUIET_AT     fast path (neon-quiet.ts rule 1): the agent's answer is "nothing to do" before
  //               this instant while its goal stays QUIET_GOAL; −1: unknown. Reset by every
  //               step, which follows every change of the agent's state but the metrics;
  //  QUIET_GOAL   see QUIET_AT;
  //  STEADY_ASK   rules 3 and 4: 1 while its request in flight is steady and was asked alone, and
  //               the agent has not been stepped since;
  //  STEADY_QUIET 1 while its quiet answer came from rule 3; then QUIET_OTHER is the instant its
  //               other parts' waits end (rule 3's D) and QUIET_AT = min(D, its plugin tick);
  //  LAST_AT      when its last plugin request left (the agent's lastRequest.at);
  //  TICK_AT      that request's tick, LAST_AT + tick − jitter (`pluginTickAt`);
  //  LAZY         1 while the agent's state lags behind by a steady request carried out by rule 4
  //               without touching it (`pluginStarting`, and `pluginAnswered` once IN_FLIGHT is
  //               0, at ANSWERED_AT): `agentOf` replays them before anything reads the state.
  const CYCLE = 16;
  const WAKE_AT = 0;
  const READ1 = 1;
  const LAST_GOAL = 2;
  const QUIET_AT = 3;
  const QUIET_GOAL = 4;
  const QUIET_OTHER = 5;
  const STEADY_ASK = 6;
  const STEADY_QUIET = 7;
  const LAST_AT = 8;
  const TICK_AT = 9;
  const LAZY = 10;
  const IN_FLIGHT = 11;
  const ANSWERED_AT = 12;
  const cycle = new Float64Array(vms.length * CYCLE);
  for (let v = 0; v < vms.length; v++) {
    cycle[v * CYCLE + WAKE_AT] = -1;
    cycle[v * CYCLE + LAST_GOAL] = NaN;
    cycle[v * CYCLE + QUIET_AT] = -1;
  }
  /**
   * Agent `v`'s state, brought up to date first: a steady cycle run by rule 4 (neon-quiet.ts)
   * leaves it behind by one request, replayed here with the core's own update functions — the
   * request left at LAST_AT with its jitter for the same amounts as before (its permit), and, when
   * answered, the same permit. Everything but the steady cycle reads agents through this.
   */
  const agentOf = (v: number): AgentState => {
    const s = agents[v]!;
    const o = v * CYCLE;
    if (cycle[o + LAZY] === 1) {
      cycle[o + LAZY] = 0;
      const permit = s.plugin.permit!;
      pluginStarting(s, cycle[o + LAST_AT]!, permit, cycle[o + LAST_AT]! + acfg.pluginRequestTick - cycle[o + TICK_AT]!);
      if (cycle[o + IN_FLIGHT] === 0) pluginAnswered(s, cycle[o + ANSWERED_AT]!, permit);
    }
    return s;
  };
  // per-VM message slots
  const monCheckAt = new Float64Array(vms.length).fill(-1);
  // per VM, side by side (the request and its answer touch them together): the target and last
  // permit of the agent's plugin request in flight, and the plugin's answer (null: lost)
  const MAIL = 4;
  const SENT_TARGET = 0;
  const SENT_LAST_PERMIT = 1;
  const ANSWER = 2;
  const mail: Array<Resources | null> = new Array<Resources | null>(vms.length * MAIL).fill(null);
  // what each agent read at the last 5 s sample (load1 in its cycle record); handed to its core
  // (one SystemMetrics object per VM, updated in place: the core keeps no old ones) before the
  // core reads it
  const read5 = new Float64Array(vms.length);
  const readUsage = new Float64Array(vms.length);
  const readCached = new Float64Array(vms.length);
  const readings: SystemMetrics[] = vms.map(() => ({ load1: 0.5, load5: 0.5, memoryUsageBytes: 0.5, memoryCachedBytes: 0.5 }));
  const scratch: SystemMetrics = { load1: 0.5, load5: 0.5, memoryUsageBytes: 0.5, memoryCachedBytes: 0.5 };
  let sampled = false;
  const handed = new Int32Array(vms.length).fill(-1); // the sample (counts.rounds) agent v last got
  // rule 4's answer, filled in place and read by `act` at once
  const steadyPlugin = { lastPermit: null as Resources | null, target: cu(0) };
  const steadyActions: ActionSet = { pluginRequest: steadyPlugin, neonvmRequest: null, monitorUpscale: null, monitorDownscale: null, wait: null };
  const downOk = new Int8Array(vms.length);
  const resizeFails = new Int8Array(vms.length);
  const upFails = new Int8Array(vms.length);
  const failP = neon.failure_probability;
  const reconcileAt = new Float64Array(members.length).fill(-1);
  const migrations = new Map<number, Migration>();
  const counts = { rounds: 0, records: 0, heapEvents: 0, engineCalls: 0, agentSkips: 0 };

  // --- outputs ----------------------------------------------------------------------------
  const emit = sinks.event;
  const log = (t: Micros, type: string, fields: Record<string, unknown>): void => {
    if (emit) emit(JSON.stringify({ time_s: t / 1e6, type, ...fields }));
  };
  const chartStep = Math.max(LOAD_FREQ, Math.ceil(end / CHART_POINTS / LOAD_FREQ) * LOAD_FREQ);
  const chartNodes = members.slice(0, Math.max(1, Math.min(scenario.output.chart_groups, 8)));
  const chartVms = vms.slice(0, Math.min(scenario.output.chart_groups, MAX_CHART_VMS));
  const chartVmSet = new Set(chartVms.map((v) => v.index));
  const chart: NeonChartData = {
    step: chartStep / 1e6,
    model: pcfg.model,
    watermark: pcfg.watermark,
    nodes: [],
    vms: [],
    bands: [],
    migrations: [],
    migrationsTotal: 0,
    marks: [],
    vmCount: vms.length,
  };

  // --- helpers ----------------------------------------------------------------------------
  // each VM's node, as cvms[v].member (a typed array: read on every plugin request)
  const vmNode = Int32Array.from(cvms, (c) => c.member);
  const nodeOf = (v: number): number => vmNode[v]!;

  /** Check node `n` against its allocatable (plugin reservations and real allocations). */
  const checkNode = (n: number, t: Micros): void => {
    const p = plugin[n]!;
    const over = p.reserved.cpu > p.total.cpu || p.reserved.mem > p.total.mem || nodeCpu[n]! > p.total.cpu || nodeMem[n]! > p.total.mem;
    metrics.overcommit(n, t, over);
    if (over) log(t, 'node_overcommitted', { node: members[n]!.name, reserved: showRes(p.reserved), allocated: showRes({ cpu: nodeCpu[n]!, mem: nodeMem[n]! }), allocatable: showRes(p.total) });
  };

  /** Record VM `v`'s goal `goal` (CU), clamped to [min, max] per resource, in the metrics. */
  const recordGoal = (v: number, t: Micros, goal: number): void => {
    const { min, max } = agentOf(v).vm;
    const unit = acfg.computeUnit;
    metrics.goal(v, t, Math.max(Math.min(unit.cpu * goal, max.cpu), min.cpu), Math.max(Math.min(unit.mem * goal, max.mem), min.mem));
  };

  /** Run VM `v`'s agent at `t`: carry out its actions, schedule its wake-up. */
  const step = (v: number, t: Micros): void => {
    const s = agentOf(v);
    handReadings(v);
    cycle[v * CYCLE + QUIET_AT] = -1;
    cycle[v * CYCLE + STEADY_QUIET] = 0;
    cycle[v * CYCLE + STEADY_ASK] = 0;
    for (let round = 0; round < 4; round++) {
      counts.engineCalls++;
      const a = nextActions(acfg, s, t);
      if (anyAction(a)) {
        act(v, t, a);
        // rule 2: after a plugin request alone the next round is quiet with the same wait
        if (!fastPath || round === 3 || !onlyPluginRequest(a)) continue;
        counts.agentSkips++;
      }
      if (a.wait !== null) wakeBy(v, t, t + a.wait);
      if (fastPath && mayStayQuiet(acfg, s)) {
        cycle[v * CYCLE + QUIET_AT] = quietUntil(t, a.wait);
        cycle[v * CYCLE + QUIET_GOAL] = agentGoalCU(acfg, s);
      }
      return;
    }
  };

  /** Wake agent `v` at `at` (before the end), unless a wake-up pending after `t` comes first. */
  const wakeBy = (v: number, t: Micros, at: Micros): void => {
    const o = v * CYCLE + WAKE_AT;
    if ((cycle[o]! < t || at < cycle[o]!) && at < end) {
      cycle[o] = at;
      queue.push(at, EV_WAKE, v, PRIO_WAKE);
    }
  };

  /**
   * Rule 3 of neon-quiet.ts after the plugin answered agent `v` at `t` (`answered`: the answer
   * was a valid permit of the amounts asked for): whether its core's answer is known — then the
   * agent stays quiet until its next tick or its earlier wait, and is woken then, as `step`
   * would do. Reads only the VM's cycle record.
   */
  const steadyAnswer = (v: number, t: Micros, answered: boolean): boolean => {
    const o = v * CYCLE;
    if (!fastPath || cycle[o + LAST_GOAL] !== cycle[o + QUIET_GOAL]) return false;
    const until = steadyAnswerQuietUntil(t, answered && cycle[o + STEADY_ASK] === 1, cycle[o + QUIET_AT]!, cycle[o + TICK_AT]!);
    if (until < 0) return false;
    counts.agentSkips++;
    cycle[o + QUIET_OTHER] = cycle[o + QUIET_AT]!;
    cycle[o + QUIET_AT] = until;
    cycle[o + STEADY_QUIET] = 1;
    wakeBy(v, t, until);
    return true;
  };

  /**
   * Rule 4 of neon-quiet.ts when agent `v` is woken at `t`: whether it is still quiet from rule 3
   * at its plugin tick — then it repeats its steady request, as its core would ask (the same
   * amounts, its permit, as target and last permit), and rule 2 gives the next round (two core
   * calls answered). The request is carried out as `act` does (the same random draws in the same
   * order), but the agent's state is left behind (LAZY) until `agentOf` next reads it.
   */
  const steadyTick = (v: number, t: Micros): boolean => {
    const o = v * CYCLE;
    if (!fastPath || cycle[o + STEADY_QUIET] !== 1 || cycle[o + QUIET_AT] !== t || t >= cycle[o + QUIET_OTHER]! || cycle[o + LAST_GOAL] !== cycle[o + QUIET_GOAL] || cycle[o + TICK_AT] !== t) return false;
    const other = cycle[o + QUIET_OTHER]!;
    cycle[o + STEADY_QUIET] = 0;
    const jitter = Math.floor(rngJitter.next() * neon.request_jitter);
    // the state as `pluginStarting` would leave it, replayed by agentOf (a previous steady cycle
    // still lagging behind needs no replay: this request overwrites all it changed); its mail
    // slots already hold the target and last permit (the previous request was the same)
    cycle[o + STEADY_ASK] = 1;
    cycle[o + LAST_AT] = t;
    cycle[o + TICK_AT] = t + acfg.pluginRequestTick - jitter;
    cycle[o + LAZY] = 1;
    cycle[o + IN_FLIGHT] = 1;
    sendPluginRequest(v, t);
    counts.agentSkips += 2;
    if (other !== Infinity) wakeBy(v, t, other);
    cycle[o + QUIET_AT] = other;
    return true;
  };

  /** Send agent `v`'s plugin request (its mail slots) at `t`: it may be lost. */
  const sendPluginRequest = (v: number, t: Micros): void => {
    if (fails(failP.plugin)) {
      mail[v * MAIL + ANSWER] = null; // lost: the agent sees the failure after the round trip
      queue.push(t + 2 * neon.plugin_latency, EV_PLUGIN_RESP, v, PRIO_MESSAGE);
    } else queue.push(t + neon.plugin_latency, EV_PLUGIN_REQ, v, PRIO_MESSAGE);
  };

  /** Hand agent `v` the metrics of the last sample (none before the first). */
  const handReadings = (v: number): void => {
    if (!sampled || handed[v] === counts.rounds) return;
    handed[v] = counts.rounds;
    const m = readings[v]!;
    m.load1 = cycle[v * CYCLE + READ1]!;
    m.load5 = read5[v]!;
    m.memoryUsageBytes = readUsage[v]!;
    m.memoryCachedBytes = readCached[v]!;
    metricsUpdated(agentOf(v), m);
  };

  /** The goal (CU) from agent `v`'s readings of this sample, as `agentGoalCU` computes it without LFC. */
  const goalOfReadings = (v: number): number => {
    scratch.load1 = cycle[v * CYCLE + READ1]!;
    scratch.load5 = read5[v]!;
    scratch.memoryUsageBytes = readUsage[v]!;
    return systemGoalCU(acfg, scratch, acfg.computeUnit);
  };

  /** Carry out the requests of agent `v`'s action set `a` at `t`. */
  const act = (v: number, t: Micros, a: ActionSet): void => {
    const s = agentOf(v);
    if (a.pluginRequest !== null) {
      const jitter = Math.floor(rngJitter.next() * neon.request_jitter);
      const o = v * CYCLE;
      cycle[o + STEADY_ASK] = onlyPluginRequest(a) && steadyRequest(s, a.pluginRequest.target) ? 1 : 0;
      pluginStarting(s, t, internAs(a.pluginRequest.target, s.plugin.permit), jitter);
      cycle[o + LAST_AT] = t;
      cycle[o + TICK_AT] = pluginTickAt(acfg, s);
      mail[v * MAIL + SENT_TARGET] = a.pluginRequest.target;
      mail[v * MAIL + SENT_LAST_PERMIT] = a.pluginRequest.lastPermit;
      sendPluginRequest(v, t);
    }
    if (a.neonvmRequest !== null) {
      neonvmStarting(s, intern(a.neonvmRequest.target));
      resizeFails[v] = fails(failP.neonvm) ? 1 : 0;
      queue.push(t + neon.neonvm_latency, EV_RESIZE, v, PRIO_MESSAGE);
    }
    if (a.monitorUpscale !== null) {
      monitorStarting(s, 'upscale', intern(a.monitorUpscale.target));
      upFails[v] = fails(failP.monitor) ? 1 : 0;
      queue.push(t + 2 * neon.monitor_latency, EV_MON_UP_DONE, v, PRIO_MESSAGE);
    }
    if (a.monitorDownscale !== null) {
      monitorStarting(s, 'downscale', intern(a.monitorDownscale.target));
      queue.push(t + neon.monitor_latency, EV_MON_DOWN_REQ, v, PRIO_MESSAGE);
    }
  };

  /** NeonVM finished resizing VM `v` (or the resize waited for a migration to end). */
  const applyResize = (v: number, t: Micros): void => {
    const s = agentOf(v);
    const target = s.neonvm.ongoing!;
    neonvmDone(s);
    resizeVm(v, t, target);
  };

  /** VM `v` now has `target` (NeonVM's resize done): its node's allocation, metrics, event. */
  const resizeVm = (v: number, t: Micros, target: Resources): void => {
    const vm = vms[v]!;
    const n = nodeOf(v);
    nodeCpu[n] += target.cpu - vm.cpu;
    nodeMem[n] += target.mem - vm.mem;
    const before = { cpu: vm.cpu, mem: vm.mem };
    vm.cpu = target.cpu;
    vm.mem = target.mem;
    metrics.resized(v, t, vm.cpu, vm.mem);
    checkNode(n, t);
    log(t, 'resized', { vm: vm.name, node: members[n]!.name, from: showRes(before), to: showRes(target) });
  };

  /** The plugin answers VM `v`'s agent with `permit`. */
  const respond = (v: number, permit: Resources, t: Micros): void => {
    mail[v * MAIL + ANSWER] = permit;
    queue.push(t + neon.plugin_latency, EV_PLUGIN_RESP, v, PRIO_MESSAGE);
  };

  const scheduleReconcile = (n: number, at: Micros): void => {
    if (reconcileAt[n]! >= 0 && reconcileAt[n]! <= at) return;
    reconcileAt[n] = at;
    queue.push(at, EV_RECONCILE, n, PRIO_MESSAGE);
  };

  // --- migrations -------------------------------------------------------------------------
  const mig = spec.migration;
  const startMigration = (v: number, t: Micros, reason: string): boolean => {
    const from = nodeOf(v);
    const pod = pods[v]!;
    const to = chooseTarget(pcfg, plugin, pod.reserved, from);
    if (to === null) {
      metrics.counts.unschedulable++;
      log(t, 'migration_unschedulable', { vm: vms[v]!.name, node: members[from]!.name, reserved: showRes(pod.reserved) });
      return false;
    }
    const vm = vms[v]!;
    startMigrating(plugin[from]!, pod);
    const targetPod = newPod(v, pod.reserved, t, pod.migratable);
    targetPod.migrating = false;
    addPod(plugin[to]!, targetPod);
    nodeCpu[to] += vm.cpu;
    nodeMem[to] += vm.mem;
    const r = precopy({
      memoryBytes: vm.mem,
      dirtyRate: cvms[v]!.dirtyRate,
      bandwidth: mig.bandwidth_bytes / (1 + Math.max(members[from]!.outgoing, members[to]!.incoming)),
      downtimeLimit: mig.downtime_limit / MICROS_PER_SECOND,
      maxRounds: mig.max_rounds,
      setupSeconds: mig.setup / MICROS_PER_SECOND,
    });
    members[from]!.outgoing++;
    members[to]!.incoming++;
    const pauseAt = t + Math.round(r.precopySeconds * MICROS_PER_SECOND);
    const doneAt = Math.max(pauseAt, t + Math.round(r.totalSeconds * MICROS_PER_SECOND));
    const fails = mig.failure_probability > 0 && rngFail.next() < mig.failure_probability;
    const m: Migration = { vm: v, from, to, start: t, pauseAt, doneAt, downtime: doneAt - pauseAt, targetPod, done: false };
    migrations.set(v, m);
    cvms[v]!.migrating = true;
    vm.migratingSince = t;
    metrics.migrating(v, t, true, false);
    checkNode(to, t);
    if (fails) queue.push(t + Math.round(rngFailTime.next() * (pauseAt - t)), EV_MIG_FAIL, v, PRIO_MIGRATION);
    else {
      if (doneAt > pauseAt) queue.push(pauseAt, EV_MIG_PAUSE, v, PRIO_MIGRATION);
      queue.push(doneAt, EV_MIG_DONE, v, PRIO_MIGRATION);
    }
    log(t, 'migration_started', { vm: vm.name, from: members[from]!.name, to: members[to]!.name, reason, reserved: showRes(pod.reserved), planned_s: r6(r.totalSeconds), downtime_s: r6(r.downtimeSeconds) });
    return true;
  };

  const finishMigration = (v: number, t: Micros, ok: boolean): void => {
    if (!endMigration(v, t, ok)) return;
    const vm = vms[v]!;
    if (vm.resizeDeferred) {
      vm.resizeDeferred = false;
      applyResize(v, t);
    }
    step(v, t);
  };

  /** The world's part of a migration's end (false: none in flight for VM `v`). */
  const endMigration = (v: number, t: Micros, ok: boolean): boolean => {
    const m = migrations.get(v);
    if (m === undefined || m.done) return false;
    m.done = true;
    migrations.delete(v);
    const vm = vms[v]!;
    const src = members[m.from]!;
    const dst = members[m.to]!;
    src.outgoing--;
    dst.incoming--;
    if (ok) {
      removePod(plugin[m.from]!, pods[v]!);
      pods[v] = m.targetPod;
      removeVm(src.vms, v);
      insertVm(dst.vms, v, cvms);
      cvms[v]!.member = m.to;
      vmNode[v] = m.to;
      nodeCpu[m.from] -= vm.cpu;
      nodeMem[m.from] -= vm.mem;
    } else {
      removePod(plugin[m.to]!, m.targetPod);
      stopMigrating(plugin[m.from]!, pods[v]!);
      nodeCpu[m.to] -= vm.cpu;
      nodeMem[m.to] -= vm.mem;
    }
    cvms[v]!.migrating = false;
    vm.paused = false;
    vm.migratingSince = -1;
    metrics.migrating(v, t, false, false);
    metrics.migration({ vm: v, from: m.from, to: m.to, start: m.start, end: t, downtime: ok ? m.downtime : 0, ok });
    checkNode(m.from, t);
    checkNode(m.to, t);
    chart.migrationsTotal++;
    if (chart.migrations.length < MAX_CHART_MIGRATIONS) chart.migrations.push({ vm: vm.name, from: src.name, to: dst.name, start: m.start / 1e6, end: t / 1e6, downtime: ok ? m.downtime / 1e6 : 0, ok });
    log(t, ok ? 'migration_done' : 'migration_failed', { vm: vm.name, from: src.name, to: dst.name, seconds: r6((t - m.start) / 1e6), downtime_s: ok ? r6(m.downtime / 1e6) : 0 });
    return true;
  };

  /** Watermark model: after a reconcile, migrate what the plugin wants off node `n`. */
  const migrateOff = (n: number, t: Micros): void => {
    if (pcfg.model !== 'watermark') return;
    let blocked = false;
    for (const pod of watermarkCandidates(plugin[n]!)) if (!startMigration(pod.vm, t, 'watermark')) blocked = true;
    if (blocked) scheduleReconcile(n, t + pcfg.retryPeriod);
  };

  // --- the vm-monitor ---------------------------------------------------------------------
  const monitorCheck = (v: number, t: Micros): void => {
    const vm = vms[v]!;
    const w = wantsUpscale(mcfg, monitors[v]!, vm.monitorMemory(), t);
    if (w.request) {
      monitors[v]!.lastUpscaleRequestAt = t;
      metrics.counts.monitorUpscales++;
      queue.push(t + neon.monitor_latency, EV_MON_ASK, v, PRIO_MESSAGE);
    }
    if (w.recheckAt !== null && w.recheckAt < end && (monCheckAt[v]! < t || w.recheckAt < monCheckAt[v]!)) {
      monCheckAt[v] = w.recheckAt;
      queue.push(w.recheckAt, EV_MON_CHECK, v, PRIO_MESSAGE);
    }
  };

  // --- the 5 s sample ---------------------------------------------------------------------
  const sample = (t: Micros): void => {
    sampleLoads(t);
    // with the fast path and no LFC the goal comes from the readings and the core gets them only
    // when it is called; otherwise every agent gets them now
    const eager = !fastPath || acfg.enableLFCMetrics;
    for (let v = 0; v < vms.length; v++) {
      const o = v * CYCLE;
      cycle[o + READ1] = bank.load1(v);
      read5[v] = bank.load5(v);
      readUsage[v] = bank.memoryUsage(v);
      // the file cache in use is read by the goal's LFC part only
      if (acfg.enableLFCMetrics) readCached[v] = Math.min(wssNow[v]!, fileCacheBytes(bank.mem[v]!));
      if (eager) handReadings(v);
      const goal = eager ? agentGoalCU(acfg, agentOf(v)) : goalOfReadings(v);
      // the clamped goal in the metrics changes only with the goal (min and max are fixed)
      if (goal !== cycle[o + LAST_GOAL]) {
        cycle[o + LAST_GOAL] = goal;
        recordGoal(v, t, goal);
      }
      // rule 1 of neon-quiet.ts: a quiet agent whose goal did not change stays quiet
      if (t < cycle[o + QUIET_AT]! && goal === cycle[o + QUIET_GOAL]) counts.agentSkips++;
      else step(v, t);
    }
    sampleOutputs(t);
  };

  /** The world's part of the 5 s sample: demands on load steps, LFC, load averages. */
  const sampleLoads = (t: Micros): void => {
    counts.rounds++;
    if (t % loadStep === 0) {
      sampleAll(load.sources, t, demand);
      for (let v = 0; v < vms.length; v++) {
        const vm = vms[v]!;
        const c = cpuSlot[v]! >= 0 ? demand[cpuSlot[v]!]! : 0;
        const mGiB = memSlot[v]! >= 0 ? demand[memSlot[v]!]! : 0;
        const memBytes = Math.round(mGiB * GiB);
        const memChanged = memBytes !== vm.memDemand;
        vm.cpuDemand = c;
        vm.memDemand = memBytes;
        if (lfcSlot[v]! >= 0) wssNow[v] = Math.max(0, demand[lfcSlot[v]!]!) * GiB;
        metrics.demand(v, t, c, memBytes);
        if (t === 0 && spec.host.initial_loadavg === 'steady') vm.steadyLoad();
        if (memChanged) monitorCheck(v, t);
      }
      counts.records += vms.length;
    }
    if (acfg.enableLFCMetrics) lfcSample(t);
    bank.sampleLoads();
    sampled = true;
  };

  /** The sample's outputs: a chart point and time-series rows on their steps. */
  const sampleOutputs = (t: Micros): void => {
    if (t % chartStep === 0) chartPoint(t);
    if (sinks.timeseries !== undefined && t % scenario.output.timeseries_step === 0) writeSeries(t);
  };

  /**
   * LFC metrics: every 5 s the working set joins its minute's maximum; every 15 s each agent reads
   * buckets in 8 KiB pages, bucket k = the largest working set of the last k + 1 minutes (one per
   * minute the run has lasted, at most 60).
   */
  const lfcSample = (t: Micros): void => {
    const minute = Math.floor(t / 60_000_000);
    const slot = minute % LFC_MINUTES;
    const fresh = minute !== lfcMinute;
    lfcMinute = minute;
    for (let v = 0; v < vms.length; v++) {
      const o = v * LFC_MINUTES + slot;
      wssMinute[o] = fresh ? wssNow[v]! : Math.max(wssMinute[o]!, wssNow[v]!);
    }
    if (t % 15_000_000 !== 0) return;
    const n = Math.min(LFC_MINUTES, minute + 1);
    for (let v = 0; v < vms.length; v++) {
      const buckets: number[] = new Array<number>(n);
      let running = 0;
      for (let k = 0; k < n; k++) {
        const value = wssMinute[v * LFC_MINUTES + ((slot - k + LFC_MINUTES) % LFC_MINUTES)]!;
        if (value > running) running = value;
        buckets[k] = Math.floor(running / LFC_PAGE_BYTES);
      }
      if (lfcOut !== null) lfcOut[v] = buckets;
      else lfcUpdated(agentOf(v), buckets);
    }
  };

  const writeSeries = (t: Micros): void => {
    const out = sinks.timeseries!;
    const ts = t / 1e6;
    for (const p of plugin) {
      const g = members[p.index]!.name;
      out(`${ts},${g},reserved_vcpu,${p.reserved.cpu / 1000}`);
      out(`${ts},${g},reserved_gib,${r6(p.reserved.mem / GiB)}`);
      out(`${ts},${g},migrating_vcpu,${p.migrating.cpu / 1000}`);
      out(`${ts},${g},allocated_vcpu,${nodeCpu[p.index]! / 1000}`);
      out(`${ts},${g},allocated_gib,${r6(nodeMem[p.index]! / GiB)}`);
      out(`${ts},${g},vms,${members[p.index]!.vms.length}`);
    }
    for (const vm of chartVms) {
      const v = vm.index;
      out(`${ts},${vm.name},alloc_cu,${r6(metrics.allocCU(v))}`);
      out(`${ts},${vm.name},goal_cu,${r6(metrics.goalCU(v))}`);
      out(`${ts},${vm.name},cpu_demand_cores,${r6(vm.cpuDemand)}`);
      out(`${ts},${vm.name},memory_demand_gib,${r6(vm.memDemand / GiB)}`);
      out(`${ts},${vm.name},load1,${vm.load1}`);
      out(`${ts},${vm.name},migrating,${vm.migratingSince >= 0 ? 1 : 0}`);
    }
  };

  const chartPoint = (t: Micros): void => {
    const ts = t / 1e6;
    for (const m of chartNodes) {
      const p = plugin[m.index]!;
      chart.nodes.push({ t: ts, node: m.name, resource: 'vCPU', reserved: p.reserved.cpu / 1000, watermark: p.watermark.cpu / 1000, allocatable: p.total.cpu / 1000 });
      chart.nodes.push({ t: ts, node: m.name, resource: 'GiB', reserved: r6(p.reserved.mem / GiB), watermark: r6(p.watermark.mem / GiB), allocatable: r6(p.total.mem / GiB) });
    }
    for (const vm of chartVms) {
      chart.vms.push({ t: ts, vm: vm.name, alloc: r6(metrics.allocCU(vm.index)), goal: r6(metrics.goalCU(vm.index)), cpu: r6(vm.cpuDemand / 0.25), mem: r6(vm.memDemand / GiB) });
    }
    const a = new Float64Array(vms.length);
    const g = new Float64Array(vms.length);
    for (let v = 0; v < vms.length; v++) {
      a[v] = metrics.allocCU(v);
      g[v] = metrics.goalCU(v);
    }
    a.sort();
    g.sort();
    const q = (arr: Float64Array, p: number): number => (arr.length === 0 ? 0 : arr[Math.min(arr.length - 1, Math.floor(p * (arr.length - 1) + 0.5))]!);
    chart.bands.push({ t: ts, a10: q(a, 0.1), a50: q(a, 0.5), a90: q(a, 0.9), g10: q(g, 0.1), g50: q(g, 0.5), g90: q(g, 0.9) });
  };

  // --- event dispatch ---------------------------------------------------------------------
  const dispatch = (t: Micros, kind: number, arg: number): void => {
    switch (kind) {
      case EV_SAMPLE:
        sample(t);
        if (t + LOAD_FREQ < end) queue.push(t + LOAD_FREQ, EV_SAMPLE, 0, PRIO_SAMPLE);
        if (sinks.progress && counts.rounds % 200 === 0) sinks.progress(t / end);
        break;
      case EV_WAKE:
        if (cycle[arg * CYCLE + WAKE_AT] !== t) break;
        cycle[arg * CYCLE + WAKE_AT] = -1;
        if (!steadyTick(arg, t)) step(arg, t);
        break;
      case EV_PLUGIN_REQ: {
        const v = arg;
        const n = nodeOf(v);
        // the load1 the agent reports is that of its readings of the last sample, none before the
        // first (what `handReadings` would hand its core): read without touching the agent's state
        const ans = handleRequest(pcfg, plugin[n]!, pods[v]!, mail[v * MAIL + SENT_TARGET]!, sampled ? cycle[v * CYCLE + READ1]! : null, mail[v * MAIL + SENT_LAST_PERMIT]!, t);
        if (ans.permit !== null) respond(v, ans.permit, t);
        else scheduleReconcile(n, t + neon.reconcile_delay);
        if (ans.migrate) startMigration(v, t, 'pressure');
        break;
      }
      case EV_RECONCILE: {
        const n = arg;
        if (reconcileAt[n] !== t) break;
        reconcileAt[n] = -1;
        const r = reconcileNode(pcfg, plugin[n]!);
        for (const pod of r.answered) respond(pod.vm, pod.reserved, t);
        if (r.remainder) scheduleReconcile(n, t + pcfg.retryPeriod);
        checkNode(n, t);
        migrateOff(n, t);
        break;
      }
      case EV_PLUGIN_RESP: {
        const v = arg;
        const permit = mail[v * MAIL + ANSWER];
        const o = v * CYCLE;
        if (cycle[o + LAZY] === 1 && cycle[o + IN_FLIGHT] === 1 && permit !== null && permit !== undefined && sameRes(permit, mail[v * MAIL + SENT_TARGET]!)) {
          // rule 4's request granted in full: `pluginAnswered` (the same permit again, valid as
          // the last time: nothing changed since) is left to agentOf too
          cycle[o + IN_FLIGHT] = 0;
          cycle[o + ANSWERED_AT] = t;
          if (!steadyAnswer(v, t, true)) step(v, t);
          break;
        }
        const s = agentOf(v);
        if (permit === null || permit === undefined) {
          pluginFailed(s, t);
          metrics.counts.requestFailures++;
          log(t, 'request_failed', { vm: vms[v]!.name, to: 'plugin' });
          step(v, t);
          break;
        }
        const before = s.plugin.permit ?? s.vm.using;
        const asked = s.plugin.lastRequest!.resources;
        const accepted = pluginAnswered(s, t, internAs(permit, s.plugin.permit));
        if (hasFieldGreater(asked, permit) && hasFieldGreater(asked, before)) {
          const gotMore = hasFieldGreater(permit, before);
          if (gotMore) metrics.counts.partly++;
          else metrics.counts.denied++;
          if (chart.marks.length < MAX_CHART_MARKS) chart.marks.push({ t: t / 1e6, vm: vms[v]!.name, kind: gotMore ? 'partly granted' : 'denied', charted: chartVmSet.has(v) });
          log(t, gotMore ? 'upscale_partly_granted' : 'upscale_denied', { vm: vms[v]!.name, asked: showRes(asked), permit: showRes(permit) });
        }
        if (!steadyAnswer(v, t, accepted && sameRes(permit, asked))) step(v, t);
        break;
      }
      case EV_RESIZE: {
        const v = arg;
        if (resizeFails[v] === 1) {
          resizeFails[v] = 0;
          neonvmFailed(agentOf(v), t);
          metrics.counts.requestFailures++;
          log(t, 'request_failed', { vm: vms[v]!.name, to: 'neonvm' });
          step(v, t);
          break;
        }
        if (vms[v]!.migratingSince >= 0) {
          vms[v]!.resizeDeferred = true;
          break;
        }
        applyResize(v, t);
        step(v, t);
        break;
      }
      case EV_MON_UP_DONE:
        if (upFails[arg] === 1) {
          upFails[arg] = 0;
          monitorFailed(agentOf(arg), t);
          metrics.counts.requestFailures++;
          log(t, 'request_failed', { vm: vms[arg]!.name, to: 'monitor' });
          step(arg, t);
          break;
        }
        monitors[arg]!.threshold = thresholdFor(mcfg, agentOf(arg).monitor.ongoing!.requested.mem);
        monitorApproved(agentOf(arg));
        monitorCheck(arg, t);
        step(arg, t);
        break;
      case EV_MON_DOWN_REQ: {
        const v = arg;
        const s = agentOf(v);
        const target = s.monitor.ongoing!.requested;
        const verdict = approveDownscale(mcfg, vms[v]!.monitorMemory(), 5, target.mem);
        downOk[v] = fails(failP.monitor) ? -1 : verdict.ok ? 1 : 0;
        if (downOk[v] === 1) monitors[v]!.threshold = thresholdFor(mcfg, target.mem);
        queue.push(t + neon.monitor_latency, EV_MON_DOWN_RESP, v, PRIO_MESSAGE);
        break;
      }
      case EV_MON_DOWN_RESP: {
        const v = arg;
        const s = agentOf(v);
        if (downOk[v] === 1) monitorApproved(s);
        else if (downOk[v] === -1) {
          monitorFailed(s, t);
          metrics.counts.requestFailures++;
          log(t, 'request_failed', { vm: vms[v]!.name, to: 'monitor' });
        } else {
          metrics.counts.monitorDenied++;
          log(t, 'downscale_denied', { vm: vms[v]!.name, target: showRes(s.monitor.ongoing!.requested) });
          monitorDenied(s, t);
        }
        step(v, t);
        break;
      }
      case EV_MON_CHECK:
        if (monCheckAt[arg] !== t) break;
        monCheckAt[arg] = -1;
        monitorCheck(arg, t);
        break;
      case EV_MON_ASK:
        monitorRequestedUpscale(agentOf(arg), t, false, true);
        step(arg, t);
        break;
      case EV_MIG_PAUSE: {
        const m = migrations.get(arg);
        if (m === undefined || m.done) break;
        vms[arg]!.paused = true;
        metrics.migrating(arg, t, true, true);
        break;
      }
      case EV_MIG_DONE:
        finishMigration(arg, t, true);
        break;
      case EV_MIG_FAIL:
        finishMigration(arg, t, false);
        break;
    }
  };

  // --- the external path: agents outside the world ----------------------------------------
  // Chosen once, here: the built-in path above never runs any of this. The world is the same; only
  // what it read from an agent's state it now reads from the VM's mirror, and each thing that
  // happens to an agent is one call of `outside` answered by its requests and its wake-up.
  const mirrors: NeonMirror[] = outside === undefined ? [] : vms.map((vm, v) => new NeonMirror({ cpu: vm.cpu, mem: vm.mem }, agents[v]!.vm.min, agents[v]!.vm.max));

  /** Record VM `v`'s goal (CU) as `recordGoal` does, its bounds from the mirror. */
  const recordGoalOutside = (v: number, t: Micros, goal: number): void => {
    const { min, max } = mirrors[v]!;
    const unit = acfg.computeUnit;
    metrics.goal(v, t, Math.max(Math.min(unit.cpu * goal, max.cpu), min.cpu), Math.max(Math.min(unit.mem * goal, max.mem), min.mem));
  };

  /** A request the world cannot carry out: the agent broke the protocol's rules for the dialect. */
  const refuse = (v: number, t: Micros, a: AgentAction, why: string): never => {
    throw new EngineProtocolError(`neon engine`, `action ${a.type} for ${vms[v]!.name} at ${t / 1e6} s refused: ${why}`);
  };

  /** Carry out one of agent `v`'s requests at `t`, as `act` does minus the agent's bookkeeping. */
  const actOutside = (v: number, t: Micros, a: AgentAction): void => {
    const m = mirrors[v]!;
    switch (a.type) {
      case 'plugin_request':
        if (m.pluginOngoing) refuse(v, t, a, 'a plugin request is in flight');
        m.pluginOngoing = true;
        m.asked = a.target;
        mail[v * MAIL + SENT_TARGET] = a.target;
        mail[v * MAIL + SENT_LAST_PERMIT] = a.lastPermit;
        sendPluginRequest(v, t);
        break;
      case 'neonvm_request':
        if (m.neonvmTarget !== null) refuse(v, t, a, 'a NeonVM resize is in flight');
        m.neonvmTarget = a.target;
        resizeFails[v] = fails(failP.neonvm) ? 1 : 0;
        queue.push(t + neon.neonvm_latency, EV_RESIZE, v, PRIO_MESSAGE);
        break;
      case 'monitor_upscale':
        if (m.monitorOngoing !== null) refuse(v, t, a, 'a vm-monitor request is in flight');
        m.monitorOngoing = { kind: 'upscale', requested: a.target };
        upFails[v] = fails(failP.monitor) ? 1 : 0;
        queue.push(t + 2 * neon.monitor_latency, EV_MON_UP_DONE, v, PRIO_MESSAGE);
        break;
      case 'monitor_downscale':
        if (m.monitorOngoing !== null) refuse(v, t, a, 'a vm-monitor request is in flight');
        m.monitorOngoing = { kind: 'downscale', requested: a.target };
        queue.push(t + neon.monitor_latency, EV_MON_DOWN_REQ, v, PRIO_MESSAGE);
        break;
    }
  };

  /** Carry out agent `v`'s answer at `t`: its requests in order, then its wake-up ("wake me by"). */
  const applyStep = (v: number, t: Micros, r: AgentStep): void => {
    counts.engineCalls++;
    for (const a of r.actions) actOutside(v, t, a);
    if (r.wakeAt !== null) wakeBy(v, t, r.wakeAt);
  };

  /** NeonVM finished resizing VM `v` to the mirror's target. */
  const applyResizeOutside = (v: number, t: Micros): void => {
    const m = mirrors[v]!;
    const target = m.neonvmTarget!;
    m.neonvmTarget = null;
    m.using = target;
    resizeVm(v, t, target);
  };

  /** The 5 s sample with the agents outside: every agent gets its readings (one batch), then acts in VM order. */
  const sampleOutside = (t: Micros): void => {
    sampleLoads(t);
    const readingsNow: SystemMetrics[] = new Array<SystemMetrics>(vms.length);
    for (let v = 0; v < vms.length; v++) {
      const o = v * CYCLE;
      cycle[o + READ1] = bank.load1(v);
      read5[v] = bank.load5(v);
      readUsage[v] = bank.memoryUsage(v);
      if (acfg.enableLFCMetrics) readCached[v] = Math.min(wssNow[v]!, fileCacheBytes(bank.mem[v]!));
      // the page cache only with LFC metrics (the goal's LFC part is its only reader)
      readingsNow[v] = acfg.enableLFCMetrics
        ? { load1: cycle[o + READ1]!, load5: read5[v]!, memoryUsageBytes: readUsage[v]!, memoryCachedBytes: readCached[v]! }
        : { load1: cycle[o + READ1]!, load5: read5[v]!, memoryUsageBytes: readUsage[v]! };
    }
    const lfcNow = lfcOut!.slice();
    lfcOut!.fill(null);
    const replies = outside!.sample(t, readingsNow, lfcNow);
    for (let v = 0; v < vms.length; v++) {
      const r = replies[v]!;
      const goal = r.goalCU!;
      const o = v * CYCLE;
      if (goal !== cycle[o + LAST_GOAL]) {
        cycle[o + LAST_GOAL] = goal;
        recordGoalOutside(v, t, goal);
      }
      applyStep(v, t, r);
    }
    sampleOutputs(t);
  };

  /** Heap events with the agents outside; the world's own events go to `dispatch`. */
  const dispatchOutside = (t: Micros, kind: number, arg: number): void => {
    const ag = outside!;
    const v = arg;
    switch (kind) {
      case EV_SAMPLE:
        sampleOutside(t);
        if (t + LOAD_FREQ < end) queue.push(t + LOAD_FREQ, EV_SAMPLE, 0, PRIO_SAMPLE);
        if (sinks.progress && counts.rounds % 200 === 0) sinks.progress(t / end);
        break;
      case EV_WAKE:
        if (cycle[v * CYCLE + WAKE_AT] !== t) break;
        cycle[v * CYCLE + WAKE_AT] = -1;
        applyStep(v, t, ag.tick(v, t));
        break;
      case EV_PLUGIN_RESP: {
        const m = mirrors[v]!;
        const permit = mail[v * MAIL + ANSWER];
        if (permit === null || permit === undefined) {
          m.pluginOngoing = false;
          metrics.counts.requestFailures++;
          log(t, 'request_failed', { vm: vms[v]!.name, to: 'plugin' });
          applyStep(v, t, ag.pluginAnswer(v, t, null));
          break;
        }
        const before = m.permit ?? m.using;
        const asked = m.asked!;
        m.pluginAnswered(permit);
        if (hasFieldGreater(asked, permit) && hasFieldGreater(asked, before)) {
          const gotMore = hasFieldGreater(permit, before);
          if (gotMore) metrics.counts.partly++;
          else metrics.counts.denied++;
          if (chart.marks.length < MAX_CHART_MARKS) chart.marks.push({ t: t / 1e6, vm: vms[v]!.name, kind: gotMore ? 'partly granted' : 'denied', charted: chartVmSet.has(v) });
          log(t, gotMore ? 'upscale_partly_granted' : 'upscale_denied', { vm: vms[v]!.name, asked: showRes(asked), permit: showRes(permit) });
        }
        applyStep(v, t, ag.pluginAnswer(v, t, permit));
        break;
      }
      case EV_RESIZE:
        if (resizeFails[v] === 1) {
          resizeFails[v] = 0;
          mirrors[v]!.neonvmTarget = null;
          metrics.counts.requestFailures++;
          log(t, 'request_failed', { vm: vms[v]!.name, to: 'neonvm' });
          applyStep(v, t, ag.neonvmResult(v, t, false));
          break;
        }
        if (vms[v]!.migratingSince >= 0) {
          vms[v]!.resizeDeferred = true;
          break;
        }
        applyResizeOutside(v, t);
        applyStep(v, t, ag.neonvmResult(v, t, true));
        break;
      case EV_MON_UP_DONE: {
        const m = mirrors[v]!;
        const ongoing = m.monitorOngoing!;
        m.monitorOngoing = null;
        if (upFails[v] === 1) {
          upFails[v] = 0;
          metrics.counts.requestFailures++;
          log(t, 'request_failed', { vm: vms[v]!.name, to: 'monitor' });
          applyStep(v, t, ag.monitorResult(v, t, 'upscale', 'failed'));
          break;
        }
        monitors[v]!.threshold = thresholdFor(mcfg, ongoing.requested.mem);
        monitorCheck(v, t);
        applyStep(v, t, ag.monitorResult(v, t, 'upscale', 'approved'));
        break;
      }
      case EV_MON_DOWN_REQ: {
        const target = mirrors[v]!.monitorOngoing!.requested;
        const verdict = approveDownscale(mcfg, vms[v]!.monitorMemory(), 5, target.mem);
        downOk[v] = fails(failP.monitor) ? -1 : verdict.ok ? 1 : 0;
        if (downOk[v] === 1) monitors[v]!.threshold = thresholdFor(mcfg, target.mem);
        queue.push(t + neon.monitor_latency, EV_MON_DOWN_RESP, v, PRIO_MESSAGE);
        break;
      }
      case EV_MON_DOWN_RESP: {
        const m = mirrors[v]!;
        const requested = m.monitorOngoing!.requested;
        m.monitorOngoing = null;
        if (downOk[v] === 1) {
          applyStep(v, t, ag.monitorResult(v, t, 'downscale', 'approved'));
          break;
        }
        if (downOk[v] === -1) {
          metrics.counts.requestFailures++;
          log(t, 'request_failed', { vm: vms[v]!.name, to: 'monitor' });
          applyStep(v, t, ag.monitorResult(v, t, 'downscale', 'failed'));
          break;
        }
        metrics.counts.monitorDenied++;
        log(t, 'downscale_denied', { vm: vms[v]!.name, target: showRes(requested) });
        applyStep(v, t, ag.monitorResult(v, t, 'downscale', 'denied'));
        break;
      }
      case EV_MON_ASK:
        applyStep(v, t, ag.monitorUpscaleRequest(v, t, false, true));
        break;
      case EV_MIG_DONE:
      case EV_MIG_FAIL: {
        if (!endMigration(v, t, kind === EV_MIG_DONE)) break;
        const vm = vms[v]!;
        if (vm.resizeDeferred) {
          // the deferred resize's result is the agent's step, as neonvmDone + step are in `finishMigration`
          vm.resizeDeferred = false;
          applyResizeOutside(v, t);
          applyStep(v, t, ag.neonvmResult(v, t, true));
        } else applyStep(v, t, ag.tick(v, t));
        break;
      }
      default:
        dispatch(t, kind, arg);
    }
  };

  if (outside !== undefined) {
    const inits: AgentInit[] = vms.map((vm, v) => ({ name: vm.name, using: mirrors[v]!.using, min: mirrors[v]!.min, max: mirrors[v]!.max, monitorActive: true }));
    const replies = outside.init(0, inits);
    for (let v = 0; v < vms.length; v++) applyStep(v, 0, replies[v]!);
  }
  queue.push(0, EV_SAMPLE, 0, PRIO_SAMPLE);
  counts.heapEvents = runUntil(queue, end, outside === undefined ? dispatch : dispatchOutside);
  for (const s of load.sources) s.close();
  const finished = metrics.finish(end);
  const perVm: NeonSimulation['perVm'] = {};
  for (const vm of vms) perVm[vm.name] = metrics.vmMetrics(vm.index);
  return { metrics: finished, perVm, chart, counts };
}

/** The metrics `scalelab run` prints for a Neon run. */
export const NEON_HEADLINE: readonly string[] = ['cu_seconds', 'below_goal_cpu_seconds', 'below_goal_memory_seconds', 'denied_upscales', 'partly_granted_upscales', 'node_overcommit_seconds', 'migrations', 'migrating_percent', 'time_to_goal_mean', 'unserved_core_seconds'];

/** summary.json's content for a finished Neon simulation. */
export function buildNeonSummary(scenario: Scenario, sim: NeonSimulation): NeonRunSummary {
  const spec = scenario.cluster!;
  const neon = spec.neon!;
  return {
    scalelab: VERSION,
    scenario: scenarioSummary(scenario),
    metrics: sim.metrics,
    groups: sim.perVm,
    cluster: {
      nodes: spec.members.length,
      vms: spec.vms.length,
      load_step_s: spec.load_step / 1e6,
      latencies_s: {
        plugin: neon.plugin_latency / 1e6,
        reconcile_delay: neon.reconcile_delay / 1e6,
        neonvm: neon.neonvm_latency / 1e6,
        monitor: neon.monitor_latency / 1e6,
        request_jitter: neon.request_jitter / 1e6,
      },
      request_failure_probability: { ...neon.failure_probability },
      migration: {
        bandwidth_gbps: (spec.migration.bandwidth_bytes * 8) / 1e9,
        downtime_limit_s: spec.migration.downtime_limit / 1e6,
        max_rounds: spec.migration.max_rounds,
        setup_s: spec.migration.setup / 1e6,
        failure_probability: spec.migration.failure_probability,
      },
    },
    notes: [
      'groups are the VMs; a compute unit (CU) is 0.25 vCPU + 1 GiB',
      `node allocatable = threads vCPU and memory − host memory_overhead; the plugin reserves per VM and never grants beyond allocatable; node_overcommit_seconds checks both the reservations and the VMs' real allocations`,
      `VM CPU: runnable work = demand (uncapped, as Linux counts waiting threads in the load average), served min(demand, vCPUs), 0 during stop-and-copy; SLO violation while demand > ${scenario.slo.utilisation_target} × allocated vCPU`,
      'VM memory: the agent reads min(demand, allocation) + 100 MiB; the vm-monitor sees min(demand, allocation) and asks for memory at 0.85 × allocation; demand above the allocation is memory pressure',
      `demand re-sampled every ${spec.load_step / 1e6} s; load averages every 5 s (kernel fixed point, two decimals as /proc/loadavg prints them); the agent reads its metrics right after each sample`,
      'below-goal seconds compare the allocation with the goal from the metrics clamped to [min, max] (before monitor and denied-downscale overrides); time to goal: from the goal rising above the allocation until the allocation reaches it',
      `scheduler model ${scenario.engine.options['scheduler_model']}; migrations: pre-copy at ${(spec.migration.bandwidth_bytes * 8) / 1e9} Gbps of the VM's whole memory; a resize finishing during a migration waits for its end`,
      'timeseries.csv holds every node and the first output.chart_groups VMs (at most 12)',
    ],
  };
}

/** The runner `run.ts` registers for engine `neon`. */
export function runNeon(scenario: Scenario, sinks: RunSinks): Simulated {
  const sim = simulateNeon(scenario, sinks);
  const summary = buildNeonSummary(scenario, sim);
  return { summary, writeReport: async (outDir) => (await import('../report/neon.js')).writeNeonReport(outDir, summary, sim.chart), counts: sim.counts, headline: NEON_HEADLINE };
}
