/**
 * Albatross's batch entry (`roundBatch`, src/engines/albatross/plugin.ts) against its one-by-one
 * form (`sample` on each instance, then `decide`: the steady fast path or the core), on random
 * rounds of a hand-made world: CPU counters advance by random amounts, and between rounds
 * instances are killed, clones appear (adopted by the core), start stopping or run again, each
 * change bumping the world's `changes` counter as the world does; the engine's other callbacks
 * (the sync pass, spawn outcomes, confirmed destroys) give groups new states between rounds. The
 * batch keeps per steady group a flag and the `changes` of the round it found it steady, and
 * then decides by the loads alone; every decision must still be the one-by-one decision. The
 * batched side's instances are the world's own (`Instance`), their numbers in the world's columns
 * (`InstanceSlots`, with room for two a group, so that blocks fill and move); the one-by-one side's
 * are plain objects. After each round both sides' instances must read alike.
 */
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { albatrossEngine } from '../src/engines/albatross/plugin.js';
import type { GroupState } from '../src/engines/albatross/core.js';
import { loadScenario } from '../src/scenario/load.js';
import { KEEP_STATE, ReplicaPhase, type ReplicaStep, type RoundSensor } from '../src/world/replicas/engine.js';
import { GONE_SLOT, InstanceSlots } from '../src/world/instance-slots.js';
import { Instance } from '../src/world/unikernels.js';

interface FakeInstance {
  name: string;
  phase: number;
  cpuUs: number;
  vcpus: number;
  reportedAt: number;
  reportedCpuUs: number;
}
interface FakeGroup {
  index: number;
  spec: { name: string };
  instances: FakeInstance[];
  changes: number;
}
/** A group of the batched side: the world's own instances, their numbers in the world's columns. */
interface SlottedGroup {
  index: number;
  spec: { name: string };
  instances: Instance[];
  changes: number;
  columns: InstanceSlots;
}

/** What a state says, without its cyclic `unchanged`. */
function facts(s: GroupState) {
  return { primary: s.primary, managed: s.managed, members: s.members, highTicks: s.highTicks, lowTicks: s.lowTicks, lastScaleAction: s.lastScaleAction, lastAverage: s.lastAverage };
}

function world(groups: number): FakeGroup[] {
  return Array.from({ length: groups }, (_, g) => ({ index: g, spec: { name: `g${g}` }, instances: [{ name: `g${g}`, phase: ReplicaPhase.Running, cpuUs: 0, vcpus: 1, reportedAt: -1, reportedCpuUs: 0 }], changes: 0 }));
}

/** A new instance of group `g` in `slots`, as the world makes one (src/run/replicas.ts `create`): room for 2 a group, so blocks move. */
function slotted(slots: InstanceSlots, group: SlottedGroup, name: string, phase: ReplicaPhase): Instance {
  const s = slots.take(group.index, group.instances, phase);
  return new Instance(slots, s, 0, name, group.index, 0, 1, 0, false, false, 0, 0);
}

function slottedWorld(groups: number, slots: InstanceSlots): SlottedGroup[] {
  return Array.from({ length: groups }, (_, g) => {
    const group: SlottedGroup = { index: g, spec: { name: `g${g}` }, instances: [], changes: 0, columns: slots };
    group.instances.push(slotted(slots, group, `g${g}`, ReplicaPhase.Running));
    return group;
  });
}

