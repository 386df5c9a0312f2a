/**
 * One simulated run of the Albatross clone autoscaler: the kernel's clock and event queue drive
 * the unikernel world; every `stats_interval` a stats round (one heap event for all workloads)
 * settles CPU counters, emits Albatross-shaped records to the pure engine, carries out its
 * actions, takes the next demand from the load sources and feeds the metrics.
 *
 * Heap events are only what happens at its own time: a placement finishing, a boot completing,
 * an instance gone, a sync pass, a scenario fault. Everything periodic is batched in the round.
 */
import { InputError } from '../scenario/errors.js';
import { EventQueue } from '../kernel/heap.js';
import { runUntil } from '../kernel/loop.js';
import { stream, type RandomStream } from '../kernel/random.js';
import type { Micros } from '../kernel/time.js';
import { buildLoadSources, sampleAll } from '../load/index.js';
import type { LoadSource } from '../load/source.js';
import { FleetMetrics, WorkloadMetricsBank, type WorkloadResult } from '../metrics/workload.js';
import { ChartRecorder, type ChartSample } from '../report/chart-recorder.js';
import type { ChartActionKind, ChartData } from '../report/types.js';
import type { Scenario } from '../scenario/types.js';
import { sampleLatency } from '../world/boot.js';
import { HostPool, makeHosts, type Host } from '../world/hosts.js';
import {
  addInstance,
  capacityCores,
  cpuAccrued,
  demandedInstances,
  existing,
  findInstance,
  makeWorkload,
  Phase,
  removeInstance,
  runningShare,
  setPhase,
  settle,
  settleSpan,
  type Instance,
  type Workload,
} from '../world/unikernels.js';
import {
  evaluatedAverage,
  inCooldown,
  initialGroup,
  onDestroyResult,
  onSpawnResult,
  onStats,
  onSync,
  type AlbatrossAction,
  type AlbatrossConfig,
  type AlbatrossOptions,
  type Decision,
  type GroupContext,
  type GroupState,
  type SpawnOutcome,
  type StatsSample,
} from '../engines/albatross/engine.js';

/** Event kinds in the heap. */
const EV_PLACED = 1;
const EV_BOOTED = 2;
const EV_GONE = 3;
const EV_KILL = 4;
const EV_RESTART = 5;
const EV_SYNC = 6;
const EV_ROUND = 7;

/** Tie-break priorities: lifecycle first, then faults, the sync pass, the stats round. */
const PRIO_LIFECYCLE = 0;
const PRIO_FAULT = 1;
const PRIO_SYNC = 2;
const PRIO_ROUND = 3;

const GIB = 1024 ** 3;

/** Where a run's streaming outputs go; every sink is optional. */
export interface RunSinks {
  /** One JSON line per action and outcome (events.jsonl). */
  event?: (line: string) => void;
  /** Tidy rows `time_s,group,series,value` (timeseries.csv), header excluded; `value` is always a number (a row is left out when there is none). */
  timeseries?: (line: string) => void;
  /** Called now and then with the fraction of simulated time done. */
  progress?: (fraction: number) => void;
  /** A warning, one line without the newline (a trace not covering the run); never changes the outputs. */
  warn?: (line: string) => void;
}

export interface SimulationResult {
  workloads: { name: string; result: WorkloadResult }[];
  fleet: ReturnType<FleetMetrics['finish']>;
  chart: ChartData;
  counts: { rounds: number; records: number; heapEvents: number; engineCalls: number };
}

/** Column names of timeseries.csv. */
export const TIMESERIES_HEADER = 'time_s,group,series,value';

/** Round a value for the text outputs (6 decimals), so files stay small and stable. */
function r6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** Engine configuration as loaded from the scenario. */
function engineContexts(scenario: Scenario): { config: AlbatrossConfig; options: AlbatrossOptions } {
  return { config: scenario.engine.config as unknown as AlbatrossConfig, options: scenario.engine.options as unknown as AlbatrossOptions };
}

/**
 * The engine context of every workload, one object per distinct policy (vCPUs, max and min
 * instances) shared by the workloads that have it: 100,000 like groups touch one context, not
 * 100,000 scattered ones, in every round.
 *
 * @example sharedContexts(workloads, config, options)[0] === sharedContexts(workloads, config, options)[1] // for two like groups: true
 */
