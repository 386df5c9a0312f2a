/**
 * One simulated run of a replica autoscaler on the horizontal world: the kernel's clock and
 * event queue drive the instances of every workload; every `stats_interval` a round (one heap
 * event for all workloads) settles CPU counters, lets a round sensor sample and decide, carries
 * out the decisions, takes the next demand from the load sources and feeds the metrics. The
 * engine is a plug-in (`src/world/replicas/engine.ts`): its sensor, decisions and answers to
 * world outcomes; the world does everything else the same for every engine.
 *
 * Heap events are only what happens at its own time: a placement finishing, a boot completing,
 * an instance gone, a scenario fault, the engine's periodic pass and its wake-ups. Everything
 * periodic is batched in the round.
 */
import { InputError } from '../scenario/errors.js';
import { recordWake, type RequestFlow } from '../requests/flow.js';
import { addedLatency, combinedAddedLatency, requestMetrics, type RequestMetrics } from '../requests/metrics.js';
import { LatencyHistogram } from '../requests/histogram.js';
import type { RunLatency } from '../metrics/requests.js';
import { EventQueue } from '../kernel/heap.js';
import { WakeBatches } from './wake-batches.js';
import { runUntil } from '../kernel/loop.js';
import { stream, type RandomStream } from '../kernel/random.js';
import type { Micros } from '../kernel/time.js';
import { buildLoadSources, sampleAll } from '../load/index.js';
import type { LoadSource } from '../load/source.js';
import { FleetMetrics, lazyResults, WorkloadMetricsBank, type WorkloadResult } from '../metrics/workload.js';
import { ChartRecorder, type ChartSample } from '../report/chart-recorder.js';
import type { ChartActionKind, ChartData } from '../report/types.js';
import type { KillInstance, KillPrimary, Scenario } from '../scenario/types.js';
import { sampleLatency } from '../world/boot.js';
import { HostPool, makeHosts, type Host } from '../world/hosts.js';
import type { EngineReading, GoneCause, ReplicaCommand, ReplicaPlugin, ReplicaStep, RoundSensor, SpawnResult } from '../world/replicas/engine.js';
import { KEEP_STATE } from '../world/replicas/engine.js';
import {
  addInstance,
  capacityCores,
  cpuAccrued,
  demandedInstances,
  existing,
  findInstance,
  makeWorkload,
  Phase,
  primeDoubleFields,
  removeInstance,
  runningShare,
  setPhase,
  settle,
  settleBlock,
  settleSpan,
  Instance,
  type Workload,
} from '../world/unikernels.js';
import { GONE_SLOT, InstanceSlots } from '../world/instance-slots.js';

/** Event kinds in the heap. */
const EV_PLACED = 1;
const EV_BOOTED = 2;
const EV_GONE = 3;
const EV_KILL = 4;
const EV_RESTART = 5;
const EV_SYNC = 6;
const EV_ROUND = 7;
/** The timer sensor's wake-ups at one instant (a batch of workloads, `WakeBatches`). */
const EV_WAKE = 8;
/** A parked instance's wake is done (it runs again). */
const EV_WOKEN = 9;

/** Tie-break priorities: lifecycle first, then faults, the engine's pass and wake-ups, the round. */
const PRIO_LIFECYCLE = 0;
const PRIO_FAULT = 1;
const PRIO_SYNC = 2;
const PRIO_ROUND = 3;

const GIB = 1024 ** 3;
/** Room for instances a workload's block of slots starts with (it doubles when full; world/instance-slots.ts). */
const SLOTS_PER_WORKLOAD = 4;

/** Workloads a batch round takes at a time through its passes (settle, sample and decide, carry out): about what stays in a core's L1 cache. */
const BATCH_CHUNK = 64;

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
  /**
   * Engines that are not built in (`engine.kind: module | external`): every request sent to the
   * engine and its reply, one JSON line each (`{"now":…,"request":{…},"reply":{…}}`;
   * `scalelab run --protocol-log FILE`, src/bridge/session.ts). Never changes the outputs.
   */
  protocolLog?: (line: string) => void;
}

export interface SimulationResult {
  workloads: { name: string; result: WorkloadResult }[];
  fleet: ReturnType<FleetMetrics['finish']>;
  chart: ChartData;
  counts: { rounds: number; records: number; heapEvents: number; engineCalls: number };
  /** The engine's cooldown (µs) the flip-flop rule used, and what its sensor read, for summary.json's notes. */
  engine?: { cooldown: Micros; sensorNote: string };
  /**
   * Per workload, request-driven ones (`requests:`) and those whose engine parks instances:
   * the request metrics (null without `requests:`) and the standby/wake counts. Absent when no
   * workload has either (summary.json then has no `requests` section).
   */
  requests?: WorkloadRequests[];
  /** The added latency over every request of the run, of cold starts and of wakes (the services' histograms summed); with `requests`. */
  requestsLatency?: RunLatency;
}

