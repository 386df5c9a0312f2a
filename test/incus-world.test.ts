/**
 * The cluster world, worked by hand: the kernel's load averages, /proc/loadavg rounding, member
 * memory and CPU steal, the pre-copy migration model, and the cluster metrics' integrals.
 */
import { describe, expect, it } from 'vitest';
import { ClusterMetrics } from '../src/metrics/cluster.js';
import { ClusterMember, ClusterVm, insertVm, refreshMember, setThrottle } from '../src/world/cluster.js';
import { activeOf, calcLoad, EXP_1, EXP_15, EXP_5, FIXED_1, reported, sampleLoad } from '../src/world/loadavg.js';
import { precopy } from '../src/world/migration.js';
import type { ClusterMemberSpec, ClusterVmSpec } from '../src/scenario/types.js';

const GiB = 1024 ** 3;
const S = 1e6;

describe('load averages (kernel/sched/loadavg.c, fs/proc/loadavg.c)', () => {
  it('follows calc_load in 11-bit fixed point, rounding up while the load rises', () => {
    // 2 runnable tasks: active = 2 × 2048 = 4096. 1-min: (0·1884 + 4096·164 + 2047) / 2048 = 328
    expect(calcLoad(0, EXP_1, 2 * FIXED_1)).toBe(328);
    // second sample: (328·1884 + 671744 + 2047) / 2048 = 1291743 / 2048 = 630
    expect(calcLoad(328, EXP_1, 4096)).toBe(630);
    // 5- and 15-minute: (4096·34 + 2047) / 2048 = 68; (4096·11 + 2047) / 2048 = 22
    expect(calcLoad(0, EXP_5, 4096)).toBe(68);
    expect(calcLoad(0, EXP_15, 4096)).toBe(22);
    // falling: 1.00 with nothing runnable → 2048·1884 / 2048 = 1884 (no rounding up)
    expect(calcLoad(2048, EXP_1, 0)).toBe(1884);
  });

  it('prints two decimals after adding FIXED_1/200, as /proc/loadavg does', () => {
    expect(reported(328)).toBe(0.16); // 338 → 0 . (338·100) >> 11 = 16
    expect(reported(630)).toBe(0.31); // 640 → 31.25 → 31
    expect(reported(2048)).toBe(1); // 2058 → 1 . 0
    expect(reported(1884)).toBe(0.92);
    expect(reported(2595)).toBe(1.27);
  });

  it('reaches 1.27 after one minute of 2 runnable threads (analytically 2(1 − 1/e) = 1.264)', () => {
    const la = { avg1: 0, avg5: 0, avg15: 0 };
    for (let i = 0; i < 12; i++) sampleLoad(la, 2);
    expect(la).toEqual({ avg1: 2595, avg5: 750, avg15: 261 });
    expect([reported(la.avg1), reported(la.avg5), reported(la.avg15)]).toEqual([1.27, 0.37, 0.13]);
  });

  it('takes fractional runnable work as the expected active count in fixed point', () => {
    expect(activeOf(1.5)).toBe(3072);
    expect(activeOf(0.0004)).toBe(1);
    expect(activeOf(-1)).toBe(0);
    expect(calcLoad(0, EXP_1, activeOf(1.5))).toBe(246); // (3072·164 + 2047) / 2048
  });
});

const memberSpec = (over: Partial<ClusterMemberSpec> = {}): ClusterMemberSpec => ({
  name: 'm',
  arch: 'x86_64',
  threads: 8,
  memory_bytes: 128 * GiB,
  groups: ['default'],
  state: 'online',
  scheduler_instance: 'all',
  started: 0,
  ...over,
});
const vmSpec = (name: string, over: Partial<ClusterVmSpec> = {}): ClusterVmSpec => ({
  name,
  project: 'default',
  member: 'm',
  limits_cpu: 4,
  limits_memory_bytes: 4 * GiB,
  memory_used_bytes: 3 * GiB,
  stateful: true,
  blocking_devices: [],
  running: true,
  last_move: null,
  dirty_rate_bytes: 0,
  root_disk_bytes: 0,
  evacuate: 'auto',
  load: null,
  ...over,
});