describe('Albatross roundBatch', () => {
  // `steady`: loads mostly between the thresholds; `hot`: mostly above the up threshold, so that
  // groups scale up and then sit in their cooldown with the counters at 0 while still high, the
  // round the batch tells from its mirrored cooldown stamp without reading the state
  const cases = [1, 2, 3, 4, 5, 6, 7, 8].map((seed) => ({ seed, loads: 'steady' as const })).concat([1, 2, 3, 4].map((seed) => ({ seed, loads: 'hot' as const })));
  for (const { seed, loads } of cases) {
    it(`decides as sample + decide on random rounds (${loads} loads, seed ${seed})`, () => {
      const groups = 6;
      const scenario = loadScenario('scenarios/bench-pb1.yaml', { sets: [`workloads.0.count=${groups}`, 'duration=1h'] });
      const batched = albatrossEngine.bind(scenario);
      const single = albatrossEngine.bind(scenario);
      const slots = new InstanceSlots(groups, 2);
      const a = slottedWorld(groups, slots);
      const b = world(groups);
      const statesA: GroupState[] = a.map((g) => batched.initialState(g as never));
      const statesB: GroupState[] = b.map((g) => single.initialState(g as never));
      const sensorA = batched.sensor as RoundSensor<GroupState>;
      const sensorB = single.sensor as RoundSensor<GroupState>;
      const steps: (ReplicaStep<GroupState> | typeof KEEP_STATE | null)[] = new Array(groups).fill(null);
      const rng = seedrandom(loads === 'steady' ? `round-batch-${seed}` : `round-batch-${loads}-${seed}`);
      let nextClone = 1;
      let steadyHits = 0;
      let callbackChanges = 0;
      let coolingKeeps = 0;
      for (let r = 0; r < 400; r++) {
        const now = r * 10_000_000;
        // the world between rounds, the same on both sides
        for (let g = 0; g < groups; g++) {
          const event = rng();
          const ia = a[g]!.instances;
          const ib = b[g]!.instances;
          if (event < 0.02 && ia.length > 0) {
            // an instance gone (killed, or its destroy done)
            const k = Math.floor(rng() * ia.length);
            const [gone] = ia.splice(k, 1);
            slots.release(g, gone!.slot);
            gone!.slot = GONE_SLOT;
            ib.splice(k, 1);
            a[g]!.changes++;
            b[g]!.changes++;
          } else if (event < 0.05) {
            // a clone appears (the core adopts it), named so that it sorts after the primary
            const name = `g${g}-clone-${nextClone++}`;
            ia.push(slotted(slots, a[g]!, name, ReplicaPhase.Booting));
            ib.push({ name, phase: ReplicaPhase.Booting, cpuUs: 0, vcpus: 1, reportedAt: -1, reportedCpuUs: 0 });
            a[g]!.changes++;
            b[g]!.changes++;
          } else if (event < 0.08 && ia.length > 0) {
            // a phase change: booting → running, running → stopping, stopping → running (a restart)
            const k = Math.floor(rng() * ia.length);
            const next = ia[k]!.phase === ReplicaPhase.Booting ? ReplicaPhase.Running : ia[k]!.phase === ReplicaPhase.Running ? ReplicaPhase.Stopping : ReplicaPhase.Running;
            ia[k]!.phase = next;
            ib[k]!.phase = next;
            a[g]!.changes++;
            b[g]!.changes++;
          }
          // CPU over the interval: mostly around a level, now and then high or idle
          for (let k = 0; k < ia.length; k++) {
            if (ia[k]!.phase !== ReplicaPhase.Running) continue;
            const level = rng() < 0.1 ? rng() : loads === 'steady' ? 0.55 + 0.1 * rng() : 0.92 + 0.08 * rng();
            const used = level * 10_000_000;
            ia[k]!.cpuUs += used;
            ib[k]!.cpuUs += used;
          }
        }
        // the engine's other callbacks, the same on both sides: each may give a group another
        // state between rounds, which must end the batch's reuse of its steady round
        for (let g = 0; g < groups; g++) {
          const event = rng();
          let da: ReplicaStep<GroupState> | null = null;
          let db: ReplicaStep<GroupState> | null = null;
          if (event < 0.04) {
            // the sync pass (`periodic.run`, upstream's every death_timeout)
            da = batched.periodic!.run(a[g] as never, statesA[g]!, now);
            db = single.periodic!.run(b[g] as never, statesB[g]!, now);
          } else if (event < 0.07 && statesA[g]!.members.length > 0) {
            // a spawn's outcome (placed, or no room), for a clone name the group may or may not know
            const result = rng() < 0.5 ? 'placed' : 'no_capacity';
            const name = `g${g}-clone-${1 + Math.floor(rng() * nextClone)}`;
            da = batched.onSpawnResult(a[g] as never, statesA[g]!, name, result, now);
            db = single.onSpawnResult(b[g] as never, statesB[g]!, name, result, now);
          } else if (event < 0.09 && statesA[g]!.members.length > 1) {
            // a destroy confirmed, for a clone of the state
            const members = statesA[g]!.members;
            const name = members[1 + Math.floor(rng() * (members.length - 1))]!.name;
            da = batched.onGone!(a[g] as never, statesA[g]!, name, 'destroyed', now);
            db = single.onGone!(b[g] as never, statesB[g]!, name, 'destroyed', now);
          }
          if (da === null || db === null) continue;
          expect(facts(da.state)).toEqual(facts(db.state));
          if (da.state !== statesA[g]) callbackChanges++;
          statesA[g] = da.state;
          statesB[g] = db.state;
        }
        const records = sensorA.roundBatch!(a as never, statesA, 0, groups, now, steps);
        let recordsB = 0;
        for (let g = 0; g < groups; g++) {
          let n = 0;
          for (const inst of b[g]!.instances) if (sensorB.sample(inst as never, n, now)) n++;
          recordsB += n;
          const d = sensorB.decide(b[g] as never, statesB[g]!, n, now);
          const s = steps[g]!;
          if (s === KEEP_STATE) {
            steadyHits++;
            const before = statesB[g]!;
            if (before.highTicks === 0 && before.lowTicks === 0 && before.lastScaleAction !== null && now - before.lastScaleAction < 600_000_000) coolingKeeps++;
            expect(d).not.toBeNull();
            expect(d!.state).toBe(statesB[g]);
            expect(d!.actions).toEqual([]);
            expect(d!.wakeAt).toBeUndefined();
          } else if (s === null) {
            expect(d).toBeNull();
          } else {
            expect(d).not.toBeNull();
            expect(facts(s.state)).toEqual(facts(d!.state));
            expect(s.actions).toEqual(d!.actions);
            statesA[g] = s.state;
            statesB[g] = d!.state;
          }
        }
        expect(records).toBe(recordsB);
        // and both sides' instances read alike afterwards (the batch read the columns)
        for (let g = 0; g < groups; g++) {
          const seen = (list: readonly { name: string; phase: number; cpuUs: number; reportedAt: number; reportedCpuUs: number }[]) =>
            list.map((i) => ({ name: i.name, phase: i.phase, cpuUs: i.cpuUs, reportedAt: i.reportedAt, reportedCpuUs: i.reportedCpuUs }));
          expect(seen(a[g]!.instances)).toEqual(seen(b[g]!.instances));
        }
      }
      // the reuse was exercised, not only the full path
      expect(steadyHits).toBeGreaterThan(30);
      // and the callbacks did change states between rounds
      expect(callbackChanges).toBeGreaterThan(10);
      // hot loads: quiet groups in their cooldown were kept (bench-pb1's cooldown_period, 600 s)
      if (loads === 'hot') expect(coolingKeeps).toBeGreaterThan(30);
    });
  }
});