/** One workload's requests and parked instances over a run (summary.json `requests`). */
export interface WorkloadRequests {
  name: string;
  requests: RequestMetrics | null;
  /** Instances parked (standby commands carried out). */
  standbys: number;
  /** Parked instances woken, and those woken for a request. */
  wakes: number;
  wakes_for_requests: number;
  /** Time from a wake to the instance running again (ms); null without wakes. */
  wake_latency_ms: { mean: number | null; max: number | null };
}

/** First backoff after a spawn found no room (µs); it doubles up to `stats_interval` (ReplicaPlugin.spawnFailures). */
const SPAWN_RETRY_FIRST = 10_000;

/** Column names of timeseries.csv. */
export const TIMESERIES_HEADER = 'time_s,group,series,value';

/** Round a value for the text outputs (6 decimals), so files stay small and stable. */
function r6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** The run's added latency over every request, and over the requests of cold starts and of wakes. */
function runLatency(flows: readonly RequestFlow[]): RunLatency {
  const summed = (pick: (f: RequestFlow) => LatencyHistogram) => {
    const h = new LatencyHistogram();
    for (const f of flows) h.addHistogram(pick(f));
    return addedLatency(h);
  };
  return { all: combinedAddedLatency(flows), coldStart: summed((f) => f.coldStartLatency), wake: summed((f) => f.wakeLatency) };
}

