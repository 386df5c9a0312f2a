/**
 * Neon's autoscaler-agents as the world talks to them when they are not the built-in fast path:
 * one call per thing that happens to a VM's agent (a sample, a wake-up, an answer), each answered
 * by the agent's requests and its wake-up. This is the vertical dialect of the engine protocol
 * (docs/PROTOCOL.md) at the level of the world: src/run/neon.ts's external path calls a
 * `NeonAgents`, and src/engines/external/neon.ts implements it over an `EngineSession`.
 *
 * `CoreAgents` is the same thing over the built-in core (agent.ts): the loopback engine
 * (src/engines/external/loopback/neon.ts) answers the protocol with it, so the built-in run and
 * the run through the protocol can be compared byte for byte. The built-in run itself does not
 * use it: its fast path (src/run/neon-quiet.ts) sits around the core calls in src/run/neon.ts.
 */
import type { Micros } from '../../kernel/time.js';
import type { RandomStream } from '../../kernel/random.js';
import {
  agentGoalCU,
  lfcUpdated,
  metricsUpdated,
  monitorApproved,
  monitorDenied,
  monitorFailed,
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
} from './agent.js';
import type { SystemMetrics } from './goal.js';
import type { Resources } from './resources.js';

/** One of the agent's requests, in the order the world carries them out (protocol `NeonAction`). */
export type AgentAction =
  | { readonly type: 'plugin_request'; readonly target: Resources; readonly lastPermit: Resources | null }
  | { readonly type: 'neonvm_request' | 'monitor_upscale' | 'monitor_downscale'; readonly current: Resources; readonly target: Resources };

/** An agent's answer: its requests (all rounds), when to wake it by, and its goal. */
export interface AgentStep {
  readonly actions: readonly AgentAction[];
  /** absolute µs: wake the agent by then (the earlier of this and a pending wake-up wins); null: no wish */
  readonly wakeAt: Micros | null;
  /** the goal (CU) from its readings before its rounds: set when the call carried metrics */
  readonly goalCU: number | null;
}

/** A VM's agent at the start of the run. */
export interface AgentInit {
  readonly name: string;
  readonly using: Resources;
  readonly min: Resources;
  readonly max: Resources;
  readonly monitorActive: boolean;
}

/** The outcome of a request to the vm-monitor. */
export type MonitorOutcome = 'approved' | 'denied' | 'failed';

/** Every VM's autoscaler-agent, addressed by VM index. */
export interface NeonAgents {
  /** The agents of all VMs at t = 0 (index = VM). */
  init(now: Micros, vms: readonly AgentInit[]): readonly AgentStep[];
  /** The 5 s sample: every VM's agent reads `metrics[v]` (and `lfc[v]` when not null), then acts. */
  sample(now: Micros, metrics: readonly SystemMetrics[], lfc: readonly (readonly number[] | null)[]): readonly AgentStep[];
  /** Agent `v` woken (its wake-up, or the end of a migration). */
  tick(v: number, now: Micros): AgentStep;
  /** The scheduler plugin answered agent `v`'s request (`null`: the request was lost). */
  pluginAnswer(v: number, now: Micros, permit: Resources | null): AgentStep;
  /** NeonVM finished agent `v`'s resize, or failed it. */
  neonvmResult(v: number, now: Micros, ok: boolean): AgentStep;
  /** The vm-monitor's outcome of agent `v`'s upscale notice or downscale request. */
  monitorResult(v: number, now: Micros, kind: 'upscale' | 'downscale', result: MonitorOutcome): AgentStep;
  /** The vm-monitor asked agent `v` for more CPU and/or memory. */
  monitorUpscaleRequest(v: number, now: Micros, cpu: boolean, mem: boolean): AgentStep;
}

/** A step with no requests and no wish to be woken. */
const IDLE: AgentStep = Object.freeze({ actions: Object.freeze([]) as readonly AgentAction[], wakeAt: null, goalCU: null });

/**
 * The built-in agent core behind `NeonAgents`: one `AgentState` per VM, and for each call the
 * loop of at most four rounds of `nextActions` that src/run/neon.ts `step` runs, each round's
 * requests recorded in the agent (`pluginStarting` with the request jitter drawn from `jitter`,
 * `neonvmStarting`, `monitorStarting`) before the next round. The wake-up is that of the first
 * round with no requests; none when all four rounds had requests.
 *
 * @example const agents = new CoreAgents(cfg, stream(seed, 'world:plugin-request-jitter'), 100_000);
 * agents.init(0, [{ name: 'vm-1', using: cu(2), min: cu(1), max: cu(16), monitorActive: true }]);
 * agents.sample(0, [{ load1: 0.9, load5: 0.9, memoryUsageBytes: 2 ** 30 }], [null])[0].goalCU // 4
 */
export class CoreAgents implements NeonAgents {
  private states: AgentState[] = [];

