/**
 * Albatross on the horizontal world: the plug-in that gives the pure core (engine.ts) what
 * albatross gives mollymawk's autoscaler, and turns its actions into world commands.
 *
 * - Sensor (round): every `stats_interval`, an albatross-stats record (utime as seconds + µs)
 *   for each booting or running unikernel of the group, in name order, each with the same
 *   unikernel's previous record (the world keeps it on the instance), into a reused scratch
 *   array; `onStats` decides on them.
 * - Periodic pass: `onSync` every `death_timeout` against the unikernels alive (not stopping).
 * - Outcomes: a clone joins its group when placed (`onSpawnResult` created), a refused or failed
 *   spawn answers `refused` / `failed` (no room: `failed`, which clears the stamp), a victim
 *   leaves when gone (`onDestroyResult`). Boot failures and killed primaries are not told: the
 *   next sync pass notices them, as upstream.
 * - Report: the cooldown (`cooldown_period`), the CPU thresholds, tick counters and the average
 *   the engine evaluated (`evaluatedAverage`).
 *
 * @example simulateReplicas(scenario, albatrossEngine.bind(scenario)) // the Albatross run
 */
import type { Micros } from '../../kernel/time.js';
import type { Scenario, WorkloadSpec } from '../../scenario/types.js';
import type { EngineReading, ReplicaCommand, ReplicaEngine, ReplicaGroupView, ReplicaPlugin, ReplicaStep, SpawnResult } from '../../world/replicas/engine.js';
import { KEEP_STATE, ReplicaPhase } from '../../world/replicas/engine.js';
import { albatrossDescriptor } from './descriptor.js';
import { steadyDecision, steadyRound } from './steady.js';
import { makeStatsSampler, readLoad } from './sensor.js';
import {
  coolingSince,
  coreOnStats,
  evaluatedAverage,
  inCooldown,
  initialGroup,
  isHigh,
  isLow,
  onDestroyResult,
  onSpawnResult,
  onSync,
  type AlbatrossAction,
  type AlbatrossConfig,
  type AlbatrossOptions,
  type Decision,
  type GroupContext,
  type GroupState,
  type SpawnOutcome,
  type StatsSample,
} from './engine.js';

/**
 * The world command for one Albatross action. A clone is spawned as a clone of the state's
 * primary (mollymawk's `spawn_clone` refuses when it is gone); a scale-down's destroy is a
 * scaling action, a primary-death destroy is not.
 *
 * @example toCommand({ type: 'spawn_clone', group: 'web', name: 'web-clone-1' }, 'web') // { type: 'spawn', name: 'web-clone-1', cloneOf: 'web', scaling: 'up' }
 */
export function toCommand(a: AlbatrossAction, primary: string): ReplicaCommand {
  switch (a.type) {
    case 'spawn_clone':
      return { type: 'spawn', name: a.name, cloneOf: primary, scaling: 'up' };
    case 'spawn_refused':
      return { type: 'spawn_refused', reason: a.reason };
    case 'destroy_clone':
      return a.reason === 'scale_down' ? { type: 'destroy', instance: a.name, reason: a.reason, scaling: 'down' } : { type: 'destroy', instance: a.name, reason: a.reason };
    case 'orphan':
      return { type: 'orphan', instances: a.names };
    case 'adopt':
      return { type: 'adopt', instance: a.name };
    case 'forget':
      return { type: 'note', event: 'group_forgotten' };
  }
}

/** A decision as a world step; one without actions is passed through as is (no allocation). */
function step(d: Decision): ReplicaStep<GroupState> {
  if (d.actions.length === 0) return d as unknown as ReplicaStep<GroupState>;
  return { state: d.state, actions: d.actions.map((a) => toCommand(a, d.state.primary)) };
}

/** How a world spawn result ends albatross's spawn: placed → created; no room → failed (stamp cleared); refused before albatross was asked → refused (stamp stays). */
function outcomeOf(result: SpawnResult): SpawnOutcome {
  return result === 'placed' ? 'created' : result === 'no_capacity' ? 'failed' : 'refused';
}

/**
 * The engine context of every workload, one object per distinct policy (vCPUs, max and min
 * instances) shared by the workloads that have it: 100,000 like groups touch one context, not
 * 100,000 scattered ones, in every round.
 *
 * @example sharedContexts(specs, config, options)[0] === sharedContexts(specs, config, options)[1] // for two like groups: true
 */
