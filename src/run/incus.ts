/**
 * One simulated run of Incus automatic cluster rebalancing: the kernel's clock and event queue
 * drive the cluster world; the pure engine (engines/incus) decides; live migrations follow the
 * pre-copy model; the metrics integrate exactly.
 *
 * Heap events are only what happens at its own time: the 5 s load-average sample (one event for
 * all members; on load-step multiples it first re-samples every VM's demand — one pass over the
 * VMs), the leader's task tick (when the engine asked to be woken), the phases of a migration
 * (stop-and-copy begins, done, failed) and the scenario's member events.
 * Ties: migration phases, then member events, then the sample, then the tick — so the engine
 * reads the load average of the sample at the same instant.
 */
import { stream } from '../kernel/random.js';
import { EventQueue } from '../kernel/heap.js';
import { runUntil } from '../kernel/loop.js';
import { scenarioSummary } from './header.js';
import { MICROS_PER_SECOND, type Micros } from '../kernel/time.js';
import { buildLoadSources, sampleAll } from '../load/index.js';
import { ClusterMetrics, type ClusterResult, type MigrationRecord } from '../metrics/cluster.js';
import type { Scenario } from '../scenario/types.js';
import { LOAD_FREQ } from '../scenario/resolve-cluster.js';
import { ClusterMember, ClusterVm, insertVm, refreshMember, removeVm, setThrottle } from '../world/cluster.js';
import { reported, sampleLoad } from '../world/loadavg.js';
import { precopy, type PrecopyResult } from '../world/migration.js';
import { consideredMember, incusConfig, memberScore, type ClusterView, type IncusAction, type IncusContext, type IncusOptions, type ProjectView } from '../engines/incus/engine.js';
import { builtinIncusCore, type IncusCore, type IncusStep } from '../engines/incus/core.js';
import { floatConversionOf } from '../engines/incus/score.js';
import type { RunSinks } from './albatross.js';
import type { IncusChartData } from '../report/incus-charts.js';
import type { IncusRunSummary } from '../report/incus.js';
import { VERSION } from '../version.js';
import type { Simulated } from './simulated.js';

const EV_SAMPLE = 1;
const EV_TICK = 2;
const EV_MIG_PAUSE = 3;
const EV_MIG_DONE = 4;
const EV_MIG_FAIL = 5;
const EV_MEMBER = 6;
const EV_MIG_THROTTLE = 7;
const EV_MEMBER_SEEN = 8;

const PRIO_MIGRATION = 0;
const PRIO_MEMBER = 1;
const PRIO_SAMPLE = 2;
const PRIO_TICK = 3;

/** Migrations drawn in the report's timeline at most. */
const MAX_CHART_MIGRATIONS = 400;
/** Cells of the utilisation heatmap at most. */
const MAX_HEATMAP_CELLS = 20_000;

export interface IncusSimulation {
  result: ClusterResult;
  chart: IncusChartData;
  counts: { rounds: number; records: number; heapEvents: number; engineCalls: number };
}

/** A migration in flight. */
interface Migration extends MigrationRecord {
  id: number;
  pauseAt: Micros;
  overhead: number;
  reserved: number;
  done: boolean;
  /** Auto-converge's throttle changes still to come (absolute times) and the next one's index. */
  throttleAt: Micros[];
  throttlePct: number[];
  nextThrottle: number;
}

interface MutableView extends ClusterView {
  leader: number;
  mapRandom: number;
}

/** Round a value for the text outputs (6 decimals). */
function r6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/**
 * Run the scenario to its end and return what the metrics and the report need. `core` decides
 * (default: the built-in rebalancer; `src/engines/external/incus.ts` passes one that asks an
 * engine through the protocol).
 */