  /** `jitter` and `requestJitter` (µs): each plugin request takes floor(jitter() × requestJitter) off its next tick. */
  constructor(
    private readonly cfg: AgentConfig,
    private readonly jitter: RandomStream,
    private readonly requestJitter: Micros,
  ) {}

  init(now: Micros, vms: readonly AgentInit[]): readonly AgentStep[] {
    return vms.map((vm, v) => this.start1(v, now, vm));
  }

  /** Agent `v` starts (the protocol's `init`): nothing to do yet, its first readings come at the sample. */
  start1(v: number, now: Micros, vm: AgentInit): AgentStep {
    void now;
    this.states[v] = newAgentState(vm.using, vm.min, vm.max, vm.monitorActive);
    return IDLE;
  }

  /** Agent `v`'s state (for tests and the loopback). */
  state(v: number): AgentState {
    const s = this.states[v];
    if (s === undefined) throw new Error(`no agent for VM ${v}`);
    return s;
  }

  sample(now: Micros, metrics: readonly SystemMetrics[], lfc: readonly (readonly number[] | null)[]): readonly AgentStep[] {
    return metrics.map((m, v) => this.read(v, now, m, lfc[v] ?? null));
  }

  /** Agent `v` reads `metrics` (and `lfc`), then acts; its goal is that of the new readings. */
  read(v: number, now: Micros, metrics: SystemMetrics | null, lfc: readonly number[] | null): AgentStep {
    const s = this.state(v);
    if (metrics !== null) metricsUpdated(s, metrics);
    if (lfc !== null) lfcUpdated(s, lfc);
    const goal = metrics !== null || lfc !== null ? agentGoalCU(this.cfg, s) : null;
    return this.rounds(s, now, goal);
  }

  tick(v: number, now: Micros): AgentStep {
    return this.rounds(this.state(v), now, null);
  }

  pluginAnswer(v: number, now: Micros, permit: Resources | null): AgentStep {
    const s = this.state(v);
    if (permit === null) pluginFailed(s, now);
    else pluginAnswered(s, now, permit);
    return this.rounds(s, now, null);
  }

  neonvmResult(v: number, now: Micros, ok: boolean): AgentStep {
    const s = this.state(v);
    if (ok) neonvmDone(s);
    else neonvmFailed(s, now);
    return this.rounds(s, now, null);
  }

  monitorResult(v: number, now: Micros, kind: 'upscale' | 'downscale', result: MonitorOutcome): AgentStep {
    const s = this.state(v);
    void kind; // the agent knows which request was in flight
    if (result === 'approved') monitorApproved(s);
    else if (result === 'denied') monitorDenied(s, now);
    else monitorFailed(s, now);
    return this.rounds(s, now, null);
  }

  monitorUpscaleRequest(v: number, now: Micros, cpu: boolean, mem: boolean): AgentStep {
    const s = this.state(v);
    monitorRequestedUpscale(s, now, cpu, mem);
    return this.rounds(s, now, null);
  }

  /** Up to four rounds of `nextActions` at `now`, each round's requests recorded before the next. */
  private rounds(s: AgentState, now: Micros, goalCU: number | null): AgentStep {
    let actions: AgentAction[] | null = null;
    for (let round = 0; round < 4; round++) {
      const a = nextActions(this.cfg, s, now);
      if (a.pluginRequest === null && a.neonvmRequest === null && a.monitorUpscale === null && a.monitorDownscale === null) {
        const wakeAt = a.wait === null ? null : now + a.wait;
        return actions === null && wakeAt === null && goalCU === null ? IDLE : { actions: actions ?? [], wakeAt, goalCU };
      }
      this.carry(s, now, a, (actions ??= []));
    }
    return { actions: actions ?? [], wakeAt: null, goalCU };
  }

  /** Record round `a`'s requests in the agent and append them to `out`, in the world's order. */
  private carry(s: AgentState, now: Micros, a: ActionSet, out: AgentAction[]): void {
    if (a.pluginRequest !== null) {
      const jitter = Math.floor(this.jitter.next() * this.requestJitter);
      pluginStarting(s, now, a.pluginRequest.target, jitter);
      out.push({ type: 'plugin_request', target: a.pluginRequest.target, lastPermit: a.pluginRequest.lastPermit });
    }
    if (a.neonvmRequest !== null) {
      neonvmStarting(s, a.neonvmRequest.target);
      out.push({ type: 'neonvm_request', current: a.neonvmRequest.current, target: a.neonvmRequest.target });
    }
    if (a.monitorUpscale !== null) {
      monitorStarting(s, 'upscale', a.monitorUpscale.target);
      out.push({ type: 'monitor_upscale', current: a.monitorUpscale.current, target: a.monitorUpscale.target });
    }
    if (a.monitorDownscale !== null) {
      monitorStarting(s, 'downscale', a.monitorDownscale.target);
      out.push({ type: 'monitor_downscale', current: a.monitorDownscale.current, target: a.monitorDownscale.target });
    }
  }
}
