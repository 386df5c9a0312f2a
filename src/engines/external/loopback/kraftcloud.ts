/**
 * The built-in kraftcloud core behind the protocol (docs/PROTOCOL.md): a module handler that answers
 * each request as the built-in plug-in (src/engines/kraftcloud/world.ts `KraftcloudPlugin.decide`)
 * would have called the core, with the core's state (`KraftcloudState`) per service kept here:
 *
 * - `init` → `initialState()`, first wake after one decision period (the plug-in's `firstWake`);
 * - `observe` → `decide(config, state, obs, now)`: its `KraftcloudAction`s as they are, its
 *   `wakeAt`, and the report `{inCooldown, cooldownUntil}` (the scale-in cooldown at `now`, and
 *   when it ends in µs or null: the world reads the cooldown at its own rounds);
 * - `spawn_result`, `gone` → an empty step.
 *
 * Each service's configuration is `kraftcloudConfigOf(hello.config, hello.options, name)`, as the
 * plug-in builds it (rather than `groups[i].core`, whose ±Infinity step bounds JSON cannot carry).
 */
import type { KraftcloudConfig } from '../../kraftcloud/config.js';
import { kraftcloudConfigOf } from '../../kraftcloud/descriptor.js';
import { decide, initialState, type KraftcloudState, type Observation } from '../../kraftcloud/engine.js';
import type { ModuleHandler, Sent } from '../api.js';
import type { HelloRequest, Reply } from '../protocol.js';
import { BYE, EMPTY_STEP, groupsOf, unknownGroup, unknownRequest } from './common.js';

/** One service as the loopback keeps it. */
interface Service {
  readonly config: KraftcloudConfig;
  state: KraftcloudState;
}

/** The loopback handler for one run of the kraftcloud dialect. */
export function openKraftcloudLoopback(hello: HelloRequest): ModuleHandler {
  const known = groupsOf(hello);
  const services = new Map<string, Service>();

  const serviceOf = (group: string): Service => {
    const s = services.get(group);
    if (s === undefined) throw unknownGroup(group);
    return s;
  };

  const handle = (req: Sent): Reply => {
    switch (req.type) {
      case 'init': {
        if (!('group' in req)) throw unknownRequest('kraftcloud', 'init without group');
        if (!known.has(req.group)) throw unknownGroup(req.group);
        const config = kraftcloudConfigOf({ ...hello.config }, { ...hello.options }, req.group);
        services.set(req.group, { config, state: initialState() });
        return { type: 'step', actions: [], wakeAt: config.decisionPeriod };
      }
      case 'observe': {
        if (!('obs' in req)) throw unknownRequest('kraftcloud', 'observe without obs');
        const s = serviceOf(req.group);
        const d = decide(s.config, s.state, req.obs as Observation, req.now);
        s.state = d.state;
        const until = d.state.lastScaleIn === null ? null : d.state.lastScaleIn + s.config.cooldown;
        return { type: 'step', actions: d.actions, wakeAt: d.wakeAt, report: { inCooldown: until !== null && req.now < until, cooldownUntil: until } };
      }
      case 'spawn_result':
      case 'gone':
        serviceOf(req.group);
        return EMPTY_STEP;
      case 'end':
        return BYE;
      default:
        throw unknownRequest('kraftcloud', req.type);
    }
  };

  return { engine: 'kraftcloud', name: 'scalelab built-in kraftcloud', wants: [], handle };
}