export function simulateIncus(scenario: Scenario, sinks: RunSinks = {}, core?: IncusCore): IncusSimulation {
  const spec = scenario.cluster;
  if (spec === undefined) throw new Error(`scenario ${scenario.name} has no cluster: section`);
  const ctx: IncusContext = { config: incusConfig(scenario.engine.config), options: scenario.engine.options as unknown as IncusOptions };
  const end = scenario.duration;
  const loadStep = spec.load_step;
  const queue = new EventQueue(256);
  const rngFail = stream(scenario.seed, 'world:migration-failure');
  const rngFailTime = stream(scenario.seed, 'world:migration-failure-time');
  const rngMap = stream(scenario.seed, 'engine:go-map-order');

  // --- the world --------------------------------------------------------------------------
  const members = spec.members.map((m, i) => new ClusterMember(i, m, spec.host));
  const memberIndex = new Map(members.map((m) => [m.name, m.index]));
  const projectIndex = new Map(spec.projects.map((p, i) => [p.name, i]));
  const projects: ProjectView[] = spec.projects.map((p) => ({ name: p.name, restricted: p.restricted, clusterGroups: p.cluster_groups, clusterTarget: p.cluster_target }));
  const vms = spec.vms.map((v, i) => new ClusterVm(i, v, projectIndex.get(v.project)!, memberIndex.get(v.member)!));
  for (const vm of vms) {
    insertVm(members[vm.member]!.vms, vm.index, vms);
    if (vm.running) members[vm.member]!.vmMemory += vm.residentBytes;
  }
  const metrics = new ClusterMetrics({
    start: 0,
    members: members.map((m) => ({ name: m.name, arch: m.arch })),
    vms: vms.map((v) => ({ name: v.name, project: v.project })),
    projects: spec.projects.map((p) => p.name),
    utilisationTarget: scenario.slo.utilisation_target,
    pingPongWindow: scenario.metrics.flip_flop_window,
  });

  const loaded = vms.filter((v) => v.running && spec.vms[v.index]!.load !== null);
  const load = buildLoadSources(scenario.seed, loaded.map((v) => ({ name: v.name, load: spec.vms[v.index]!.load! })));
  if (sinks.warn) for (const s of load.sources) for (const line of s.coverage?.(end) ?? []) sinks.warn(line);
  for (const v of loaded) v.slot = load.slotOf.get(v.name)!;
  const demand = new Float64Array(load.width);

  const view: MutableView = {
    members,
    vms,
    projects,
    leader: memberIndex.get(spec.leader)!,
    mapRandom: 0,
    vmsOn: (m) => members[m]!.vms,
  };
  const decider: IncusCore = core ?? builtinIncusCore(ctx);
  let tickGen = 0;
  const counts = { rounds: 0, records: 0, heapEvents: 0, engineCalls: 0 };

  // --- outputs ----------------------------------------------------------------------------
  const emit = sinks.event;
  const log = (t: Micros, type: string, fields: Record<string, unknown>): void => {
    if (emit) emit(JSON.stringify({ time_s: t / 1e6, type, ...fields }));
  };
  const tsStep = scenario.output.timeseries_step;
  const series = sinks.timeseries;
  const heatBins = Math.max(1, Math.min(400, Math.floor(MAX_HEATMAP_CELLS / Math.max(1, members.length))));
  const chartStep = Math.max(LOAD_FREQ, Math.ceil(end / heatBins / LOAD_FREQ) * LOAD_FREQ);
  const chartMembers = new Set(members.slice(0, scenario.output.chart_groups));
  const chart: IncusChartData = {
    members: members.map((m) => ({ name: m.name, arch: m.arch })),
    scoreMembers: [...chartMembers].map((m) => m.name),
    arches: metrics.arches.slice(),
    threshold: ctx.config.threshold,
    thresholdMode: ctx.options.threshold_mode,
    step: chartStep / 1e6,
    utilisation: [],
    scores: [],
    bands: [],
    imbalance: [],
    migrations: [],
    migrationsTotal: 0,
    runs: [],
  };

  const conversion = (): ReturnType<typeof floatConversionOf> => floatConversionOf(view.leader >= 0 ? members[view.leader]!.arch : members[0]!.arch);

  // --- engine plumbing --------------------------------------------------------------------
  const schedule = (at: Micros | null, t: Micros): void => {
    tickGen++;
    if (at !== null && at < end) queue.push(at < t ? t : at, EV_TICK, tickGen, PRIO_TICK);
  };
  /** The member whose daemon just panicked (lxc/incus#2808), handled once the decision is applied. */
  let crashed = -1;
  const apply = (d: IncusStep, t: Micros): void => {
    counts.engineCalls++;
    for (const a of d.actions) act(a, t);
    schedule(d.wakeAt, t);
    if (crashed >= 0) {
      const m = crashed;
      crashed = -1;
      restartAfterCrash(m, t);
    }
  };
  const act = (a: IncusAction, t: Micros): void => {
    switch (a.type) {
      case 'run_started': {
        const scores: Record<string, number> = {};
        a.scores.forEach((s, i) => {
          if (s !== null) scores[members[i]!.name] = s;
        });
        log(t, 'rebalance_run', { run: a.run, leader: members[a.leader]!.name, arch_order: a.archOrder, scores });
        break;
      }
      case 'arch_checked':
        log(t, 'arch_checked', { run: a.run, arch: a.arch, busiest: members[a.busiest]!.name, least_busy: members[a.leastBusy]!.name, max_score: a.maxScore, min_score: a.minScore, imbalance: a.imbalance, outcome: a.outcome });
        break;
      case 'migrate':
        startMigration(a.vm, a.from, a.to, t, a.targetScore, a.expectedScore);
        break;
      case 'stamp_last_move':
        vms[a.vm]!.lastMove = a.value;
        break;
      case 'run_finished': {
        metrics.run(a.outcome);
        if (a.outcome === 'crashed') crashed = view.leader;
        const skipped: Record<string, number> = {};
        for (const [k, v] of Object.entries(a.skips)) if (v > 0) skipped[k] = v;
        log(t, 'rebalance_done', { run: a.run, migrated: a.migrated, outcome: a.outcome, skipped, ...(a.error !== undefined ? { error: a.error } : {}) });
        if (chart.runs.length < 5000) chart.runs.push({ t: t / 1e6, migrated: a.migrated, outcome: a.outcome });
        break;
      }
    }
  };

  // --- migrations -------------------------------------------------------------------------
  const memberSeenGen: number[] = members.map(() => 0);
  const active = new Map<number, Migration>();
  const failReason = new Map<number, string>();
  let nextMigration = 1;
  const mig = spec.migration;

  const startMigration = (v: number, from: number, to: number, t: Micros, targetScore: number, expectedScore: number): void => {
    const vm = vms[v]!;
    const src = members[from]!;
    const dst = members[to]!;
    const live = vm.running;
    const sharing = 1 + Math.max(src.outgoing, dst.incoming);
    const link = mig.bandwidth_bytes / sharing;
    const setupS = mig.setup / MICROS_PER_SECOND;
    let r: PrecopyResult;
    if (live) {
      r = precopy({
        memoryBytes: vm.residentBytes,
        dirtyRate: vm.dirtyRate,
        bandwidth: mig.max_bandwidth_bytes > 0 && mig.max_bandwidth_bytes < link ? mig.max_bandwidth_bytes : link,
        downtimeLimit: mig.downtime_limit / MICROS_PER_SECOND,
        maxRounds: mig.max_rounds,
        setupSeconds: setupS,
        autoConverge: mig.auto_converge,
        switchoverSeconds: mig.switchover / MICROS_PER_SECOND,
        diskBytes: vm.rootDiskBytes,
        diskBandwidth: link,
      });
    } else {
      const s = setupS + vm.rootDiskBytes / link;
      r = { rounds: 0, precopySeconds: s, downtimeSeconds: 0, totalSeconds: s, transferredBytes: vm.rootDiskBytes, converged: true, throttle: [], finalThrottle: 0 };
    }
    // a move that cannot work fails once the source has tried: a member that is down, or a live
    // migration of a VM without migration.stateful (MigrateSend) or with a device that cannot move
    const setupEnd = t + mig.setup;
    let reason: string | null = null;
    if (!src.up || !dst.up) reason = `member ${!src.up ? src.name : dst.name} is offline`;
    else if (live && !vm.stateful) reason = 'Live migration requires migration.stateful to be set to true';
    else if (live && vm.blockingDevices) reason = 'a device of the VM cannot be live-migrated';
    const never = !Number.isFinite(r.totalSeconds);
    const pauseAt = never ? Infinity : t + Math.round(r.precopySeconds * MICROS_PER_SECOND);
    const doneAt = never ? Infinity : Math.max(pauseAt, t + Math.round(r.totalSeconds * MICROS_PER_SECOND));
    const randomFail = reason === null && mig.failure_probability > 0 && rngFail.next() < mig.failure_probability;
    const fails = reason !== null || randomFail;
    const failAt = reason !== null ? setupEnd : randomFail ? t + Math.round(rngFailTime.next() * ((never ? setupEnd + 3600 * MICROS_PER_SECOND : pauseAt) - t)) : 0;
    const overhead = live ? mig.cpu_overhead : 0;
    const reserved = live ? vm.residentBytes : 0;
    const m: Migration = {
      id: nextMigration++,
      vm: v,
      from,
      to,
      start: t,
      end: fails ? failAt : doneAt,
      ok: !fails,
      live,
      downtime: never ? 0 : doneAt - pauseAt,
      bytes: r.transferredBytes,
      rounds: r.rounds,
      pauseAt,
      overhead,
      reserved,
      done: false,
      throttleAt: r.throttle.map((x) => t + Math.round(x.at * MICROS_PER_SECOND)),
      throttlePct: r.throttle.map((x) => x.percent),
      nextThrottle: 0,
    };
    active.set(m.id, m);
    vm.migrating = true;
    src.outgoing++;
    dst.incoming++;
    src.migrationCores += overhead;
    dst.migrationCores += overhead;
    dst.vmMemory += reserved;
    refreshMember(src, vms, metrics, t);
    refreshMember(dst, vms, metrics, t);
    metrics.commit(t);
    const endAt = fails ? failAt : doneAt;
    for (const at of m.throttleAt) if (at < endAt) queue.push(at, EV_MIG_THROTTLE, m.id, PRIO_MIGRATION);
    if (fails) queue.push(failAt, EV_MIG_FAIL, m.id, PRIO_MIGRATION);
    else if (!never) {
      if (live && doneAt > pauseAt) queue.push(pauseAt, EV_MIG_PAUSE, m.id, PRIO_MIGRATION);
      queue.push(doneAt, EV_MIG_DONE, m.id, PRIO_MIGRATION);
    }
    failReason.set(m.id, reason ?? 'migration failed');
    log(t, 'migration_started', {
      vm: vm.name,
      from: src.name,
      to: dst.name,
      live,
      target_score: targetScore,
      expected_score: expectedScore,
      planned_s: never ? null : r6(r.totalSeconds),
      rounds: r.rounds,
      downtime_s: never ? null : r6(r.downtimeSeconds),
      ...(r.throttle.length > 0 ? { max_throttle_pct: r.finalThrottle } : {}),
      ...(never ? { converges: false } : {}),
    });
  };

  /** A migration ends at `t` (completed or failed); tells the engine. */
  const finishMigration = (m: Migration, t: Micros, ok: boolean, reason: string | null): void => {
    if (m.done) return;
    m.done = true;
    active.delete(m.id);
    failReason.delete(m.id);
    const vm = vms[m.vm]!;
    setThrottle(members[m.from]!, vm, 0);
    const src = members[m.from]!;
    const dst = members[m.to]!;
    src.outgoing--;
    dst.incoming--;
    src.migrationCores -= m.overhead;
    dst.migrationCores -= m.overhead;
    if (ok) {
      removeVm(src.vms, vm.index);
      insertVm(dst.vms, vm.index, vms);
      if (vm.running) src.vmMemory -= vm.residentBytes;
      vm.member = m.to;
    } else {
      dst.vmMemory -= m.reserved;
    }
    vm.paused = false;
    vm.migrating = false;
    refreshMember(src, vms, metrics, t);
    refreshMember(dst, vms, metrics, t);
    metrics.vmThrottled(vm.index, 0); // the throttle ended with the migration (its member may throttle no one else)
    metrics.commit(t);
    const record: MigrationRecord = { ...m, end: t, ok, downtime: ok ? m.downtime : 0 };
    const pingPong = metrics.migration(record);
    chart.migrationsTotal++;
    if (chart.migrations.length < MAX_CHART_MIGRATIONS) {
      chart.migrations.push({ vm: vm.name, from: src.name, to: dst.name, start: m.start / 1e6, end: t / 1e6, downtime: record.downtime / 1e6, ok, live: m.live, pingPong });
    }
    if (ok) log(t, 'migration_done', { vm: vm.name, from: src.name, to: dst.name, seconds: r6((t - m.start) / 1e6), downtime_s: r6(record.downtime / 1e6), rounds: m.rounds, gib: r6(m.bytes / 1024 ** 3), ...(pingPong ? { ping_pong: true } : {}) });
    else log(t, 'migration_failed', { vm: vm.name, from: src.name, to: dst.name, seconds: r6((t - m.start) / 1e6), reason });
    apply(decider.migrationResult(view, ok, t), t);
  };

  /**
   * incusd on member `i` died of the panic at `t`: systemd starts it again (taken as at once), so
   * its start time — the interval phase counts from it — is `t` and its task starts over; the
   * cluster elects another leader (taken as the next member, in scenario order, that is up).
   */
  const restartAfterCrash = (i: number, t: Micros): void => {
    const m = members[i]!;
    m.startedAt = t;
    log(t, 'daemon_restarted', { member: m.name, reason: 'panic in the rebalancer (lxc/incus#2808)' });
    apply(decider.daemonStart(view, i, t), t);
    let next = -1;
    for (let k = 1; k < members.length && next < 0; k++) if (members[(i + k) % members.length]!.up) next = (i + k) % members.length;
    if (next >= 0 && view.leader === i) {
      view.leader = next;
      log(t, 'leader_changed', { leader: members[next]!.name });
      apply(decider.leaderChange(view, t), t);
    }
  };

  // --- member events ----------------------------------------------------------------------
  const memberEvent = (i: number, t: Micros): void => {
    const e = spec.events[i]!;
    const m = members[memberIndex.get(e.member)!]!;
    const before = m.shownState;
    if (before === e.state) return;
    const down = e.state === 'offline';
    m.up = !down;
    // the database sees a dead member only once its heartbeat is older than
    // cluster.offline_threshold (db.NodeInfo.IsOffline); a member coming back is seen at once
    if (down) {
      memberSeenGen[m.index] = (memberSeenGen[m.index] ?? 0) + 1;
      queue.push(t + spec.offline_threshold, EV_MEMBER_SEEN, m.index * 65536 + (memberSeenGen[m.index]! & 0xffff), PRIO_MEMBER);
    } else m.state = e.state;
    refreshMember(m, vms, metrics, t);
    metrics.commit(t);
    log(t, 'member_state', { member: m.name, from: before, to: e.state });
    let leader = view.leader;
    if (leader === m.index && down) leader = members.findIndex((x) => x.up);
    else if (leader < 0 && !down) leader = m.index;
    if (leader !== view.leader) {
      view.leader = leader;
      log(t, 'leader_changed', { leader: leader >= 0 ? members[leader]!.name : null });
      apply(decider.leaderChange(view, t), t);
    }
    if (down) {
      for (const mg of [...active.values()]) if (mg.from === m.index || mg.to === m.index) finishMigration(mg, t, false, `member ${m.name} went offline`);
    }
  };

  /** The heartbeat threshold of a member that went down has passed: the database says offline. */
  const memberSeenOffline = (arg: number, t: Micros): void => {
    const index = Math.floor(arg / 65536);
    const m = members[index]!;
    if ((memberSeenGen[index]! & 0xffff) !== arg % 65536 || m.up) return;
    m.state = 'offline';
    log(t, 'member_seen_offline', { member: m.name });
  };

  // --- sampling ---------------------------------------------------------------------------
  const sample = (t: Micros): void => {
    counts.rounds++;
    if (t % loadStep === 0) {
      sampleAll(load.sources, t, demand);
      for (let i = 0; i < loaded.length; i++) {
        const vm = loaded[i]!;
        vm.demand = demand[vm.slot]!;
      }
      counts.records += loaded.length;
      for (let i = 0; i < members.length; i++) refreshMember(members[i]!, vms, metrics, t);
      metrics.commit(t);
      if (t === 0 && spec.host.initial_loadavg === 'steady') for (const m of members) m.steadyLoad();
    }
    for (let i = 0; i < members.length; i++) {
      const m = members[i]!;
      sampleLoad(m.la, m.runnable());
    }
    if (series !== undefined && t % tsStep === 0) writeSeries(t);
    if (t % chartStep === 0) chartPoint(t);
  };

  const writeSeries = (t: Micros): void => {
    const out = series!;
    const ts = t / 1e6;
    const conv = conversion();
    for (const m of members) {
      const g = m.name;
      out(`${ts},${g},utilisation_pct,${r6((100 * m.runnable()) / m.threads)}`);
      out(`${ts},${g},load1,${m.load1}`);
      out(`${ts},${g},load5,${reported(m.la.avg5)}`);
      out(`${ts},${g},load15,${reported(m.la.avg15)}`);
      out(`${ts},${g},memory_used_pct,${r6((100 * m.memoryUsed) / m.memoryTotal)}`);
      if (consideredMember(m)) out(`${ts},${g},score,${memberScore(ctx.options, conv, m)}`); // no row for a member the rebalancer ignores
      out(`${ts},${g},vms,${m.vms.length}`);
      // numbers only in the value column: the state as two flags (both 0: offline, as soon as the machine is down); changes are member_state events
      out(`${ts},${g},online,${m.shownState === 'online' ? 1 : 0}`);
      out(`${ts},${g},evacuated,${m.shownState === 'evacuated' ? 1 : 0}`);
    }
    metrics.arches.forEach((arch, a) => {
      const v = metrics.imbalanceNow(a);
      if (v !== null) out(`${ts},arch:${arch},imbalance_pct,${r6(v)}`);
    });
  };

  const chartPoint = (t: Micros): void => {
    const ts = t / 1e6;
    const conv = conversion();
    for (const m of members) chart.utilisation.push({ t: ts, member: m.name, util: r6((100 * m.runnable()) / m.threads) });
    const top = new Map<string, number>();
    for (const m of members) {
      if (!consideredMember(m)) continue;
      const s = memberScore(ctx.options, conv, m);
      if (chartMembers.has(m)) chart.scores.push({ t: ts, member: m.name, arch: m.arch, score: s });
      if (s > (top.get(m.arch) ?? -Infinity)) top.set(m.arch, s);
    }
    for (const [arch, max] of top) {
      const lo = ctx.options.threshold_mode === 'relative' ? (max * (100 - ctx.config.threshold)) / 100 : max - ctx.config.threshold;
      chart.bands.push({ t: ts, arch, lo: r6(lo), hi: max });
    }
    metrics.arches.forEach((arch, a) => {
      const v = metrics.imbalanceNow(a);
      chart.imbalance.push({ t: ts, arch, value: v === null ? null : r6(v) });
    });
  };

  // --- start ------------------------------------------------------------------------------
  queue.push(0, EV_SAMPLE, 0, PRIO_SAMPLE);
  spec.events.forEach((e, i) => queue.push(e.at, EV_MEMBER, i, PRIO_MEMBER));
  schedule(decider.init(view, 0).wakeAt, 0);

  const progressEvery = Math.max(1, Math.floor(end / LOAD_FREQ / 200));
  counts.heapEvents = runUntil(queue, end, (t, kind, arg) => {
    switch (kind) {
      case EV_SAMPLE:
        sample(t);
        if (t + LOAD_FREQ < end) queue.push(t + LOAD_FREQ, EV_SAMPLE, 0, PRIO_SAMPLE);
        if (sinks.progress && counts.rounds % progressEvery === 0) sinks.progress(t / end);
        break;
      case EV_TICK:
        if (arg !== tickGen) break;
        metrics.tick();
        view.mapRandom = Math.floor(rngMap.next() * 4294967296);
        apply(decider.tick(view, t), t);
        break;
      case EV_MIG_PAUSE: {
        const m = active.get(arg);
        if (!m || m.done) break;
        vms[m.vm]!.paused = true;
        refreshMember(members[m.from]!, vms, metrics, t);
        metrics.commit(t);
        break;
      }
      case EV_MIG_DONE: {
        const m = active.get(arg);
        if (m) finishMigration(m, t, true, null);
        break;
      }
      case EV_MIG_FAIL: {
        const m = active.get(arg);
        if (m) finishMigration(m, t, false, failReason.get(m.id) ?? 'migration failed');
        break;
      }
      case EV_MIG_THROTTLE: {
        const m = active.get(arg);
        if (!m || m.done || m.nextThrottle >= m.throttlePct.length) break;
        setThrottle(members[m.from]!, vms[m.vm]!, m.throttlePct[m.nextThrottle++]!);
        refreshMember(members[m.from]!, vms, metrics, t);
        metrics.commit(t);
        break;
      }
      case EV_MEMBER_SEEN:
        memberSeenOffline(arg, t);
        break;
      case EV_MEMBER:
        memberEvent(arg, t);
        break;
    }
  });
  for (const s of load.sources) s.close();
  return { result: metrics.finish(end), chart, counts };
}

