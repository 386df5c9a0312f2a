/** Sweep axes (grid values and ranges), seed derivation, point enumeration, sampling and shards. */
import { describe, expect, it } from 'vitest';
import { stream } from '../src/kernel/random.js';
import { InputError } from '../src/scenario/errors.js';
import { axisSeconds, domainSize, domainValues, drawValue, parseAxisArg, splitList, valueText, type Axis } from '../src/workbench/axis.js';
import { pointIdOfLine, pointObject } from '../src/workbench/journal.js';
import { enumeratePoints, inShard, plannedRuns, pointId, type SweepPlan } from '../src/workbench/plan.js';
import { deriveSeeds, replicationSeed } from '../src/workbench/seeds.js';
import { parseShard } from '../src/workbench/shard.js';
import { parseConstraint, parseGoal, parsePareto } from '../src/workbench/choice.js';

const values = (arg: string) => domainValues(parseAxisArg(arg).domain);

describe('grid values and ranges', () => {
  it('reads a numeric range with a step, both ends included', () => {
    const axis = parseAxisArg('engine.config.scale_up_threshold_percent=70..95:5');
    expect(axis.key).toBe('engine.config.scale_up_threshold_percent');
    expect(domainValues(axis.domain)).toEqual(['70', '75', '80', '85', '90', '95']);
  });

  it('reads a duration range in the unit it was written in', () => {
    expect(values('engine.config.cooldown_period=60s..600s:60s')).toEqual(['60s', '120s', '180s', '240s', '300s', '360s', '420s', '480s', '540s', '600s']);
    expect(values('world.boot.latency=20ms..100ms:40ms')).toEqual(['20ms', '60ms', '100ms']);
    // a value the step's unit does not divide falls back to a unit that does
    expect(values('engine.config.cooldown_period=90s..5m:1m')).toEqual(['90s', '150s', '210s', '270s']);
    // a bare number next to a duration is seconds
    expect(values('engine.config.cooldown_period=0..600s:300s')).toEqual(['0s', '300s', '600s']);
  });

  it('keeps decimal steps free of float noise and stops at the last step below the end', () => {
    expect(values('workloads[0].load.base=0.1..0.5:0.1')).toEqual(['0.1', '0.2', '0.3', '0.4', '0.5']);
    expect(values('x=1..10:4')).toEqual(['1', '5', '9']);
  });

  it('reads lists, keeping commas inside brackets, braces and quotes', () => {
    expect(values('engine.variant=faithful,corrected')).toEqual(['faithful', 'corrected']);
    expect(values('world.boot.latency={fixed: 2s},{uniform: [1s, 3s]}')).toEqual(['{fixed: 2s}', '{uniform: [1s, 3s]}']);
    expect(splitList('1,[2,3],"a,b"')).toEqual(['1', '[2,3]', '"a,b"']);
    // a path with `..` is not a range
    expect(values('workloads[0].load.trace.file=../traces/a.csv')).toEqual(['../traces/a.csv']);
  });

  it('quotes YAML values that would read back as something else', () => {
    expect(valueText(85)).toBe('85');
    expect(valueText('600s')).toBe('600s');
    expect(valueText('85')).toBe('"85"');
    expect(valueText({ fixed: '2s' })).toBe('{"fixed":"2s"}');
  });

  it('refuses malformed axes with one clear line', () => {
    const bad = (arg: string) => () => parseAxisArg(arg);
    expect(bad('engine.config.cooldown_period')).toThrow(/expected KEY=VALUES/);
    expect(bad('engine..config=1,2')).toThrow(/not a scenario key path/);
    expect(bad('seed=1,2,3')).toThrow(/--seeds/);
    expect(bad('x=95..70:5')).toThrow(/ends below its start/);
    expect(bad('x=70..95:0')).toThrow(/step above 0/);
    expect(bad('x=1,,2')).toThrow(/empty value/);
    expect(bad('x=0..1e9:1')).toThrow(/more than 10000 values/);
    expect(bad('x=1..2')).not.toThrow(); // fine for --random, refused by the grid
    try {
      parseAxisArg('seed=1,2');
    } catch (err) {
      expect(err).toBeInstanceOf(InputError);
      expect((err as Error).message).toBe('--grid: seed: the seed cannot be swept; use --seeds K (sweep.seeds) for replications');
    }
  });

  it('samples within ranges: integers, whole duration units, lattice points and list items', () => {
    const rng = stream(1, 'test');
    const ints = parseAxisArg('x=1..5').domain;
    const reals = parseAxisArg('x=0.0..1').domain;
    const durations = parseAxisArg('x=10s..2m').domain;
    const lattice = parseAxisArg('x=70..95:5').domain;
    expect(domainSize(ints)).toBe(5);
    expect(domainSize(durations)).toBe(111);
    expect(domainSize(reals)).toBe(Infinity);
    for (let i = 0; i < 200; i++) {
      expect(['1', '2', '3', '4', '5']).toContain(drawValue(ints, rng));
      const r = Number(drawValue(reals, rng));
      expect(r >= 0 && r < 1).toBe(true);
      expect(drawValue(durations, rng)).toMatch(/^(\d+)s$/);
      expect(domainValues(lattice)).toContain(drawValue(lattice, rng));
    }
  });
});