function sharedContexts(specs: readonly WorkloadSpec[], config: AlbatrossConfig, options: AlbatrossOptions): GroupContext[] {
  const byPolicy = new Map<string, GroupContext>();
  return specs.map((w) => {
    const key = `${w.vcpus}/${w.max_instances}/${w.min_instances}`;
    let ctx = byPolicy.get(key);
    if (ctx === undefined) byPolicy.set(key, (ctx = { config, options, policy: { vcpus: w.vcpus, maxInstances: w.max_instances, minInstances: w.min_instances } }));
    return ctx;
  });
}

/** Bind Albatross to one run: a context per workload, one scratch record array for the sensor. */
function bind(scenario: Scenario): ReplicaPlugin<GroupState> {
  const config = scenario.engine.config as unknown as AlbatrossConfig;
  const options = scenario.engine.options as unknown as AlbatrossOptions;
  const contexts = sharedContexts(scenario.workloads, config, options);
  // scratch stats samples, reused every round (the engine never keeps them), and this round's count
  const records: StatsSample[] = [];
  let count = 0;

  const sample = makeStatsSampler(records);

  // Groups whose last round was steady (`steadyRound` decided it) and whose state has kept its
  // members since, with their instance counter then. While the flag stays up and the counter the
  // same, the same instances report under the same names to the same members, so the round is
  // steady again and only the loads are new: the members need not be matched again (at 10,000
  // groups and more, each member read is a cache miss). The flag goes down whenever a callback
  // gives the group another state, or a round anything more than new tick counters, so the
  // round's test reads neither the state nor its members: at 100,000 groups a state, allocated
  // whenever it last changed, is a cache miss of its own (even comparing two states by identity
  // makes V8 read each one's map).
  const steady = new Uint8Array(scenario.workloads.length);
  const steadyChanges = new Float64Array(scenario.workloads.length);
  /** 1: that state had both tick counters at 0. */
  const steadyQuiet = new Uint8Array(scenario.workloads.length);
  /**
   * That state's `lastScaleAction` (−∞ for none), so that the batch can tell a quiet group in its
   * cooldown without reading the state: its counters stay at 0 whatever its load (`groupStatus`
   * counts ticks only outside the cooldown), so nothing changes.
   */
  const steadyLastAction = new Float64Array(scenario.workloads.length);
  const cooldown = config.cooldown_period;
  /** `d` as `group`'s next state after `state`: a state other than `state` lowers its steady flag. */
  const settled = (group: ReplicaGroupView, state: GroupState, d: Decision): ReplicaStep<GroupState> => {
    if (d.state !== state) steady[group.index] = 0;
    return step(d);
  };
  /**
   * After a steady round of group `g` decided `d` on `state`: the flag stays up when `d` only
   * moved the tick counters (no actions, the same members, still managed), for then the next
   * round with the same instances is steady too; else it goes down.
   */
  const keepSteady = (g: number, state: GroupState, d: Decision): void => {
    const next = d.state;
    if (d.actions.length === 0 && next.members === state.members && next.managed) {
      steady[g] = 1;
      steadyQuiet[g] = next.highTicks === 0 && next.lowTicks === 0 ? 1 : 0;
      steadyLastAction[g] = next.lastScaleAction ?? -Infinity;
    } else steady[g] = 0;
  };

  /** `onStats` on this round's `n` records of `group` (the fast path, else the core), as a world step; sets the steady flag when the fast path decided (`keepSteady`). */
  const decide = (group: ReplicaGroupView, state: GroupState, n: number, now: Micros): ReplicaStep<GroupState> | null => {
    count = n;
    const g = group.index;
    steady[g] = 0;
    // with silence_is_death a group none of whose members reports still has its round
    if (!(n > 0 || (options.silence_is_death && state.managed))) return null;
    const ctx = contexts[g]!;
    // onStats spelt out, so that the fast path inlines here
    const fast = steadyRound(ctx, state, records, n, now);
    const d = fast ?? coreOnStats(ctx, state, records, n, now);
    if (fast !== null) {
      keepSteady(g, state, d);
      steadyChanges[g] = group.changes;
    }
    // the quiet round's decision as is, without a call: through `step` V8 allocated ~40 bytes a call here
    return d.actions.length === 0 ? (d as unknown as ReplicaStep<GroupState>) : step(d);
  };

  /**
   * The round of groups `from` … `to − 1`: each one's instances sampled, then decided (see
   * `RoundSensor.roundBatch`); a group steady since its last round by the loads alone.
   */
  const roundBatch = (groups: readonly ReplicaGroupView[], states: readonly GroupState[], from: number, to: number, now: Micros, steps: (ReplicaStep<GroupState> | typeof KEEP_STATE | null)[]): number => {
    let total = 0;
    if (from >= to) return total;
    // the world's instance columns, one set for all its groups, taken once for the batch
    const columns = groups[from]!.columns;
    for (let g = from; g < to; g++) {
      const group = groups[g]!;
      const state = states[g]!;
      let n = 0;
      if (steady[g] === 1 && steadyChanges[g] === group.changes) {
        // steadyRound's sum of the loads, each read from the world's columns without its record
        // (`readLoad`); the sum of whole numbers is the same in any order, so slot order will do
        const ctx = contexts[g]!;
        let sum = 0;
        const last = columns.end[g]!;
        for (let s = columns.first[g]!; s < last; s++) {
          const load = readLoad(ctx, columns, s, now);
          if (load < 0) continue;
          sum += load;
          n++;
        }
        total += n;
        // the core's Math.trunc(sum / n); a lone instance's load is the average as it is (no division)
        const average = n === 1 ? sum : Math.trunc(sum / n);
        // steadyDecision's usual answers, told without reading the state (another cache miss a
        // group): counters at 0 and the load between the thresholds, or counters at 0 in the
        // cooldown (inCooldown's test on the mirrored stamp; −∞ is never in it)
        if (steadyQuiet[g] === 1 && (coolingSince(steadyLastAction[g]!, now, cooldown) || (!isHigh(ctx, average) && !isLow(ctx, average, n - 1)))) {
          steps[g] = KEEP_STATE;
          continue;
        }
        const d = steadyDecision(ctx, state, n, average, now);
        if (d === state.unchanged) {
          steps[g] = KEEP_STATE;
          continue;
        }
        keepSteady(g, state, d);
        steps[g] = d.actions.length === 0 ? (d as unknown as ReplicaStep<GroupState>) : step(d);
        continue;
      }
      const list = group.instances;
      for (let i = 0; i < list.length; i++) if (sample(list[i]!, n, now)) n++;
      total += n;
      steps[g] = decide(group, state, n, now);
    }
    return total;
  };

  return {
    initialInstances: (spec: WorkloadSpec) => [{ name: spec.name, primary: true }],
    initialState: (group: ReplicaGroupView) => initialGroup(group.spec.name),
    sensor: { kind: 'round', sample, decide, roundBatch },
    periodic: {
      every: config.death_timeout,
      run(group, state, now) {
        const alive = (name: string): boolean => {
          for (const inst of group.instances) if (inst.name === name) return inst.phase !== ReplicaPhase.Stopping;
          return false;
        };
        return settled(group, state, onSync(contexts[group.index]!, state, alive, now));
      },
    },
    // every spawn tried and every failure logged: albatross's failure path is upstream's (pinned)
    spawnFailures: 'each',
    onSpawnResult: (group, state, name, result, now) => settled(group, state, onSpawnResult(contexts[group.index]!, state, name, outcomeOf(result), now)),
    onGone: (group, state, name, cause, now) => (cause === 'destroyed' ? settled(group, state, onDestroyResult(contexts[group.index]!, state, name, now)) : null),
    report: {
      cooldown: config.cooldown_period,
      thresholds: { up: config.scale_up_threshold_percent, down: config.scale_down_threshold_percent },
      sensorNote: `stats records every ${scenario.world.stats_interval / 1e6} s`,
      cooldownStart: (state) => state.lastScaleAction,
      reading(group, before, after, now, out: EngineReading) {
        const ctx = contexts[group.index]!;
        out.cpu = evaluatedAverage(ctx, before, after, records, count, now);
        out.highTicks = after.highTicks;
        out.lowTicks = after.lowTicks;
        out.inCooldown = inCooldown(ctx, after, now);
      },
    },
  };
}

/** Albatross as a replica engine. */
export const albatrossEngine: ReplicaEngine<GroupState> = { descriptor: albatrossDescriptor, bind };
