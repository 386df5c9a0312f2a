/**
 * The replica world's instance columns (src/world/instance-slots.ts): each workload's block of
 * slots, a free slot taken again, a full block moved to the end with twice the room and its
 * instances told their new slots, and the world's instances reading their numbers there. Slot
 * numbers worked by hand from the layout: the gone slot 0, then each workload's block in order.
 */
import { describe, expect, it } from 'vitest';
import { FREE_SLOT, GONE_SLOT, InstanceSlots } from '../src/world/instance-slots.js';
import { ReplicaPhase } from '../src/world/replicas/engine.js';
import { addInstance, cpuAccrued, Instance, makeWorkload, removeInstance, settleBlock } from '../src/world/unikernels.js';
import type { WorkloadSpec } from '../src/scenario/types.js';

/** A holder in `s` with phase running and recognisable numbers. */
function hold(slots: InstanceSlots, s: number, tag: number): { slot: number } {
  slots.phase[s] = ReplicaPhase.Running;
  slots.cpu[s] = tag;
  slots.roundCpu[s] = tag + 0.25;
  slots.reportedAt[s] = tag + 0.5;
  slots.reportedCpu[s] = tag + 0.75;
  return { slot: s };
}

describe('InstanceSlots', () => {
  it('lays out the gone slot, then a block a workload in order', () => {
    const slots = new InstanceSlots(2, 2);
    expect([...slots.first]).toEqual([1, 3]);
    expect([...slots.end]).toEqual([1, 3]);
    expect([...slots.room]).toEqual([2, 2]);
    expect(slots.phase[GONE_SLOT]).toBe(ReplicaPhase.Gone);
    expect([...slots.phase.subarray(1)]).toEqual([FREE_SLOT, FREE_SLOT, FREE_SLOT, FREE_SLOT]);
    expect(() => new InstanceSlots(1, 0)).toThrow(RangeError);
  });

  it('takes slots in order, moves a full block to the end with twice the room, and takes freed slots again', () => {
    const slots = new InstanceSlots(2, 2);
    const a = hold(slots, slots.take(0, [], ReplicaPhase.Running), 10);
    expect(a.slot).toBe(1);
    const b = hold(slots, slots.take(0, [a], ReplicaPhase.Running), 20);
    expect(b.slot).toBe(2);
    expect(slots.end[0]).toBe(3);
    // workload 0's block (slots 1–2) is full: it moves to slot 5 (after workload 1's 3–4), room 4
    const c = slots.take(0, [a, b], ReplicaPhase.Placing);
    expect([a.slot, b.slot, c]).toEqual([5, 6, 7]);
    expect([slots.first[0], slots.end[0], slots.room[0]]).toEqual([5, 8, 4]);
    // the numbers went with them; the old slots are free; the columns grew (doubled to 10); the
    // new slot holds a new instance's numbers in the phase asked for
    expect([slots.cpu[5], slots.roundCpu[5], slots.reportedAt[5], slots.reportedCpu[5]]).toEqual([10, 10.25, 10.5, 10.75]);
    expect([slots.cpu[6], slots.reportedCpu[6]]).toEqual([20, 20.75]);
    expect([slots.phase[1], slots.phase[2]]).toEqual([FREE_SLOT, FREE_SLOT]);
    expect([slots.phase[7], slots.cpu[7], slots.roundCpu[7], slots.reportedAt[7], slots.reportedCpu[7]]).toEqual([ReplicaPhase.Placing, 0, 0, -1, 0]);
    expect(slots.phase.length).toBe(10);
    expect(slots.cpu.length).toBe(10);
    hold(slots, c, 30);
    // a slot in the middle freed: the end stays; freed at the end: the end comes back over both
    slots.release(0, 6);
    expect(slots.end[0]).toBe(8);
    slots.release(0, 7);
    expect(slots.end[0]).toBe(6);
    // the next instance takes slot 6 again, none of the gone one's numbers left; workload 1 never moved
    expect(slots.take(0, [a], ReplicaPhase.Booting)).toBe(6);
    expect([slots.phase[6], slots.cpu[6], slots.roundCpu[6], slots.reportedAt[6], slots.reportedCpu[6]]).toEqual([ReplicaPhase.Booting, 0, 0, -1, 0]);
    expect(slots.end[0]).toBe(7);
    expect(slots.take(1, [], ReplicaPhase.Running)).toBe(3);
  });

  it('takes a free slot inside the block before growing it', () => {
    const slots = new InstanceSlots(1, 4);
    const held = [1, 2, 3].map((tag) => hold(slots, slots.take(0, [], ReplicaPhase.Running), tag));
    expect(held.map((h) => h.slot)).toEqual([1, 2, 3]);
    slots.release(0, 2);
    expect(slots.take(0, [held[0]!, held[2]!], ReplicaPhase.Running)).toBe(2);
  });
});

