/**
 * The shape of an engine that runs in process: a module named by `engine: { kind: module, path }`
 * in a scenario, or the loopback (the built-in cores behind the protocol). Both answer the same
 * requests as an external process would; the session (session.ts) checks their replies the same
 * way.
 */
import type { Micros } from '../../kernel/time.js';
import type { GoneCause, SpawnResult } from '../../world/replicas/engine.js';
import type { Resources } from '../neon/resources.js';
import { latestSharedVersion, PROTOCOL, SHAPE, type Action, type ClusterSnapshot, type Dialect, type HelloGroup, type HelloReply, type HelloRequest, type Reply, type Request, type StepReply } from './protocol.js';

/** A request as an engine receives it: the body plus the session's `id` and the simulated `now`. */
export type Sent = Request & { readonly id: number; readonly now: Micros };

/** What a module exports (as its default export, or as a named export `engine`). */
export interface ModuleEngine {
  /** Protocol versions it speaks (absent: { min: 1, max: 1 }). */
  readonly protocol?: { readonly min: number; readonly max: number };
  /** Called once per run with the hello request; returns the run's handler. */
  open(hello: HelloRequest): ModuleHandler;
}

/** One run's engine in process. */
export interface ModuleHandler {
  /** The dialect it speaks: must equal `hello.engine`. */
  readonly engine: Dialect;
  /** Optional request types it wants (absent: all). */
  readonly wants?: readonly string[];
  /** A name for messages and reports. */
  readonly name?: string;
  /** Answer one request. Synchronous; a throw becomes "engine error: <message>". */
  handle(req: Sent): Reply;
  /** The run is over. */
  close?(): void;
}

// --- serving a module engine over a stream of messages -----------------------------------------

/** A `batch` message as an engine receives it. */
export type SentBatch = { readonly id: number; readonly type: 'batch'; readonly now: Micros; readonly requests: readonly Request[] };

/**
 * The engine side of the hello exchange for `engine`: its handler and the reply line's object,
 * or, when the version ranges do not meet or `open` throws, no handler and an error reply. For a
 * program that serves a module engine over stdio (the loopback as an external process).
 *
 * @example const { handler, reply } = serveHello(loopbackEngine, hello); write(JSON.stringify(reply));
 */
export function serveHello(engine: ModuleEngine, hello: HelloRequest): { handler: ModuleHandler | null; reply: HelloReply } {
  const range = engine.protocol ?? PROTOCOL;
  const version = latestSharedVersion(hello.protocol, range);
  if (version === null) return { handler: null, reply: { id: 0, type: 'hello', error: `speaks protocol ${range.min} to ${range.max}` } };
  try {
    const handler = engine.open(hello);
    const reply: HelloReply = {
      id: 0,
      type: 'hello',
      version,
      engine: handler.engine,
      shape: SHAPE[handler.engine],
      batch: true,
      ...(handler.name !== undefined ? { name: handler.name } : {}),
      ...(handler.wants !== undefined ? { wants: handler.wants } : {}),
    };
    return { handler, reply };
  } catch (e) {
    return { handler: null, reply: { id: 0, type: 'hello', error: e instanceof Error ? e.message : String(e) } as HelloReply };
  }
}

/**
 * The reply to one message (a request or a `batch`, already parsed), with its id: a batch is
 * split into its parts, each handed to `handler` with the batch's id and `now`; a throw becomes
 * an `error` reply (of the part, inside a batch).
 *
 * @example serveMessage(handler, { id: 3, type: 'end', now: 5 }) // { id: 3, type: 'bye' }
 */
export function serveMessage(handler: ModuleHandler, msg: Sent | SentBatch): Reply & { readonly id: number } {
  if (msg.type === 'batch') {
    const b = msg as SentBatch;
    const replies = b.requests.map((r) => {
      const reply = answerOne(handler, Object.assign({ id: b.id, type: r.type, now: b.now }, r) as unknown as Sent);
      return reply.type === 'step' || reply.type === 'error' ? reply : { type: 'error' as const, message: `a batch part answered ${reply.type}` };
    });
    return { id: msg.id, type: 'batch', replies };
  }
  return { id: msg.id, ...answerOne(handler, msg as Sent) };
}

