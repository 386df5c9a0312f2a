/**
 * Unikraft Cloud's sensor on the replica world (src/engines/kraftcloud/sensor.ts): the millicores
 * an instance used since the sensor last read it, from the world's instance columns, worked by hand.
 */
import { describe, expect, it } from 'vitest';
import { readMillicores } from '../src/engines/kraftcloud/sensor.js';
import { InstanceSlots } from '../src/world/instance-slots.js';
import { ReplicaPhase } from '../src/world/replicas/engine.js';

describe('readMillicores', () => {
  it('is the CPU time over the span since the last reading, in millicores, and marks the reading', () => {
    const slots = new InstanceSlots(1, 2);
    const s = slots.take(0, [], ReplicaPhase.Running);
    // read at 1,000,000 µs with 2,000 µs of CPU; now 1,010,000 µs with 7,000 µs: 5 ms over 10 ms = 500
    slots.reportedAt[s] = 1_000_000;
    slots.reportedCpu[s] = 2_000;
    slots.cpu[s] = 7_000;
    expect(readMillicores(slots.cpu, slots.reportedAt, slots.reportedCpu, s, 0, 1_010_000)).toBe(500);
    expect([slots.reportedAt[s], slots.reportedCpu[s]]).toEqual([1_010_000, 7_000]);
    // nothing used since: 0; no time passed: 0
    expect(readMillicores(slots.cpu, slots.reportedAt, slots.reportedCpu, s, 0, 1_020_000)).toBe(0);
    expect(readMillicores(slots.cpu, slots.reportedAt, slots.reportedCpu, s, 0, 1_020_000)).toBe(0);
  });

  it('reads a never-read instance from its phase start, from a counter of 0', () => {
    const slots = new InstanceSlots(1, 2);
    const s = slots.take(0, [], ReplicaPhase.Running);
    slots.reportedAt[s] = -1;
    slots.cpu[s] = 2_500;
    // running since 990,000 µs, 2.5 ms of CPU over 20 ms: 125 millicores
    expect(readMillicores(slots.cpu, slots.reportedAt, slots.reportedCpu, s, 990_000, 1_010_000)).toBe(125);
    expect([slots.reportedAt[s], slots.reportedCpu[s]]).toEqual([1_010_000, 2_500]);
  });
});
