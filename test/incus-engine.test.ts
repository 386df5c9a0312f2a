/**
 * Golden cases for the Incus rebalancer, worked by hand from docs/engines/incus.md and
 * upstream's cmd/incusd/api_cluster_rebalance.go. Numbers in comments are the hand computation.
 */
import { describe, expect, it } from 'vitest';
import { incusDescriptor } from '../src/engines/incus/descriptor.js';
import {
  goMapOrder,
  initialState,
  nextTickAfterRun,
  inCooldown,
  liveMigratable,
  nextTick,
  onDaemonStart,
  onLeaderChange,
  onMigrationResult,
  onTick,
  runDue,
  type ClusterView,
  type IncusAction,
  type IncusContext,
  type IncusOptions,
  type IncusState,
  type MemberView,
  type ProjectView,
  type VmView,
} from '../src/engines/incus/engine.js';
import { floatConversionOf, goUint8, imbalance, midpoint, score } from '../src/engines/incus/score.js';

const S = 1_000_000;
const MIN = 60 * S;
const H = 60 * MIN;
const GiB = 2 ** 30;

const preset = (variant: string) => {
  const raw = incusDescriptor.variants.find((v) => v.name === variant)!.options;
  return { ...raw, pair_hysteresis: 0 } as unknown as IncusOptions;
};
const ctx = (variant: 'faithful' | 'corrected', extra: Partial<IncusOptions> = {}, config: Partial<IncusContext['config']> = {}): IncusContext => ({
  config: { interval: 1, threshold: 20, cooldown: 6 * H, batch: 1, ...config },
  options: { ...preset(variant), ...extra },
});

function member(name: string, over: Partial<MemberView> = {}): MemberView {
  return { name, arch: 'x86_64', threads: 8, memoryTotal: 64 * GiB, memoryUsed: 32 * GiB, load1: 2, state: 'online', scheduler: 'all', groups: ['default'], startedAt: 0, ...over };
}
function vm(name: string, on: number, over: Partial<VmView> = {}): VmView {
  return { name, project: 0, member: on, running: true, stateful: true, blockingDevices: false, migrating: false, lastMove: null, limitsCpu: 1, limitsMemory: 1 * GiB, cpuUsage: 0.5, memoryUsage: 1 * GiB, ...over };
}
const DEFAULT_PROJECT: ProjectView = { name: 'default', restricted: false, clusterGroups: [] };

function view(members: MemberView[], vms: VmView[], opts: { leader?: number; projects?: ProjectView[]; mapRandom?: number } = {}): ClusterView {
  return {
    members,
    vms,
    projects: opts.projects ?? [DEFAULT_PROJECT],
    leader: opts.leader ?? 0,
    mapRandom: opts.mapRandom ?? 0,
    vmsOn: (m) => vms.flatMap((v, i) => (v.member === m ? [i] : [])),
  };
}

const migrations = (actions: readonly IncusAction[]) => actions.filter((a) => a.type === 'migrate') as Extract<IncusAction, { type: 'migrate' }>[];
const finished = (actions: readonly IncusAction[]) => actions.find((a) => a.type === 'run_finished') as Extract<IncusAction, { type: 'run_finished' }> | undefined;

/** Run a tick at `t` (the first tick is at 1 min for members started at 0). */
function tick(c: IncusContext, v: ClusterView, t = MIN, state: IncusState = initialState(v, c)) {
  return onTick(c, state, v, t);
}

describe('score arithmetic (uint8, as shipped)', () => {
  it('converts floats to uint8 through int32 and keeps the low byte', () => {
    expect(goUint8(90, 'x86')).toBe(90);
    expect(goUint8(255.9, 'x86')).toBe(255);
    expect(goUint8(260.7, 'x86')).toBe(4); // trunc 260 → 260 − 256
    expect(goUint8(300, 'x86')).toBe(44);
    expect(goUint8(-1, 'x86')).toBe(255); // int32 −1 = 0xFFFFFFFF
    expect(goUint8(2 ** 31, 'x86')).toBe(0); // CVTTSD2SL: 0x80000000
    expect(goUint8(2 ** 31, 'saturating')).toBe(255); // arm64 FCVTZS: 0x7FFFFFFF
    expect(goUint8(Number.NaN, 'x86')).toBe(0);
    expect(floatConversionOf('x86_64')).toBe('x86');
    expect(floatConversionOf('aarch64')).toBe('saturating');
  });

  it('wraps 90 + 170 → 260 → 4 → score 2: a host at 170 % CPU looks idle', () => {
    // memory 90 GiB of 100 GiB = 90 %; load 17 on 10 threads = 170 %
    const host = { memoryUsage: 90 * GiB, memoryTotal: 100 * GiB, cpuUsage: 17, cpuTotal: 10 };
    expect(score('uint8', 'x86', host)).toBe(2); // (90 + 170) mod 256 = 4, / 2 = 2
    expect(score('saturating', 'x86', host)).toBe(127); // min(255, 260) / 2
    expect(score('wide', 'x86', host)).toBe(130); // 260 / 2
  });

  it('wraps the CPU part alone above 255 %', () => {
    // load 30 on 10 threads = 300 % → 44; memory 50 % → (50 + 44) / 2 = 47
    const host = { memoryUsage: 50, memoryTotal: 100, cpuUsage: 30, cpuTotal: 10 };
    expect(score('uint8', 'x86', host)).toBe(47);
    expect(score('wide', 'x86', host)).toBe(175);
  });

  it('truncates each part before adding (uint8 conversion truncates toward zero)', () => {
    // memory 33.33… % → 33; cpu 2.5 / 8 = 31.25 % → 31; (33 + 31) / 2 = 32
    expect(score('uint8', 'x86', { memoryUsage: 1, memoryTotal: 3, cpuUsage: 2.5, cpuTotal: 8 })).toBe(32);
  });

  it('computes the midpoint target score in uint8 too (200 + 100 wraps)', () => {
    expect(midpoint('uint8', 200, 100)).toBe(22); // 300 − 256 = 44, / 2
    expect(midpoint('uint8', 115, 37)).toBe(76);
    expect(midpoint('wide', 200, 100)).toBe(150);
    expect(midpoint('saturating', 200, 100)).toBe(127);
  });

  it('computes the relative imbalance with int64 truncation, or the absolute difference', () => {
    expect(imbalance('relative', 50, 40)).toBe(20);
    expect(imbalance('relative', 50, 41)).toBe(18); // 9 / 50 × 100 = 18
    expect(imbalance('relative', 3, 2)).toBe(33); // 33.33 → 33
    expect(imbalance('absolute', 50, 41)).toBe(9);
  });
});