function answerOne(handler: ModuleHandler, sent: Sent): Reply {
  try {
    return handler.handle(sent);
  } catch (e) {
    return { type: 'error', message: e instanceof Error ? e.message : String(e) };
  }
}

// --- typed helpers: an engine as pure functions of (state, request) ---------------------------

/** A report: what the engine evaluated (per dialect, see docs/PROTOCOL.md). */
export type Report = Readonly<Record<string, unknown>>;

/** A helper callback's answer: the next state, and the step's parts (absent: none, keep the wake-up). */
export interface StepOf<S> {
  readonly state: S;
  readonly actions?: readonly Action[];
  readonly wakeAt?: Micros | null;
  readonly report?: Report;
  /** hpa dialect: required in the answer to observe */
  readonly desiredReplicas?: number;
}

/** A horizontal `init` request's instances. */
export type InitialInstance = { readonly name: string; readonly primary: boolean };

/** A horizontal `observe` request (albatross `records`, or hpa/kraftcloud/replica `obs`). */
export type ObserveRequest = Extract<Request, { type: 'observe' }>;

/** What `defineReplicaEngine` takes: one state per group, one function per request type. */
export interface ReplicaEngineSpec<S> {
  /** The dialect it speaks (default `replica`). */
  readonly dialect?: 'replica' | 'albatross' | 'hpa' | 'kraftcloud';
  /** A name for messages and reports. */
  readonly name?: string;
  /** The group's first state (t = 0); `wakeAt` is the first wake-up of the timer dialects. */
  init(group: HelloGroup, instances: readonly InitialInstance[], now: Micros, hello: HelloRequest): StepOf<S>;
  /** A round's records (albatross) or a wake-up's observation (the timer dialects). */
  observe(state: S, req: ObserveRequest, now: Micros): StepOf<S>;
  /** Optional: how a spawn ended (left out: the engine is not told). */
  spawnResult?(state: S, name: string, result: SpawnResult, now: Micros): StepOf<S>;
  /** Optional: an instance is gone (left out: the engine is not told). */
  gone?(state: S, name: string, cause: GoneCause, now: Micros): StepOf<S>;
  /** Optional, albatross only: the periodic pass with the live instances. */
  sync?(state: S, alive: readonly string[], now: Micros): StepOf<S>;
}

/**
 * A horizontal engine from pure functions of (state, request) → (state, actions), one state per
 * group. The helper does the protocol's bookkeeping: hello (`wants` leaves out the optional
 * requests it has no function for), a state per group, the step replies.
 *
 * @example
 * export default defineReplicaEngine({
 *   init: (group) => ({ state: { cooldownUntil: 0 }, wakeAt: 10_000_000 }),
 *   observe: (state, req, now) => ({ state, actions: [], wakeAt: now + 10_000_000 }),
 * });
 */
export function defineReplicaEngine<S>(spec: ReplicaEngineSpec<S>): ModuleEngine {
  const dialect = spec.dialect ?? 'replica';
  const wants = [
    ...(spec.spawnResult !== undefined ? ['spawn_result'] : []),
    ...(spec.gone !== undefined ? ['gone'] : []),
    ...(spec.sync !== undefined && dialect === 'albatross' ? ['sync'] : []),
  ];
  return {
    open(hello: HelloRequest): ModuleHandler {
      const groups = new Map<string, HelloGroup>((hello.groups ?? []).map((g) => [g.name, g]));
      const states = new Map<string, S>();
      const stateOf = (group: string): S => {
        if (!states.has(group)) throw new Error(`unknown group ${JSON.stringify(group)}`);
        return states.get(group) as S;
      };
      const reply = (group: string, s: StepOf<S>): StepReply => {
        states.set(group, s.state);
        return stepReply(s);
      };
      return {
        engine: dialect,
        wants,
        ...(spec.name !== undefined ? { name: spec.name } : {}),
        handle(req: Sent): Reply {
          switch (req.type) {
            case 'init': {
              if (!('group' in req)) break;
              const group = groups.get(req.group);
              if (group === undefined) throw new Error(`unknown group ${JSON.stringify(req.group)}`);
              return reply(req.group, spec.init(group, req.instances, req.now, hello));
            }
            case 'observe':
              return reply(req.group, spec.observe(stateOf(req.group), req, req.now));
            case 'spawn_result':
              return spec.spawnResult === undefined ? EMPTY : reply(req.group, spec.spawnResult(stateOf(req.group), req.name, req.result, req.now));
            case 'gone':
              return spec.gone === undefined ? EMPTY : reply(req.group, spec.gone(stateOf(req.group), req.name, req.cause, req.now));
            case 'sync':
              return spec.sync === undefined ? EMPTY : reply(req.group, spec.sync(stateOf(req.group), req.alive, req.now));
            case 'end':
              return BYE;
          }
          throw new Error(`the ${dialect} engine does not answer ${JSON.stringify(req.type)} requests`);
        },
      };
    },
  };
}

