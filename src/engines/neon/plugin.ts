/**
 * The scheduler plugin, after neondatabase/autoscaling `pkg/plugin` — behaviour reproduced, not
 * code. Two models:
 *
 * - `watermark` (v0.42+, read at v0.49): an agent's request at or below its reservation is
 *   answered at once; an increase is recorded (`Requested`) and granted at the node's next
 *   reconcile, per resource independently, up to floor((total − reserved) / unit) × unit
 *   (`NodeResources.reconcilePod`); an ungranted remainder is retried at later reconciles.
 *   After each reconcile, if reserved − migrating is above the watermark (total × 0.9) for a
 *   resource, migratable pods are marked for migration oldest first, skipping a pod whose own
 *   reservation is above the watermark, until both resources are clear
 *   (`triggerMigrationsIfNecessary`, `Pod.BetterMigrationTargetThan`,
 *   `NodeResources.UnmigratedAboveWatermark`).
 * - `pressure` (≤ v0.41): the request is answered at once; an increase beyond what fits becomes
 *   the pod's capacity pressure (`resourceTransitioner.handleRequested`); when the requesting
 *   pod is next in the node's migration queue (lowest load1 first among pods that have reported
 *   metrics, as the queue stood before this report: `isBetterMigrationTarget`, `isNextInQueue`) and the node has too much pressure (`nodeState.tooMuchPressure`:
 *   logical pressure + capacity pressure > pressure accounted for by migrations + slack), the
 *   answer tells it to migrate.
 *
 * The target node of a migration is the one the plugin's Score ranks highest among the nodes
 * the pod fits on (`calculateScore`), never the source.
 *
 * The node and pod records are plain data owned by the caller; the functions below either
 * decide (pure) or apply one named change (like upstream's state methods).
 */
import type { Micros } from '../../kernel/time.js';
import { addRes, hasFieldGreater, hasFieldLess, satSub, type Resources } from './resources.js';

export type SchedulerModel = 'watermark' | 'pressure';

export interface PluginConfig {
  model: SchedulerModel;
  /** `watermark` (0.9): fraction of allocatable above which VMs are migrated away. */
  watermark: number;
  /** `scoring.minUsageScore` (0.5), `scoring.maxUsageScore` (0), `scoring.scorePeak` (0.8). */
  minUsageScore: number;
  maxUsageScore: number;
  scorePeak: number;
  /** Grants are whole multiples of this (the compute unit's share of each resource). */
  unit: Resources;
  /** Time between reconciles of a node with an ungranted remainder (5 s). */
  retryPeriod: Micros;
}

/** One VM's pod as the plugin keeps it. */
export interface Pod {
  vm: number;
  reserved: Resources;
  requested: Resources;
  createdAt: Micros;
  /** Labelled for auto-migration. */
  migratable: boolean;
  migrating: boolean;
  /** Pressure model: increase denied for lack of room (`CapacityPressure`). */
  pressure: Resources;
  /** Pressure model: reserved above what the agent has asked for yet (`Buffer`). */
  buffer: Resources;
  /** The VM's load1 as last reported by its agent; null before any report. */
  load1: number | null;
  /** Time of the increase still waiting for a reconcile (watermark model), else null. */
  pendingSince: Micros | null;
}

/** One node's resources as the plugin keeps them (`state.Node`). */
export interface PluginNode {
  index: number;
  total: Resources;
  watermark: Resources;
  reserved: Resources;
  migrating: Resources;
  /** Pressure model sums. */
  capacityPressure: Resources;
  accountedFor: Resources;
  buffer: Resources;
  pods: Pod[];
}

const ZERO: Resources = { cpu: 0, mem: 0 };

/** A node with allocatable `total` and no pods; watermark = floor(total × watermark) per resource. */
export function newNode(index: number, total: Resources, watermark: number): PluginNode {
  return {
    index,
    total,
    watermark: { cpu: Math.floor(total.cpu * watermark), mem: Math.floor(total.mem * watermark) },
    reserved: ZERO,
    migrating: ZERO,
    capacityPressure: ZERO,
    accountedFor: ZERO,
    buffer: ZERO,
    pods: [],
  };
}

/** A pod reserving `reserved`. */
export function newPod(vm: number, reserved: Resources, createdAt: Micros, migratable: boolean): Pod {
  return { vm, reserved, requested: reserved, createdAt, migratable, migrating: false, pressure: ZERO, buffer: ZERO, load1: null, pendingSince: null };
}