describe('task schedule and interval phase', () => {
  it('ticks every minute from one minute after the daemon started', () => {
    expect(nextTick(MIN, 0)).toBe(MIN);
    expect(nextTick(MIN, MIN)).toBe(MIN);
    expect(nextTick(MIN, MIN + 1)).toBe(2 * MIN);
    // daemon started 2 min 17 s before the simulation: ticks at −77 s, −17 s, 43 s, 103 s …
    expect(nextTick(-137 * S + MIN, 0)).toBe(43 * S);
  });

  it('runs when round(minutes since start) % interval == 0 (Go rounds half away from zero)', () => {
    expect(runDue(3, -137 * S, 43 * S)).toBe(true); // (43 + 137) / 60 = 3 → 3 % 3 = 0
    expect(runDue(3, -137 * S, 103 * S)).toBe(false); // 4
    expect(runDue(5, 0, 5 * MIN + 29 * S)).toBe(true); // 5.48 → 5
    expect(runDue(5, 0, 5 * MIN + 30 * S)).toBe(false); // 5.5 → 6
    expect(runDue(5, 0, 4 * MIN + 30 * S)).toBe(true); // 4.5 → 5
    expect(runDue(0, 0, 5 * MIN)).toBe(false); // interval 0 disables
  });

  it('skips the first minute and acts only on runs due; after a run the next tick is one minute minus its duration away', () => {
    // lxc/incus internal/server/task/task.go, Task.loop: after t.f(ctx) ran for `duration`,
    // delay = schedule − duration (1 min − duration), or immediately when negative.
    const members = [member('a', { load1: 8 }), member('b', { load1: 0 })];
    const v = view(members, [vm('v1', 0)]);
    const c = ctx('faithful', {}, { interval: 3 });
    const s0 = initialState(v);
    expect(s0.tickBase).toEqual([MIN, MIN]);
    // minute 1 and 2: not due
    let d = onTick(c, s0, v, MIN);
    expect(d.actions).toEqual([]);
    expect(d.wakeAt).toBe(2 * MIN);
    d = onTick(c, d.state, v, 2 * MIN);
    expect(d.wakeAt).toBe(3 * MIN);
    // minute 3: due; the migration is waited for (no wake)
    d = onTick(c, d.state, v, 3 * MIN);
    expect(migrations(d.actions)).toHaveLength(1);
    expect(d.wakeAt).toBeNull();
    // the run returns at 3:40 after 40 s: delay 60 − 40 = 20 s → next tick at 4:00, the grid is kept
    d = onMigrationResult(c, d.state, v, true, 3 * MIN + 40 * S);
    expect(d.state.tickBase[0]).toBe(4 * MIN);
    expect(d.wakeAt).toBe(4 * MIN);
    // 4:00 → round(4) = 4, not due; 5:00 not due; 6:00 → 6 % 3 == 0 → due
    expect(runDue(3, 0, 4 * MIN)).toBe(false);
    expect(runDue(3, 0, 6 * MIN)).toBe(true);
  });

  it('ticks again at once when the run took longer than a minute', () => {
    // a run from 3:00 whose migration ends at 4:30 (90 s): delay 60 − 90 < 0 → immediately, at 4:30;
    // then every minute from there: 5:30 (round 5.5 = 6 → 6 % 3 == 0: due)
    expect(nextTickAfterRun(3 * MIN, 4 * MIN + 30 * S)).toBe(4 * MIN + 30 * S);
    expect(nextTickAfterRun(3 * MIN, 3 * MIN + 40 * S)).toBe(4 * MIN);
    expect(nextTickAfterRun(3 * MIN, 4 * MIN)).toBe(4 * MIN); // exactly a minute: delay 0
    const v = view([member('a', { load1: 8 }), member('b', { load1: 0 })], [vm('v1', 0)]);
    const c = ctx('faithful', {}, { interval: 3 });
    let d = onTick(c, initialState(v), v, 3 * MIN);
    d = onMigrationResult(c, d.state, v, true, 4 * MIN + 30 * S);
    expect(d.wakeAt).toBe(4 * MIN + 30 * S);
    expect(runDue(3, 0, 4 * MIN + 30 * S)).toBe(false); // 4.5 → 5
    expect(runDue(3, 0, 5 * MIN + 30 * S)).toBe(true); // 5.5 → 6
  });

  it('a daemon that starts again (after the crash of lxc/incus#2808) starts its task over', () => {
    const v = view([member('a'), member('b')], []);
    expect(onDaemonStart(ctx('faithful'), initialState(v), v, 0, 10 * MIN + 7 * S).state.tickBase).toEqual([11 * MIN + 7 * S, MIN]);
    expect(onDaemonStart(ctx('faithful', { version: '6.7' }), initialState(v), v, 1, 10 * MIN).state.tickBase).toEqual([MIN, 10 * MIN]);
  });

  it('6.7–6.20 run the task at daemon start (no SkipFirst)', () => {
    // v6.20.0 autoRebalanceClusterTask: task.Every(time.Minute) without task.SkipFirst
    const v = view([member('a', { startedAt: -137 * S }), member('b')], []);
    expect(initialState(v, ctx('faithful', { version: '6.7' })).tickBase).toEqual([-137 * S, 0]);
    expect(initialState(v, ctx('faithful', { version: '6.21' })).tickBase).toEqual([-77 * S, MIN]);
  });
});

