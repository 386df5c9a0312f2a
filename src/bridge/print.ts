/**
 * How the bridge prints decisions: one JSON line per action, `{"time": T, "group"|"vm": …,
 * ...action}` with T in Unix seconds of input time; `--verbose` adds `wake_at` lines.
 */
import type { Dialect, StepReply } from '../engines/external/protocol.js';
import type { Decision } from './bridge.js';

/** The key that names a decision's subject in output lines: group, vm, or none (incus). */
export function subjectKey(dialect: Dialect): 'group' | 'vm' | null {
  if (dialect === 'incus') return null;
  return dialect === 'neon' ? 'vm' : 'group';
}

/**
 * The output lines of one decision.
 *
 * @example actionLines({ now: 1_780_000_015_000_000, subject: 'web', request, reply: { type: 'step', actions: [{ type: 'scale', from: 2, to: 3, reason: 'cpu' }] } }, 'hpa', false)
 * // ['{"time":1780000015,"group":"web","type":"scale","from":2,"to":3,"reason":"cpu"}']
 */
export function actionLines(d: Decision, dialect: Dialect, verbose: boolean): string[] {
  const key = subjectKey(dialect);
  const head: Record<string, unknown> = { time: d.now / 1e6, ...(key !== null && d.subject !== null ? { [key]: d.subject } : {}) };
  const lines = d.reply.actions.map((a) => JSON.stringify({ ...head, ...a }));
  if (verbose && d.reply.wakeAt !== undefined) lines.push(JSON.stringify({ ...head, type: 'wake_at', at: d.reply.wakeAt === null ? null : d.reply.wakeAt / 1e6 }));
  return lines;
}

/** Whether an action adds capacity (+1), removes it (−1), or neither (0), for the dry-run totals. */
export function direction(a: StepReply['actions'][number]): -1 | 0 | 1 {
  const x = a as { type: string; from?: number; to?: number; current?: { cpu: number; mem: number }; target?: { cpu: number; mem: number } };
  switch (x.type) {
    case 'spawn':
    case 'wake':
      return 1;
    case 'destroy':
    case 'standby':
      return -1;
    case 'scale':
      return Math.sign((x.to ?? 0) - (x.from ?? 0)) as -1 | 0 | 1;
    case 'neonvm_request':
    case 'plugin_request':
    case 'monitor_upscale':
    case 'monitor_downscale': {
      if (x.target === undefined) return 0;
      const base = x.current ?? (a as { lastPermit?: { cpu: number; mem: number } | null }).lastPermit ?? null;
      if (base === null) return 0;
      if (x.target.cpu > base.cpu || x.target.mem > base.mem) return 1;
      return x.target.cpu < base.cpu || x.target.mem < base.mem ? -1 : 0;
    }
    default:
      return 0;
  }
}

/**
 * An action in a few words, for the dry-run's lines.
 *
 * @example describeAction({ type: 'scale', from: 2, to: 4, reason: 'cpu' }) // 'scale 2→4'
 */
export function describeAction(a: StepReply['actions'][number]): string {
  const x = a as Record<string, unknown> & { type: string };
  const res = (r: unknown) => {
    const v = r as { cpu: number; mem: number } | null | undefined;
    return v ? `${v.cpu / 1000} vCPU ${Math.round(v.mem / 2 ** 20)} MiB` : '—';
  };
  switch (x.type) {
    case 'scale':
      return `scale ${String(x['from'])}→${String(x['to'])}`;
    case 'spawn':
      return typeof x['count'] === 'number' ? `spawn ${x['count']}` : `spawn ${String(x['name'])}`;
    case 'destroy':
    case 'standby':
    case 'adopt':
    case 'notify':
      return `${x.type} ${String(x['instance'])}`;
    case 'wake':
      return `wake ${String(x['instance'])}`;
    case 'migrate':
      return `migrate vm ${String(x['vm'])} ${String(x['from'])}→${String(x['to'])}`;
    case 'neonvm_request':
    case 'monitor_upscale':
    case 'monitor_downscale':
      return `${x.type} ${res(x['current'])} → ${res(x['target'])}`;
    case 'plugin_request':
      return `plugin_request ${res(x['target'])}`;
    default:
      return x.type;
  }
}