/** Place `pod` on `node` (`Node.AddPod`). */
export function addPod(node: PluginNode, pod: Pod): void {
  node.pods.push(pod);
  node.reserved = addRes(node.reserved, pod.reserved);
  node.buffer = addRes(node.buffer, pod.buffer);
  if (pod.migrating) node.migrating = addRes(node.migrating, pod.reserved);
}

/** Remove `pod` from `node` (`Node.RemovePod`; pressure model: its accounted-for pressure goes too). */
export function removePod(node: PluginNode, pod: Pod): void {
  const i = node.pods.indexOf(pod);
  if (i < 0) return;
  node.pods.splice(i, 1);
  node.reserved = satSub(node.reserved, pod.reserved);
  node.buffer = satSub(node.buffer, pod.buffer);
  node.capacityPressure = satSub(node.capacityPressure, pod.pressure);
  if (pod.migrating) {
    node.migrating = satSub(node.migrating, pod.reserved);
    node.accountedFor = satSub(node.accountedFor, addRes(pod.reserved, pod.pressure));
  }
}

/** Change a pod's reservation, keeping the node's sums. */
function setReserved(node: PluginNode, pod: Pod, reserved: Resources): void {
  node.reserved = addRes(satSub(node.reserved, pod.reserved), reserved);
  if (pod.migrating) node.migrating = addRes(satSub(node.migrating, pod.reserved), reserved);
  pod.reserved = reserved;
}

/** Change a pod's capacity pressure, keeping the node's sum. */
function setPressure(node: PluginNode, pod: Pod, pressure: Resources): void {
  node.capacityPressure = addRes(satSub(node.capacityPressure, pod.pressure), pressure);
  pod.pressure = pressure;
}

/**
 * The increase one resource may get (`reconcilePod`): the free room rounded down to whole
 * units, at most what is wanted.
 *
 * @example grantable(4000, 3500, 250, 1000) // room 500 → 2 units → 500
 */
export function grantable(total: number, reserved: number, unit: number, wanted: number): number {
  const room = Math.max(0, total - reserved);
  return Math.min(Math.floor(room / unit) * unit, wanted);
}

/** What the plugin answers an agent: the permit, or that the answer waits for a reconcile; and whether to migrate. */
export interface PluginAnswer {
  permit: Resources | null;
  /** Pressure model: the VM is to be migrated (`Migrate` in the response). */
  migrate: boolean;
}

/**
 * An agent asks for `requested` (and reports load1). Watermark model: decreases apply at once;
 * an increase is recorded and answered after the next reconcile (permit null here). A
 * migrating pod's resources do not change. Pressure model: see `handlePressureRequest`.
 */
export function handleRequest(cfg: PluginConfig, node: PluginNode, pod: Pod, requested: Resources, load1: number | null, lastPermit: Resources | null, now: Micros): PluginAnswer {
  if (cfg.model === 'pressure') {
    // upstream decides on the queue as it stood (the previous report), then records the metrics
    const answer = handlePressureRequest(cfg, node, pod, requested, lastPermit);
    pod.load1 = load1;
    return answer;
  }
  pod.load1 = load1;
  if (pod.migrating) {
    pod.requested = pod.reserved;
    return { permit: pod.reserved, migrate: false };
  }
  pod.requested = requested;
  if (hasFieldLess(requested, pod.reserved)) setReserved(node, pod, { cpu: Math.min(pod.reserved.cpu, requested.cpu), mem: Math.min(pod.reserved.mem, requested.mem) });
  if (!hasFieldGreater(requested, pod.reserved)) {
    pod.pendingSince = null;
    return { permit: pod.reserved, migrate: false };
  }
  if (pod.pendingSince === null) pod.pendingSince = now;
  return { permit: null, migrate: false };
}

/**
 * Reconcile a node (watermark model): grant recorded increases in the order they came, per
 * resource independently. Returns the pods whose pending answer is now due (permit = their
 * reservation) and whether an ungranted remainder is left (reconcile again after `retryPeriod`).
 */
export function reconcileNode(cfg: PluginConfig, node: PluginNode): { answered: Pod[]; remainder: boolean } {
  const waiting = node.pods.filter((p) => hasFieldGreater(p.requested, p.reserved) && !p.migrating);
  waiting.sort((a, b) => (a.pendingSince ?? 0) - (b.pendingSince ?? 0));
  let remainder = false;
  for (const pod of waiting) {
    const cpu = grantable(node.total.cpu, node.reserved.cpu, cfg.unit.cpu, Math.max(0, pod.requested.cpu - pod.reserved.cpu));
    const mem = grantable(node.total.mem, node.reserved.mem, cfg.unit.mem, Math.max(0, pod.requested.mem - pod.reserved.mem));
    if (cpu > 0 || mem > 0) setReserved(node, pod, { cpu: pod.reserved.cpu + cpu, mem: pod.reserved.mem + mem });
    if (hasFieldGreater(pod.requested, pod.reserved)) remainder = true;
  }
  const answered = node.pods.filter((p) => p.pendingSince !== null);
  for (const p of answered) p.pendingSince = null;
  return { answered, remainder };
}

