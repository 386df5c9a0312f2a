/**
 * scalelab's engine protocol, version 1: the messages between the simulator (or the production
 * bridge) and a decision engine that is not built in — a JavaScript module loaded in process, or
 * a child process speaking JSON lines over stdio. docs/PROTOCOL.md is the user's description;
 * this file is the contract the code checks against.
 *
 * The protocol speaks at the level of each engine's pure core: an observation is what the core
 * reads, an action is what it returns. The observation and action types are imported from the
 * cores, so the protocol cannot drift from them without a type error. The simulator owns the
 * clock: every request carries `now` (integer µs since the start of the run) and an engine asks
 * to be woken with `wakeAt` (absolute integer µs); it never reads wall time.
 *
 * Framing: one JSON object per `\n`-terminated line. Strict lock-step: exactly one reply per
 * request, carrying the request's `id`, before the next request is sent. `hello` is id 0; ids
 * then increase by 1 per line sent.
 */
import type { Micros } from '../../kernel/time.js';
import type { StatsSample } from '../albatross/core.js';
import type { Observation as HpaObservation, ScaleAction } from '../hpa/types.js';
import type { Observation as KraftcloudObservation, KraftcloudAction } from '../kraftcloud/engine.js';
import type { ClusterView, IncusAction } from '../incus/engine.js';
import type { Resources } from '../neon/resources.js';
import type { SystemMetrics } from '../neon/goal.js';
import type { GoneCause, ReplicaCommand, SpawnResult } from '../../world/replicas/engine.js';

/** The protocol versions this build speaks (inclusive range, as Neon's `VersionRange`). */
export const PROTOCOL = { min: 1, max: 1 } as const;

/** The dialect: which engine's observations and actions the session carries (= `engine.name`). */
export type Dialect = 'albatross' | 'hpa' | 'kraftcloud' | 'replica' | 'incus' | 'neon';

/** The engine's shape: replica counts, cluster rebalancing, or per-VM resizing. */
export type Shape = 'horizontal' | 'rebalancing' | 'vertical';

/** Each dialect's shape. */
export const SHAPE: Readonly<Record<Dialect, Shape>> = {
  albatross: 'horizontal',
  hpa: 'horizontal',
  kraftcloud: 'horizontal',
  replica: 'horizontal',
  incus: 'rebalancing',
  neon: 'vertical',
};

/** Request types each dialect always sends (an engine cannot opt out of these). */
export const REQUIRED: Readonly<Record<Dialect, readonly string[]>> = {
  albatross: ['init', 'observe', 'end'],
  hpa: ['init', 'observe', 'end'],
  kraftcloud: ['init', 'observe', 'end'],
  replica: ['init', 'observe', 'end'],
  incus: ['init', 'tick', 'migration_result', 'daemon_start', 'leader_change', 'end'],
  neon: ['init', 'tick', 'plugin_answer', 'neonvm_result', 'monitor_result', 'monitor_upscale_request', 'end'],
};

/** Request types an engine may leave out of `hello.wants` (default: it wants them all). */
export const OPTIONAL: Readonly<Record<Dialect, readonly string[]>> = {
  albatross: ['sync', 'spawn_result', 'gone'],
  hpa: ['spawn_result', 'gone'],
  kraftcloud: ['spawn_result', 'gone'],
  replica: ['spawn_result', 'gone'],
  incus: [],
  neon: [],
};

/** One group of a horizontal dialect, as `hello` lists it. */
export interface HelloGroup {
  readonly name: string;
  readonly vcpus: number;
  readonly minInstances: number;
  /** null: no limit */
  readonly maxInstances: number | null;
  /** the workload is request-driven (`requests:` in the scenario) */
  readonly requests: boolean;
  /** kraftcloud: the group's core configuration */
  readonly core?: unknown;
}

/** The first request: version range, dialect, configuration and population. */
export interface HelloRequest {
  readonly id: 0;
  readonly type: 'hello';
  readonly now: 0;
  readonly protocol: { readonly min: number; readonly max: number };
  /** scalelab's version */
  readonly scalelab: string;
  readonly engine: Dialect;
  readonly variant: string;
  readonly shape: Shape;
  /** the scenario's resolved `engine.config` (durations in µs) */
  readonly config: Readonly<Record<string, unknown>>;
  /** the scenario's resolved `engine.options` */
  readonly options: Readonly<Record<string, unknown>>;
  /** the core's own configuration, as the built-in plug-in builds it */
  readonly core: unknown;
  /** the run's seed: an engine's only source of randomness */
  readonly seed: number;
  /** the run's end (µs) */
  readonly end: Micros;
  readonly world: { readonly statsInterval: Micros };
  /** horizontal */
  readonly groups?: readonly HelloGroup[];
  /** rebalancing */
  readonly members?: readonly string[];
  readonly projects?: readonly string[];
  /** rebalancing and vertical */
  readonly vms?: readonly string[];
}

/** The engine's answer to `hello`: the version chosen, or an error. */
export interface HelloReply {
  readonly id: 0;
  readonly type: 'hello';
  /** the highest version in both ranges */
  readonly version?: number;
  /** the engine cannot speak any version in the range */
  readonly error?: string;
  readonly engine?: Dialect;
  readonly shape?: Shape;
  /** a name for messages and reports, e.g. "albatross-corrected.py 1.0" */
  readonly name?: string;
  /** the engine accepts `batch` requests */
  readonly batch?: boolean;
  /** which optional request types it wants (absent: all) */
  readonly wants?: readonly string[];
}

