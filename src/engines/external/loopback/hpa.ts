/**
 * The built-in hpa core behind the protocol (docs/PROTOCOL.md): a module handler that answers
 * each request as the built-in plug-in (src/engines/hpa/plugin.ts `bind` `sync`) would have
 * called the core, with the controller's memory (`HpaState`) per group kept here:
 *
 * - `init` → `initialState()`, first wake at t = 0 (the plug-in's `firstWake`);
 * - `observe` → `onSync(config, state, obs, now)`: `desiredReplicas`, its scale action, the next
 *   sync as `wakeAt`, and the report `{cpu, proposal, ratios}` (the first CPU utilisation
 *   metric's value, the largest metric proposal, each metric as % of its target; null where the
 *   plug-in has NaN);
 * - `spawn_result`, `gone` → an empty step (the ReplicaSet, which replaces lost pods, is world).
 */
import type { HpaWorldConfig } from '../../hpa/descriptor.js';
import { initialState, onSync } from '../../hpa/engine.js';
import { percentOfTarget } from '../../hpa/plugin.js';
import type { HpaState, MetricOutcome } from '../../hpa/types.js';
import type { ModuleHandler, Sent } from '../api.js';
import type { HelloRequest, Reply } from '../protocol.js';
import { BYE, EMPTY_STEP, groupsOf, num, unknownGroup, unknownRequest } from './common.js';

/** The first CPU utilisation target, percent (null: none): the plug-in's `cpuTarget`. */
function cpuTarget(config: HpaWorldConfig): number | null {
  for (const m of config.metrics) if (m.type === 'Resource' && m.name === 'cpu' && m.target.type === 'Utilization') return m.target.averageUtilization;
  return null;
}

/**
 * The largest proposal among the metrics that gave one (null: none).
 *
 * @example largestProposal([{ proposal: 3 }, { proposal: null }, { proposal: 5 }]) // 5
 */
function largestProposal(outcomes: readonly Pick<MetricOutcome, 'proposal'>[]): number | null {
  let best: number | null = null;
  for (const o of outcomes) if (o.proposal !== null && (best === null || o.proposal > best)) best = o.proposal;
  return best;
}

/** The loopback handler for one run of the hpa dialect. */
export function openHpaLoopback(hello: HelloRequest): ModuleHandler {
  const config = (hello.core ?? hello.config) as unknown as HpaWorldConfig;
  const target = cpuTarget(config);
  const known = groupsOf(hello);
  const states = new Map<string, HpaState>();

  const stateOf = (group: string): HpaState => {
    const s = states.get(group);
    if (s === undefined) throw unknownGroup(group);
    return s;
  };

  const handle = (req: Sent): Reply => {
    switch (req.type) {
      case 'init':
        if (!('group' in req)) throw unknownRequest('hpa', 'init without group');
        if (!known.has(req.group)) throw unknownGroup(req.group);
        states.set(req.group, initialState());
        return { type: 'step', actions: [], wakeAt: 0 };
      case 'observe': {
        if (!('obs' in req)) throw unknownRequest('hpa', 'observe without obs');
        const r = onSync(config, stateOf(req.group), req.obs as Parameters<typeof onSync>[2], req.now);
        states.set(req.group, r.state);
        const cpu = r.metrics.find((m) => m.metric.startsWith('cpu resource utilization'));
        const ratios = r.metrics.length === config.metrics.length ? config.metrics.map((m, k) => num(percentOfTarget(m, r.metrics[k]!.current))) : config.metrics.map(() => null);
        return {
          type: 'step',
          desiredReplicas: r.desiredReplicas,
          actions: r.actions,
          wakeAt: r.wakeAt,
          report: { cpu: target !== null && cpu !== undefined ? num(cpu.current) : null, proposal: largestProposal(r.metrics), ratios },
        };
      }
      case 'spawn_result':
      case 'gone':
        stateOf(req.group);
        return EMPTY_STEP;
      case 'end':
        return BYE;
      default:
        throw unknownRequest('hpa', req.type);
    }
  };

  return { engine: 'hpa', name: 'scalelab built-in hpa', wants: [], handle };
}
