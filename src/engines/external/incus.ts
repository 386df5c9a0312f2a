/**
 * The incus dialect on the simulator's side (docs/PROTOCOL.md, "incus"): an `IncusCore` that
 * sends each of the rebalancer's entry points as a protocol request carrying the cluster
 * snapshot, and turns the reply back into the actions the cluster world carries out. The
 * engine's state (tick schedule, run in progress) lives only in the engine; the world keeps
 * everything else (members, VMs, migrations, the Go-map random draws).
 *
 * `runIncusExternal` is the incus runner for `engine: { name: incus, kind: module | external }`.
 */
import type { Micros } from '../../kernel/time.js';
import type { RunSinks } from '../../run/albatross.js';
import { incusResult, simulateIncus } from '../../run/incus.js';
import type { Simulated } from '../../run/run.js';
import type { Scenario } from '../../scenario/types.js';
import type { IncusCore, IncusStep } from '../incus/core.js';
import { incusConfig, SKIP_REASONS, type ClusterView, type IncusAction } from '../incus/engine.js';
import { engineLabel } from './checked.js';
import { EngineProtocolError } from './errors.js';
import { helloFor, openSession, withSession, type SessionOpener } from './open.js';
import type { ClusterSnapshot, HelloRequest, Reply, Request } from './protocol.js';
import type { EngineSession } from './session.js';

// ---------------------------------------------------------------------------------------------
// hello and the snapshot

/**
 * The hello request of an incus run: the resolved configuration as the built-in core reads it
 * (`core: {config, options}`), and the names of the members, projects and VMs in index order
 * (the indices every request and action uses).
 *
 * @example incusHello(loadScenario('scenarios/incus-flipflop.yaml')).members // ['left', 'right']
 */
export function incusHello(scenario: Scenario): HelloRequest {
  const spec = scenario.cluster;
  if (spec === undefined) throw new Error(`scenario ${scenario.name} has no cluster: section`);
  return helloFor(scenario, 'incus', {
    core: { config: incusConfig(scenario.engine.config), options: scenario.engine.options },
    members: spec.members.map((m) => m.name),
    projects: spec.projects.map((p) => p.name),
    vms: spec.vms.map((v) => v.name),
  });
}

/**
 * The cluster as a request carries it: the rebalancer's view without `vmsOn` (an engine derives
 * a member's VMs from `vms[i].member`, ordered by project index then name), as fresh plain
 * objects with a fixed key order, so the same world gives the same bytes.
 *
 * @example clusterSnapshot(view).members[0] // { name: 'left', arch: 'x86_64', threads: 8, …, startedAt: -10820000000, reachable: true }
 */
export function clusterSnapshot(view: ClusterView): ClusterSnapshot {
  const members = view.members.map((m) => ({
    name: m.name,
    arch: m.arch,
    threads: m.threads,
    memoryTotal: m.memoryTotal,
    memoryUsed: m.memoryUsed,
    load1: m.load1,
    state: m.state,
    scheduler: m.scheduler,
    groups: m.groups.slice(),
    startedAt: m.startedAt,
    reachable: m.reachable !== false,
  }));
  const vms = view.vms.map((v) => ({
    name: v.name,
    project: v.project,
    member: v.member,
    running: v.running,
    stateful: v.stateful,
    blockingDevices: v.blockingDevices,
    evacuate: v.evacuate ?? 'auto',
    migrating: v.migrating,
    lastMove: v.lastMove,
    limitsCpu: v.limitsCpu,
    limitsMemory: v.limitsMemory,
    cpuUsage: v.cpuUsage,
    memoryUsage: v.memoryUsage,
  }));
  const projects = view.projects.map((p) => ({
    name: p.name,
    restricted: p.restricted,
    clusterGroups: p.clusterGroups.slice(),
    clusterTarget: p.clusterTarget ?? 'block',
  }));
  return { members, vms, projects, leader: view.leader, mapRandom: view.mapRandom };
}

// ---------------------------------------------------------------------------------------------
// the reply

/** What a reply's failure message names: the engine and the request. */
interface Asked {
  readonly engine: string;
  readonly id: number;
  readonly type: string;
  readonly subject?: string;
  readonly now: Micros;
}

const ACTION_TYPES = ['run_started', 'arch_checked', 'migrate', 'stamp_last_move', 'run_finished'] as const;
const ARCH_OUTCOMES: ReadonlySet<string> = new Set(['rebalance', 'balanced', 'too_few_members', 'idle', 'batch_full']);
const RUN_OUTCOMES: ReadonlySet<string> = new Set(['done', 'aborted', 'abandoned', 'crashed']);
const SKIPS: ReadonlySet<string> = new Set(SKIP_REASONS);