function world(vmSpecs: ClusterVmSpec[], threads = 8) {
  const member = new ClusterMember(0, memberSpec({ threads }), { overhead_cores: 0, memory_overhead_bytes: 4 * GiB, initial_loadavg: 'zero' });
  const vms = vmSpecs.map((s, i) => new ClusterVm(i, s, 0, 0));
  for (const vm of vms) {
    insertVm(member.vms, vm.index, vms);
    if (vm.running) member.vmMemory += vm.residentBytes;
  }
  const metrics = new ClusterMetrics({ start: 0, members: [{ name: 'm', arch: 'x86_64' }], vms: vms.map((v) => ({ name: v.name, project: 0 })), projects: ['default'], utilisationTarget: 1, pingPongWindow: 600 * S });
  return { member, vms, metrics };
}

describe('member observables', () => {
  it('memory.used = host overhead + resident memory of running VMs (stopped VMs hold none)', () => {
    const { member } = world([vmSpec('a'), vmSpec('b'), vmSpec('c'), vmSpec('d', { running: false })]);
    expect(member.memoryUsed).toBe(4 * GiB + 3 * 3 * GiB); // 13 GiB of 128
  });

  it('shares the threads when runnable work exceeds them: the rest is steal, unserved demand and SLO violation', () => {
    // 4 VMs of 4 vCPUs demanding 3 cores each on 8 threads: R = 12, share 8/12; each served 2 cores, 1 stolen
    const { member, vms, metrics } = world([vmSpec('a'), vmSpec('b'), vmSpec('c'), vmSpec('d')]);
    for (const vm of vms) vm.demand = 3;
    refreshMember(member, vms, metrics, 0);
    expect(member.runnable()).toBe(12);
    expect(member.share).toBeCloseTo(8 / 12, 12);
    for (const vm of vms) expect(vm.cpuUsage).toBeCloseTo(2, 12);
    // 10 s later the demand drops to 1 core each: R = 4, no contention
    for (const vm of vms) vm.demand = 1;
    refreshMember(member, vms, metrics, 10 * S);
    const r = metrics.finish(20 * S);
    expect(r.metrics['host_overload_seconds']!.value).toBe(10);
    expect(r.metrics['steal_core_seconds']!.value).toBeCloseTo(4 * 1 * 10, 9); // 4 VMs × 1 core × 10 s
    expect(r.metrics['unserved_core_seconds']!.value).toBeCloseTo(40, 9);
    // capacity 4 × 2/3 = 2.67 < demand 3: all four violate for 10 s
    expect(r.metrics['slo_violation_seconds']!.value).toBe(40);
    expect(r.metrics['demand_core_seconds']!.value).toBeCloseTo(4 * 3 * 10 + 4 * 1 * 10, 9);
    expect(r.members['m']!['utilisation_mean']!.value).toBeCloseTo((150 * 10 + 50 * 10) / 20, 9);
  });

  it('counts demand above limits.cpu apart, not as unserved', () => {
    const { member, vms, metrics } = world([vmSpec('a', { limits_cpu: 2 })]);
    vms[0]!.demand = 3; // 1 core more than the VM has
    refreshMember(member, vms, metrics, 0);
    const r = metrics.finish(10 * S);
    expect(r.metrics['excess_demand_core_seconds']!.value).toBeCloseTo(10, 9);
    expect(r.metrics['unserved_core_seconds']!.value).toBe(0);
    expect(r.metrics['slo_violation_seconds']!.value).toBe(0);
  });

  it('counts the CPU auto-converge takes from a throttled guest as unserved and as SLO violation', () => {
    // demand 2 cores (limits 4) throttled 50 % (QEMU cpu_throttle_set: the vCPU sleeps p % of each 10 ms slice):
    // it runs 1 core, 1 core lost; capacity 4 × 50 % = 2, demand 2 > u (1) × 2? no. At 70 %: it runs 0.6, loses 1.4;
    // capacity 4 × 30 % = 1.2 < 2 → violation for those 10 s
    const { member, vms, metrics } = world([vmSpec('a')]);
    vms[0]!.demand = 2;
    setThrottle(member, vms[0]!, 50);
    refreshMember(member, vms, metrics, 0);
    expect(member.runnable()).toBeCloseTo(1, 12);
    expect(vms[0]!.cpuUsage).toBeCloseTo(1, 12);
    setThrottle(member, vms[0]!, 70);
    refreshMember(member, vms, metrics, 10 * S);
    expect(vms[0]!.cpuUsage).toBeCloseTo(0.6, 12);
    const r = metrics.finish(20 * S);
    expect(r.metrics['unserved_core_seconds']!.value).toBeCloseTo(1 * 10 + 1.4 * 10, 9);
    expect(r.metrics['throttled_core_seconds']!.value).toBeCloseTo(1 * 10 + 1.4 * 10, 9); // all of it the throttle's
    expect(r.metrics['steal_core_seconds']!.value).toBe(0); // 8 threads: no contention
    expect(r.metrics['slo_violation_seconds']!.value).toBe(10);
  });

  it('serves nothing to a VM paused for stop-and-copy or on an offline member', () => {
    const { member, vms, metrics } = world([vmSpec('a')]);
    vms[0]!.demand = 1;
    vms[0]!.paused = true;
    refreshMember(member, vms, metrics, 0);
    expect(vms[0]!.cpuUsage).toBe(0);
    vms[0]!.paused = false;
    member.up = false; // down (the database may still say online)
    refreshMember(member, vms, metrics, 1 * S);
    expect(member.runnable()).toBe(0);
    const r = metrics.finish(3 * S);
    expect(r.metrics['unserved_core_seconds']!.value).toBeCloseTo(3, 9);
    expect(r.metrics['slo_violation_seconds']!.value).toBe(3);
  });
});