/** What `defineRebalancingEngine` takes (incus dialect): one state for the cluster. */
export interface RebalancingEngineSpec<S> {
  readonly name?: string;
  /** t = 0: the first state and the first wake-up (`wakeAt`, required by the incus dialect). */
  init(cluster: ClusterSnapshot, now: Micros, hello: HelloRequest): StepOf<S>;
  /** The wake-up the engine asked for. */
  tick(state: S, cluster: ClusterSnapshot, now: Micros): StepOf<S>;
  migrationResult?(state: S, ok: boolean, cluster: ClusterSnapshot, now: Micros): StepOf<S>;
  daemonStart?(state: S, member: number, cluster: ClusterSnapshot, now: Micros): StepOf<S>;
  leaderChange?(state: S, cluster: ClusterSnapshot, now: Micros): StepOf<S>;
}

/**
 * A rebalancing engine (incus dialect) from pure functions of (state, cluster). Every incus reply
 * carries `wakeAt`: when a function leaves it out (or has none), the helper answers the last
 * wake-up asked for if it is still ahead, else null.
 *
 * @example defineRebalancingEngine({ init: (c, now) => ({ state: 0, wakeAt: now + 60e6 }), tick: (n, c, now) => ({ state: n + 1, wakeAt: now + 60e6 }) })
 */
export function defineRebalancingEngine<S>(spec: RebalancingEngineSpec<S>): ModuleEngine {
  return {
    open(hello: HelloRequest): ModuleHandler {
      let state: S | undefined;
      let started = false;
      let wake: Micros | null = null;
      const reply = (s: StepOf<S> | null, now: Micros): StepReply => {
        if (s !== null) state = s.state;
        if (s !== null && s.wakeAt !== undefined) wake = s.wakeAt;
        else if (wake !== null && wake <= now) wake = null;
        return stepReply({ state: state as S, ...(s !== null && s.actions !== undefined ? { actions: s.actions } : {}), ...(s !== null && s.report !== undefined ? { report: s.report } : {}), wakeAt: wake });
      };
      const current = (): S => {
        if (!started) throw new Error('a request before init');
        return state as S;
      };
      /** A request the author has no function for: nothing to do (after init). */
      const none = (): null => {
        current();
        return null;
      };
      return {
        engine: 'incus',
        ...(spec.name !== undefined ? { name: spec.name } : {}),
        handle(req: Sent): Reply {
          const now = req.now;
          switch (req.type) {
            case 'init':
              if (!('cluster' in req)) break;
              started = true;
              return reply(spec.init(req.cluster, now, hello), now);
            case 'tick':
              if (!('cluster' in req)) break;
              return reply(spec.tick(current(), req.cluster, now), now);
            case 'migration_result':
              return reply(spec.migrationResult === undefined ? none() : spec.migrationResult(current(), req.ok, req.cluster, now), now);
            case 'daemon_start':
              return reply(spec.daemonStart === undefined ? none() : spec.daemonStart(current(), req.member, req.cluster, now), now);
            case 'leader_change':
              return reply(spec.leaderChange === undefined ? none() : spec.leaderChange(current(), req.cluster, now), now);
            case 'end':
              return BYE;
          }
          throw new Error(`the incus engine does not answer ${JSON.stringify(req.type)} requests`);
        },
      };
    },
  };
}

