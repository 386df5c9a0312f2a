/**
 * Albatross's sensor on the replica world (src/engines/albatross/sensor.ts): what a stats record
 * holds, worked by hand. albatross-stats reports a unikernel's CPU time as seconds + µs; the
 * world's counter is fractional µs, floored to whole µs.
 */
import { describe, expect, it } from 'vitest';
import { emptyStatsSample, makeStatsSampler, readLoad, sampleCounters } from '../src/engines/albatross/sensor.js';
import { sampleLoad, type GroupContext, type StatsSample } from '../src/engines/albatross/core.js';
import { ReplicaPhase, type ReplicaInstanceView } from '../src/world/replicas/engine.js';
import { InstanceSlots } from '../src/world/instance-slots.js';
import { Instance } from '../src/world/unikernels.js';
import { stream } from '../src/kernel/random.js';
import { config, preset } from './albatross-fixture.js';

function instance(phase: ReplicaPhase, cpuUs: number, reportedAt = 10_000_000, reportedCpuUs = 3_250_000): ReplicaInstanceView {
  return { name: 'web-clone-2', phase, cpuUs, reportedAt, reportedCpuUs } as unknown as ReplicaInstanceView;
}

/** `instance`'s numbers in a slot of the world's columns, and the world's instance reading them there. */
function slotted(phase: ReplicaPhase, cpuUs: number, reportedAt = 10_000_000, reportedCpuUs = 3_250_000): Instance {
  const slots = new InstanceSlots(1, 1);
  const s = slots.take(0, [], phase);
  slots.cpu[s] = cpuUs;
  slots.reportedAt[s] = reportedAt;
  slots.reportedCpu[s] = reportedCpuUs;
  return new Instance(slots, s, 1, 'web-clone-2', 0, 0, 1, 0, false, false, 0, 0);
}

/** readLoad on `inst`'s slot. */
function read(ctx: GroupContext, inst: Instance, now: number): number {
  return readLoad(ctx, inst.slots, inst.slot, now);
}

/** What a sensor sees of an instance and may move on. */
function seen(inst: ReplicaInstanceView) {
  return { phase: inst.phase, cpuUs: inst.cpuUs, reportedAt: inst.reportedAt, reportedCpuUs: inst.reportedCpuUs };
}

function context(mode: 'corrected' | 'faithful', vcpus = 1): GroupContext {
  return { config, options: preset(mode), policy: { vcpus, maxInstances: 8, minInstances: 1 } };
}

describe('sampleCounters', () => {
  it('fills the counters and the previous report, moves the report on, and leaves the name', () => {
    const inst = instance(ReplicaPhase.Running, 4_512_000.75);
    const rec = emptyStatsSample();
    rec.name = 'web';
    expect(sampleCounters(inst, rec, 20_000_000)).toBe(true);
    // 4,512,000.75 µs floored: 4 s + 512,000 µs
    expect(rec).toEqual({ ...emptyStatsSample(), name: 'web', utimeSec: 4, utimeUsec: 512_000, previousAt: 10_000_000, previousUtimeSec: 3, previousUtimeUsec: 250_000 });
    expect(inst).toMatchObject({ reportedAt: 20_000_000, reportedCpuUs: 4_512_000 });
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

describe('readLoad', () => {
  it('is the corrected load in basis points from the two whole-µs counters (worked by hand)', () => {
    // read at 10 s with 3,250,000 µs; at 20 s the counter is 12,750,000.9 µs, floored 12,750,000:
    // 9,500,000 µs × 10,000 / (10,000,000 µs × 1 vCPU) = 9,500
    const inst = slotted(ReplicaPhase.Running, 12_750_000.9);
    expect(read(context('corrected'), inst, 20_000_000)).toBe(9_500);
    expect(seen(inst)).toEqual({ phase: ReplicaPhase.Running, cpuUs: 12_750_000.9, reportedAt: 20_000_000, reportedCpuUs: 12_750_000 });
    // on 2 vCPUs the same CPU time is half the load: 4,750
    expect(read(context('corrected', 2), slotted(ReplicaPhase.Running, 12_750_000.9), 20_000_000)).toBe(4_750);
  });

  it('is the faithful load from whole seconds, division first (worked by hand)', () => {
    // whole seconds 12 − 3 = 9 over 10 whole seconds: 9 / 10 = 0 in integer division → 0 %
    expect(read(context('faithful'), slotted(ReplicaPhase.Running, 12_750_000), 20_000_000)).toBe(0);
    // 13 − 3 = 10 over 10: 100 %
    expect(read(context('faithful'), slotted(ReplicaPhase.Running, 13_000_000), 20_000_000)).toBe(100);
  });

  it('is 0 at the first reading and −1, nothing moved on, for a placing or stopping instance', () => {
    const first = slotted(ReplicaPhase.Booting, 0, -1, 0);
    expect(read(context('corrected'), first, 20_000_000)).toBe(0);
    expect(first.reportedAt).toBe(20_000_000);
    for (const phase of [ReplicaPhase.Placing, ReplicaPhase.Stopping]) {
      const inst = slotted(phase, 9_000_000);
      expect(read(context('corrected'), inst, 20_000_000)).toBe(-1);
      expect(seen(inst)).toEqual({ phase, cpuUs: 9_000_000, reportedAt: 10_000_000, reportedCpuUs: 3_250_000 });
    }
  });

  // the steady batch round reads loads with readLoad, the core with sampleCounters + sampleLoad
  // (albatross's Cpu_monitor.measure on a record): over random counters, phases, times and
  // vCPUs, in both modes, the two give the same load and leave the instance alike
  for (const mode of ['corrected', 'faithful'] as const) {
    it(`equals sampleCounters then the core's sampleLoad on random readings (${mode})`, () => {
      const rng = stream(5, `test:read-load:${mode}`);
      const phases = [ReplicaPhase.Placing, ReplicaPhase.Booting, ReplicaPhase.Running, ReplicaPhase.Stopping];
      for (let k = 0; k < 20_000; k++) {
        const ctx = context(mode, 1 + Math.floor(rng.next() * 4));
        const reportedAt = rng.next() < 0.1 ? -1 : Math.floor(rng.next() * 1e11);
        // counters up to ~30 days of CPU time, some on a whole second, some fractional
        const reportedCpuUs = Math.floor(rng.next() * 2.6e12);
        const used = rng.next() < 0.1 ? Math.floor(rng.next() * 5) * 1e6 : rng.next() * 4e7;
        const cpuUs = reportedCpuUs + (rng.next() < 0.05 ? -1 : 1) * used;
        const now = reportedAt + (rng.next() < 0.05 ? 0 : Math.floor(rng.next() * 3e7));
        const phase = phases[Math.floor(rng.next() * phases.length)]!;
        const a = slotted(phase, cpuUs, reportedAt, reportedCpuUs);
        const b = instance(phase, cpuUs, reportedAt, reportedCpuUs);
        const rec = emptyStatsSample();
        const taken = sampleCounters(b, rec, now);
        expect(read(ctx, a, now)).toBe(taken ? sampleLoad(ctx, rec, now) : -1);
        expect(seen(a)).toEqual(seen(b));
      }
    });
  }
});