function sharedContexts(workloads: readonly Workload[], config: AlbatrossConfig, options: AlbatrossOptions): GroupContext[] {
  const byPolicy = new Map<string, GroupContext>();
  return workloads.map((w) => {
    const policy = { vcpus: w.spec.vcpus, maxInstances: w.spec.max_instances, minInstances: w.spec.min_instances };
    const key = `${policy.vcpus}/${policy.maxInstances}/${policy.minInstances}`;
    let ctx = byPolicy.get(key);
    if (ctx === undefined) byPolicy.set(key, (ctx = { config, options, policy }));
    return ctx;
  });
}

/** Run the scenario to its end and return what the metrics and report need. */
export function simulateAlbatross(scenario: Scenario, sinks: RunSinks = {}): SimulationResult {
  const { config, options } = engineContexts(scenario);
  const world = scenario.world;
  const end = scenario.duration;
  const interval = world.stats_interval;
  const u = scenario.slo.utilisation_target;
  const queue = new EventQueue(1024);
  const pool = new HostPool(makeHosts(world.hosts));
  const hosts: Host[] = pool.hosts;
  const rngBoot: RandomStream = stream(scenario.seed, 'world:boot-latency');
  const rngFail: RandomStream = stream(scenario.seed, 'world:boot-failure');
  const rngNoise: RandomStream = stream(scenario.seed, 'world:measurement-noise');
  const noise = world.measurement_noise;

  const workloads: Workload[] = scenario.workloads.map((spec, i) => makeWorkload(i, spec));
  const byName = new Map(workloads.map((w) => [w.spec.name, w]));
  const contexts: GroupContext[] = sharedContexts(workloads, config, options);
  const states: GroupState[] = workloads.map((w) => initialGroup(w.spec.name));
  const metrics = new WorkloadMetricsBank(workloads.length, {
    start: 0,
    utilisationTarget: u,
    flipFlopWindow: scenario.metrics.flip_flop_window,
    cooldown: config.cooldown_period,
    elasticityGrid: scenario.metrics.elasticity_grid,
  });
  const fleet = new FleetMetrics();
  let fleetInstances = 0;

  const load = buildLoadSources(scenario.seed, scenario.workloads.map((w) => ({ name: w.name, load: w.load })));
  if (sinks.warn) for (const s of load.sources) for (const line of s.coverage?.(end) ?? []) sinks.warn(line);
  const sources: LoadSource[] = load.sources;
  const slot = workloads.map((w) => load.slotOf.get(w.spec.name)!);
  const demand = new Float64Array(load.width);

  const live = new Map<number, Instance>();
  let nextId = 1;

  // scratch stats samples, reused every round (the engine never keeps them)
  const records: StatsSample[] = [];
  const counts = { rounds: 0, records: 0, heapEvents: 0, engineCalls: 0 };

  // chart data for the first groups (none without a report), bucketed in fixed memory
  const chartGroups = scenario.output.report ? Math.min(scenario.output.chart_groups, workloads.length) : 0;
  const chart = new ChartRecorder({
    groups: workloads.slice(0, chartGroups).map((w) => w.spec.name),
    duration: end,
    interval,
    thresholds: { up: config.scale_up_threshold_percent, down: config.scale_down_threshold_percent },
  });
  const chartSample: ChartSample = { demand: 0, capacity: 0, running: 0, booting: 0, stopping: 0, orphaned: 0, cpu: null, highTicks: 0, lowTicks: 0, violationUs: 0 };
  const tsStep = scenario.output.timeseries_step;

  const emit = sinks.event;
  const log = (t: Micros, type: string, fields: Record<string, unknown>): void => {
    if (emit) emit(JSON.stringify({ time_s: t / 1e6, type, ...fields }));
  };
  const chartAction = (t: Micros, w: Workload, action: ChartActionKind): void => {
    if (w.index < chartGroups) chart.action(w.index, t, action);
  };

  /** Tell the metrics what is in effect for `w` from `t` on. */
  const measure = (w: Workload, t: Micros): void => {
    metrics.advance(w.index, t);
    store(w);
  };
  /** Store `w`'s current values in the metrics (advanced to now). */
  const store = (w: Workload): void => {
    const n = existing(w);
    metrics.set(w.index, w.demand, capacityCores(w), demandedInstances(w.demand, u, w.spec.vcpus), w.running, n, n * w.spec.vcpus, (n * w.spec.memory_bytes) / GIB);
  };
  const fleetChange = (t: Micros, delta: number): void => {
    fleetInstances += delta;
    fleet.update(t, fleetInstances);
  };

  /**
   * Create an instance on a host; returns the failure reason or null. A clone is refused, as
   * mollymawk's `spawn_clone` refuses it, when its primary is not there (albatross does not
   * know it) or has block devices; then placement may fail for want of room.
   */
  const create = (w: Workload, name: string, isPrimary: boolean, t: Micros, warm: boolean): string | null => {
    const spec = w.spec;
    if (!isPrimary) {
      const primary = findInstance(w, states[w.index]!.primary);
      if (primary === undefined || primary.phase === Phase.Stopping) return 'primary_missing';
      if (spec.block_devices) return 'block_devices';
    }
    const h = pool.choose(spec.arch, spec.vcpus, spec.memory_bytes);
    if (h < 0) return 'no_capacity';
    pool.reserve(h, spec.vcpus, spec.memory_bytes, 1);
    const inst: Instance = {
      id: nextId++,
      name,
      workload: w.index,
      host: h,
      vcpus: spec.vcpus,
      memoryBytes: spec.memory_bytes,
      isPrimary,
      phase: warm ? Phase.Running : Phase.Placing,
      orphaned: false,
      cpuUs: 0,
      roundCpuUs: 0,
      reportedAt: -1,
      reportedSec: 0,
      reportedUsec: 0,
      bootFails: !warm && world.boot.failure_probability > 0 && rngFail.next() < world.boot.failure_probability,
    };
    settle(w, t);
    addInstance(w, inst);
    live.set(inst.id, inst);
    fleetChange(t, 1);
    if (!warm) queue.push(t + world.placement_latency, EV_PLACED, inst.id, PRIO_LIFECYCLE);
    log(t, 'instance_created', { group: spec.name, instance: name, host: hosts[h]!.name, primary: isPrimary });
    return null;
  };

  /** Release an instance's host resources and forget it. */
  const bury = (w: Workload, inst: Instance, t: Micros): void => {
    settle(w, t);
    if (inst.orphaned) w.orphaned--;
    setPhase(w, inst, Phase.Gone);
    pool.reserve(inst.host, inst.vcpus, inst.memoryBytes, -1);
    removeInstance(w, inst);
    live.delete(inst.id);
    fleetChange(t, -1);
  };

  /** Is there a running (not yet stopping) instance called `name` to destroy? */
  const stoppable = (w: Workload, name: string): boolean => {
    const inst = findInstance(w, name);
    return inst !== undefined && inst.phase !== Phase.Stopping;
  };

  /** Begin stopping an instance (destroy); false when there is nothing to stop. */
  const stop = (w: Workload, name: string, t: Micros, reason: string): boolean => {
    const inst = findInstance(w, name);
    if (!inst || inst.phase === Phase.Stopping) {
      log(t, 'destroy_ignored', { group: w.spec.name, instance: name, reason: 'not running' });
      return false;
    }
    settle(w, t);
    setPhase(w, inst, Phase.Stopping);
    queue.push(t + world.stop_latency, EV_GONE, inst.id, PRIO_LIFECYCLE);
    metrics.count(w.index, 'clones_destroyed');
    log(t, 'instance_stopping', { group: w.spec.name, instance: name, reason });
    // a scale-down's clone going is the scale-down itself: mark only the other destroys
    if (reason !== 'scale_down') chartAction(t, w, 'clone_destroyed');
    return true;
  };

  /** Carry out an engine decision for workload `w`. */
  const apply = (w: Workload, d: Decision, t: Micros): void => {
    const stamp = states[w.index]!.lastScaleAction;
    states[w.index] = d.state;
    if (d.state.lastScaleAction !== stamp) cooldownBand(w, d.state.lastScaleAction, t);
    for (const a of d.actions) act(w, a, t);
  };

  /**
   * The chart's cooldown band follows the engine's stamp: a new stamp starts a band to
   * stamp + cooldown_period (ending any earlier one there); a stamp cleared (`remove_cooldown`)
   * ends the band at `t`.
   */
  const cooldownBand = (w: Workload, stamp: Micros | null, t: Micros): void => {
    if (w.index >= chartGroups) return;
    if (stamp === null) chart.cutCooldown(w.index, t);
    else chart.cooldown(w.index, stamp, stamp + config.cooldown_period);
  };

  /** How a spawn failure reason ends the spawn: refused before albatross is asked (the stamp stays) or failed (stamp cleared). */
  const spawnOutcome = (failure: string): SpawnOutcome => (failure === 'no_capacity' ? 'failed' : 'refused');

  const act = (w: Workload, a: AlbatrossAction, t: Micros): void => {
    const i = w.index;
    switch (a.type) {
      case 'spawn_clone': {
        // a scale-up counts when a clone is created; it joins the group when placed (EV_PLACED)
        const failure = create(w, a.name, false, t, false);
        if (failure === null) {
          const reversal = metrics.scaling(i, t, 1);
          metrics.count(i, 'clones_spawned');
          log(t, 'scale_up', { group: a.group, instance: a.name });
          chartAction(t, w, 'scale_up');
          if (i < chartGroups) chart.reversal(i, t, reversal);
        } else {
          metrics.count(i, 'spawn_failures');
          log(t, 'spawn_failed', { group: a.group, instance: a.name, reason: failure });
          chartAction(t, w, 'spawn_failed');
          apply(w, onSpawnResult(contexts[w.index]!, states[w.index]!, a.name, spawnOutcome(failure), t), t);
        }
        break;
      }
      case 'spawn_refused':
        metrics.count(i, 'spawn_failures');
        log(t, 'spawn_failed', { group: a.group, reason: a.reason });
        chartAction(t, w, 'spawn_failed');
        break;
      case 'destroy_clone':
        // a scale-down counts only when something is destroyed; the clone leaves the group
        // when albatross confirms (EV_GONE)
        if (a.reason === 'scale_down' && stoppable(w, a.name)) {
          const reversal = metrics.scaling(i, t, -1);
          log(t, 'scale_down', { group: a.group, instance: a.name });
          chartAction(t, w, 'scale_down');
          if (i < chartGroups) chart.reversal(i, t, reversal);
        }
        stop(w, a.name, t, a.reason);
        break;
      case 'orphan':
        for (const name of a.names) {
          const inst = findInstance(w, name);
          if (inst && !inst.orphaned) {
            inst.orphaned = true;
            w.orphaned++;
            metrics.count(i, 'orphaned_instances');
          }
        }
        log(t, 'orphaned', { group: a.group, instances: a.names });
        chartAction(t, w, 'orphaned');
        break;
      case 'adopt': {
        const inst = findInstance(w, a.name);
        if (inst && inst.orphaned) {
          inst.orphaned = false;
          w.orphaned--;
        }
        log(t, 'adopted', { group: a.group, instance: a.name });
        break;
      }
      case 'forget':
        log(t, 'group_forgotten', { group: a.group });
        break;
    }
  };

  /** The stats round at `t`: settle, sample, decide, act, take the next demand, measure. */
  const round = (t: Micros): void => {
    counts.rounds++;
    // every workload's metrics to now in one pass; each stores its new values below
    metrics.advanceAll(t);
    sampleAll(sources, t, demand);
    const sampleTs = sinks.timeseries !== undefined && t % tsStep === 0;
    let recordCount = 0;
    let callCount = 0;
    for (let wi = 0; wi < workloads.length; wi++) {
      const w = workloads[wi]!;
      // settle the counters to t and read them in the same pass over the instances
      const dt = settleSpan(w, t);
      const share = runningShare(w, dt);
      let n = 0;
      const list = w.instances;
      for (let i = 0; i < list.length; i++) {
        const inst = list[i]!;
        if (inst.phase === Phase.Running) {
          if (share > 0) inst.cpuUs += cpuAccrued(inst, share, dt);
        } else if (inst.phase !== Phase.Booting) {
          continue;
        }
        if (noise > 0 && inst.phase === Phase.Running) applyNoise(inst);
        let rec = records[n];
        if (rec === undefined) {
          rec = { name: '', utimeSec: 0, utimeUsec: 0, stimeSec: 0, stimeUsec: 0, previousAt: -1, previousUtimeSec: 0, previousUtimeUsec: 0, previousStimeSec: 0, previousStimeUsec: 0 };
          records[n] = rec;
        }
        const cpu = Math.floor(inst.cpuUs);
        const sec = Math.floor(cpu / 1e6);
        const usec = cpu - sec * 1e6;
        rec.name = inst.name;
        rec.utimeSec = sec;
        rec.utimeUsec = usec;
        rec.previousAt = inst.reportedAt;
        rec.previousUtimeSec = inst.reportedSec;
        rec.previousUtimeUsec = inst.reportedUsec;
        inst.reportedAt = t;
        inst.reportedSec = sec;
        inst.reportedUsec = usec;
        n++;
      }
      recordCount += n;
      const before = states[wi]!;
      // with silence_is_death a group none of whose members reports still has its round
      if (n > 0 || (options.silence_is_death && before.managed)) {
        callCount++;
        const d = onStats(contexts[wi]!, before, records, n, t);
        if (d.actions.length > 0) apply(w, d, t);
        else if (d.state !== before) states[wi] = d.state;
      }
      w.demand = demand[slot[wi]!]!;
      store(w);
      const chartNow = wi < chartGroups;
      if (sampleTs || chartNow) {
        const average = evaluatedAverage(contexts[wi]!, before, states[wi]!, records, n, t);
        if (sampleTs) writeSeries(w, t, average);
        if (chartNow) chartPoint(w, t, average);
      }
    }
    counts.records += recordCount;
    counts.engineCalls += callCount;
  };

  /** Measurement noise on the CPU time used since the last round (seeded; never negative). */
  const applyNoise = (inst: Instance): void => {
    const before = inst.roundCpuUs;
    const used = inst.cpuUs - before;
    const noisy = Math.min(Math.max(0, used * (1 + noise * rngNoise.normal())), inst.vcpus * interval);
    inst.cpuUs = before + noisy;
    inst.roundCpuUs = inst.cpuUs;
  };

  /** One round's rows of timeseries.csv; `average` is the CPU % the engine evaluated (null: none). */
  const writeSeries = (w: Workload, t: Micros, average: number | null): void => {
    const out = sinks.timeseries!;
    const ts = t / 1e6;
    const g = w.spec.name;
    const st = states[w.index]!;
    const cooling = inCooldown(contexts[w.index]!, st, t) ? 1 : 0;
    out(`${ts},${g},demand_cores,${r6(w.demand)}`);
    out(`${ts},${g},capacity_cores,${capacityCores(w)}`);
    out(`${ts},${g},instances,${existing(w)}`);
    out(`${ts},${g},running,${w.running}`);
    out(`${ts},${g},booting,${w.booting}`);
    out(`${ts},${g},orphaned,${w.orphaned}`);
    if (average !== null) out(`${ts},${g},cpu_pct,${r6(average)}`); // no row when the engine read nothing
    out(`${ts},${g},high_ticks,${st.highTicks}`);
    out(`${ts},${g},low_ticks,${st.lowTicks}`);
    out(`${ts},${g},in_cooldown,${cooling}`);
  };

  /** Group `w`'s state at the round at `t` for the charts (a reused sample object). */
  const chartPoint = (w: Workload, t: Micros, average: number | null): void => {
    const st = states[w.index]!;
    const s = chartSample;
    s.demand = w.demand;
    s.capacity = capacityCores(w);
    s.running = w.running - countOrphanedRunning(w);
    s.booting = w.booting + w.placing;
    s.stopping = w.stopping;
    s.orphaned = w.orphaned;
    s.cpu = average;
    s.highTicks = st.highTicks;
    s.lowTicks = st.lowTicks;
    s.violationUs = metrics.violationMicros(w.index);
    chart.sample(w.index, t, s);
  };

  const countOrphanedRunning = (w: Workload): number => {
    let n = 0;
    for (const inst of w.instances) if (inst.orphaned && inst.phase === Phase.Running) n++;
    return n;
  };

  // --- start: primaries warm and running at t = 0 --------------------------------------
  for (const w of workloads) {
    const failure = create(w, w.spec.name, true, 0, true);
    // the loader's fit check (resolve.ts, checkFit) refuses such worlds first; this is its backstop
    if (failure !== null) throw new InputError(`no room for primary ${w.spec.name}: ${failure}`, { file: scenario.file, key: 'workloads' });
  }
  for (const w of workloads) measure(w, 0);
  scenario.faults.forEach((f, i) => queue.push(f.at, EV_KILL, i, PRIO_FAULT));
  if (config.death_timeout < end) queue.push(config.death_timeout, EV_SYNC, 0, PRIO_SYNC);
  queue.push(0, EV_ROUND, 0, PRIO_ROUND);

  const progressEvery = Math.max(1, Math.floor(end / interval / 200));
  counts.heapEvents = runUntil(queue, end, (t, kind, arg) => {
    switch (kind) {
      case EV_ROUND:
        round(t);
        if (t + interval < end) queue.push(t + interval, EV_ROUND, 0, PRIO_ROUND);
        if (sinks.progress && counts.rounds % progressEvery === 0) sinks.progress(t / end);
        break;
      case EV_PLACED: {
        const inst = live.get(arg);
        if (!inst || inst.phase !== Phase.Placing) break;
        const w = workloads[inst.workload]!;
        setPhase(w, inst, Phase.Booting);
        queue.push(t + sampleLatency(world.boot.latency, rngBoot), EV_BOOTED, inst.id, PRIO_LIFECYCLE);
        // albatross has created the clone: spawn_clone registers it now (register_clone)
        if (!inst.isPrimary) apply(w, onSpawnResult(contexts[w.index]!, states[w.index]!, inst.name, 'created', t), t);
        break;
      }
      case EV_BOOTED: {
        const inst = live.get(arg);
        if (!inst || inst.phase !== Phase.Booting) break;
        const w = workloads[inst.workload]!;
        if (inst.bootFails) {
          metrics.count(w.index, 'boot_failures');
          log(t, 'boot_failed', { group: w.spec.name, instance: inst.name });
          chartAction(t, w, 'boot_failed');
          bury(w, inst, t);
        } else {
          settle(w, t);
          setPhase(w, inst, Phase.Running);
          inst.roundCpuUs = inst.cpuUs;
          log(t, 'instance_running', { group: w.spec.name, instance: inst.name });
        }
        measure(w, t);
        break;
      }
      case EV_GONE: {
        const inst = live.get(arg);
        if (!inst) break;
        const w = workloads[inst.workload]!;
        bury(w, inst, t);
        log(t, 'instance_gone', { group: w.spec.name, instance: inst.name });
        // albatross confirms the destroy: prune_clone removes the clone now (remove_clone)
        apply(w, onDestroyResult(contexts[w.index]!, states[w.index]!, inst.name, t), t);
        measure(w, t);
        break;
      }
      case EV_KILL: {
        const fault = scenario.faults[arg]!;
        const w = byName.get(fault.kill_primary)!;
        const inst = findInstance(w, fault.kill_primary);
        if (inst) {
          bury(w, inst, t);
          log(t, 'primary_killed', { group: w.spec.name, instance: inst.name });
          chartAction(t, w, 'primary_killed');
          measure(w, t);
        }
        if (fault.restart_after !== null) queue.push(t + fault.restart_after, EV_RESTART, arg, PRIO_FAULT);
        break;
      }
      case EV_RESTART: {
        const fault = scenario.faults[arg]!;
        const w = byName.get(fault.kill_primary)!;
        if (!findInstance(w, fault.kill_primary)) {
          const failure = create(w, fault.kill_primary, true, t, false);
          log(t, 'primary_restarted', { group: w.spec.name, instance: fault.kill_primary, ...(failure ? { failed: failure } : {}) });
          chartAction(t, w, 'primary_restarted');
          measure(w, t);
        }
        break;
      }
      case EV_SYNC: {
        for (const w of workloads) {
          const alive = (name: string): boolean => {
            const inst = findInstance(w, name);
            return inst !== undefined && inst.phase !== Phase.Stopping;
          };
          const d = onSync(contexts[w.index]!, states[w.index]!, alive, t);
          if (d.state !== states[w.index] || d.actions.length > 0) {
            apply(w, d, t);
            measure(w, t);
          }
        }
        if (t + config.death_timeout < end) queue.push(t + config.death_timeout, EV_SYNC, 0, PRIO_SYNC);
        break;
      }
    }
  });

  for (const w of workloads) settle(w, end);
  for (const s of sources) s.close();
  const results = workloads.map((w) => ({ name: w.spec.name, result: metrics.finish(w.index, end) }));
  chart.close(workloads.slice(0, chartGroups).map((w) => metrics.violationMicros(w.index)));
  return {
    workloads: results,
    fleet: fleet.finish(end),
    chart: chart.finish(),
    counts,
  };
}