/** A neon `init` request: one VM's resources and whether its vm-monitor runs. */
export type VmInit = Extract<Request, { type: 'init'; vm: string }>;

/** What `defineVerticalEngine` takes (neon dialect): one state per VM. */
export interface VerticalEngineSpec<S> {
  readonly name?: string;
  init(vm: VmInit, now: Micros, hello: HelloRequest): StepOf<S>;
  /** A 5 s sample (`metrics`, and `lfc` when enabled) or a wake-up (neither). After metrics the report must hold `goalCU`. */
  tick(state: S, req: Extract<Request, { type: 'tick'; vm: string }>, now: Micros): StepOf<S>;
  pluginAnswer?(state: S, permit: Resources | null, now: Micros): StepOf<S>;
  neonvmResult?(state: S, ok: boolean, now: Micros): StepOf<S>;
  monitorResult?(state: S, kind: 'upscale' | 'downscale', result: 'approved' | 'denied' | 'failed', now: Micros): StepOf<S>;
  monitorUpscaleRequest?(state: S, cpu: boolean, mem: boolean, now: Micros): StepOf<S>;
}

/**
 * A vertical engine (neon dialect) from pure functions of (state, request), one state per VM.
 * A request type without a function is answered with an empty step (its state kept).
 *
 * @example defineVerticalEngine({ init: (vm) => ({ state: vm.using }), tick: (s) => ({ state: s, report: { goalCU: 1 } }) })
 */
export function defineVerticalEngine<S>(spec: VerticalEngineSpec<S>): ModuleEngine {
  return {
    open(hello: HelloRequest): ModuleHandler {
      const states = new Map<string, S>();
      const stateOf = (vm: string): S => {
        if (!states.has(vm)) throw new Error(`unknown VM ${JSON.stringify(vm)} (no init)`);
        return states.get(vm) as S;
      };
      const reply = (vm: string, s: StepOf<S> | undefined): StepReply => {
        if (s === undefined) return EMPTY;
        states.set(vm, s.state);
        return stepReply(s);
      };
      return {
        engine: 'neon',
        ...(spec.name !== undefined ? { name: spec.name } : {}),
        handle(req: Sent): Reply {
          const now = req.now;
          switch (req.type) {
            case 'init':
              if (!('vm' in req)) break;
              return reply(req.vm, spec.init(req, now, hello));
            case 'tick':
              if (!('vm' in req)) break;
              return reply(req.vm, spec.tick(stateOf(req.vm), req, now));
            case 'plugin_answer':
              return reply(req.vm, spec.pluginAnswer?.(stateOf(req.vm), req.permit, now));
            case 'neonvm_result':
              return reply(req.vm, spec.neonvmResult?.(stateOf(req.vm), req.ok, now));
            case 'monitor_result':
              return reply(req.vm, spec.monitorResult?.(stateOf(req.vm), req.kind, req.result, now));
            case 'monitor_upscale_request':
              return reply(req.vm, spec.monitorUpscaleRequest?.(stateOf(req.vm), req.cpu, req.mem, now));
            case 'end':
              return BYE;
          }
          throw new Error(`the neon engine does not answer ${JSON.stringify(req.type)} requests`);
        },
      };
    },
  };
}

const EMPTY: StepReply = Object.freeze({ type: 'step', actions: Object.freeze([]) }) as StepReply;
const BYE: Reply = Object.freeze({ type: 'bye' }) as Reply;

/** A helper's answer as a step reply. */
function stepReply<S>(s: StepOf<S>): StepReply {
  return {
    type: 'step',
    actions: s.actions ?? [],
    ...(s.wakeAt !== undefined ? { wakeAt: s.wakeAt } : {}),
    ...(s.report !== undefined ? { report: s.report } : {}),
    ...(s.desiredReplicas !== undefined ? { desiredReplicas: s.desiredReplicas } : {}),
  };
}