/** Run the scenario with the engine plug-in `plugin` to its end and return what the metrics and report need. */
export function simulateReplicas<S, O>(scenario: Scenario, plugin: ReplicaPlugin<S, O>, sinks: RunSinks = {}): SimulationResult {
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
  const rngWake: RandomStream = stream(scenario.seed, 'world:wake-latency');
  const noise = world.measurement_noise;
  const report = plugin.report;
  const sensor = plugin.sensor;
  const roundSensor = sensor.kind === 'round' ? sensor : null;
  const timerSensor = sensor.kind === 'timer' ? sensor : null;
  const batchSensor = roundSensor !== null && roundSensor.roundBatch !== undefined ? roundSensor : null;
  const batchChunk = batchSensor?.batchChunk ?? BATCH_CHUNK;
  const cooldownStart = report.cooldownStart;

  primeDoubleFields();
  /** The instances' phases and counters, a block of slots per workload (world/instance-slots.ts). */
  const slots = new InstanceSlots(scenario.workloads.length, SLOTS_PER_WORKLOAD);
  const workloads: Workload[] = scenario.workloads.map((spec, i) => makeWorkload(i, spec, slots));
  const byName = new Map(workloads.map((w) => [w.spec.name, w]));
  /** Each workload's vCPUs and memory (bytes) an instance, from its spec. */
  const vcpusOf = Float64Array.from(workloads, (w) => w.spec.vcpus);
  const memoryOf = Float64Array.from(workloads, (w) => w.spec.memory_bytes);
  const states: S[] = new Array<S>(workloads.length);
  /** Per workload: the time of its pending wake-up (−1: none); an event at another time is stale. */
  const nextWake = new Float64Array(workloads.length).fill(-1);
  /** The round sensor's batch answers, per workload. */
  const steps: (ReplicaStep<S> | typeof KEEP_STATE | null)[] = new Array<ReplicaStep<S> | typeof KEEP_STATE | null>(workloads.length).fill(null);
  const metrics = new WorkloadMetricsBank(workloads.length, {
    start: 0,
    utilisationTarget: u,
    flipFlopWindow: scenario.metrics.flip_flop_window,
    cooldown: report.cooldown,
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

  const counts = { rounds: 0, records: 0, heapEvents: 0, engineCalls: 0 };
  // parked instances per workload: standbys, wakes (for requests), wake latency sum and max (µs)
  const standbys = new Float64Array(workloads.length);
  const wakes = new Float64Array(workloads.length);
  const requestWakes = new Float64Array(workloads.length);
  const wakeSum = new Float64Array(workloads.length);
  const wakeMax = new Float64Array(workloads.length);
  // what the engine evaluated, filled by the plug-in for the series and charts (reused)
  const reading: EngineReading = { cpu: null, highTicks: 0, lowTicks: 0, inCooldown: false };

  // chart data for the first groups (none without a report), bucketed in fixed memory
  const chartGroups = scenario.output.report ? Math.min(scenario.output.chart_groups, workloads.length) : 0;
  const chart = new ChartRecorder({
    groups: workloads.slice(0, chartGroups).map((w) => w.spec.name),
    duration: end,
    interval,
    thresholds: { up: report.thresholds.up, down: report.thresholds.down },
    ...(report.panels ? { panels: report.panels } : {}),
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
    // a parked instance costs no CPU but keeps its memory
    const i = w.index;
    // the spec's numbers from typed arrays: reading them from each workload's spec object is a cache miss a workload at 10,000 and more
    const vcpus = vcpusOf[i]!;
    metrics.set(i, w.demand, w.running * vcpus, demandedInstances(w.demand, u, vcpus), w.running, n, n * vcpus, ((n + w.standby) * memoryOf[i]!) / GIB);
  };
  const fleetChange = (t: Micros, delta: number): void => {
    fleetInstances += delta;
    fleet.update(t, fleetInstances);
  };

  /**
   * Create an instance on a host; returns the failure reason or null. A clone (`cloneOf`) is
   * refused, as mollymawk's `spawn_clone` refuses it, when the instance it clones is not there
   * or the workload has block devices; then placement may fail for want of room.
   */
  const create = (w: Workload, name: string, isPrimary: boolean, t: Micros, warm: boolean, cloneOf?: string): Exclude<SpawnResult, 'placed'> | null => {
    const spec = w.spec;
    if (cloneOf !== undefined) {
      const source = findInstance(w, cloneOf);
      if (source === undefined || source.phase === Phase.Stopping) return 'primary_missing';
      if (spec.block_devices) return 'block_devices';
    }
    const h = pool.choose(spec.arch, spec.vcpus, spec.memory_bytes);
    if (h < 0) return 'no_capacity';
    pool.reserve(h, spec.vcpus, spec.memory_bytes, 1);
    // the counters settled before the new instance holds a slot (settle goes over the block)
    settle(w, t);
    // its numbers in a slot of its workload's block (world/instance-slots.ts)
    const s = slots.take(w.index, w.instances, warm ? Phase.Running : Phase.Placing);
    const bootFails = !warm && world.boot.failure_probability > 0 && rngFail.next() < world.boot.failure_probability;
    const inst = new Instance(slots, s, nextId++, name, w.index, h, spec.vcpus, spec.memory_bytes, isPrimary, bootFails, t, warm ? t : -1);
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
    setPhase(w, inst, Phase.Gone, t);
    pool.reserve(inst.host, inst.vcpus, inst.memoryBytes, -1);
    removeInstance(w, inst);
    // its slot is free for the workload's next instance; the object keeps phase gone (the gone slot)
    slots.release(w.index, inst.slot);
    inst.slot = GONE_SLOT;
    live.delete(inst.id);
    fleetChange(t, -1);
  };

  /** Is there a live, not yet stopping instance called `name` to destroy? */
  const stoppable = (w: Workload, name: string): boolean => {
    const inst = findInstance(w, name);
    return inst !== undefined && inst.phase !== Phase.Stopping;
  };

  /** The live, not stopping instance created last (ties: higher id), or '' when none. */
  const newest = (w: Workload): string => {
    let best: Instance | null = null;
    for (const inst of w.instances) if (inst.phase !== Phase.Stopping && (best === null || inst.createdAt > best.createdAt || (inst.createdAt === best.createdAt && inst.id > best.id))) best = inst;
    return best === null ? '' : best.name;
  };

  /** Begin stopping an instance (destroy); false when there is nothing to stop. */
  const stop = (w: Workload, name: string, t: Micros, reason: string, scaling: boolean): boolean => {
    const inst = findInstance(w, name);
    if (!inst || inst.phase === Phase.Stopping) {
      log(t, 'destroy_ignored', { group: w.spec.name, instance: name, reason: 'not running' });
      return false;
    }
    settle(w, t);
    setPhase(w, inst, Phase.Stopping, t);
    queue.push(t + world.stop_latency, EV_GONE, inst.id, PRIO_LIFECYCLE);
    metrics.count(w.index, 'clones_destroyed');
    log(t, 'instance_stopping', { group: w.spec.name, instance: name, reason });
    // a scale-down's instance going is the scale-down itself: mark only the other destroys
    if (!scaling) chartAction(t, w, 'clone_destroyed');
    return true;
  };

  /** Carry out a plug-in step for workload `w`: its state, its cooldown band, its commands, its wake-up. */
  const apply = (w: Workload, d: ReplicaStep<S>, t: Micros): void => {
    const i = w.index;
    const stamp = cooldownStart ? cooldownStart(states[i]!) : null;
    states[i] = d.state;
    if (cooldownStart) {
      const next = cooldownStart(d.state);
      if (next !== stamp) cooldownBand(w, next, t);
    }
    // one scaling action per step and direction, however many instances it moves
    const scaled = { up: false, down: false };
    for (const a of d.actions) act(w, a, t, scaled);
    if (d.wakeAt !== undefined) wake(i, d.wakeAt, t);
  };

  // timer wake-ups at one instant share a heap event (a batch holding a replaced wake-up is stale
  // for it); with a periodic pass (same priority) each keeps its own
  const batches = new WakeBatches(plugin.periodic === undefined);

  /** Set (or cancel, null) workload `i`'s next wake-up. */
  const wake = (i: number, at: Micros | null, t: Micros): void => {
    if (at === null) {
      nextWake[i] = -1;
      return;
    }
    if (!(at > t)) throw new Error(`engine ${scenario.engine.name} asked to wake at ${at} µs, not after now (${t} µs)`);
    nextWake[i] = at;
    if (at < end) schedule(at, i);
  };

  /** Schedule workload `i`'s wake-up at `at` (< end): into the batch at that instant, a new one's heap event if none. */
  const schedule = (at: Micros, i: number): void => {
    const opened = batches.add(at, i);
    if (opened >= 0) queue.push(at, EV_WAKE, opened, PRIO_SYNC);
  };

  /**
   * Run the batch of wake-ups `id` at `t`: each member whose pending wake-up is `t` observes and
   * decides, in order. An event due at `t` before the wake-ups (a zero-latency placement, stop or
   * boot a step scheduled) interrupts it: the rest go back into the heap behind that event, as
   * their own heap events were.
   */
  const runWakes = (id: number, t: Micros): void => {
    for (let i = batches.next(id); i >= 0; i = batches.next(id)) {
      if (nextWake[i] !== t) continue; // replaced by a later step's wake-up
      nextWake[i] = -1;
      timerStep(workloads[i]!, t);
      if (batches.remaining(id) > 0 && queue.peekTime() === t && queue.peekPriority() < PRIO_SYNC) {
        queue.push(t, EV_WAKE, id, PRIO_SYNC);
        return;
      }
    }
    batches.release(id);
  };

  /** The timer sensor's turn for `w` at `t`: settle, observe, decide, act. */
  const timerStep = (w: Workload, t: Micros): void => {
    const i = w.index;
    const before = states[i]!;
    settle(w, t);
    const d = timerSensor!.decide(w, before, timerSensor!.observe(w, before, t), t);
    counts.engineCalls++;
    counts.records += w.instances.length; // the instances the sensor read
    if (d.state !== before || d.actions.length > 0) {
      apply(w, d, t);
      measure(w, t);
    } else if (d.wakeAt !== undefined) wake(i, d.wakeAt, t);
  };

  /**
   * The chart's cooldown band follows the engine's stamp: a new stamp starts a band to
   * stamp + cooldown (ending any earlier one there); a stamp cleared ends the band at `t`.
   */
  const cooldownBand = (w: Workload, stamp: Micros | null, t: Micros): void => {
    if (w.index >= chartGroups) return;
    if (stamp === null) chart.cutCooldown(w.index, t);
    else chart.cooldown(w.index, stamp, stamp + report.cooldown);
  };

  /** A scaling action of `w` in direction `delta` at `t`: metrics, chart mark and reversal. */
  const scalingAction = (w: Workload, t: Micros, delta: 1 | -1): void => {
    const i = w.index;
    const reversal = metrics.scaling(i, t, delta);
    chartAction(t, w, delta > 0 ? 'scale_up' : 'scale_down');
    if (i < chartGroups) chart.reversal(i, t, reversal);
  };

  /**
   * Spawn failures under `spawnFailures: 'backoff'` (see ReplicaPlugin): `retryAt` — no placement
   * is tried for the workload before it; `retryDelay` — the current backoff (0: none); a run of
   * failures with one reason is logged once, its repeats counted and logged when the run ends.
   */
  const spawnBackoff = plugin.spawnFailures !== 'each';
  const retryAt = new Float64Array(workloads.length);
  const retryDelay = new Float64Array(workloads.length);
  const failRepeats = new Float64Array(workloads.length);
  const failFirst = new Float64Array(workloads.length);
  const failLast = new Float64Array(workloads.length);
  const failReason: (string | null)[] = workloads.map(() => null);
  const maxRetryDelay = Math.max(SPAWN_RETRY_FIRST, interval);

  /** A spawn of `w` failed at `t` (`tried`: placement was tried, not refused by the backoff): back off, log the first of a run. */
  const spawnFailed = (w: Workload, name: string, failure: string, t: Micros, tried: boolean): void => {
    const i = w.index;
    if (tried && failure === 'no_capacity') {
      retryDelay[i] = retryDelay[i] === 0 ? SPAWN_RETRY_FIRST : Math.min(2 * retryDelay[i]!, maxRetryDelay);
      retryAt[i] = t + retryDelay[i]!;
    }
    if (failReason[i] === failure) {
      failRepeats[i]!++;
      failLast[i] = t;
      return;
    }
    flushFailures(w, t);
    failReason[i] = failure;
    failFirst[i] = t;
    failLast[i] = t;
    log(t, 'spawn_failed', { group: w.spec.name, instance: name, reason: failure });
    chartAction(t, w, 'spawn_failed');
  };

  /** A spawn of `w` was placed at `t`: the backoff and the run of failures end. */
  const spawnPlaced = (w: Workload, t: Micros): void => {
    retryDelay[w.index] = 0;
    retryAt[w.index] = 0;
    flushFailures(w, t);
  };

  /** Log the repeats of `w`'s run of spawn failures (if any) at `t` and end the run. */
  const flushFailures = (w: Workload, t: Micros): void => {
    const i = w.index;
    if (failRepeats[i]! > 0) log(t, 'spawn_failed', { group: w.spec.name, reason: failReason[i], count: failRepeats[i], first_s: failFirst[i]! / 1e6, last_s: failLast[i]! / 1e6 });
    failRepeats[i] = 0;
    failReason[i] = null;
  };

  /** The one actuator: carry out command `a` for `w` at `t`. */
  const act = (w: Workload, a: ReplicaCommand, t: Micros, scaled: { up: boolean; down: boolean }): void => {
    const i = w.index;
    const group = w.spec.name;
    switch (a.type) {
      case 'spawn': {
        // a scale-up counts when an instance is created; the engine hears of it when placed (EV_PLACED)
        const tried = !spawnBackoff || t >= retryAt[i]!;
        const failure = tried ? create(w, a.name, false, t, false, a.cloneOf) : 'no_capacity';
        if (failure === null) {
          metrics.count(i, 'clones_spawned');
          log(t, a.scaling === 'up' ? 'scale_up' : 'spawned', { group, instance: a.name });
          if (a.scaling === 'up' && !scaled.up) {
            scaled.up = true;
            scalingAction(w, t, 1);
          }
          if (spawnBackoff) spawnPlaced(w, t);
        } else {
          metrics.count(i, 'spawn_failures');
          if (spawnBackoff) spawnFailed(w, a.name, failure, t, tried);
          else {
            log(t, 'spawn_failed', { group, instance: a.name, reason: failure });
            chartAction(t, w, 'spawn_failed');
          }
          apply(w, plugin.onSpawnResult(w, states[i]!, a.name, failure, t), t);
        }
        break;
      }
      case 'spawn_refused':
        metrics.count(i, 'spawn_failures');
        log(t, 'spawn_failed', a.instance === undefined ? { group, reason: a.reason } : { group, instance: a.instance, reason: a.reason });
        chartAction(t, w, 'spawn_failed');
        break;
      case 'destroy': {
        const name = a.instance === 'newest' ? newest(w) : a.instance;
        const scaling = a.scaling === 'down';
        // a scale-down counts only when something is destroyed; the engine hears of it when gone (EV_GONE)
        if (scaling && stoppable(w, name)) {
          log(t, 'scale_down', { group, instance: name });
          if (!scaled.down) {
            scaled.down = true;
            scalingAction(w, t, -1);
          }
        }
        stop(w, name, t, a.reason, scaling);
        break;
      }
      case 'standby': {
        const inst = findInstance(w, a.instance);
        if (!inst || inst.phase !== Phase.Running) {
          log(t, 'standby_ignored', { group, instance: a.instance, reason: 'not running' });
          break;
        }
        settle(w, t);
        setPhase(w, inst, Phase.Standby, t);
        standbys[i]!++;
        log(t, 'standby', { group, instance: a.instance, reason: a.reason });
        break;
      }
      case 'wake': {
        const inst = findInstance(w, a.instance);
        if (!inst || inst.phase !== Phase.Standby) {
          log(t, 'wake_ignored', { group, instance: a.instance, reason: 'not parked' });
          break;
        }
        // a stateful resume takes the engine's latency; otherwise the instance boots again
        const latency = a.latency ?? sampleLatency(world.boot.latency, rngWake);
        settle(w, t);
        setPhase(w, inst, Phase.Booting, t);
        queue.push(t + latency, EV_WOKEN, inst.id, PRIO_LIFECYCLE);
        wakes[i]!++;
        wakeSum[i]! += latency;
        if (latency > wakeMax[i]!) wakeMax[i] = latency;
        if (a.reason === 'request') {
          requestWakes[i]!++;
          if (w.requests !== null) recordWake(w.requests);
        }
        log(t, 'wake', { group, instance: a.instance, reason: a.reason, latency_ms: latency / 1000, ...(a.latency === undefined ? { cold_boot: true } : {}) });
        break;
      }
      case 'orphan':
        for (const name of a.instances) {
          const inst = findInstance(w, name);
          if (inst && !inst.orphaned) {
            inst.orphaned = true;
            w.orphaned++;
            metrics.count(i, 'orphaned_instances');
          }
        }
        log(t, 'orphaned', { group, instances: a.instances });
        chartAction(t, w, 'orphaned');
        break;
      case 'adopt': {
        const inst = findInstance(w, a.instance);
        if (inst && inst.orphaned) {
          inst.orphaned = false;
          w.orphaned--;
        }
        log(t, 'adopted', { group, instance: a.instance });
        break;
      }
      case 'note':
        log(t, a.event, { group, ...a.fields });
        break;
    }
  };

  /**
   * The round at `t`: settle, sample, decide, act, take the next demand, measure. Groups whose
   * engine reading is wanted this round (time-series rows, charted groups) go one by one
   * (`groupRound`); a round sensor with a batch entry takes the others in one call (`batchRound`).
   * Either way each group's counters are settled, its step carried out and its values stored in
   * group order.
   */
  const round = (t: Micros): void => {
    counts.rounds++;
    // every workload's metrics to now in one pass; each stores its new values below
    metrics.advanceAll(t);
    sampleAll(sources, t, demand);
    const sampleTs = sinks.timeseries !== undefined && t % tsStep === 0;
    const all = workloads.length;
    const oneByOne = batchSensor === null || sampleTs ? all : chartGroups;
    for (let wi = 0; wi < oneByOne; wi++) groupRound(workloads[wi]!, t, sampleTs);
    // in chunks, so that a chunk's workloads and instances are still in cache for the next pass
    for (let from = oneByOne; from < all; from += batchChunk) batchRound(from, Math.min(all, from + batchChunk), t);
  };

  /** One group's round: settle and sample its instances, decide, act, take the next demand, measure, and its series and chart point. */
  const groupRound = (w: Workload, t: Micros, sampleTs: boolean): void => {
    const wi = w.index;
    const before = states[wi]!;
    if (roundSensor !== null) {
      const n = sweep(w, t, roundSensor);
      counts.records += n;
      const d = roundSensor.decide(w, before, n, t);
      if (d !== null) carryOut(w, before, d, t);
    } else {
      settleRound(w, t);
    }
    takeDemand(w);
    store(w);
    const chartNow = wi < chartGroups;
    if (sampleTs || chartNow) {
      report.reading(w, before, states[wi]!, t, reading);
      if (sampleTs) writeSeries(w, t);
      if (chartNow) chartPoint(w, t);
    }
  };

  /**
   * The round of groups `from` … `to − 1` through the sensor's batch: every group's counters
   * settled, the batch samples and decides them all, then each group's step is carried out and
   * its values stored, in group order (no readings: those groups go one by one).
   */
  const batchRound = (from: number, to: number, t: Micros): void => {
    for (let wi = from; wi < to; wi++) settleRound(workloads[wi]!, t);
    counts.records += batchSensor!.roundBatch!(workloads, states, from, to, t, steps);
    for (let wi = from; wi < to; wi++) {
      const w = workloads[wi]!;
      const d = steps[wi]!;
      if (d === KEEP_STATE) counts.engineCalls++;
      else if (d !== null) carryOut(w, states[wi]!, d, t);
      takeDemand(w);
      store(w);
    }
  };

  /** Carry out a round sensor's step for `w` (its state was `before`). */
  const carryOut = (w: Workload, before: S, d: ReplicaStep<S>, t: Micros): void => {
    counts.engineCalls++;
    if (d.actions.length > 0) apply(w, d, t);
    else {
      if (d.state !== before) states[w.index] = d.state;
      if (d.wakeAt !== undefined) wake(w.index, d.wakeAt, t);
    }
  };

  /** The demand the load sources give `w` from now on (a request-driven workload's series is requests/s; its CPU demand is what they keep busy). */
  const takeDemand = (w: Workload): void => {
    const sample = demand[slot[w.index]!]!;
    const flow = w.requests;
    if (flow === null) w.demand = sample;
    else {
      w.rate = sample;
      w.demand = (sample * flow.spec.serviceTime * flow.spec.cpuPerRequest) / 1e6;
    }
  };

  /**
   * Settle `w`'s counters to `t` and read them in the same pass over its instances: each running
   * instance's CPU time advances at the current split, measurement noise perturbs what it used
   * since the last round, and a round sensor samples each instance. Returns the records taken.
   */
  const sweep = (w: Workload, t: Micros, sensor: RoundSensor<S>): number => {
    const dt = settleSpan(w, t);
    const share = runningShare(w, dt);
    let n = 0;
    const list = w.instances;
    for (let i = 0; i < list.length; i++) {
      const inst = list[i]!;
      if (inst.phase === Phase.Running) {
        if (share > 0) inst.cpuUs += cpuAccrued(inst.vcpus, share, dt);
        if (noise > 0) applyNoise(inst);
      }
      if (sensor.sample(inst, n, t)) n++;
    }
    return n;
  };

  /** `sweep` without a round sensor: settle `w`'s counters to `t`, with measurement noise. */
  const settleRound = (w: Workload, t: Micros): void => {
    const dt = settleSpan(w, t);
    const share = runningShare(w, dt);
    if (noise === 0) {
      // no noise: each running instance gains the same CPU time (cpuAccrued: every instance of a
      // workload has its spec's vCPUs), added over the block's slots in place of the list's objects
      if (share > 0) settleBlock(slots, w.index, vcpusOf[w.index]!, share, dt);
      return;
    }
    const list = w.instances;
    for (let i = 0; i < list.length; i++) {
      const inst = list[i]!;
      if (inst.phase === Phase.Running) {
        if (share > 0) inst.cpuUs += cpuAccrued(inst.vcpus, share, dt);
        if (noise > 0) applyNoise(inst);
      }
    }
  };

  /** Measurement noise on the CPU time used since the last round (seeded; never negative). */
  const applyNoise = (inst: Instance): void => {
    const before = inst.roundCpuUs;
    const used = inst.cpuUs - before;
    const noisy = Math.min(Math.max(0, used * (1 + noise * rngNoise.normal())), inst.vcpus * interval);
    inst.cpuUs = before + noisy;
    inst.roundCpuUs = inst.cpuUs;
  };

  /** One round's rows of timeseries.csv from `reading` (no cpu_pct row when the engine read nothing). */
  const writeSeries = (w: Workload, t: Micros): void => {
    const out = sinks.timeseries!;
    const ts = t / 1e6;
    const g = w.spec.name;
    out(`${ts},${g},demand_cores,${r6(w.demand)}`);
    out(`${ts},${g},capacity_cores,${capacityCores(w)}`);
    out(`${ts},${g},instances,${existing(w)}`);
    out(`${ts},${g},running,${w.running}`);
    out(`${ts},${g},booting,${w.booting}`);
    out(`${ts},${g},orphaned,${w.orphaned}`);
    if (reading.cpu !== null) out(`${ts},${g},cpu_pct,${r6(reading.cpu)}`);
    out(`${ts},${g},high_ticks,${reading.highTicks}`);
    out(`${ts},${g},low_ticks,${reading.lowTicks}`);
    out(`${ts},${g},in_cooldown,${reading.inCooldown ? 1 : 0}`);
  };

  /** Group `w`'s state at the round at `t` for the charts (a reused sample object). */
  const chartPoint = (w: Workload, t: Micros): void => {
    const s = chartSample;
    s.demand = w.demand;
    s.capacity = capacityCores(w);
    s.running = w.running - countOrphanedRunning(w);
    s.booting = w.booting + w.placing;
    s.stopping = w.stopping;
    s.orphaned = w.orphaned;
    s.cpu = reading.cpu;
    s.highTicks = reading.highTicks;
    s.lowTicks = reading.lowTicks;
    s.violationUs = metrics.violationMicros(w.index);
    chart.sample(w.index, t, s);
  };

  const countOrphanedRunning = (w: Workload): number => {
    let n = 0;
    for (const inst of w.instances) if (inst.orphaned && inst.phase === Phase.Running) n++;
    return n;
  };

  /** Draws of `kill_instance` faults with `instance: any` (its own stream: other draws unchanged). */
  let rngFaults: RandomStream | null = null;

  /**
   * The instance a `kill_instance` fault hits: among `w`'s live, not stopping instances, oldest
   * first (by creation, i.e. id), the `which`-th, or one drawn uniformly from `world:faults`;
   * undefined when there is none.
   */
  const faultVictim = (w: Workload, which: number | 'any'): Instance | undefined => {
    const alive = w.instances.filter((inst) => inst.phase !== Phase.Stopping).sort((a, b) => a.id - b.id);
    if (which !== 'any') return alive[which];
    if (alive.length === 0) return undefined;
    rngFaults ??= stream(scenario.seed, 'world:faults');
    return alive[Math.floor(rngFaults.next() * alive.length)];
  };

  /** A `kill_instance` fault at `t`: its instance is gone at once (the engine hears `killed`); `fault_missed` when there is none. */
  const killInstance = (fault: KillInstance, t: Micros): void => {
    const w = byName.get(fault.kill_instance)!;
    const inst = faultVictim(w, fault.instance);
    if (inst === undefined) {
      log(t, 'fault_missed', { group: w.spec.name, instance: fault.instance, reason: 'no such live instance' });
      return;
    }
    bury(w, inst, t);
    log(t, 'instance_killed', { group: w.spec.name, instance: inst.name, primary: inst.isPrimary });
    chartAction(t, w, 'instance_killed');
    gone(w, inst.name, 'killed', t);
    measure(w, t);
  };

  /** Tell the plug-in that an instance of `w` is gone and carry out its answer. */
  const gone = (w: Workload, name: string, cause: GoneCause, t: Micros): void => {
    const d = plugin.onGone(w, states[w.index]!, name, cause, t);
    if (d !== null) apply(w, d, t);
  };

  // --- start: initial instances warm and running at t = 0 -------------------------------
  for (const w of workloads) {
    for (const init of plugin.initialInstances(w.spec)) {
      const failure = create(w, init.name, init.primary, 0, true);
      // the loader's fit check (resolve.ts, checkFit) refuses such worlds first; this is its backstop
      if (failure !== null) throw new InputError(`no room for ${init.primary ? 'primary ' : 'instance '}${init.name}: ${failure}`, { file: scenario.file, key: 'workloads' });
    }
  }
  for (const w of workloads) states[w.index] = plugin.initialState(w);
  for (const w of workloads) measure(w, 0);
  scenario.faults.forEach((f, i) => queue.push(f.at, EV_KILL, i, PRIO_FAULT));
  const periodic = plugin.periodic;
  if (periodic && periodic.every < end) queue.push(periodic.every, EV_SYNC, 0, PRIO_SYNC);
  if (timerSensor !== null) {
    for (const w of workloads) {
      const first = timerSensor.firstWake(w, states[w.index]!);
      if (first !== null && first < end) {
        nextWake[w.index] = first;
        schedule(first, w.index);
      }
    }
  }
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
        setPhase(w, inst, Phase.Booting, t);
        inst.startedAt = t;
        queue.push(t + sampleLatency(world.boot.latency, rngBoot), EV_BOOTED, inst.id, PRIO_LIFECYCLE);
        // the engine's spawn is on its host now (albatross: spawn_clone registers it, register_clone)
        if (!inst.isPrimary) apply(w, plugin.onSpawnResult(w, states[w.index]!, inst.name, 'placed', t), t);
        break;
      }
      case EV_WOKEN: {
        const inst = live.get(arg);
        if (!inst || inst.phase !== Phase.Booting) break;
        const w = workloads[inst.workload]!;
        settle(w, t);
        setPhase(w, inst, Phase.Running, t);
        inst.roundCpuUs = inst.cpuUs;
        log(t, 'instance_running', { group: w.spec.name, instance: inst.name, woken: true });
        measure(w, t);
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
          gone(w, inst.name, 'boot_failed', t);
        } else {
          settle(w, t);
          setPhase(w, inst, Phase.Running, t);
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
        // the destroy is confirmed (albatross: prune_clone removes the clone now, remove_clone)
        gone(w, inst.name, 'destroyed', t);
        measure(w, t);
        break;
      }
      case EV_KILL: {
        const fault = scenario.faults[arg]!;
        if ('kill_instance' in fault) {
          killInstance(fault, t);
          break;
        }
        const w = byName.get(fault.kill_primary)!;
        const inst = findInstance(w, fault.kill_primary);
        if (inst) {
          bury(w, inst, t);
          log(t, 'primary_killed', { group: w.spec.name, instance: inst.name });
          chartAction(t, w, 'primary_killed');
          gone(w, inst.name, 'killed', t);
          measure(w, t);
        }
        if (fault.restart_after !== null) queue.push(t + fault.restart_after, EV_RESTART, arg, PRIO_FAULT);
        break;
      }
      case EV_RESTART: {
        const fault = scenario.faults[arg] as KillPrimary;
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
          const d = periodic!.run(w, states[w.index]!, t);
          if (d.state !== states[w.index] || d.actions.length > 0) {
            apply(w, d, t);
            measure(w, t);
          } else if (d.wakeAt !== undefined) wake(w.index, d.wakeAt, t);
        }
        if (t + periodic!.every < end) queue.push(t + periodic!.every, EV_SYNC, 0, PRIO_SYNC);
        break;
      }
      case EV_WAKE:
        batches.close(arg);
        runWakes(arg, t);
        break;
    }
  });

  for (const w of workloads) settle(w, end);
  if (spawnBackoff) for (const w of workloads) flushFailures(w, end);
  for (const s of sources) s.close();
  // closed now, each result built when read (after the run, when the world's state is garbage)
  const results = lazyResults(metrics, workloads.map((w) => w.spec.name), end);
  chart.close(workloads.slice(0, chartGroups).map((w) => metrics.violationMicros(w.index)));
  const withRequests = workloads.some((w) => w.requests !== null || standbys[w.index]! > 0 || wakes[w.index]! > 0);
  const requests = withRequests
    ? workloads.map((w) => {
        const n = wakes[w.index]!;
        return {
          name: w.spec.name,
          requests: w.requests !== null ? requestMetrics(w.requests) : null,
          standbys: standbys[w.index]!,
          wakes: n,
          wakes_for_requests: requestWakes[w.index]!,
          wake_latency_ms: { mean: n > 0 ? wakeSum[w.index]! / n / 1000 : null, max: n > 0 ? wakeMax[w.index]! / 1000 : null },
        };
      })
    : undefined;
  return {
    workloads: results,
    fleet: fleet.finish(end),
    chart: chart.finish(),
    counts,
    engine: { cooldown: report.cooldown, sensorNote: report.sensorNote },
    ...(requests ? { requests, requestsLatency: runLatency(workloads.flatMap((w) => (w.requests !== null ? [w.requests] : []))) } : {}),
  };
}