// ---------------------------------------------------------------------------------------------
// summary.json and the runner

/** The metrics `scalelab run` prints for an Incus run. */
export const INCUS_HEADLINE: readonly string[] = ['migrations', 'migrations_failed', 'ping_pongs', 'imbalance_mean', 'imbalance_max', 'host_overload_seconds', 'unserved_core_seconds', 'slo_violation_seconds'];

/** summary.json's content for a finished Incus simulation. */
export function buildIncusSummary(scenario: Scenario, sim: IncusSimulation): IncusRunSummary {
  const spec = scenario.cluster!;
  const m = spec.migration;
  return {
    scalelab: VERSION,
    scenario: scenarioSummary(scenario),
    metrics: sim.result.metrics,
    groups: sim.result.members,
    projects: sim.result.projects,
    cluster: {
      members: spec.members.length,
      vms: spec.vms.length,
      architectures: [...new Set(spec.members.map((x) => x.arch))],
      leader: spec.leader,
      load_step_s: spec.load_step / 1e6,
      migration: {
        bandwidth_gbps: (m.bandwidth_bytes * 8) / 1e9,
        max_bandwidth_mib_s: m.max_bandwidth_bytes / 2 ** 20,
        downtime_limit_s: m.downtime_limit / 1e6,
        max_rounds: m.max_rounds,
        auto_converge: m.auto_converge,
        switchover_s: m.switchover / 1e6,
        setup_s: m.setup / 1e6,
        cpu_overhead_cores: m.cpu_overhead,
        failure_probability: m.failure_probability,
      },
    },
    notes: [
      'groups are the cluster members; projects sum their VMs',
      `member utilisation = runnable work / threads (may exceed 100 % when overloaded); imbalance = max − min utilisation of the members of an architecture that take instances (online, not evacuated), in percentage points`,
      `VM capacity s = limits.cpu × the host's CPU share min(1, threads / runnable), 0 while paused by a migration or on an offline member; usable demand d' = min(demand, limits.cpu); SLO violation while d' > ${scenario.slo.utilisation_target} × s; demand above limits.cpu is reported apart (excess_demand_core_seconds)`,
      `ping-pong: a migration starting within ${scenario.metrics.flip_flop_window / 1e6} s (metrics.flip_flop_window) of the end of the same VM's previous one; ping_pongs_back: of those, the ones returning the VM to the member it had just left`,
      `VM demand re-sampled every ${spec.load_step / 1e6} s; load averages updated every 5 s with the kernel's fixed-point formula; the rebalancer reads load.Average1Min with two decimals as /proc/loadavg prints it`,
      `live migration as Incus drives QEMU: ${m.max_bandwidth_bytes > 0 ? `at most ${m.max_bandwidth_bytes / 2 ** 20} MiB/s (QEMU max-bandwidth) of ` : ''}the member's link shared by the migrations on it (fixed at the start of each); pre-copy with the dirty bitmap synced at each pass end and every 5 s${m.auto_converge ? ', auto-converge throttling the guest from 50 % in steps of 10 (lost CPU, counted as unserved)' : ''}; switchover when the rest fits in the ${m.downtime_limit / 1e3} ms downtime limit${m.max_rounds > 0 ? ` or after ${m.max_rounds} syncs` : ''}, plus ${m.switchover / 1e3} ms; a member that died counts as online for cluster.offline_threshold (${spec.offline_threshold / 1e6} s)`,
    ],
  };
}

/** The runner `run.ts` registers for engine `incus`. */
export function runIncus(scenario: Scenario, sinks: RunSinks): Simulated {
  return incusResult(scenario, simulateIncus(scenario, sinks));
}

/**
 * What a finished Incus simulation yields to `run`: its summary and report writer (shared by the
 * built-in runner and `src/engines/external/incus.ts:runIncusExternal`).
 */
export function incusResult(scenario: Scenario, sim: IncusSimulation): Simulated {
  const summary = buildIncusSummary(scenario, sim);
  return { summary, writeReport: async (outDir) => (await import('../report/incus.js')).writeIncusReport(outDir, summary, sim.chart), counts: sim.counts, headline: INCUS_HEADLINE };
}