describe('pre-copy live migration', () => {
  const base = { memoryBytes: 4 * GiB, dirtyRate: 125e6, bandwidth: 1.25e9, downtimeLimit: 0.3, maxRounds: 0, setupSeconds: 0 };

  it('sends M, then what was dirtied meanwhile, until the rest fits in the downtime limit', () => {
    // M = 4 GiB = 4294967296 B at 10 Gbit/s (1.25e9 B/s), dirtying 1 Gbit/s (D/B = 0.1), L = 0.3 s (3.75e8 B):
    // pass 1: 4294967296 / 1.25e9 = 3.4359738368 s; dirtied 429496729.6 B > 3.75e8. Throttle check (ram.c
    // migration_trigger_throttle): 429496729.6 > 20 % of 4294967296 = 858993459.2? no.
    // sync interval: min(5 s, R / B = 0.34359738368 s); dirtied 42949672.96 B ≤ 3.75e8 → stop-and-copy 0.034359738368 s
    const r = precopy(base);
    expect(r.rounds).toBe(2);
    expect(r.precopySeconds).toBeCloseTo(3.4359738368 + 0.34359738368, 12);
    expect(r.downtimeSeconds).toBeCloseTo(0.034359738368, 12);
    expect(r.totalSeconds).toBeCloseTo(3.4359738368 * 1.11, 12); // M/B · (1 + r + r²)
    expect(r.transferredBytes).toBeCloseTo(4294967296 * 1.11, 3);
    expect(r.converged).toBe(true);
    expect(r.throttle).toEqual([]);
  });

  it('adds the setup time and halves the bandwidth when two migrations share the link', () => {
    const r = precopy({ ...base, bandwidth: 1.25e9 / 2, setupSeconds: 1 });
    // D/B = 0.2: V = M, 0.2 M = 858993459.2 (> 1.875e8; not > 20 % of M: no throttle), 0.04 M = 171798691.84 (≤ 1.875e8)
    expect(r.rounds).toBe(2);
    expect(r.totalSeconds).toBeCloseTo(1 + (4294967296 / 6.25e8) * (1 + 0.2 + 0.04), 9);
  });

  it('a guest dirtying faster than the link is throttled by auto-converge until it converges (14 GiB, 200 MiB/s, 128 MiB/s)', () => {
    // QEMU as Incus drives it (driver_qemu.go migrateSendLive: auto-converge, cpu-throttle-initial 50,
    // throttle-trigger-threshold 20; QEMU defaults max-bandwidth 128 MiB/s (MAX_THROTTLE), cpu-throttle-increment 10,
    // downtime-limit 300 ms; ram.c migration_trigger_throttle: throttle every 2nd period with dirtied > 20 % of sent;
    // cpu-throttle.c: dirty bitmap synced at least every 5 s after the first pass). In MiB and s, budget B·L = 38.4:
    //  pass 1: 14336 / 128 = 112 s; dirtied min(14336, 200·112) = 14336 > 20 % of 14336 → count 1
    //  117: sent 640, re-dirtied min(1000, 640) = 640 (R stays 14336); 640 > 128 → count 2 → throttle 50 %
    //  122: dirty rate 100: R = 14336 − 640 + 500 = 14196 (count 1); 127: 14056 → 60 %
    //  132: rate 80: 13816; 137: 13576 → 70 %; 142: rate 60: 13236; 147: 12896 → 80 %
    //  152: rate 40 (200 > 128, count 1): 12456; 157: 12016 → 90 %; from here 100 per 5 s ≤ 128: no more steps
    //  R falls by 640 − 100 = 540 per 5 s: 22 intervals to 267 s: 12016 − 11880 = 136
    //  267: the pass ends after 136 / 128 = 1.0625 s, dirtied 20 · 1.0625 = 21.25 ≤ 38.4 → switchover at 268.0625 s
    //  downtime 21.25 / 128 = 0.166015625 s; syncs 1 + 9 + 22 + 1 = 33
    const MiB = 2 ** 20;
    const r = precopy({ memoryBytes: 14 * GiB, dirtyRate: 200 * MiB, bandwidth: 128 * MiB, downtimeLimit: 0.3, maxRounds: 0, setupSeconds: 0 });
    expect(r.converged).toBe(true);
    expect(r.throttle).toEqual([
      { at: 117, percent: 50 },
      { at: 127, percent: 60 },
      { at: 137, percent: 70 },
      { at: 147, percent: 80 },
      { at: 157, percent: 90 },
    ]);
    expect(r.finalThrottle).toBe(90);
    expect(r.precopySeconds).toBeCloseTo(268.0625, 9);
    expect(r.downtimeSeconds).toBeCloseTo(0.166015625, 12);
    expect(r.totalSeconds).toBeCloseTo(268.228515625, 9);
    expect(r.rounds).toBe(33);
    expect(r.transferredBytes / MiB).toBeCloseTo(14336 + 31 * 640 + 136 + 21.25, 6);
  });

  it('an idle guest is copied in one pass and switches over in the fixed switchover time', () => {
    // 3 GiB at 128 MiB/s: 24 s, nothing dirtied → downtime = the 30 ms switchover alone
    const r = precopy({ ...base, memoryBytes: 3 * GiB, dirtyRate: 0, bandwidth: 128 * 2 ** 20, switchoverSeconds: 0.03 });
    expect(r.precopySeconds).toBeCloseTo(24, 12);
    expect(r.downtimeSeconds).toBeCloseTo(0.03, 12);
    expect(r.rounds).toBe(1);
  });

  it('copies a local root disk at the link share before the memory', () => {
    // 10 GiB disk at 1.25e9 B/s = 8.589934592 s, then the 4 GiB case above
    const r = precopy({ ...base, diskBytes: 10 * GiB, diskBandwidth: 1.25e9 });
    expect(r.totalSeconds).toBeCloseTo(8.589934592 + 3.4359738368 * 1.11, 9);
    expect(r.transferredBytes).toBeCloseTo(4294967296 * 1.11 + 10 * GiB, 3);
  });

  it('never converges when the guest outruns the link even at the 99 % throttle (no cap on rounds)', () => {
    // 13 GiB/s · 1 % = 133.12 MiB/s > 128 MiB/s: the migration runs forever, as migrationOp.Wait() upstream
    const r = precopy({ ...base, dirtyRate: 13 * GiB, bandwidth: 128 * 2 ** 20 });
    expect(r.converged).toBe(false);
    expect(r.totalSeconds).toBe(Infinity);
    expect(r.finalThrottle).toBe(99);
  });

  it('stops after max_rounds syncs when asked to (not QEMU), or never throttles without auto-converge', () => {
    const r = precopy({ ...base, dirtyRate: 2e9, maxRounds: 5, autoConverge: false });
    // D > B: every pass re-dirties all 4 GiB; after 5 syncs the whole memory is sent in the downtime
    expect(r.rounds).toBe(5);
    expect(r.converged).toBe(false);
    expect(r.throttle).toEqual([]);
    expect(r.downtimeSeconds).toBeCloseTo(4294967296 / 1.25e9, 12);
  });
});

