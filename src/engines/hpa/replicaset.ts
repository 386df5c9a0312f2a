/**
 * The ReplicaSet controller's choice of which pods to delete when `spec.replicas` goes down
 * (kubernetes `pkg/controller/replicaset/replica_set.go`, `getPodsToDelete` and
 * `getPodsRankedByRelatedPodsOnSameNode`, which sort with `ActivePodsWithRanks.Less` in
 * `pkg/controller/controller_utils.go`), with the `LogarithmicScaleDown` gate on (the default
 * since 1.22). A pod comes first (is deleted first) when, at the first rule that tells them apart:
 *   1. it is unassigned (no node yet) and the other is not;
 *   2. its phase is lower: Pending < Unknown < Running;
 *   3. it is not ready and the other is;
 *   4. (pod-deletion-cost: not modelled, all equal);
 *   5. more active pods of the ReplicaSet share its node (rank);
 *   6. both ready: it became ready more recently, compared on ⌊log₂(now − readyTime in ns)⌋;
 *   7. (container restarts: none here);
 *   8. it was created more recently, compared on ⌊log₂(now − creationTime in ns)⌋.
 * Upstream breaks ties of equal logarithmic rank by pod UID, a random string; here by the higher
 * instance id first (the newer pod), so runs stay deterministic.
 */
import type { Micros } from '../../kernel/time.js';

/** What the ranking reads of one pod. */
export interface RankedPod {
  readonly name: string;
  /** Creation order (higher = newer); the UID stand-in for ties. */
  readonly id: number;
  /** Node it is bound to; null while unassigned. */
  readonly node: number | null;
  readonly phase: 'Pending' | 'Unknown' | 'Running';
  readonly ready: boolean;
  /** When it became ready (the Ready condition's last transition), when ready. */
  readonly readySince: Micros;
  readonly createdAt: Micros;
}

const PHASE_ORDINAL = { Pending: 0, Unknown: 1, Running: 2 } as const;

/**
 * `logarithmicRankDiff`: ⌊log₂ d₁⌋ − ⌊log₂ d₂⌋ for the ages d in nanoseconds (−1 for an age ≤ 0).
 *
 * @example logRankDiff(90e6, 0, 100e6) // ⌊log₂ 10e9 ns⌋ − ⌊log₂ 100e9 ns⌋ = 33 − 36 = −3
 */
export function logRankDiff(t1: Micros, t2: Micros, now: Micros): number {
  const r = (t: Micros): number => {
    const ns = (now - t) * 1000;
    return ns > 0 ? Math.floor(Math.log2(ns)) : -1;
  };
  return r(t1) - r(t2);
}

/**
 * Negative when pod `a` is to be deleted before pod `b` (`ActivePodsWithRanks.Less`); `rankA` and
 * `rankB` are the numbers of active pods of the ReplicaSet on each one's node.
 */
export function compareForDeletion(a: RankedPod, rankA: number, b: RankedPod, rankB: number, now: Micros): number {
  if (a.node !== b.node && (a.node === null || b.node === null)) return a.node === null ? -1 : 1;
  if (a.phase !== b.phase) return PHASE_ORDINAL[a.phase] - PHASE_ORDINAL[b.phase];
  if (a.ready !== b.ready) return a.ready ? 1 : -1;
  if (rankA !== rankB) return rankB - rankA;
  if (a.ready && b.ready && a.readySince !== b.readySince) {
    const d = logRankDiff(a.readySince, b.readySince, now);
    if (d !== 0) return d;
    return b.id - a.id;
  }
  if (a.createdAt !== b.createdAt) {
    const d = logRankDiff(a.createdAt, b.createdAt, now);
    if (d !== 0) return d;
  }
  return b.id - a.id;
}

/**
 * The `count` pods the ReplicaSet deletes first, in order.
 *
 * @example podsToDelete([older, newer], 1, now) // [newer] — both ready on one node, newer ready less long
 */
export function podsToDelete(pods: readonly RankedPod[], count: number, now: Micros): RankedPod[] {
  if (count <= 0) return [];
  const onNode = new Map<number | null, number>();
  for (const p of pods) onNode.set(p.node, (onNode.get(p.node) ?? 0) + 1);
  const rank = (p: RankedPod): number => (p.node === null ? 0 : onNode.get(p.node)!);
  return [...pods].sort((a, b) => compareForDeletion(a, rank(a), b, rank(b), now)).slice(0, count);
}