describe('cooldown', () => {
  it('skips a VM while now < last_move + cooldown (last_move in whole seconds)', () => {
    expect(inCooldown(null, 6 * H, 0)).toBe(false);
    expect(inCooldown(0, 6 * H, 6 * H - 1)).toBe(true);
    expect(inCooldown(0, 6 * H, 6 * H)).toBe(false);
  });
});

/**
 * The basic cluster: source `hot` (memory 50 %, load 8 on 8 threads = 100 % → score 75) and
 * target `cold` (50 %, 0 % → 25): imbalance (75 − 25) / 75 = 66 % ≥ 20; midpoint 50.
 */
function basic(vms: VmView[], over: { hot?: Partial<MemberView>; cold?: Partial<MemberView> } = {}) {
  return view([member('hot', { load1: 8, ...over.hot }), member('cold', { load1: 0, ...over.cold })], vms);
}

describe('candidate filtering', () => {
  it('keeps only live-migratable VMs outside cooldown; faithful ignores the running state', () => {
    const vms = [
      vm('not-stateful', 0, { stateful: false }),
      vm('gpu', 0, { blockingDevices: true }),
      vm('recent', 0, { lastMove: 0 }), // moved at 0, cooldown 6 h, now 1 min
      vm('stopped', 0, { running: false }),
      vm('ok', 0),
    ];
    const faithful = tick(ctx('faithful'), basic(vms));
    expect(migrations(faithful.actions).map((m) => m.vm)).toEqual([3]); // 'stopped' comes first in database order
    const corrected = tick(ctx('corrected'), basic(vms));
    expect(migrations(corrected.actions).map((m) => m.vm)).toEqual([4]);
    const f = onMigrationResult(ctx('corrected'), corrected.state, basic(vms), true, MIN + 10 * S);
    expect(finished(f.actions)!.skips).toMatchObject({ not_live_migratable: 2, cooldown: 1, not_running: 1 });
  });

  it('treats an expired cooldown as no cooldown', () => {
    const vms = [vm('old', 0, { lastMove: -7 * 3600 })];
    expect(migrations(tick(ctx('faithful'), basic(vms)).actions)).toHaveLength(1);
  });

  it('considers only online, non-evacuated members with scheduler.instance=all', () => {
    for (const over of [{ state: 'evacuated' as const }, { state: 'offline' as const }, { scheduler: 'manual' as const }, { scheduler: 'group' as const }]) {
      const d = tick(ctx('faithful'), basic([vm('v', 0)], { cold: over }));
      expect(migrations(d.actions)).toHaveLength(0);
      const checked = d.actions.find((a) => a.type === 'arch_checked');
      expect(checked).toMatchObject({ outcome: 'too_few_members' });
    }
  });

  it('does nothing below the threshold or when the busiest member scores 0', () => {
    // hot: (50 + 50) / 2 = 50, cold (50 + 25) / 2 = 37: (50 − 37) / 50 = 26 % ≥ 20 → rebalance; threshold 30 → balanced
    const v = basic([vm('v', 0)], { hot: { load1: 4 }, cold: { load1: 2 } });
    expect(tick(ctx('faithful', {}, { threshold: 30 }), v).actions.find((a) => a.type === 'arch_checked')).toMatchObject({ outcome: 'balanced', imbalance: 26 });
    expect(migrations(tick(ctx('faithful', {}, { threshold: 26 }), v).actions)).toHaveLength(1);
    const idle = basic([vm('v', 0)], { hot: { load1: 0, memoryUsed: 0 }, cold: { load1: 0, memoryUsed: 0 } });
    expect(tick(ctx('faithful'), idle).actions.find((a) => a.type === 'arch_checked')).toMatchObject({ outcome: 'idle' });
  });
});

