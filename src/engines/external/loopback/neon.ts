/**
 * The built-in neon core behind the protocol (docs/PROTOCOL.md, dialect neon): a module handler
 * that answers each request as the built-in run calls the agent core — one `AgentState` per VM,
 * the request's news recorded, then up to four rounds of `nextActions` (`CoreAgents`). The request
 * jitter is drawn here, from the stream the built-in world draws it from
 * (`world:plugin-request-jitter` of `hello.seed`), once per `plugin_request`: so a run through the
 * loopback writes the built-in run's bytes.
 */
import { stream } from '../../../kernel/random.js';
import { CoreAgents, type AgentStep } from '../../neon/agents.js';
import type { SystemMetrics } from '../../neon/goal.js';
import type { ModuleHandler, Sent } from '../api.js';
import type { NeonCore } from '../neon.js';
import type { HelloRequest, Reply, StepReply } from '../protocol.js';

/** A step as the protocol's reply: `wakeAt` only when asked for, `report.goalCU` only when computed. */
function replyOf(step: AgentStep): StepReply {
  if (step.wakeAt === null && step.goalCU === null) return { type: 'step', actions: step.actions };
  if (step.goalCU === null) return { type: 'step', actions: step.actions, wakeAt: step.wakeAt };
  if (step.wakeAt === null) return { type: 'step', actions: step.actions, report: { goalCU: step.goalCU } };
  return { type: 'step', actions: step.actions, wakeAt: step.wakeAt, report: { goalCU: step.goalCU } };
}

/**
 * The loopback handler for one run of the neon dialect.
 *
 * @example openNeonLoopback(neonHello(scenario)).handle({ id: 1, now: 0, type: 'init', vm: 'pg-1', using, min, max, monitorActive: true })
 * // { type: 'step', actions: [] }
 */
export function openNeonLoopback(hello: HelloRequest): ModuleHandler {
  const core = hello.core as NeonCore;
  const names = hello.vms ?? [];
  const index = new Map(names.map((name, v) => [name, v]));
  const agents = new CoreAgents(core.agent, stream(hello.seed, 'world:plugin-request-jitter'), core.requestJitter);
  const vmOf = (name: string): number => {
    const v = index.get(name);
    if (v === undefined) throw new Error(`unknown VM "${name}" (hello listed ${names.length})`);
    return v;
  };
  return {
    engine: 'neon',
    name: 'scalelab loopback (neon)',
    handle(req: Sent): Reply {
      switch (req.type) {
        case 'init':
          if (!('vm' in req)) break;
          return replyOf(agents.start1(vmOf(req.vm), req.now, { name: req.vm, using: req.using, min: req.min, max: req.max, monitorActive: req.monitorActive }));
        case 'tick': {
          if (!('vm' in req)) break;
          const metrics: SystemMetrics | null = req.metrics ?? null;
          const lfc = req.lfc ?? null;
          return replyOf(metrics === null && lfc === null ? agents.tick(vmOf(req.vm), req.now) : agents.read(vmOf(req.vm), req.now, metrics, lfc));
        }
        case 'plugin_answer':
          return replyOf(agents.pluginAnswer(vmOf(req.vm), req.now, req.permit));
        case 'neonvm_result':
          return replyOf(agents.neonvmResult(vmOf(req.vm), req.now, req.ok));
        case 'monitor_result':
          return replyOf(agents.monitorResult(vmOf(req.vm), req.now, req.kind, req.result));
        case 'monitor_upscale_request':
          return replyOf(agents.monitorUpscaleRequest(vmOf(req.vm), req.now, req.cpu, req.mem));
        case 'end':
          return { type: 'bye' };
        default:
          break;
      }
      return { type: 'error', message: `the neon dialect has no request "${req.type}"` };
    },
  };
}
