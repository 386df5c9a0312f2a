/**
 * The vertical dialect (neon) over an engine session: the Neon world (src/run/neon.ts, its
 * external path) talks to `NeonAgents`; `sessionAgents` turns each call into one protocol request
 * (docs/PROTOCOL.md, "neon") and each reply into the agent's step. `runNeonExternal` is the runner
 * for a scenario with `engine: { name: neon, kind: module | external }`.
 */
import type { Micros } from '../../kernel/time.js';
import type { AgentAction, AgentInit, AgentStep, MonitorOutcome, NeonAgents } from '../neon/agents.js';
import type { SystemMetrics } from '../neon/goal.js';
import { DEFAULT_MONITOR_CONFIG } from '../neon/monitor.js';
import type { Resources } from '../neon/resources.js';
import { agentConfigOf, buildNeonSummary, NEON_HEADLINE, simulateNeon } from '../../run/neon.js';
import type { RunSinks } from '../../run/albatross.js';
import type { Simulated } from '../../run/run.js';
import type { Scenario } from '../../scenario/types.js';
import { engineLabel } from './checked.js';
import { EngineProtocolError, type FailedMessage } from './errors.js';
import { helloFor } from './open.js';
import type { HelloRequest, Reply, Request } from './protocol.js';
import type { EngineSession } from './session.js';

/**
 * The hello of a neon run: the VMs by name, and as `core` the agent configuration the built-in
 * run uses (`agentConfigOf`), the vm-monitor's and the request jitter (µs) an agent takes off its
 * plugin request tick (upstream draws it in the agent's executor; the world no longer does).
 *
 * @example neonHello(scenario).vms // ['pg-1', 'pg-2', …]
 */
export function neonHello(scenario: Scenario): HelloRequest {
  const neon = scenario.cluster?.neon;
  if (scenario.cluster === undefined || neon === undefined) throw new Error(`scenario ${scenario.name} has no cluster: section for engine neon`);
  const core = {
    agent: agentConfigOf(scenario.engine.config, scenario.engine.options),
    monitor: { ...DEFAULT_MONITOR_CONFIG, threshold: neon.monitor_threshold },
    requestJitter: neon.request_jitter,
  };
  return helloFor(scenario, 'neon', { core, vms: scenario.cluster.vms.map((v) => v.name) });
}

/** `hello.core` of the neon dialect, as the loopback reads it. */
export interface NeonCore {
  readonly agent: ReturnType<typeof agentConfigOf>;
  readonly monitor: typeof DEFAULT_MONITOR_CONFIG;
  readonly requestJitter: Micros;
}

/** What the adapter knows of each VM's requests in flight, to refuse what the world cannot do. */
interface InFlight {
  plugin: boolean;
  neonvm: boolean;
  monitor: boolean;
}

/**
 * The agents of `names` behind `session`: each call is one request (the sample's and the
 * init's are one `callMany`, a `batch` when the engine takes them). The replies are read as the
 * world needs them; what the world cannot carry out — a second request of a kind while one is in
 * flight, a wake-up in the past, a tick with metrics answered without `report.goalCU` — is a
 * protocol error naming the message.
 *
 * @example const agents = sessionAgents(session, names, 'module engine ./agent.js'); agents.tick(3, 5_000_000)
 */