describe('seed derivation', () => {
  it('replication 0 is the scenario seed; the others are fixed, distinct and spread out', () => {
    const seeds = deriveSeeds(42, 5);
    expect(seeds[0]).toBe(42);
    expect(new Set(seeds).size).toBe(5);
    expect(deriveSeeds(42, 5)).toEqual(seeds);
    expect(deriveSeeds(42, 3)).toEqual(seeds.slice(0, 3)); // more seeds extend, never reshuffle
    for (const s of seeds) expect(Number.isInteger(s) && s >= 0 && s < 2 ** 31).toBe(true);
    // the same numbers on every machine (SHA-256 based)
    expect(replicationSeed(42, 1)).toBe(deriveSeeds(42, 2)[1]);
    expect(seeds).toMatchInlineSnapshot(`
      [
        42,
        1734561270,
        1463340409,
        2017727875,
        1405138667,
      ]
    `);
    // neighbouring replications are not in arithmetic progression
    const d = seeds.slice(2).map((s, i) => s - seeds[i + 1]!);
    expect(new Set(d).size).toBe(d.length);
    expect(deriveSeeds(43, 3)[1]).not.toBe(seeds[1]);
  });
});

const axis = (arg: string): Axis => parseAxisArg(arg);

describe('points, sampling and shards', () => {
  const plan: SweepPlan = { axes: [axis('a=1,2'), axis('b=x,y,z')], random: 0, sampleSeed: 1, seeds: [7, 8] };

  it('enumerates the grid with the first axis slowest', () => {
    const points = enumeratePoints(plan);
    expect(points.map((p) => p.values)).toEqual([['1', 'x'], ['1', 'y'], ['1', 'z'], ['2', 'x'], ['2', 'y'], ['2', 'z']]);
    expect(points.map((p) => p.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(points[0]!.id).toBe('[["a","1"],["b","x"]]');
    // identity does not depend on the order of the axes
    expect(pointId([axis('b=x'), axis('a=1')], ['x', '1'])).toBe(points[0]!.id);
  });

  it('refuses a range without a step in a grid', () => {
    expect(() => enumeratePoints({ ...plan, axes: [axis('a=1..5')] })).toThrow(/can only be sampled/);
  });

  it('samples N distinct points, the same for the same sampling seed', () => {
    const sampled: SweepPlan = { axes: [axis('a=60..95'), axis('b=0s..900s')], random: 25, sampleSeed: 3, seeds: [1] };
    const points = enumeratePoints(sampled);
    expect(points).toHaveLength(25);
    expect(new Set(points.map((p) => p.id)).size).toBe(25);
    expect(enumeratePoints(sampled)).toEqual(points);
    expect(enumeratePoints({ ...sampled, sampleSeed: 4 })).not.toEqual(points);
    expect(() => enumeratePoints({ ...plan, random: 6 })).toThrow(/only 6 distinct points/);
  });

  it('deals points round-robin to shards: every point once, seeds kept together', () => {
    const points = enumeratePoints(plan);
    const shards = [1, 2, 3, 4].map((index) => points.filter((p) => inShard(p, { index, count: 4 })).map((p) => p.index));
    expect(shards).toEqual([[0, 4], [1, 5], [2], [3]]);
    const runs = plannedRuns(points, plan.seeds, { index: 2, count: 4 });
    expect(runs.map((r) => [r.point.index, r.seed, r.replication])).toEqual([[1, 7, 0], [1, 8, 1], [5, 7, 0], [5, 8, 1]]);
    expect(plannedRuns(points, plan.seeds)).toHaveLength(12);
  });

  it('reads --shard I/N and --shard auto from Kubernetes and Slurm variables', () => {
    expect(parseShard('2/4', {})).toEqual({ index: 2, count: 4 });
    expect(parseShard('auto/8', { JOB_COMPLETION_INDEX: '0' })).toEqual({ index: 1, count: 8 });
    expect(parseShard('auto', { JOB_COMPLETION_INDEX: '7', SCALELAB_SHARDS: '8' })).toEqual({ index: 8, count: 8 });
    expect(parseShard('auto', { SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_COUNT: '4' })).toEqual({ index: 4, count: 4 });
    expect(parseShard('auto', { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '4', SCALELAB_SHARD_BASE: '1' })).toEqual({ index: 1, count: 4 });
    expect(() => parseShard('0/4', {})).toThrow(/1-based/);
    expect(() => parseShard('5/4', {})).toThrow(/not in 1..4/);
    expect(() => parseShard('auto', {})).toThrow(/JOB_COMPLETION_INDEX/);
    expect(() => parseShard('auto', { JOB_COMPLETION_INDEX: '0' })).toThrow(/auto\/N/);
    expect(() => parseShard('half', {})).toThrow(/expected I\/N/);
  });

  it('--shard auto on Slurm: a task runs the same shard whether submitted with its array or again on its own', () => {
    // sbatch --array=0-7: every task sees MIN 0, MAX 7, COUNT 8; task T is shard T + 1 of 8
    const array = { SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_MAX: '7', SLURM_ARRAY_TASK_COUNT: '8' };
    expect(parseShard('auto', { ...array, SLURM_ARRAY_TASK_ID: '2' })).toEqual({ index: 3, count: 8 });
    expect(parseShard('auto', { ...array, SLURM_ARRAY_TASK_ID: '7' })).toEqual({ index: 8, count: 8 });
    // sbatch --array=2 (task 2 again, alone): MIN = MAX = 2, COUNT = 1. Before the fix: 2 − 2 + 1 = shard 1 of 1 (every point).
    const alone = { SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_MIN: '2', SLURM_ARRAY_TASK_MAX: '2', SLURM_ARRAY_TASK_COUNT: '1' };
    expect(() => parseShard('auto', alone)).toThrow(/this Slurm submission \(tasks 2–2, 1 in all\) is not a whole array from task 0.*write --shard auto\/N or set SCALELAB_SHARDS/);
    expect(parseShard('auto/8', alone)).toEqual({ index: 3, count: 8 });
    expect(parseShard('auto', { ...alone, SCALELAB_SHARDS: '8' })).toEqual({ index: 3, count: 8 });
    // task 0 again alone looks like a one-task array: COUNT 1 is not trusted either
    const zero = { SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_MAX: '0', SLURM_ARRAY_TASK_COUNT: '1' };
    expect(() => parseShard('auto', zero)).toThrow(/not a whole array/);
    expect(parseShard('auto/8', zero)).toEqual({ index: 1, count: 8 });
    // sbatch --array=2,5 (two tasks again): task 5 is shard 6
    const some = { SLURM_ARRAY_TASK_ID: '5', SLURM_ARRAY_TASK_MIN: '2', SLURM_ARRAY_TASK_MAX: '5', SLURM_ARRAY_TASK_COUNT: '2' };
    expect(() => parseShard('auto', some)).toThrow(/tasks 2–5, 2 in all/);
    expect(parseShard('auto/8', some)).toEqual({ index: 6, count: 8 });
    // a stepped array is never taken as the count
    expect(() => parseShard('auto', { SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_MAX: '14', SLURM_ARRAY_TASK_COUNT: '8', SLURM_ARRAY_TASK_STEP: '2' })).toThrow(/step 2/);
    // sbatch --array=1-8 with SCALELAB_SHARD_BASE=1: task T is shard T, alone or not
    const one = { SCALELAB_SHARD_BASE: '1', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_MAX: '8', SLURM_ARRAY_TASK_COUNT: '8' };
    expect(parseShard('auto', { ...one, SLURM_ARRAY_TASK_ID: '8' })).toEqual({ index: 8, count: 8 });
    expect(parseShard('auto/8', { SCALELAB_SHARD_BASE: '1', SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_MIN: '2', SLURM_ARRAY_TASK_MAX: '2', SLURM_ARRAY_TASK_COUNT: '1' })).toEqual({ index: 2, count: 8 });
    // a 1-based array read as 0-based: its last task is out of range, said in one line
    expect(() => parseShard('auto', { ...one, SCALELAB_SHARD_BASE: '', SLURM_ARRAY_TASK_ID: '8', SCALELAB_SHARDS: '8' })).toThrow('shard 9 (from SLURM_ARRAY_TASK_ID 8) is not in 1..8');
    expect(() => parseShard('auto/8', { SCALELAB_SHARD_BASE: '2', SLURM_ARRAY_TASK_ID: '2' })).toThrow(/SCALELAB_SHARD_BASE must be 0 or 1/);
  });
});

describe('objective, constraints and Pareto metrics', () => {
  const at = { file: '--constraint' };
  it('reads them and refuses unknown metrics', () => {
    expect(parseGoal('flip_flop_rate', at)).toEqual({ metric: 'flip_flop_rate', direction: 'min' });
    expect(parseGoal('theta_u:max', at)).toEqual({ metric: 'theta_u', direction: 'max' });
    expect(parseConstraint('slo_violation_percent <= 1.5', at)).toEqual({ metric: 'slo_violation_percent', op: '<=', value: 1.5 });
    expect(parseConstraint('scale_ups>2', at)).toEqual({ metric: 'scale_ups', op: '>', value: 2 });
    expect(parsePareto('instance_seconds,slo_violation_seconds', at)[1].metric).toBe('slo_violation_seconds');
    expect(() => parseConstraint('slo<=1', at)).toThrow(/unknown metric "slo" for engine albatross; expected one of: instance_seconds/);
    expect(() => parseConstraint('slo_violation_percent=1', at)).toThrow(/expected METRIC<=VALUE/);
    expect(() => parsePareto('instance_seconds,instance_seconds', at)).toThrow(/two different metrics/);
  });
});

describe('sweep.csv seconds and runs.jsonl points', () => {
  const secondsOf = (arg: string, engine: string) => {
    const axis = parseAxisArg(arg);
    const read = axisSeconds(axis, engine);
    return read === undefined ? undefined : (domainValues(axis.domain) ?? []).map(read);
  };

  it('reads a duration key in seconds, by the engine descriptor or by the values', () => {
    // Albatross cooldown_period is a duration: 10m = 600 s, 1h 30m = 5400 s
    expect(secondsOf('engine.config.cooldown_period=60s,10m,1h 30m', 'albatross')).toEqual([60, 600, 5400]);
    // Incus cooldown in Incus units, where m is a month (30 days = 2,592,000 s) and M a minute
    expect(secondsOf('engine.config.cluster.rebalance.cooldown=6H,30M,1m', 'incus')).toEqual([21_600, 1800, 2_592_000]);
    // not durations: a percentage, an integer interval in minutes
    expect(secondsOf('engine.config.scale_up_threshold_percent=70..95:5', 'albatross')).toBeUndefined();
    expect(secondsOf('engine.config.cluster.rebalance.interval=5,15', 'incus')).toBeUndefined();
    // other keys: a duration range, or a list whose values read as durations with one unit at least (a bare number is seconds)
    expect(secondsOf('world.stats_interval=5s..15s:5s', 'albatross')).toEqual([5, 10, 15]);
    expect(secondsOf('world.boot.latency=0,250ms', 'albatross')).toEqual([0, 0.25]);
    expect(secondsOf('workloads[0].load.base=1,2', 'albatross')).toBeUndefined();
    expect(secondsOf('engine.variant=faithful,corrected', 'albatross')).toBeUndefined();
  });

  it('writes a point as an object and reads it back to the same id', () => {
    const id = pointId([{ key: 'b.c', domain: { kind: 'list', values: [] } }, { key: 'a', domain: { kind: 'list', values: [] } }], ['60s', '95']);
    expect(id).toBe('[["a","95"],["b.c","60s"]]');
    // numbers whose text is exactly a number's become JSON numbers; anything else stays text
    expect(pointObject(id)).toEqual({ a: 95, 'b.c': '60s' });
    expect(pointObject('[["x","0.50"],["y","1e3"],["z","-2.5"]]')).toEqual({ x: '0.50', y: '1e3', z: -2.5 });
    for (const text of [id, '[["x","0.50"],["y","1e3"],["z","-2.5"]]']) expect(pointIdOfLine(JSON.parse(JSON.stringify(pointObject(text))))).toBe(text);
    // format 1: the id string itself
    expect(pointIdOfLine(id)).toBe(id);
    expect(pointIdOfLine([1, 2])).toBeNull();
    expect(pointIdOfLine({ a: { nested: 1 } })).toBeNull();
  });
});
