/**
 * Albatross's sensor on the replica world: what albatross-stats reports of one unikernel each
 * stats interval. Shared by the built-in plug-in (plugin.ts) and the external one
 * (src/engines/external/replica.ts), so both engines see the same records.
 */
import type { Micros } from '../../kernel/time.js';
import { ReplicaPhase, type ReplicaInstanceView } from '../../world/replicas/engine.js';
import type { StatsSample } from './core.js';

/**
 * A round sensor's `sample` writing into `records` (scratch the caller owns and reuses): for a
 * booting or running instance, its CPU time floored to whole µs as seconds + µs, with the same
 * unikernel's previous record (kept on the instance's sensor scratch, then updated to this one);
 * false for a placing or stopping instance (albatross does not see it).
 *
 * @example const sample = makeStatsSampler(records); sample(inst, 0, 10_000_000) // records[0] = { name: 'web', utimeSec: 4, utimeUsec: 512000, … }
 */
export function makeStatsSampler(records: StatsSample[]): (inst: ReplicaInstanceView, slot: number, now: Micros) => boolean {
  return (inst: ReplicaInstanceView, slot: number, now: Micros): boolean => {
    const rec = records[slot] ?? (records[slot] = emptyStatsSample());
    if (!sampleCounters(inst, rec, now)) return false;
    rec.name = inst.name;
    return true;
  };
}

/** A record to fill (`makeStatsSampler`, `sampleCounters`). */
export function emptyStatsSample(): StatsSample {
  return { name: '', utimeSec: 0, utimeUsec: 0, stimeSec: 0, stimeUsec: 0, previousAt: -1, previousUtimeSec: 0, previousUtimeUsec: 0, previousStimeSec: 0, previousStimeUsec: 0 };
}

/**
 * `makeStatsSampler`'s record of `inst` into `rec` without its name, which stays as it was: for
 * a round whose samples are known to match the members in order (the steady batch round), where
 * the name is not read. Storing it there cost a cache miss a record at 100,000 groups (V8's
 * write barrier reads the header of the name's heap page). False, and nothing written, for a
 * placing or stopping instance.
 *
 * @example sampleCounters(inst, rec, 20_000_000) // true; rec.previousAt = the instance's last report, rec.utimeSec … its CPU time now
 */
export function sampleCounters(inst: ReplicaInstanceView, rec: StatsSample, now: Micros): boolean {
  if (inst.phase !== ReplicaPhase.Running && inst.phase !== ReplicaPhase.Booting) return false;
  const cpu = Math.floor(inst.cpuUs);
  const sec = Math.floor(cpu / 1e6);
  const usec = cpu - sec * 1e6;
  rec.utimeSec = sec;
  rec.utimeUsec = usec;
  rec.previousAt = inst.reportedAt;
  rec.previousUtimeSec = inst.reportedSec;
  rec.previousUtimeUsec = inst.reportedUsec;
  inst.reportedAt = now;
  inst.reportedSec = sec;
  inst.reportedUsec = usec;
  return true;
}

/**
 * The names albatross's sync pass finds alive in `instances`: live and not stopping (what the
 * built-in `periodic.run`'s `alive(name)` answers), in list (name) order.
 *
 * @example aliveNames(group.instances) // ['web', 'web-clone-1']
 */
export function aliveNames(instances: readonly ReplicaInstanceView[]): string[] {
  const out: string[] = [];
  for (const inst of instances) if (inst.phase !== ReplicaPhase.Stopping) out.push(inst.name);
  return out;
}