/** A reply that the world cannot act on: one line naming the request (docs/PROTOCOL.md). */
function reject(asked: Asked, what: string): EngineProtocolError {
  return new EngineProtocolError(asked.engine, what, { id: asked.id, type: asked.type, now: asked.now, ...(asked.subject !== undefined ? { subject: asked.subject } : {}) });
}

const isInt = (x: unknown): x is number => Number.isSafeInteger(x);
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/**
 * Check one action against the protocol and the world (indices in range, `from` the VM's member,
 * no second move of a VM in flight); returns the message of what is wrong, or null.
 *
 * @example actionProblem({ type: 'migrate', run: 1, vm: 9, from: 0, to: 1, targetScore: 1, expectedScore: 2 }, view, new Set()) // '"vm" 9 is not a VM index (the cluster has 3 VMs)'
 */
export function actionProblem(a: Record<string, unknown>, view: ClusterView, moving: Set<number>): string | null {
  const nMembers = view.members.length;
  const nVms = view.vms.length;
  const member = (key: string): string | null => (isInt(a[key]) && (a[key] as number) >= 0 && (a[key] as number) < nMembers ? null : `"${key}" ${JSON.stringify(a[key])} is not a member index (the cluster has ${nMembers} members)`);
  const vm = (key: string): string | null => (isInt(a[key]) && (a[key] as number) >= 0 && (a[key] as number) < nVms ? null : `"${key}" ${JSON.stringify(a[key])} is not a VM index (the cluster has ${nVms} VMs)`);
  const int = (key: string): string | null => (isInt(a[key]) ? null : `"${key}" must be an integer`);
  // a score may be null: JSON's spelling of a NaN score (e.g. the relative imbalance of two idle members)
  const score = (key: string): string | null => (a[key] === null || isNum(a[key]) ? null : `"${key}" must be a number or null`);
  const first = (...checks: (string | null)[]): string | null => checks.find((c) => c !== null) ?? null;
  switch (a['type']) {
    case 'run_started': {
      const scores = a['scores'];
      const order = a['archOrder'];
      return first(
        int('run'),
        member('leader'),
        Array.isArray(scores) && scores.length === nMembers && scores.every((s) => s === null || isNum(s)) ? null : `"scores" must be ${nMembers} numbers or nulls, one per member`,
        Array.isArray(order) && order.every((s) => typeof s === 'string') ? null : '"archOrder" must be an array of strings',
      );
    }
    case 'arch_checked':
      return first(
        int('run'),
        typeof a['arch'] === 'string' ? null : '"arch" must be a string',
        member('busiest'),
        member('leastBusy'),
        score('maxScore'),
        score('minScore'),
        score('imbalance'),
        ARCH_OUTCOMES.has(a['outcome'] as string) ? null : `"outcome" ${JSON.stringify(a['outcome'])} is not one of ${[...ARCH_OUTCOMES].join(', ')}`,
      );
    case 'migrate': {
      const bad = first(int('run'), vm('vm'), member('from'), member('to'), score('targetScore'), score('expectedScore'));
      if (bad !== null) return bad;
      const v = view.vms[a['vm'] as number]!;
      if (v.member !== a['from']) return `"from" ${a['from'] as number} is not the member VM ${v.name} is on (${v.member})`;
      if (a['to'] === a['from']) return `"to" equals "from" (${a['to'] as number})`;
      if (v.migrating || moving.has(a['vm'] as number)) return `VM ${v.name} is already migrating`;
      moving.add(a['vm'] as number);
      return null;
    }
    case 'stamp_last_move':
      return first(vm('vm'), int('value'));
    case 'run_finished': {
      const skips = a['skips'];
      if (skips === null || typeof skips !== 'object' || Array.isArray(skips)) return first(int('run'), '"skips" must be an object');
      for (const [k, n] of Object.entries(skips as Record<string, unknown>)) {
        if (!SKIPS.has(k)) return `unknown skip reason "${k}" (expected ${SKIP_REASONS.join(', ')})`;
        if (!isInt(n) || n < 0) return `"skips.${k}" must be a non-negative integer`;
      }
      return first(
        int('run'),
        isInt(a['migrated']) && (a['migrated'] as number) >= 0 ? null : '"migrated" must be a non-negative integer',
        RUN_OUTCOMES.has(a['outcome'] as string) ? null : `"outcome" ${JSON.stringify(a['outcome'])} is not one of ${[...RUN_OUTCOMES].join(', ')}`,
        a['error'] === undefined || typeof a['error'] === 'string' ? null : '"error" must be a string',
      );
    }
    default:
      return `unknown action ${JSON.stringify(a['type'])} (expected ${ACTION_TYPES.join(', ')})`;
  }
}

