/**
 * Opening a session with the scenario's engine, whatever its kind, and the hello fields every
 * dialect shares.
 */
import type { Micros } from '../../kernel/time.js';
import { VERSION } from '../../version.js';
import type { Scenario } from '../../scenario/types.js';
import { openExternal } from './external.js';
import { openModule } from './module.js';
import { PROTOCOL, SHAPE, type Dialect, type HelloRequest } from './protocol.js';
import type { EngineSession } from './session.js';

/** The population part of a hello: `groups` (horizontal), `members`/`projects`/`vms`. */
export type HelloPopulation = Pick<HelloRequest, 'groups' | 'members' | 'projects' | 'vms' | 'core'>;

/** What a hello says of the run: its seed, its end (µs) and the stats interval (µs). */
export interface HelloRun {
  readonly seed: number;
  readonly end: Micros;
  readonly statsInterval: Micros;
}

/**
 * The hello request for an engine speaking `dialect` with the settings of a resolved `engine:`
 * section, in one run, with the dialect's population. The simulator (`helloFor`) and the
 * production bridge (`src/bridge/hello.ts`) both build theirs here, so both send the same hello.
 *
 * @example helloEnvelope('hpa', { variant: 'faithful', config, options }, { seed: 1, end: 3_600_000_000, statsInterval: 10_000_000 }, { core: config, groups }).shape // 'horizontal'
 */
export function helloEnvelope(
  dialect: Dialect,
  engine: { readonly variant: string; readonly config: Record<string, unknown>; readonly options: Record<string, unknown> },
  run: HelloRun,
  population: HelloPopulation,
): HelloRequest {
  return {
    id: 0,
    type: 'hello',
    now: 0,
    protocol: { min: PROTOCOL.min, max: PROTOCOL.max },
    scalelab: VERSION,
    engine: dialect,
    variant: engine.variant,
    shape: SHAPE[dialect],
    config: engine.config,
    options: engine.options,
    core: population.core,
    seed: run.seed,
    end: run.end,
    world: { statsInterval: run.statsInterval },
    ...(population.groups !== undefined ? { groups: population.groups } : {}),
    ...(population.members !== undefined ? { members: population.members } : {}),
    ...(population.projects !== undefined ? { projects: population.projects } : {}),
    ...(population.vms !== undefined ? { vms: population.vms } : {}),
  };
}

/**
 * The hello request for `scenario`'s engine speaking `dialect`, with the dialect's population.
 *
 * @example helloFor(scenario, 'albatross', { core: { config, options }, groups }).shape // 'horizontal'
 */
export function helloFor(scenario: Scenario, dialect: Dialect, population: HelloPopulation): HelloRequest {
  return helloEnvelope(dialect, scenario.engine, { seed: scenario.seed, end: scenario.duration, statsInterval: scenario.world.stats_interval }, population);
}

/** A session with `scenario`'s engine (`module` or `external`; a built-in engine has none). */
export function openSession(scenario: Scenario, hello: HelloRequest): EngineSession {
  const spec = scenario.engine;
  if (spec.kind === 'module') return openModule(spec, hello);
  if (spec.kind === 'external') return openExternal(spec, hello);
  throw new Error(`engine ${spec.name} is built in: it has no protocol session`);
}

/** How a runner opens the scenario's session (default `openSession`: module or external by `engine.kind`). */
export type SessionOpener = (scenario: Scenario, hello: HelloRequest) => EngineSession;

/**
 * Run `body` with the session `open` gives for `hello`, closing it at the run's end (its `now`
 * is the end of the run) and also when the run fails (then a failure to close does not hide the
 * run's own error).
 *
 * @example withSession(scenario, replicaHello(scenario, 'hpa'), openSession, (s) => run(s))
 */
export function withSession<T>(scenario: Scenario, hello: HelloRequest, open: SessionOpener, body: (session: EngineSession) => T): T {
  const session = open(scenario, hello);
  let result: T;
  try {
    result = body(session);
  } catch (err) {
    try {
      session.close(scenario.duration);
    } catch {
      // the run's own error is the one to report
    }
    throw err;
  }
  session.close(scenario.duration);
  return result;
}