describe('target choice under project restrictions', () => {
  // a (source) 75; b rack-a 37; c rack-b 25 (least loaded)
  const members = [
    member('a', { load1: 8, groups: ['rack-a'] }),
    member('b', { load1: 2, groups: ['rack-a'] }),
    member('c', { load1: 0, groups: ['rack-b'] }),
  ];
  const projects: ProjectView[] = [
    DEFAULT_PROJECT,
    { name: 'tenant', restricted: true, clusterGroups: ['rack-a'], clusterTarget: 'allow' },
    { name: 'loose', restricted: false, clusterGroups: ['rack-a'] },
  ];
  // projects other than default are moved with the project selected only on main
  const c7 = (extra: Partial<IncusOptions> = {}) => ctx('faithful', { version: 'main', ...extra });

  it('sends an unrestricted VM to the least-loaded member', () => {
    const d = tick(ctx('faithful'), view(members, [vm('v', 0)], { projects }));
    expect(migrations(d.actions)[0]).toMatchObject({ from: 0, to: 2, targetScore: 50 }); // (75 + 25) / 2
  });

  it('sends a VM of a project restricted to rack-a to the least-loaded member of rack-a', () => {
    const d = tick(c7(), view(members, [vm('v', 0, { project: 1 })], { projects }));
    expect(migrations(d.actions)[0]).toMatchObject({ from: 0, to: 1, targetScore: 56 }); // (75 + 37) / 2
  });

  it('ignores restricted.cluster.groups unless restricted=true', () => {
    const d = tick(c7(), view(members, [vm('v', 0, { project: 2 })], { projects }));
    expect(migrations(d.actions)[0]).toMatchObject({ to: 2 });
  });

  it('skips a VM with no allowed target', () => {
    const p: ProjectView[] = [{ name: 'nowhere', restricted: true, clusterGroups: ['rack-z'], clusterTarget: 'allow' }];
    const d = tick(ctx('faithful'), view(members, [vm('v', 0)], { projects: p }));
    expect(migrations(d.actions)).toHaveLength(0);
    expect(finished(d.actions)!.skips.no_allowed_target).toBe(1);
  });
});

describe('restricted.cluster.target (lxc/incus#2808)', () => {
  // members as above: a (source) 75 = (50 % + 100 %) / 2; b rack-a 37 = (50 + 25) / 2; c rack-b 25
  const members = [
    member('a', { load1: 8, groups: ['rack-a'] }),
    member('b', { load1: 2, groups: ['rack-a'] }),
    member('c', { load1: 0, groups: ['rack-b'] }),
  ];
  // restricted=true with restricted.cluster.target unset: its default is "block"
  // (internal/server/project/permissions.go allRestrictions)
  const projects: ProjectView[] = [DEFAULT_PROJECT, { name: 'tenant', restricted: true, clusterGroups: ['rack-a'] }];
  const vms = [vm('v1', 0), vm('v2', 0, { project: 1 })];

  it('7.x: the run reaches the tenant VM, CheckTarget dereferences the nil request and the task dies; v1 has moved', () => {
    // clusterRebalanceServers (v7.0.0): per instance, project.CheckTarget(ctx, s.Authorizer, nil, …)
    // → CheckClusterTargetRestriction: projectHasRestriction(…"block") && target != "" → r.Context() on nil
    const c = ctx('faithful', {}, { batch: 2 });
    let d = tick(c, view(members, vms, { projects }));
    expect(migrations(d.actions)[0]).toMatchObject({ vm: 0, to: 2 });
    d = onMigrationResult(c, d.state, view(members, vms, { projects }), true, MIN + 5 * S);
    expect(migrations(d.actions)).toHaveLength(0);
    expect(finished(d.actions)).toMatchObject({ outcome: 'crashed', migrated: 1 });
    expect(finished(d.actions)!.error).toContain('2808');
  });

  it('6.7–6.23: every project of the source\'s VMs is checked against the target before any move: nothing moves', () => {
    // v6.20.0 clusterRebalanceServers: CheckTarget for each dbInst.Project inside the first transaction
    const d = tick(ctx('faithful', { version: '6.7' }, { batch: 2 }), view(members, vms, { projects }), 0);
    expect(migrations(d.actions)).toHaveLength(0);
    expect(finished(d.actions)).toMatchObject({ outcome: 'crashed', migrated: 0 });
  });

  it('never moves a VM of such a project, whatever the batch', () => {
    const d = tick(ctx('faithful'), view(members, [vm('v2', 0, { project: 1 })], { projects }));
    expect(migrations(d.actions)).toHaveLength(0);
    expect(finished(d.actions)!.outcome).toBe('crashed');
  });

  it('restricted.cluster.target=allow: no crash, the groups decide', () => {
    const allow: ProjectView[] = [DEFAULT_PROJECT, { ...projects[1]!, clusterTarget: 'allow' }];
    const d = tick(ctx('faithful', { version: 'main' }), view(members, [vm('v2', 0, { project: 1 })], { projects: allow }));
    expect(migrations(d.actions)[0]).toMatchObject({ to: 1 });
  });

  it('corrected overrides the restriction as an evacuation does (admin); refuse leaves the VM where it is', () => {
    const d = tick(ctx('faithful', { version: 'main', cluster_target_check: 'admin' }), view(members, [vm('v2', 0, { project: 1 })], { projects }));
    expect(migrations(d.actions)[0]).toMatchObject({ to: 1 }); // rack-a still applies: b
    const r = tick(ctx('faithful', { version: 'main', cluster_target_check: 'refuse' }), view(members, [vm('v2', 0, { project: 1 })], { projects }));
    expect(migrations(r.actions)).toHaveLength(0);
    expect(finished(r.actions)).toMatchObject({ outcome: 'done', skips: { no_allowed_target: 1 } });
    expect(migrations(tick(ctx('corrected'), view(members, [vm('v2', 0, { project: 1 })], { projects })).actions)[0]).toMatchObject({ to: 1 });
  });
});