/** A replica snapshot for the generic `replica` dialect: only what a metrics pipeline sees. */
export interface ReplicaSnapshot {
  readonly instances: readonly {
    readonly name: string;
    readonly phase: 'placing' | 'booting' | 'running' | 'stopping' | 'standby';
    readonly vcpus: number;
    readonly host: string | null;
    readonly createdAt: Micros;
    readonly phaseSince: Micros;
    /** cumulative CPU time, floored to integer µs */
    readonly cpuUs: number;
  }[];
  readonly requests?: { readonly rate: number; readonly inflight: number; readonly queued: number };
}

/** The incus cluster as a request carries it: the rebalancer's view without `vmsOn`. */
export type ClusterSnapshot = Omit<ClusterView, 'vmsOn'>;

/** A request's body; the session adds `id` and `now` (sub-requests of a batch have neither). */
export type Request =
  // horizontal
  | { readonly type: 'init'; readonly group: string; readonly instances: readonly { readonly name: string; readonly primary: boolean }[] }
  | { readonly type: 'observe'; readonly group: string; readonly records: readonly StatsSample[] }
  | { readonly type: 'observe'; readonly group: string; readonly obs: HpaObservation | KraftcloudObservation | ReplicaSnapshot }
  | { readonly type: 'sync'; readonly group: string; readonly alive: readonly string[] }
  | { readonly type: 'spawn_result'; readonly group: string; readonly name: string; readonly result: SpawnResult }
  | { readonly type: 'gone'; readonly group: string; readonly name: string; readonly cause: GoneCause }
  // rebalancing
  | { readonly type: 'init' | 'tick' | 'leader_change'; readonly cluster: ClusterSnapshot }
  | { readonly type: 'migration_result'; readonly ok: boolean; readonly cluster: ClusterSnapshot }
  | { readonly type: 'daemon_start'; readonly member: number; readonly cluster: ClusterSnapshot }
  // vertical
  | { readonly type: 'init'; readonly vm: string; readonly using: Resources; readonly min: Resources; readonly max: Resources; readonly monitorActive: boolean }
  | { readonly type: 'tick'; readonly vm: string; readonly metrics?: SystemMetrics; readonly lfc?: readonly number[] }
  | { readonly type: 'plugin_answer'; readonly vm: string; readonly permit: Resources | null }
  | { readonly type: 'neonvm_result'; readonly vm: string; readonly ok: boolean }
  | { readonly type: 'monitor_result'; readonly vm: string; readonly kind: 'upscale' | 'downscale'; readonly result: 'approved' | 'denied' | 'failed' }
  | { readonly type: 'monitor_upscale_request'; readonly vm: string; readonly cpu: boolean; readonly mem: boolean }
  // every dialect
  | { readonly type: 'end' };

/** The request types, for checks and messages. */
export type RequestType = Request['type'] | 'hello' | 'batch';

/** Neon's agent actions, in the order the world carries them out. */
export type NeonAction =
  | { readonly type: 'plugin_request'; readonly target: Resources; readonly lastPermit: Resources | null }
  | { readonly type: 'neonvm_request' | 'monitor_upscale' | 'monitor_downscale'; readonly current: Resources; readonly target: Resources };

/** Any dialect's action. */
export type Action = ReplicaCommand | ScaleAction | KraftcloudAction | IncusAction | NeonAction;

/**
 * The answer to every request but hello, batch and end. `wakeAt`: a number asks for a wake-up
 * (each dialect's bounds and meaning are in docs/PROTOCOL.md), `null` cancels, absent keeps.
 */
export interface StepReply {
  readonly type: 'step';
  readonly actions: readonly Action[];
  readonly wakeAt?: Micros | null;
  /** what the engine evaluated, for charts (neon: `goalCU`, required after a tick with metrics) */
  readonly report?: Readonly<Record<string, unknown>>;
  /** hpa: required */
  readonly desiredReplicas?: number;
}

/** The engine cannot go on: the run fails with this message, naming the request. */
export interface ErrorReply {
  readonly type: 'error';
  readonly message: string;
}

/** Many requests in one line (only to an engine whose hello said `batch: true`). */
export interface BatchRequest {
  readonly type: 'batch';
  readonly requests: readonly Request[];
}

/** A batch's answers, in the order of its requests. */
export interface BatchReply {
  readonly type: 'batch';
  readonly replies: readonly (StepReply | ErrorReply)[];
}

/** Any reply after hello (the session adds `id`). */
export type Reply = StepReply | BatchReply | { readonly type: 'bye' } | ErrorReply;

/**
 * The highest version in both inclusive ranges, or null when they do not overlap (Neon's
 * `VersionRange.LatestSharedVersion`).
 *
 * @example latestSharedVersion({ min: 1, max: 1 }, { min: 1, max: 3 }) // 1
 * @example latestSharedVersion({ min: 1, max: 1 }, { min: 2, max: 3 }) // null
 */
export function latestSharedVersion(a: { readonly min: number; readonly max: number }, b: { readonly min: number; readonly max: number }): number | null {
  const hi = Math.min(a.max, b.max);
  return hi >= Math.max(a.min, b.min) ? hi : null;
}