/**
 * The step a reply asks for, checked against the world: a `step` with an array of incus actions
 * and a `wakeAt` (required: an integer, clamped to `now` by the world, or null for none). The
 * reply to `init` may not act (the rebalancer acts from its first tick on).
 *
 * @example decodeIncusReply({ type: 'step', actions: [], wakeAt: 60e6 }, view, asked) // { actions: [], wakeAt: 60000000 }
 */
export function decodeIncusReply(reply: Reply, view: ClusterView, asked: Asked): IncusStep {
  if (reply.type === 'error') throw reject(asked, `engine error: ${reply.message}`);
  if (reply.type !== 'step') throw reject(asked, `reply of type "${reply.type}" where a step was expected`);
  const actions = (reply as { actions?: unknown }).actions;
  if (!Array.isArray(actions)) throw reject(asked, '"actions" must be an array');
  if (!('wakeAt' in reply) || reply.wakeAt === undefined) throw reject(asked, '"wakeAt" is required in the incus dialect (an integer µs, or null for no tick)');
  const wake = reply.wakeAt;
  if (wake !== null && !isInt(wake)) throw reject(asked, '"wakeAt" must be an integer (µs) or null');
  if (asked.type === 'init' && actions.length > 0) throw reject(asked, 'the reply to init may not carry actions');
  const moving = new Set<number>();
  for (let k = 0; k < actions.length; k++) {
    const a = actions[k] as unknown;
    if (a === null || typeof a !== 'object' || Array.isArray(a)) throw reject(asked, `action ${k + 1} is not an object`);
    const problem = actionProblem(a as Record<string, unknown>, view, moving);
    if (problem !== null) throw reject(asked, `action ${k + 1} (${String((a as { type?: unknown }).type)}): ${problem}`);
  }
  return { actions: actions as readonly IncusAction[], wakeAt: wake };
}

// ---------------------------------------------------------------------------------------------
// the core and the runner

/**
 * An `IncusCore` that asks `session`: one request per entry point, each carrying the cluster
 * snapshot. Requests are sent one by one, so the k-th is message k (hello is 0), which is how
 * failures are named.
 *
 * @example simulateIncus(scenario, sinks, externalIncusCore(session, 'module engine ./x.js'))
 */
export function externalIncusCore(session: EngineSession, engine: string): IncusCore {
  let id = 0;
  const ask = (view: ClusterView, now: Micros, req: Request, subject?: string): IncusStep => {
    id++;
    const asked: Asked = { engine, id, type: req.type, now, ...(subject !== undefined ? { subject } : {}) };
    return decodeIncusReply(session.call(now, req), view, asked);
  };
  return {
    init: (view, now) => ask(view, now, { type: 'init', cluster: clusterSnapshot(view) }),
    tick: (view, now) => ask(view, now, { type: 'tick', cluster: clusterSnapshot(view) }),
    migrationResult: (view, ok, now) => ask(view, now, { type: 'migration_result', ok, cluster: clusterSnapshot(view) }),
    daemonStart: (view, member, now) => ask(view, now, { type: 'daemon_start', member, cluster: clusterSnapshot(view) }, view.members[member]?.name),
    leaderChange: (view, now) => ask(view, now, { type: 'leader_change', cluster: clusterSnapshot(view) }),
  };
}

/** An open session, or how to open one given the run's hello. */
export type IncusSessionSource = EngineSession | ((hello: HelloRequest) => EngineSession);

/**
 * The incus runner for a module or external engine: the same world as the built-in runner, with
 * the decisions asked of `session` (or of the session `open(incusHello(scenario))` returns). The
 * session is closed at the end of the run, and also when the run fails (then a failure to close
 * does not hide the run's own error).
 *
 * @example runIncusExternal(scenario, sinks, (hello) => openSession(scenario, hello))
 */
export function runIncusExternal(scenario: Scenario, sinks: RunSinks, session: IncusSessionSource): Simulated {
  const open: SessionOpener = typeof session === 'function' ? (_, hello) => session(hello) : () => session;
  const sim = withSession(scenario, incusHello(scenario), open, (s) => simulateIncus(scenario, sinks, externalIncusCore(s, engineLabel(scenario.engine))));
  return incusResult(scenario, sim);
}

/**
 * The incus entry of the runners for non-built-in kinds (`src/engines/external/runners.ts`):
 * `open` (default `openSession`: module or external by `engine.kind`) opens the session with the
 * incus hello; the session is closed on every path, once.
 *
 * @example externalIncusRunner(loadScenario('s.yaml', { sets: ['engine.kind=external', 'engine.command=[python3, r.py]'] }), sinks)
 */
export function externalIncusRunner(scenario: Scenario, sinks: RunSinks, open: (scenario: Scenario, hello: HelloRequest) => EngineSession = openSession): Simulated {
  return runIncusExternal(scenario, sinks, (hello) => open(scenario, hello));
}