describe('upstream versions (option version)', () => {
  const members = [
    member('a', { load1: 8, groups: ['rack-a'] }),
    member('b', { load1: 2, groups: ['rack-a'] }),
    member('c', { load1: 0, groups: ['rack-b'] }),
  ];
  const shop: ProjectView[] = [DEFAULT_PROJECT, { name: 'shop', restricted: false, clusterGroups: [] }];

  it('7.x moves a VM outside the default project without selecting it: the call fails and the run is aborted', () => {
    // v7.3.0: targetClient := srcClient.UseTarget(name) — no UseProject — MigrateInstance(inst.Name())
    // looks the name up in project "default" → error → "Migration API failure" returned up to clusterRebalance
    const vms = [vm('s1', 0, { project: 1 }), vm('v1', 0)];
    const d = tick(ctx('faithful', {}, { batch: 2 }), view(members, vms, { projects: shop }));
    expect(migrations(d.actions)).toHaveLength(0);
    expect(finished(d.actions)).toMatchObject({ outcome: 'aborted', migrated: 0, skips: { wrong_project: 1 } });
    expect(finished(d.actions)!.error).toContain('not found in project default');
  });

  it('main (13c51b06) selects the project and estimates the impact the right way round', () => {
    // srcClient.UseProject(inst.Project().Name).UseTarget(…); MemoryUsage: memUsage, CPUUsage: cpuUsage
    // c: mem (32 GiB + 1 GiB) / 64 GiB = 51.56 → 51; cpu (0 + 1) / 8 = 12.5 → 12; (51 + 12) / 2 = 31 < (75 + 25) / 2 = 50
    const d = tick(ctx('faithful', { version: 'main' }), view(members, [vm('s1', 0, { project: 1 })], { projects: shop }));
    expect(migrations(d.actions)[0]).toMatchObject({ vm: 0, to: 2, targetScore: 50, expectedScore: 31 });
  });

  it('6.7 sends everything to the least busy member only: a VM not allowed there stays, though b would take it', () => {
    // v6.20.0 clusterRebalance: clusterRebalanceServers(ctx, s, v[0], v[leastBusyIndex], …); projects checked against it
    const tenant: ProjectView[] = [DEFAULT_PROJECT, { name: 'tenant', restricted: true, clusterGroups: ['rack-a'], clusterTarget: 'allow' }];
    const vms = [vm('t1', 0, { project: 1 })];
    const old = tick(ctx('faithful', { version: '6.7' }), view(members, vms, { projects: tenant }), 0);
    expect(migrations(old.actions)).toHaveLength(0);
    const now = tick(ctx('faithful', { version: 'main' }), view(members, vms, { projects: tenant }));
    expect(migrations(now.actions)[0]).toMatchObject({ to: 1 });
  });

  it('6.7 skips a VM too big for its one target and tries the next one', () => {
    // hot 75, cold 25, midpoint 50; impact limits: v1 (8 vCPU) → cold mem (32 + 1) / 64 = 51 %, cpu 8 / 8 = 100 %
    // → (51 + 100) / 2 = 75 ≥ 50: "too big an impact", continue; v2 (1 vCPU) → (51 + 12) / 2 = 31 < 50 → moves
    const vms = [vm('v1', 0, { limitsCpu: 8 }), vm('v2', 0)];
    const d = tick(ctx('faithful', { version: '6.7', impact_estimate: 'limits' }, { batch: 3 }), basic(vms), 0);
    expect(migrations(d.actions)[0]).toMatchObject({ vm: 1, to: 1, expectedScore: 31 });
  });
});

