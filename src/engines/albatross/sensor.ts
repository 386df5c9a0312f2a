/**
 * Albatross's sensor on the replica world: what albatross-stats reports of one unikernel each
 * stats interval. Shared by the built-in plug-in (plugin.ts) and the external one
 * (src/engines/external/replica.ts), so both engines see the same records.
 */
import type { Micros } from '../../kernel/time.js';
import { ReplicaPhase, type ReplicaInstanceColumns, type ReplicaInstanceView } from '../../world/replicas/engine.js';
import type { GroupContext, StatsSample } from './core.js';
import { basisPoints, elapsedWholeSeconds, faithfulPercent } from './cpu.js';

/**
 * A round sensor's `sample` writing into `records` (scratch the caller owns and reuses): for a
 * booting or running instance, its CPU time floored to whole µs as seconds + µs, with the same
 * unikernel's previous reading (kept on the instance's sensor scratch, then updated to this one);
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
 * `makeStatsSampler`'s record of `inst` into `rec` without its name, which stays as it was. The
 * instance keeps its last reading as whole µs (`reportedCpuUs`); the record splits both readings
 * into seconds + µs, as albatross-stats reports them. False, and nothing written, for a placing
 * or stopping instance.
 *
 * @example sampleCounters(inst, rec, 20_000_000) // true; rec.previousAt = the instance's last report, rec.utimeSec … its CPU time now
 */
export function sampleCounters(inst: ReplicaInstanceView, rec: StatsSample, now: Micros): boolean {
  if (inst.phase !== ReplicaPhase.Running && inst.phase !== ReplicaPhase.Booting) return false;
  const cpu = Math.floor(inst.cpuUs);
  const sec = Math.floor(cpu / 1e6);
  rec.utimeSec = sec;
  rec.utimeUsec = cpu - sec * 1e6;
  const previous = inst.reportedCpuUs;
  const previousSec = Math.floor(previous / 1e6);
  rec.previousAt = inst.reportedAt;
  rec.previousUtimeSec = previousSec;
  rec.previousUtimeUsec = previous - previousSec * 1e6;
  inst.reportedAt = now;
  inst.reportedCpuUs = cpu;
  return true;
}

/**
 * The load albatross takes this round from the instance in slot `s` of the world's columns —
 * `sampleCounters` then the core's `sampleLoad` on that instance — without building the record:
 * −1 (nothing read or moved on) for a placing or stopping instance or a free slot. For the steady
 * batch round, where the record itself is not wanted. The record's seconds + µs come from the
 * whole µs and go back to them exactly, so the corrected load is the difference of the two
 * whole-µs counters, with no split; the faithful one splits off the whole seconds. A property
 * test holds it to `sampleCounters` + `sampleLoad`.
 *
 * @example // 9.5 s of CPU over 10 s on 1 vCPU, microsecond_cpu: 9,500 basis points
 * readLoad(ctx, columns, s, 20_000_000) // 9500 (slot s read at 10 s with 1,000,000 µs, now 10,500,000 µs)
 */
export function readLoad(ctx: GroupContext, columns: ReplicaInstanceColumns, s: number, now: Micros): number {
  const phase = columns.phase[s];
  if (phase !== ReplicaPhase.Running && phase !== ReplicaPhase.Booting) return -1;
  const cpu = Math.floor(columns.cpu[s]!);
  const previousAt = columns.reportedAt[s]!;
  const previous = columns.reportedCpu[s]!;
  columns.reportedAt[s] = now;
  columns.reportedCpu[s] = cpu;
  if (previousAt < 0) return 0;
  if (ctx.options.microsecond_cpu) return basisPoints(cpu - previous, now - previousAt, ctx.policy.vcpus);
  return faithfulPercent(Math.floor(cpu / 1e6) - Math.floor(previous / 1e6), elapsedWholeSeconds(previousAt, now));
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
