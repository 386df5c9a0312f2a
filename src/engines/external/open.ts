/**
 * Opening a session with the scenario's engine, whatever its kind, and the hello fields every
 * dialect shares.
 */
import { VERSION } from '../../version.js';
import type { Scenario } from '../../scenario/types.js';
import { openExternal } from './external.js';
import { openModule } from './module.js';
import { PROTOCOL, SHAPE, type Dialect, type HelloRequest } from './protocol.js';
import type { EngineSession } from './session.js';

/** The population part of a hello: `groups` (horizontal), `members`/`projects`/`vms`. */
export type HelloPopulation = Pick<HelloRequest, 'groups' | 'members' | 'projects' | 'vms' | 'core'>;

/**
 * The hello request for `scenario`'s engine speaking `dialect`, with the dialect's population.
 *
 * @example helloFor(scenario, 'albatross', { core: { config, options }, groups }).shape // 'horizontal'
 */
export function helloFor(scenario: Scenario, dialect: Dialect, population: HelloPopulation): HelloRequest {
  return {
    id: 0,
    type: 'hello',
    now: 0,
    protocol: { min: PROTOCOL.min, max: PROTOCOL.max },
    scalelab: VERSION,
    engine: dialect,
    variant: scenario.engine.variant,
    shape: SHAPE[dialect],
    config: scenario.engine.config,
    options: scenario.engine.options,
    core: population.core,
    seed: scenario.seed,
    end: scenario.duration,
    world: { statsInterval: scenario.world.stats_interval },
    ...(population.groups !== undefined ? { groups: population.groups } : {}),
    ...(population.members !== undefined ? { members: population.members } : {}),
    ...(population.projects !== undefined ? { projects: population.projects } : {}),
    ...(population.vms !== undefined ? { vms: population.vms } : {}),
  };
}

/** A session with `scenario`'s engine (`module` or `external`; a built-in engine has none). */
export function openSession(scenario: Scenario, hello: HelloRequest): EngineSession {
  const spec = scenario.engine;
  if (spec.kind === 'module') return openModule(spec, hello);
  if (spec.kind === 'external') return openExternal(spec, hello);
  throw new Error(`engine ${spec.name} is built in: it has no protocol session`);
}