describe('cluster.evacuate (driver_common.go canMigrate)', () => {
  it('live-migrate makes a candidate whatever migration.stateful and the devices say; stop and migrate never', () => {
    expect(liveMigratable(vm('x', 0, { stateful: false, evacuate: 'live-migrate' }))).toBe(true);
    expect(liveMigratable(vm('x', 0, { blockingDevices: true, evacuate: 'live-migrate' }))).toBe(true);
    expect(liveMigratable(vm('x', 0, { stateful: true, evacuate: 'stop' }))).toBe(false);
    expect(liveMigratable(vm('x', 0, { stateful: true, evacuate: 'migrate' }))).toBe(false);
    expect(liveMigratable(vm('x', 0, { stateful: true, evacuate: 'auto' }))).toBe(true);
    expect(liveMigratable(vm('x', 0, { stateful: false }))).toBe(false);
    const d = tick(ctx('faithful'), basic([vm('x', 0, { stateful: false, evacuate: 'live-migrate' })]));
    expect(migrations(d.actions)).toHaveLength(1);
  });
});

describe('the swapped impact estimate', () => {
  // source: memory 80 %, load 12 on 8 threads = 150 % → (80 + 150) / 2 = 115 (230 < 256: no wrap)
  // target: memory 50 %, load 2 on 8 = 25 % → 37; midpoint (115 + 37) / 2 = 76
  // VM: limits.cpu 8, limits.memory 16 GiB (25 % of the target's 64 GiB)
  const big = vm('big', 0, { limitsCpu: 8, limitsMemory: 16 * GiB, cpuUsage: 0.2, memoryUsage: 2 * GiB });
  const v = view([member('src', { load1: 12, memoryUsed: 51.2 * GiB }), member('dst', { load1: 2 })], [big]);

  it('as shipped adds the memory bytes to the CPU load: the CPU part overflows int32 and reads 0, so the VM moves', () => {
    // expected: mem (32 GiB + 8 bytes) → 50 %; cpu (2 + 17179869184) × 100 / 8 ≈ 2.1e11 → x86 uint8 → 0; (50 + 0) / 2 = 25 < 76
    const d = tick(ctx('faithful'), v);
    expect(migrations(d.actions)[0]).toMatchObject({ targetScore: 76, expectedScore: 25 });
  });

  it('on an arm64 leader the overflowing CPU part saturates to 255 instead: (50 + 255) mod 256 / 2 = 24', () => {
    const arm = view(v.members.map((m) => ({ ...m, arch: 'aarch64' })), [big]);
    expect(migrations(tick(ctx('faithful'), arm).actions)[0]).toMatchObject({ expectedScore: 24 });
  });

  it('the right way round (limits) the VM is too big: memory 75 %, cpu 125 % → 100 ≥ 76', () => {
    const d = tick(ctx('faithful', { impact_estimate: 'limits' }), v);
    expect(migrations(d.actions)).toHaveLength(0);
    expect(finished(d.actions)!.skips.impact_too_big).toBe(1);
  });

  it('from observed usage it fits: memory 53 %, cpu 27 % → 40 < 76', () => {
    // (32 + 2) / 64 = 53.1 → 53; (2 + 0.2) / 8 = 27.5 → 27; (53 + 27) / 2 = 40
    const d = tick(ctx('faithful', { impact_estimate: 'usage' }), v);
    expect(migrations(d.actions)[0]).toMatchObject({ expectedScore: 40 });
  });
});