/** Amount above the watermark not being migrated away, per resource (`UnmigratedAboveWatermark`). */
export function unmigratedAboveWatermark(node: PluginNode): Resources {
  return satSub(satSub(node.reserved, node.migrating), node.watermark);
}

/**
 * Pods to start migrating now (watermark model, `triggerMigrationsIfNecessary`): while some
 * resource is above the watermark, the oldest migratable, non-migrating pods, skipping any whose
 * own reservation exceeds the watermark. Pure: decides on a copy of the sums.
 */
export function watermarkCandidates(node: PluginNode): Pod[] {
  let over = unmigratedAboveWatermark(node);
  if (over.cpu === 0 && over.mem === 0) return [];
  const candidates = node.pods.filter((p) => p.migratable && !p.migrating);
  candidates.sort((a, b) => a.createdAt - b.createdAt || a.vm - b.vm);
  const out: Pod[] = [];
  let migrating = node.migrating;
  for (const pod of candidates) {
    if (pod.reserved.cpu > node.watermark.cpu || pod.reserved.mem > node.watermark.mem) continue;
    out.push(pod);
    migrating = addRes(migrating, pod.reserved);
    over = satSub(satSub(node.reserved, migrating), node.watermark);
    if (over.cpu === 0 && over.mem === 0) break;
  }
  return out;
}

/** Mark `pod` as migrating (`Pod.Migrating`; pressure model: `handleStartMigration`). */
export function startMigrating(node: PluginNode, pod: Pod): void {
  if (pod.migrating) return;
  // pressure model: the buffer is given up, the pod's capacity pressure no longer counts
  if (pod.buffer.cpu > 0 || pod.buffer.mem > 0) {
    node.buffer = satSub(node.buffer, pod.buffer);
    setReserved(node, pod, satSub(pod.reserved, pod.buffer));
    pod.buffer = ZERO;
  }
  setPressure(node, pod, ZERO);
  pod.migrating = true;
  pod.pendingSince = null;
  pod.requested = pod.reserved;
  node.migrating = addRes(node.migrating, pod.reserved);
  node.accountedFor = addRes(node.accountedFor, pod.reserved);
}

/**
 * Pressure model request (`handleRequested`): a decrease applies and clears pressure; an
 * increase gets what fits in whole units (at least up to the last permit, `forceApprovalMinimum`)
 * and the rest becomes capacity pressure; a migrating pod's increase is all pressure.
 * Then, if the pod is next in the node's migration queue and the node has too much pressure,
 * the answer says migrate.
 */
function handlePressureRequest(cfg: PluginConfig, node: PluginNode, pod: Pod, requested: Resources, lastPermit: Resources | null): PluginAnswer {
  const migrate = !pod.migrating && pod.migratable && isNextInQueue(node, pod) && tooMuchPressure(node);
  const starting = migrate || pod.migrating;
  if (pod.buffer.cpu > 0 || pod.buffer.mem > 0) {
    // the first request ends the buffer
    node.buffer = satSub(node.buffer, pod.buffer);
    pod.buffer = ZERO;
  }
  const field = (total: number, nodeReserved: number, reserved: number, want: number, unit: number, last: number): [number, number] => {
    if (want <= reserved) return [want, 0];
    const inc = want - reserved;
    if (starting) return [reserved, inc];
    const room = Math.max(0, total - nodeReserved);
    const maxInc = Math.max(Math.floor(room / unit) * unit, Math.max(0, last - reserved));
    return inc > maxInc ? [reserved + maxInc, inc - maxInc] : [want, 0];
  };
  const last = lastPermit ?? pod.reserved;
  const [cpu, pc] = field(node.total.cpu, node.reserved.cpu, pod.reserved.cpu, requested.cpu, cfg.unit.cpu, last.cpu);
  const [mem, pm] = field(node.total.mem, node.reserved.mem, pod.reserved.mem, requested.mem, cfg.unit.mem, last.mem);
  setReserved(node, pod, { cpu, mem });
  setPressure(node, pod, { cpu: pc, mem: pm });
  pod.requested = requested;
  return { permit: pod.reserved, migrate };
}