describe('Albatross roundBatch at the end of a cooldown', () => {
  // One group whose lone instance runs at 95 % every round and nothing else happens: the core
  // counts 3 high rounds, asks for a clone (the stamp; the clone never comes here), sits out the
  // cooldown with its counters at 0, and counts again from the first round at or past the stamp
  // + cooldown_period (mollymawk autoscaler.ml `in_cooldown`, read by `evaluate_scaling`: `now - last_scale_action < cooldown_period`
  // is cooling). The batch tells the cooling rounds from its mirrored stamp; it must stop doing
  // so on exactly that round, for any cooldown, including one that is not a whole number of rounds.
  for (const cooldown of ['0s', '10s', '600s', '605s', '30m']) {
    it(`decides as sample + decide round for round (cooldown_period ${cooldown})`, () => {
      const scenario = loadScenario('scenarios/bench-pb1.yaml', { sets: ['workloads.0.count=1', 'duration=1h', `engine.config.cooldown_period=${cooldown}`] });
      const batched = albatrossEngine.bind(scenario);
      const single = albatrossEngine.bind(scenario);
      const slots = new InstanceSlots(1, 2);
      const a = slottedWorld(1, slots);
      const b = world(1);
      const statesA: GroupState[] = [batched.initialState(a[0] as never)];
      let stateB: GroupState = single.initialState(b[0] as never);
      const sensorA = batched.sensor as RoundSensor<GroupState>;
      const sensorB = single.sensor as RoundSensor<GroupState>;
      const steps: (ReplicaStep<GroupState> | typeof KEEP_STATE | null)[] = [null];
      const spawnRounds: number[] = [];
      for (let r = 0; r < 600; r++) {
        const now = r * 10_000_000;
        a[0]!.instances[0]!.cpuUs += 9_500_000;
        b[0]!.instances[0]!.cpuUs += 9_500_000;
        sensorA.roundBatch!(a as never, statesA, 0, 1, now, steps);
        let n = 0;
        for (const inst of b[0]!.instances) if (sensorB.sample(inst as never, n, now)) n++;
        const d = sensorB.decide(b[0] as never, stateB, n, now)!;
        const s = steps[0]!;
        if (s === KEEP_STATE) {
          expect(d.state).toBe(stateB);
          expect(d.actions).toEqual([]);
          continue;
        }
        expect(s).not.toBeNull();
        expect(facts(s.state)).toEqual(facts(d.state));
        expect(s.actions).toEqual(d.actions);
        if (d.actions.length > 0) spawnRounds.push(r);
        statesA[0] = s.state;
        stateB = d.state;
      }
      // worked by hand: the first record only starts the counters (round 0); rounds 1–3 are high,
      // so the clone is asked for at round 3 (t = 30 s, the stamp). Rounds with t − 30 s < the
      // cooldown count nothing; the first round past it, 3 + ⌈cooldown / 10 s⌉, counts 1, and two
      // rounds later the third tick asks again: every ⌈cooldown / 10 s⌉ + 2 rounds, and never
      // sooner than every 3 (0 s and 10 s: the round after the stamp already counts). 600 s:
      // cooling through round 62 (t = 620 s), asks at 65; 605 s: through round 63, asks at 66.
      const seconds = { '0s': 0, '10s': 10, '600s': 600, '605s': 605, '30m': 1800 }[cooldown]!;
      const every = Math.max(3, Math.ceil(seconds / 10) + 2);
      expect(spawnRounds.slice(0, 4)).toEqual([3, 3 + every, 3 + 2 * every, 3 + 3 * every]);
    });
  }
});