describe('batch, running scores and the target reached', () => {
  it('moves at most `batch` VMs and updates only the target\'s running score (as shipped)', () => {
    const vms = [vm('v1', 0), vm('v2', 0), vm('v3', 0)];
    const c = ctx('faithful', { impact_estimate: 'limits' }, { batch: 2 });
    // hot 75, cold 25, midpoint 50. Each VM (1 vCPU, 1 GiB): cold → mem 33/64 = 51 %, cpu 1/8 = 12 % → 31; then 53 %, 25 % → 39
    let d = tick(c, basic(vms));
    expect(migrations(d.actions)[0]).toMatchObject({ vm: 0, expectedScore: 31 });
    d = onMigrationResult(c, d.state, basic(vms), true, MIN + 5 * S);
    expect(d.actions[0]).toEqual({ type: 'stamp_last_move', vm: 0, value: 65 });
    expect(migrations(d.actions)[0]).toMatchObject({ vm: 1, expectedScore: 39 });
    d = onMigrationResult(c, d.state, basic(vms), true, MIN + 10 * S);
    expect(finished(d.actions)).toMatchObject({ migrated: 2, outcome: 'done' });
    expect(d.state.tickBase[0]).toBe(2 * MIN); // the run took 10 s: next tick 50 s later, at 2:00
  });

  it('skips VMs once the target reaches the midpoint, without trying another target (as shipped)', () => {
    // three members: hot 75, mid 37 (load 2), cold 25. Each 1-vCPU/1-GiB VM on cold: 31, 39, 45, 53 ≥ 50
    const members = [member('hot', { load1: 8 }), member('mid', { load1: 2 }), member('cold', { load1: 0 })];
    const vms = [vm('v1', 0), vm('v2', 0), vm('v3', 0), vm('v4', 0)];
    const c = ctx('faithful', { impact_estimate: 'limits' }, { batch: 10 });
    const v = view(members, vms);
    let d = tick(c, v);
    const moved: Array<[number, number]> = [];
    while (migrations(d.actions).length > 0) {
      const m = migrations(d.actions)[0]!;
      moved.push([m.vm, m.to]);
      d = onMigrationResult(c, d.state, v, true, MIN + moved.length * S);
    }
    expect(moved).toEqual([[0, 2], [1, 2], [2, 2]]); // v4 would reach 53 ≥ 50: impact too big; 'mid' never tried
    expect(finished(d.actions)!.skips.impact_too_big).toBe(1);
    // rechoose_target: each VM to the member with the lowest running score, so 'mid' takes one too
    const r = ctx('faithful', { impact_estimate: 'limits', rechoose_target: true }, { batch: 10 });
    d = tick(r, v);
    const targets: number[] = [];
    while (migrations(d.actions).length > 0) {
      targets.push(migrations(d.actions)[0]!.to);
      d = onMigrationResult(r, d.state, v, true, MIN + targets.length * S);
    }
    // lowest running score each time: cold 25 → 31; cold 31 < mid 37 → 39; mid 37 < 39 → mid (51 + 37) / 2 = 44;
    // cold 39 < 44 → 45 (< midpoint 50)
    expect(targets).toEqual([2, 2, 1, 2]);
  });

  it('counts the batch over all architectures; Go map order decides which architecture gets it', () => {
    // x86: hot/cold (75 vs 25); arm: ahot (load 8: 75) / acold (25). Highest score first: x86 'hot' is first → x86 inserted first
    const members = [member('hot', { load1: 8 }), member('cold', { load1: 0 }), member('ahot', { arch: 'aarch64', load1: 8 }), member('acold', { arch: 'aarch64', load1: 0 })];
    const vms = [vm('x', 0), vm('a', 2)];
    const c = ctx('faithful', {}, { batch: 1 });
    for (const [r, arch, vmIndex] of [[0, 'x86_64', 0], [1, 'aarch64', 1], [2, 'x86_64', 0], [9, 'aarch64', 1]] as const) {
      const d = tick(c, view(members, vms, { mapRandom: r }));
      const started = d.actions.find((a) => a.type === 'run_started') as Extract<IncusAction, { type: 'run_started' }>;
      expect(started.archOrder[0]).toBe(arch);
      expect(migrations(d.actions).map((m) => m.vm)).toEqual([vmIndex]);
      const done = onMigrationResult(c, d.state, view(members, vms), true, MIN + S);
      expect(done.actions.find((a) => a.type === 'arch_checked')).toMatchObject({ outcome: 'batch_full' });
    }
    expect(goMapOrder(['a', 'b', 'c'], 5)).toEqual(['a', 'b', 'c']); // slot 5 empty → from the first key
    expect(goMapOrder(['a', 'b', 'c'], 2)).toEqual(['c', 'a', 'b']);
  });

  it('batch_scope=architecture gives every architecture its own batch; arch_order=busiest visits the top score first', () => {
    // arm's busiest member (load 12 → (50 + 150) / 2 = 100) outscores x86's (75)
    const members = [member('hot', { load1: 8 }), member('cold', { load1: 0 }), member('ahot', { arch: 'aarch64', load1: 12 }), member('acold', { arch: 'aarch64', load1: 0 })];
    const vms = [vm('x', 0), vm('a', 2)];
    const c = ctx('faithful', { arch_order: 'busiest', batch_scope: 'architecture' }, { batch: 1 });
    const v = view(members, vms, { mapRandom: 0 });
    let d = tick(c, v);
    expect((d.actions.find((a) => a.type === 'run_started') as Extract<IncusAction, { type: 'run_started' }>).archOrder).toEqual(['aarch64', 'x86_64']);
    expect(migrations(d.actions)[0]).toMatchObject({ vm: 1 });
    d = onMigrationResult(c, d.state, v, true, MIN + S);
    expect(migrations(d.actions)[0]).toMatchObject({ vm: 0 });
    d = onMigrationResult(c, d.state, v, true, MIN + 2 * S);
    expect(finished(d.actions)).toMatchObject({ migrated: 2 });
  });

  it('with batch 2 both architectures get a move in one run', () => {
    const members = [member('hot', { load1: 8 }), member('cold', { load1: 0 }), member('ahot', { arch: 'aarch64', load1: 8 }), member('acold', { arch: 'aarch64', load1: 0 })];
    const vms = [vm('x', 0), vm('a', 2)];
    const c = ctx('faithful', {}, { batch: 2 });
    const v = view(members, vms);
    let d = tick(c, v);
    const moved = [migrations(d.actions)[0]!.vm];
    d = onMigrationResult(c, d.state, v, true, MIN + S);
    moved.push(migrations(d.actions)[0]!.vm);
    d = onMigrationResult(c, d.state, v, true, MIN + 2 * S);
    expect(moved).toEqual([0, 1]);
    expect(finished(d.actions)).toMatchObject({ migrated: 2 });
  });
});

