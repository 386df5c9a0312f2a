/**
 * Albatross's sensor on the replica world (src/engines/albatross/sensor.ts): what a stats record
 * holds, worked by hand. albatross-stats reports a unikernel's CPU time as seconds + µs; the
 * world's counter is fractional µs, floored to whole µs.
 */
import { describe, expect, it } from 'vitest';
import { emptyStatsSample, makeStatsSampler, sampleCounters } from '../src/engines/albatross/sensor.js';
import type { StatsSample } from '../src/engines/albatross/core.js';
import { ReplicaPhase, type ReplicaInstanceView } from '../src/world/replicas/engine.js';

function instance(phase: ReplicaPhase, cpuUs: number): ReplicaInstanceView {
  return { name: 'web-clone-2', phase, cpuUs, reportedAt: 10_000_000, reportedSec: 3, reportedUsec: 250_000 } as unknown as ReplicaInstanceView;
}

describe('sampleCounters', () => {
  it('fills the counters and the previous report, moves the report on, and leaves the name', () => {
    const inst = instance(ReplicaPhase.Running, 4_512_000.75);
    const rec = emptyStatsSample();
    rec.name = 'web';
    expect(sampleCounters(inst, rec, 20_000_000)).toBe(true);
    // 4,512,000.75 µs floored: 4 s + 512,000 µs
    expect(rec).toEqual({ ...emptyStatsSample(), name: 'web', utimeSec: 4, utimeUsec: 512_000, previousAt: 10_000_000, previousUtimeSec: 3, previousUtimeUsec: 250_000 });
    expect(inst).toMatchObject({ reportedAt: 20_000_000, reportedSec: 4, reportedUsec: 512_000 });
  });

  it('reads a booting instance too, and nothing of a placing or stopping one', () => {
    expect(sampleCounters(instance(ReplicaPhase.Booting, 0), emptyStatsSample(), 20_000_000)).toBe(true);
    for (const phase of [ReplicaPhase.Placing, ReplicaPhase.Stopping]) {
      const inst = instance(phase, 9_000_000);
      const rec = emptyStatsSample();
      expect(sampleCounters(inst, rec, 20_000_000)).toBe(false);
      expect(rec).toEqual(emptyStatsSample());
      expect(inst.reportedAt).toBe(10_000_000);
    }
  });
});

describe('makeStatsSampler', () => {
  it('is sampleCounters into the slot, named', () => {
    const records: StatsSample[] = [];
    const sample = makeStatsSampler(records);
    expect(sample(instance(ReplicaPhase.Running, 2_000_001), 1, 20_000_000)).toBe(true);
    expect(records[1]).toMatchObject({ name: 'web-clone-2', utimeSec: 2, utimeUsec: 1, previousAt: 10_000_000 });
    expect(sample(instance(ReplicaPhase.Stopping, 0), 0, 20_000_000)).toBe(false);
  });
});