describe("the world's instances", () => {
  it('read and write their numbers in their slot, follow a move, and read as gone in the gone slot', () => {
    const slots = new InstanceSlots(1, 1);
    const s = slots.take(0, [], ReplicaPhase.Booting);
    const inst = new Instance(slots, s, 7, 'web', 0, 3, 2, 64, true, false, 5, 6);
    expect([inst.id, inst.name, inst.host, inst.vcpus, inst.isPrimary, inst.createdAt, inst.startedAt, inst.phaseSince, inst.orphaned]).toEqual([7, 'web', 3, 2, true, 5, 6, 5, false]);
    inst.phase = ReplicaPhase.Running;
    inst.cpuUs += 1_500_000.5;
    inst.reportedAt = 10_000_000;
    inst.reportedCpuUs = 1_500_000;
    inst.roundCpuUs = 1_500_000.5;
    expect([slots.phase[s], slots.cpu[s], slots.reportedAt[s], slots.reportedCpu[s], slots.roundCpu[s]]).toEqual([ReplicaPhase.Running, 1_500_000.5, 10_000_000, 1_500_000, 1_500_000.5]);
    // room 1: a second instance moves the block (slot 1 → 2, the new one at 3)
    expect(slots.take(0, [inst], ReplicaPhase.Placing)).toBe(3);
    expect(inst.slot).toBe(2);
    expect([inst.phase, inst.cpuUs, inst.reportedAt, inst.reportedCpuUs, inst.roundCpuUs]).toEqual([ReplicaPhase.Running, 1_500_000.5, 10_000_000, 1_500_000, 1_500_000.5]);
    slots.release(0, inst.slot);
    inst.slot = GONE_SLOT;
    expect([inst.phase, inst.cpuUs, inst.reportedAt]).toEqual([ReplicaPhase.Gone, 0, 0]);
  });
});

describe('cpuAccrued', () => {
  it('is min(share, vCPUs) × dt', () => {
    expect(cpuAccrued(1, 0.5, 10_000_000)).toBe(5_000_000); // under the vCPUs: the share
    expect(cpuAccrued(1, 1.5, 10_000_000)).toBe(10_000_000); // over: capped at 1 vCPU
    expect(cpuAccrued(2, 3, 10_000_000)).toBe(20_000_000);
    expect(cpuAccrued(4, 0, 10_000_000)).toBe(0);
  });
});

describe('settleBlock', () => {
  it("adds the span's CPU time to the running instances of one workload's block, and to nothing else", () => {
    const slots = new InstanceSlots(2, 4);
    // workload 0: running, booting, a freed slot, running; workload 1: running
    const phases = [ReplicaPhase.Running, ReplicaPhase.Booting, ReplicaPhase.Running, ReplicaPhase.Running];
    const taken = phases.map((p, k) => {
      const s = slots.take(0, [], p);
      slots.cpu[s] = 1_000 * k;
      return s;
    });
    slots.release(0, taken[2]!);
    const other = slots.take(1, [], ReplicaPhase.Running);
    // 0.5 cores over 10 s on 1 vCPU = 5,000,000 µs each
    settleBlock(slots, 0, 1, 0.5, 10_000_000);
    expect(taken.map((s) => slots.cpu[s])).toEqual([5_000_000, 1_000, 2_000, 5_003_000]);
    expect(slots.cpu[other]).toBe(0);
    // min(share, vCPUs): 3 cores offered to a 2-vCPU instance over 10 s = 20,000,000 µs
    settleBlock(slots, 1, 2, 3, 10_000_000);
    expect(slots.cpu[other]).toBe(20_000_000);
  });
});

describe('addInstance / removeInstance', () => {
  it("keep a workload's instances sorted by name (albatross-stats' order), a new list on each add, and count the change", () => {
    const slots = new InstanceSlots(1, 4);
    const w = makeWorkload(0, { name: 'web', vcpus: 1, memory_bytes: 64 * 2 ** 20 } as unknown as WorkloadSpec, slots);
    const make = (id: number, name: string) => new Instance(slots, slots.take(0, w.instances, ReplicaPhase.Running), id, name, 0, 0, 1, 64 * 2 ** 20, name === 'web', false, 0, 0);
    const primary = make(1, 'web');
    addInstance(w, primary);
    const before = w.instances;
    addInstance(w, make(2, 'web-clone-2'));
    addInstance(w, make(3, 'web-clone-1'));
    expect(w.instances.map((i) => i.name)).toEqual(['web', 'web-clone-1', 'web-clone-2']);
    expect(before).toEqual([primary]); // the list the first add made is left as it was
    expect([w.running, w.changes]).toEqual([3, 3]);
    removeInstance(w, w.instances[1]!);
    expect(w.instances.map((i) => i.name)).toEqual(['web', 'web-clone-2']);
    expect(w.changes).toBe(4);
  });
});