describe('failures', () => {
  const vms = [vm('v1', 0), vm('v2', 0), vm('v3', 0)];
  it('abort the run on the first failed migration (as shipped)', () => {
    const c = ctx('faithful', { impact_estimate: 'limits' }, { batch: 3 });
    let d = tick(c, basic(vms));
    d = onMigrationResult(c, d.state, basic(vms), false, MIN + 20 * S);
    expect(migrations(d.actions)).toHaveLength(0);
    expect(d.actions.some((a) => a.type === 'stamp_last_move')).toBe(false);
    expect(finished(d.actions)).toMatchObject({ outcome: 'aborted', migrated: 0 });
    expect(d.wakeAt).toBe(2 * MIN); // 1:00 + max(20 s, 1 min)
  });
  it('skip the VM and go on with continue_on_failure', () => {
    const c = ctx('faithful', { impact_estimate: 'limits', continue_on_failure: true }, { batch: 3 });
    let d = tick(c, basic(vms));
    d = onMigrationResult(c, d.state, basic(vms), false, MIN + 20 * S);
    expect(migrations(d.actions)[0]).toMatchObject({ vm: 1 });
  });
  it('a leader change abandons the run', () => {
    const c = ctx('faithful');
    const d = tick(c, basic(vms));
    const v2 = { ...basic(vms), leader: 1 };
    const after = onLeaderChange(c, d.state, v2, MIN + 5 * S);
    expect(finished(after.actions)).toMatchObject({ outcome: 'abandoned' });
    expect(after.state.run).toBeNull();
    expect(after.wakeAt).toBe(2 * MIN); // member 1's own schedule
  });
});

describe('corrected variant', () => {
  it('sees the overloaded host that uint8 scores as idle, and moves VMs off it', () => {
    // over: memory 90 %, load 13.6 on 8 threads = 170 % → uint8 (90 + 170) mod 256 / 2 = 2; wide 130
    // calm: memory 50 %, load 2 = 25 % → 37
    const members = [member('over', { load1: 13.6, memoryUsed: 57.6 * GiB }), member('calm', { load1: 2 })];
    const vms = [vm('v', 0, { cpuUsage: 1 })];
    const v = view(members, vms);
    const faithful = tick(ctx('faithful'), v);
    const started = faithful.actions.find((a) => a.type === 'run_started') as Extract<IncusAction, { type: 'run_started' }>;
    expect(started.scores).toEqual([2, 37]);
    expect(migrations(faithful.actions)).toHaveLength(0); // calm is the "busiest"; over is less loaded but has no VMs to take
    const corrected = tick(ctx('corrected'), v);
    expect((corrected.actions.find((a) => a.type === 'run_started') as Extract<IncusAction, { type: 'run_started' }>).scores).toEqual([130, 37]);
    expect(migrations(corrected.actions)[0]).toMatchObject({ from: 0, to: 1 });
  });

  it('update_source_score stops when the source is down to the midpoint and refuses to invert', () => {
    // hot 75, cold 25, midpoint 50; VMs of 2 cores observed each: source cpu 8 → 6 → 4: score (50 + 75)/2 = 62, (50 + 50)/2 = 50
    const vms = [vm('v1', 0, { cpuUsage: 2, memoryUsage: 0 }), vm('v2', 0, { cpuUsage: 2, memoryUsage: 0 }), vm('v3', 0, { cpuUsage: 2, memoryUsage: 0 })];
    const c = ctx('corrected', {}, { batch: 10 });
    const v = basic(vms);
    let d = tick(c, v);
    let n = 0;
    while (migrations(d.actions).length > 0) {
      n++;
      d = onMigrationResult(c, d.state, v, true, MIN + n * S);
    }
    // target: cpu 0 → 2 → 4 → (50 + 25)/2 = 37, (50 + 50)/2 = 50 ≥ 50 → impact too big after one; source 62 after one
    expect(n).toBe(1);
    expect(finished(d.actions)!.skips.impact_too_big).toBe(2);
  });

  it('pair_hysteresis keeps a VM from being sent straight back', () => {
    const c = ctx('faithful', { pair_hysteresis: H });
    const v = basic([vm('v', 0)]);
    let d = tick(c, v);
    d = onMigrationResult(c, d.state, v, true, MIN + S);
    // now 'cold' is busy and 'hot' idle: a move cold → hot within the hour is refused
    const swapped = view([member('hot', { load1: 0 }), member('cold', { load1: 8 })], [vm('v', 1)]);
    const again = onTick(c, d.state, swapped, d.wakeAt!);
    expect(migrations(again.actions)).toHaveLength(0);
    expect(finished(again.actions)!.skips.no_allowed_target).toBe(1);
  });
});

describe('purity', () => {
  it('returns the same state and no actions on a quiet tick, and never mutates its inputs', () => {
    const v = basic([vm('v', 0)]);
    const c = ctx('faithful', {}, { interval: 5 });
    const s = initialState(v);
    const frozen = JSON.stringify(s);
    const d = onTick(c, s, v, MIN);
    expect(d.state).toBe(s);
    expect(d.actions).toHaveLength(0);
    expect(JSON.stringify(s)).toBe(frozen);
    const a = tick(ctx('faithful'), v);
    const b = tick(ctx('faithful'), v);
    expect(JSON.stringify(a.actions)).toBe(JSON.stringify(b.actions));
  });
});