export function sessionAgents(session: EngineSession, names: readonly string[], label: string): NeonAgents {
  const inFlight: InFlight[] = names.map(() => ({ plugin: false, neonvm: false, monitor: false }));
  const batch = session.hello.batch === true;
  let nextId = 1; // hello is 0; every line sent takes the next id

  /** The message a failure belongs to (`part` within a batch of `n`). */
  const named = (id: number, req: Request, now: Micros, part?: { k: number; n: number }): FailedMessage => {
    const subject = 'vm' in req ? req.vm : undefined;
    if (part === undefined) return { id, type: req.type, now, ...(subject !== undefined ? { subject } : {}) };
    return { id, type: 'batch', now, part: { k: part.k, n: part.n, type: req.type, ...(subject !== undefined ? { subject } : {}) } };
  };

  const fail = (what: string, m: FailedMessage): never => {
    throw new EngineProtocolError(label, what, m);
  };

  /** A resources record in a reply: `{cpu, mem}`, integers ≥ 0. */
  const resources = (x: unknown, field: string, m: FailedMessage): Resources => {
    const r = x as Resources | null;
    if (r === null || typeof r !== 'object' || !Number.isSafeInteger(r.cpu) || !Number.isSafeInteger(r.mem) || r.cpu < 0 || r.mem < 0) fail(`${field} must be {cpu, mem} with integers ≥ 0`, m);
    return r!;
  };

  /** Reply → the agent's step, checked against what VM `v` has in flight. */
  const stepOf = (v: number, req: Request, now: Micros, reply: Reply, m: FailedMessage): AgentStep => {
    if (reply.type === 'error') fail(`engine error: ${reply.message}`, m);
    if (reply.type !== 'step') fail(`expected a step reply, got "${String(reply.type)}"`, m);
    const step = reply as Extract<Reply, { type: 'step' }>;
    if (!Array.isArray(step.actions)) fail('"actions" must be an array', m);
    const f = inFlight[v]!;
    const actions: AgentAction[] = [];
    step.actions.forEach((raw, i) => {
      const a = raw as AgentAction;
      const at = `action ${i + 1} (${String((a as { type?: unknown }).type)})`;
      switch (a.type) {
        case 'plugin_request':
          if (f.plugin) fail(`${at}: a plugin request is already in flight`, m);
          f.plugin = true;
          actions.push({ type: a.type, target: resources(a.target, `${at}: "target"`, m), lastPermit: a.lastPermit === null ? null : resources(a.lastPermit, `${at}: "lastPermit"`, m) });
          break;
        case 'neonvm_request':
          if (f.neonvm) fail(`${at}: a NeonVM resize is already in flight`, m);
          f.neonvm = true;
          actions.push({ type: a.type, current: resources(a.current, `${at}: "current"`, m), target: resources(a.target, `${at}: "target"`, m) });
          break;
        case 'monitor_upscale':
        case 'monitor_downscale':
          if (f.monitor) fail(`${at}: a vm-monitor request is already in flight`, m);
          f.monitor = true;
          actions.push({ type: a.type, current: resources(a.current, `${at}: "current"`, m), target: resources(a.target, `${at}: "target"`, m) });
          break;
        default:
          fail(`unknown action "${String((a as { type?: unknown }).type)}" (expected plugin_request, neonvm_request, monitor_upscale, monitor_downscale)`, m);
      }
    });
    const w = step.wakeAt;
    if (w !== undefined && w !== null && (!Number.isSafeInteger(w) || w < now)) fail(`"wakeAt" must be an integer ≥ now (${now}), got ${String(w)}`, m);
    let goalCU: number | null = null;
    if (req.type === 'tick' && 'metrics' in req && req.metrics !== undefined) {
      const g = step.report?.['goalCU'];
      if (typeof g !== 'number' || !Number.isFinite(g)) fail('"report.goalCU" must be a number in the reply to a tick with metrics', m);
      goalCU = g as number;
    }
    return { actions, wakeAt: w ?? null, goalCU };
  };

  /** One request about VM `v` → its step. */
  const one = (v: number, now: Micros, req: Request): AgentStep => {
    const id = nextId++;
    return stepOf(v, req, now, session.call(now, req), named(id, req, now));
  };

  /** One request per VM (index = VM) at `now` → their steps, in VM order. */
  const many = (now: Micros, reqs: readonly Request[]): AgentStep[] => {
    if (reqs.length === 0) return [];
    // one batch line when the engine takes batches and there are two or more; otherwise one line each
    const asBatch = batch && reqs.length > 1;
    const firstId = nextId;
    nextId += asBatch ? 1 : reqs.length;
    const replies = session.callMany(now, reqs);
    if (replies.length !== reqs.length) throw new EngineProtocolError(label, `${replies.length} replies to ${reqs.length} requests`, { id: firstId, type: asBatch ? 'batch' : reqs[0]!.type, now });
    return reqs.map((req, v) => stepOf(v, req, now, replies[v]!, asBatch ? named(firstId, req, now, { k: v + 1, n: reqs.length }) : named(firstId + v, req, now)));
  };

  return {
    init(now: Micros, vms: readonly AgentInit[]): readonly AgentStep[] {
      return many(
        now,
        vms.map((vm) => ({ type: 'init', vm: vm.name, using: vm.using, min: vm.min, max: vm.max, monitorActive: vm.monitorActive })),
      );
    },
    sample(now: Micros, metrics: readonly SystemMetrics[], lfc: readonly (readonly number[] | null)[]): readonly AgentStep[] {
      return many(
        now,
        metrics.map((m, v): Request => {
          const buckets = lfc[v] ?? null;
          return buckets === null ? { type: 'tick', vm: names[v]!, metrics: m } : { type: 'tick', vm: names[v]!, metrics: m, lfc: buckets };
        }),
      );
    },
    tick(v: number, now: Micros): AgentStep {
      return one(v, now, { type: 'tick', vm: names[v]! });
    },
    pluginAnswer(v: number, now: Micros, permit: Resources | null): AgentStep {
      inFlight[v]!.plugin = false;
      return one(v, now, { type: 'plugin_answer', vm: names[v]!, permit });
    },
    neonvmResult(v: number, now: Micros, ok: boolean): AgentStep {
      inFlight[v]!.neonvm = false;
      return one(v, now, { type: 'neonvm_result', vm: names[v]!, ok });
    },
    monitorResult(v: number, now: Micros, kind: 'upscale' | 'downscale', result: MonitorOutcome): AgentStep {
      inFlight[v]!.monitor = false;
      return one(v, now, { type: 'monitor_result', vm: names[v]!, kind, result });
    },
    monitorUpscaleRequest(v: number, now: Micros, cpu: boolean, mem: boolean): AgentStep {
      return one(v, now, { type: 'monitor_upscale_request', vm: names[v]!, cpu, mem });
    },
  };
}

/**
 * Run a neon scenario whose agents answer through `session` (already opened with
 * `neonHello(scenario)`): the same world, outputs and summary as the built-in run. The caller
 * closes the session (`session.close(scenario.duration)`, also on errors: runners.ts
 * `withSession`).
 */
export function runNeonExternal(scenario: Scenario, sinks: RunSinks, session: EngineSession): Simulated {
  const names = scenario.cluster?.vms.map((v) => v.name) ?? [];
  const sim = simulateNeon(scenario, sinks, { agents: sessionAgents(session, names, engineLabel(scenario.engine)) });
  const summary = buildNeonSummary(scenario, sim);
  return { summary, writeReport: async (outDir) => (await import('../../report/neon.js')).writeNeonReport(outDir, summary, sim.chart), counts: sim.counts, headline: NEON_HEADLINE };
}