/**
 * Whether the node should migrate something (pressure model, `tooMuchPressure`), per resource:
 * logical pressure (reserved − watermark) + capacity pressure > pressure accounted for by
 * migrations + slack (buffer + (watermark − reserved)). Upstream's shortcut first: CPU at or
 * below its watermark and memory strictly below its watermark is never too much.
 *
 * @example CPU reserved 15, watermark 14.4, pressure 1, accounted 0, buffer 0 → 0.6 + 1 > 0 → true
 */
export function tooMuchPressure(node: PluginNode): boolean {
  const r = node.reserved;
  const w = node.watermark;
  if (r.cpu <= w.cpu && r.mem < w.mem) return false;
  const one = (reserved: number, watermark: number, capacity: number, accounted: number, buffer: number): boolean => {
    const logical = Math.max(0, reserved - watermark);
    const slack = buffer + Math.max(0, watermark - reserved);
    return logical + capacity > accounted + slack;
  };
  return one(r.cpu, w.cpu, node.capacityPressure.cpu, node.accountedFor.cpu, node.buffer.cpu) || one(r.mem, w.mem, node.capacityPressure.mem, node.accountedFor.mem, node.buffer.mem);
}

/**
 * Whether `pod` heads the node's migration queue (pressure model, `migrationQueue`): lowest
 * load1 among the migratable, non-migrating pods that have reported metrics — a pod enters the
 * queue with its first report (ties: the lower VM index).
 */
export function isNextInQueue(node: PluginNode, pod: Pod): boolean {
  let best: Pod | null = null;
  for (const p of node.pods) {
    if (!p.migratable || p.migrating || p.load1 === null) continue;
    if (best === null || better(p, best)) best = p;
  }
  return best === pod;
}

function better(a: Pod, b: Pod): boolean {
  if (a.load1 === null || b.load1 === null) {
    if (a.load1 !== null && b.load1 === null) return true;
    if (a.load1 === null && b.load1 !== null) return false;
    return a.vm < b.vm;
  }
  return a.load1 < b.load1 || (a.load1 === b.load1 && a.vm < b.vm);
}

/**
 * The plugin's score of one resource on a node with `reserved` of `total` after placing the pod
 * (`calculateScore`): rising from minUsageScore at empty to 1 at scorePeak, falling to
 * maxUsageScore at full, scaled by total / largest total seen.
 *
 * @example usageScore(cfg, 400, 1000, 1000) // 0.5 + 0.5 / 0.8 × 0.4 = 0.75
 */
export function usageScore(cfg: PluginConfig, reserved: number, total: number, maxTotal: number): number {
  const fraction = reserved / total;
  let score = 1;
  if (fraction < cfg.scorePeak) score = cfg.minUsageScore + ((1 - cfg.minUsageScore) / cfg.scorePeak) * fraction;
  else if (fraction > cfg.scorePeak) score = cfg.maxUsageScore + ((1 - cfg.maxUsageScore) / (1 - cfg.scorePeak)) * (1 - fraction);
  return (score * total) / maxTotal;
}

/**
 * The node a migrating pod goes to: among the nodes (other than `from`) where it fits within
 * allocatable, the highest Score (min of the CPU and memory scores, as an integer 0–100 like the
 * framework's), ties to the lower index; null when it fits nowhere.
 */
export function chooseTarget(cfg: PluginConfig, nodes: readonly PluginNode[], reserved: Resources, from: number): number | null {
  let maxCpu = 0;
  let maxMem = 0;
  for (const n of nodes) {
    if (n.total.cpu > maxCpu) maxCpu = n.total.cpu;
    if (n.total.mem > maxMem) maxMem = n.total.mem;
  }
  let best: number | null = null;
  let bestScore = -1;
  for (const n of nodes) {
    if (n.index === from) continue;
    const cpu = n.reserved.cpu + reserved.cpu;
    const mem = n.reserved.mem + reserved.mem;
    if (cpu > n.total.cpu || mem > n.total.mem) continue;
    const frac = Math.min(usageScore(cfg, cpu, n.total.cpu, maxCpu), usageScore(cfg, mem, n.total.mem, maxMem));
    const score = Math.trunc(100 * frac);
    if (score > bestScore) {
      bestScore = score;
      best = n.index;
    }
  }
  return best;
}

/** A migration failed: the pod stays and is no longer migrating (its accounted-for pressure goes). */
export function stopMigrating(node: PluginNode, pod: Pod): void {
  if (!pod.migrating) return;
  node.migrating = satSub(node.migrating, pod.reserved);
  node.accountedFor = satSub(node.accountedFor, addRes(pod.reserved, pod.pressure));
  pod.migrating = false;
}