describe('cluster metrics', () => {
  const two = () =>
    new ClusterMetrics({
      start: 0,
      members: [
        { name: 'a', arch: 'x86_64' },
        { name: 'b', arch: 'x86_64' },
      ],
      vms: [{ name: 'v', project: 0 }],
      projects: ['default'],
      utilisationTarget: 1,
      pingPongWindow: 600 * S,
    });

  it('integrates the imbalance per architecture exactly (time-weighted mean, max held)', () => {
    const m = two();
    m.member(0, 0, 5, 10, true); // 50 %
    m.member(1, 0, 3, 10, true); // 30 %
    m.commit(0);
    m.member(0, 10 * S, 8, 10, true); // 80 % from 10 s
    m.commit(10 * S);
    const r = m.finish(20 * S);
    expect(r.metrics['imbalance_mean_x86_64']!.value).toBeCloseTo((20 * 10 + 50 * 10) / 20, 12); // 35
    expect(r.metrics['imbalance_max_x86_64']!.value).toBeCloseTo(50, 12);
  });

  it('leaves members that do not take instances out of the imbalance', () => {
    const m = two();
    m.member(0, 0, 5, 10, true);
    m.member(1, 0, 0, 10, false); // evacuated
    m.commit(0);
    const r = m.finish(10 * S);
    expect(r.metrics['imbalance_mean_x86_64']!.value).toBeNull();
  });

  it('counts a ping-pong when a VM moves again within W, and a return to the member it left', () => {
    const m = two();
    const rec = (from: number, to: number, start: number, end: number) => ({ vm: 0, from, to, start: start * S, end: end * S, ok: true, live: true, downtime: 0, bytes: 0, rounds: 1 });
    expect(m.migration(rec(0, 1, 0, 10))).toBe(false);
    expect(m.migration(rec(1, 0, 300, 310))).toBe(true); // 290 s after: back to a
    expect(m.migration(rec(0, 1, 1000, 1010))).toBe(false); // 690 s > W
    const r = m.finish(3600 * S);
    expect(r.metrics['ping_pongs']!.value).toBe(1);
    expect(r.metrics['ping_pongs_back']!.value).toBe(1);
    expect(r.metrics['ping_pong_rate']!.value).toBe(1);
    expect(r.metrics['migrations']!.value).toBe(3);
    expect(r.metrics['migration_seconds']!.value).toBe(30);
  });
});
