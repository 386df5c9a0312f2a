/**
 * The built-in albatross core behind the protocol (docs/PROTOCOL.md): a module handler that answers
 * each request as the built-in plug-in (src/engines/albatross/plugin.ts) would have called the
 * core, with the core's state per group kept here:
 *
 * - `init` → `initialGroup(group)`; `observe` → `onStats` on the records (an unmanaged group
 *   answers an empty step to an empty round, the plug-in's `decide` rule);
 * - `sync` → `onSync` with `alive`; `spawn_result` → `onSpawnResult` (placed → created,
 *   no_capacity → failed, anything else → refused: `plugin.ts:outcomeOf`);
 * - `gone` → `onDestroyResult` when destroyed, an empty step otherwise (the next sync notices);
 * - actions are `toCommand`'s world commands; every step reports
 *   `{cpu, highTicks, lowTicks, inCooldown, cooldownStart}` (cpu: `evaluatedAverage` of the last
 *   observe; cooldownStart: the scale stamp, which the world's cooldown band follows).
 */
import type { Micros } from '../../../kernel/time.js';
import type { SpawnResult } from '../../../world/replicas/engine.js';
import {
  evaluatedAverage,
  inCooldown,
  initialGroup,
  onDestroyResult,
  onSpawnResult,
  onStats,
  onSync,
  type AlbatrossConfig,
  type AlbatrossOptions,
  type Decision,
  type GroupContext,
  type GroupState,
  type SpawnOutcome,
} from '../../albatross/engine.js';
import { toCommand } from '../../albatross/plugin.js';
import type { ModuleHandler, Sent } from '../api.js';
import type { HelloRequest, Reply, StepReply } from '../protocol.js';
import { BYE, EMPTY_STEP, groupsOf, unknownGroup, unknownRequest } from './common.js';

/** One group as the loopback keeps it: its context, the core's state, the last cpu evaluated. */
interface Group {
  readonly ctx: GroupContext;
  state: GroupState;
  cpu: number | null;
}

/** The core's configuration from hello: `core: {config, options}`, else the hello's own. */
function coreOf(hello: HelloRequest): { config: AlbatrossConfig; options: AlbatrossOptions } {
  const core = hello.core as { config?: unknown; options?: unknown } | null | undefined;
  const config = (core?.config ?? hello.config) as unknown as AlbatrossConfig;
  const options = (core?.options ?? hello.options) as unknown as AlbatrossOptions;
  return { config, options };
}

/**
 * How a world spawn result ends albatross's spawn (`plugin.ts:outcomeOf`).
 *
 * @example outcomeOf('no_capacity') // 'failed'
 */
function outcomeOf(result: SpawnResult): SpawnOutcome {
  return result === 'placed' ? 'created' : result === 'no_capacity' ? 'failed' : 'refused';
}

/** The loopback handler for one run of the albatross dialect. */
export function openAlbatrossLoopback(hello: HelloRequest): ModuleHandler {
  const { config, options } = coreOf(hello);
  const known = groupsOf(hello);
  const groups = new Map<string, Group>();

  const groupOf = (name: string): Group => {
    const g = groups.get(name);
    if (g === undefined) throw unknownGroup(name);
    return g;
  };

  /** A decision as a step, with the group's report after it. */
  const stepOf = (g: Group, d: Decision, now: Micros): StepReply => {
    g.state = d.state;
    const s = d.state;
    return {
      type: 'step',
      actions: d.actions.length === 0 ? EMPTY_STEP.actions : d.actions.map((a) => toCommand(a, s.primary)),
      report: { cpu: g.cpu, highTicks: s.highTicks, lowTicks: s.lowTicks, inCooldown: inCooldown(g.ctx, s, now), cooldownStart: s.lastScaleAction },
    };
  };

  const handle = (req: Sent): Reply => {
    const now = req.now;
    switch (req.type) {
      case 'init': {
        if (!('group' in req)) throw unknownRequest('albatross', 'init without group');
        const entry = known.get(req.group);
        if (entry === undefined) throw unknownGroup(req.group);
        const p = entry.group;
        const g: Group = { ctx: { config, options, policy: { vcpus: p.vcpus, maxInstances: p.maxInstances, minInstances: p.minInstances } }, state: initialGroup(req.group), cpu: null };
        groups.set(req.group, g);
        return stepOf(g, { state: g.state, actions: [] }, now);
      }
      case 'observe': {
        if (!('records' in req)) throw unknownRequest('albatross', 'observe without records');
        const g = groupOf(req.group);
        const n = req.records.length;
        const before = g.state;
        // the plug-in's `decide` rule; its reading is still taken on this round's records
        const d = n > 0 || (options.silence_is_death && before.managed) ? onStats(g.ctx, before, req.records, n, now) : { state: before, actions: [] };
        g.cpu = evaluatedAverage(g.ctx, before, d.state, req.records, n, now);
        return stepOf(g, d, now);
      }
      case 'sync': {
        const g = groupOf(req.group);
        const alive = new Set(req.alive);
        return stepOf(g, onSync(g.ctx, g.state, (name) => alive.has(name), now), now);
      }
      case 'spawn_result': {
        const g = groupOf(req.group);
        return stepOf(g, onSpawnResult(g.ctx, g.state, req.name, outcomeOf(req.result), now), now);
      }
      case 'gone': {
        const g = groupOf(req.group);
        if (req.cause !== 'destroyed') return stepOf(g, { state: g.state, actions: [] }, now);
        return stepOf(g, onDestroyResult(g.ctx, g.state, req.name, now), now);
      }
      case 'end':
        return BYE;
      default:
        throw unknownRequest('albatross', req.type);
    }
  };

  return { engine: 'albatross', name: 'scalelab built-in albatross', handle };
}
