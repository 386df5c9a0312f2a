import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SyntheticSource } from '../src/load/synthetic.js';
import { Ar1Noise, normalQuantile } from '../src/load/ar1.js';
import { TraceSource } from '../src/load/trace.js';
import { buildLoadSources, sampleAll } from '../src/load/index.js';
import { stream } from '../src/kernel/random.js';
import { InputError } from '../src/scenario/errors.js';
import { inputError } from './helpers.js';
import type { SyntheticLoadSpec } from '../src/scenario/types.js';

const S = 1_000_000;
const HOUR = 3600 * S;

function spec(over: Partial<SyntheticLoadSpec> = {}): SyntheticLoadSpec {
  return { base: 1, diurnal: null, ar1: null, bursts: null, steps: [], ramps: [], ...over };
}

/** Demand of a single synthetic series at each of `times`. */
function run(seed: number, name: string, s: SyntheticLoadSpec, times: number[]): number[] {
  const source = new SyntheticSource(seed, [{ name, spec: s }]);
  const out = new Float64Array(1);
  return times.map((t) => (source.sample(t, out, 0), out[0]!));
}

const rounds = (n: number, step = 10 * S) => Array.from({ length: n }, (_, i) => i * step);

describe('SyntheticSource', () => {
  it('base only is constant', () => {
    expect(run(1, 'w', spec({ base: 0.7 }), [0, 10 * S, 24 * HOUR])).toEqual([0.7, 0.7, 0.7]);
  });

  it('diurnal: base × (1 + amplitude) at a quarter period, base at half, with phase', () => {
    const diurnal = { amplitude: 0.5, period: HOUR, phase: 0 };
    const [zero, quarter, half, threeQuarters] = run(1, 'w', spec({ base: 2, diurnal }), [0, HOUR / 4, HOUR / 2, (3 * HOUR) / 4]);
    expect(zero).toBeCloseTo(2, 12);
    expect(quarter).toBeCloseTo(3, 12); // 2 × (1 + 0.5 × sin(π/2))
    expect(half).toBeCloseTo(2, 12);
    expect(threeQuarters).toBeCloseTo(1, 12); // 2 × (1 − 0.5)
    const [shifted] = run(1, 'w', spec({ base: 2, diurnal: { ...diurnal, phase: Math.PI / 2 } }), [0]);
    expect(shifted).toBeCloseTo(3, 12);
  });

  it('series with different periods in one source', () => {
    const source = new SyntheticSource(1, [
      { name: 'a', spec: spec({ base: 1, diurnal: { amplitude: 1, period: HOUR, phase: 0 } }) },
      { name: 'b', spec: spec({ base: 1, diurnal: { amplitude: 1, period: 2 * HOUR, phase: 0 } }) },
    ]);
    const out = new Float64Array(2);
    source.sample(HOUR / 2, out, 0); // a: sin(π) = 0, b: sin(π/2) = 1
    expect(out[0]).toBeCloseTo(1, 12);
    expect(out[1]).toBeCloseTo(2, 12);
  });

  it('steps add their delta from `at` on', () => {
    const steps = [
      { at: 20 * S, delta: -0.5 },
      { at: 10 * S, delta: 1 },
    ];
    expect(run(1, 'w', spec({ base: 1, steps }), [0, 9 * S, 10 * S, 15 * S, 20 * S, 99 * S])).toEqual([1, 1, 2, 2, 1.5, 1.5]);
  });

  it('ramps interpolate linearly between from and to', () => {
    const ramps = [{ from: 10 * S, to: 20 * S, delta: 2 }];
    expect(run(1, 'w', spec({ base: 0, ramps }), [5 * S, 10 * S, 15 * S, 20 * S, 30 * S])).toEqual([0, 0, 1, 2, 2]);
  });

  it('AR(1) with sigma 0 stays 0; x = 0 at the first call whatever sigma', () => {
    expect(run(1, 'w', spec({ base: 1, ar1: { coefficient: 0.9, sigma: 0 } }), rounds(100)).every((d) => d === 1)).toBe(true);
    expect(run(1, 'w', spec({ base: 5, ar1: { coefficient: 0.9, sigma: 1 } }), [0])[0]).toBe(5);
  });

  it('AR(1): second value is sigma × the first normal of stream load:NAME', () => {
    const [, second] = run(7, 'web', spec({ base: 10, ar1: { coefficient: 0.5, sigma: 0.2 } }), [0, 10 * S]);
    const probe = new Ar1Noise(7, [{ stream: 'load:web', coefficient: 0, sigma: 1 }]);
    expect(second).toBeCloseTo(10 + 0.2 * probe.normal(0), 12);
  });

  it('AR(1) has the stationary standard deviation sigma / sqrt(1 − c²)', () => {
    const values = run(3, 'w', spec({ base: 100, ar1: { coefficient: 0.9, sigma: 0.05 } }), rounds(200_000)).map((d) => d - 100);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(sd).toBeGreaterThan(0.95 * (0.05 / Math.sqrt(1 - 0.81)));
    expect(sd).toBeLessThan(1.05 * (0.05 / Math.sqrt(1 - 0.81)));
  });

  it('is deterministic per (seed, series name)', () => {
    const s = spec({ base: 1, ar1: { coefficient: 0.9, sigma: 0.3 }, bursts: { rate_per_hour: 20, height: 1, duration: 60 * S } });
    const a = run(42, 'web', s, rounds(500));
    expect(run(42, 'web', s, rounds(500))).toEqual(a);
    expect(run(42, 'db', s, rounds(500))).not.toEqual(a);
    expect(run(43, 'web', s, rounds(500))).not.toEqual(a);
  });

  it('a series draws the same noise whatever other series share the source', () => {
    const s = spec({ base: 1, ar1: { coefficient: 0.9, sigma: 0.3 } });
    const alone = run(42, 'web', s, rounds(50));
    const shared = new SyntheticSource(42, [
      { name: 'db', spec: s },
      { name: 'web', spec: s },
    ]);
    const out = new Float64Array(2);
    const together = rounds(50).map((t) => (shared.sample(t, out, 0), out[1]!));
    expect(together).toEqual(alone);
  });

  it('bursts never change the AR(1) path', () => {
    const noisy = spec({ base: 50, ar1: { coefficient: 0.8, sigma: 1 } });
    const withBursts = { ...noisy, bursts: { rate_per_hour: 30, height: 2, duration: 120 * S } };
    const plain = run(5, 'w', noisy, rounds(2000));
    const bursty = run(5, 'w', withBursts, rounds(2000));
    const extra = bursty.map((d, i) => (d - plain[i]!) / 2);
    expect(extra.every((k) => Math.abs(k - Math.round(k)) < 1e-9 && k >= -1e-9)).toBe(true);
    expect(Math.max(...extra)).toBeGreaterThan(0);
  });

  it('bursts: mean level ≈ rate × duration × height, overlapping bursts add', () => {
    // 60 bursts/h of 120 s: on average 2 in progress, often 3 or more at once
    const demand = run(11, 'w', spec({ base: 0, bursts: { rate_per_hour: 60, height: 0.5, duration: 120 * S } }), rounds(100_000));
    const mean = demand.reduce((a, b) => a + b, 0) / demand.length;
    expect(mean).toBeGreaterThan(0.9);
    expect(mean).toBeLessThan(1.1);
    expect(Math.max(...demand)).toBeGreaterThanOrEqual(2);
    expect(demand.every((d) => Math.abs(d / 0.5 - Math.round(d / 0.5)) < 1e-12)).toBe(true);
  });

  it('floors demand at 0', () => {
    expect(run(1, 'w', spec({ base: 1, steps: [{ at: 0, delta: -5 }] }), [0, 10 * S])).toEqual([0, 0]);
    const noisy = run(2, 'w', spec({ base: 0, ar1: { coefficient: 0.9, sigma: 1 } }), rounds(1000));
    expect(Math.min(...noisy)).toBe(0);
  });

  it('writes at the offset and refuses time going backwards', () => {
    const source = new SyntheticSource(1, [{ name: 'w', spec: spec({ base: 3 }) }]);
    const out = new Float64Array(3);
    source.sample(0, out, 2);
    expect([...out]).toEqual([0, 0, 3]);
    expect(() => source.sample(-1, out, 0)).toThrow(RangeError);
  });

  it('refuses a duplicated series name and a ramp that ends before it starts', () => {
    expect(() => new SyntheticSource(1, [{ name: 'w', spec: spec() }, { name: 'w', spec: spec() }])).toThrow(InputError);
    expect(() => new SyntheticSource(1, [{ name: 'w', spec: spec({ ramps: [{ from: 5, to: 5, delta: 1 }] }) }])).toThrow(/ramp/);
  });
});

describe('Ar1Noise', () => {
  it('runs the same Alea generator as stream(seed, name)', () => {
    const bank = new Ar1Noise(42, [
      { stream: 'load:web', coefficient: 0, sigma: 1 },
      { stream: 'load:db', coefficient: 0, sigma: 1 },
    ]);
    const web = stream(42, 'load:web');
    const db = stream(42, 'load:db');
    for (let i = 0; i < 100; i++) {
      expect(bank.uniform(0)).toBe(web.next());
      expect(bank.uniform(1)).toBe(db.next());
    }
  });

  it('draws standard normals (mean 0, sd 1, tails) and step() matches normal()', () => {
    const bank = new Ar1Noise(1, [{ stream: 'x', coefficient: 0, sigma: 1 }]);
    const stepper = new Ar1Noise(1, [{ stream: 'x', coefficient: 0, sigma: 1 }]);
    const draws = Array.from({ length: 200_000 }, () => bank.normal(0));
    const stepped = Array.from({ length: 1000 }, () => (stepper.step(), stepper.value[0]!));
    expect(stepped).toEqual(draws.slice(0, 1000));
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    const sd = Math.sqrt(draws.reduce((a, b) => a + (b - mean) ** 2, 0) / draws.length);
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(sd - 1)).toBeLessThan(0.01);
    const beyond = draws.filter((z) => Math.abs(z) > 1.959964).length / draws.length;
    expect(Math.abs(beyond - 0.05)).toBeLessThan(0.003);
  });

  it('normalQuantile matches known quantiles', () => {
    expect(normalQuantile(0.5)).toBeCloseTo(0, 12);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232, 5);
  });
});

// ── traces ────────────────────────────────────────────────────────────────────

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-load-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let fileCount = 0;

function traceFile(text: string): string {
  const file = path.join(dir, `t${fileCount++}.csv`);
  fs.writeFileSync(file, text);
  return file;
}

/** Demand of each selector at each time (µs). */
function replay(file: string, series: ConstructorParameters<typeof TraceSource>[1], times: number[], opts = {}): number[][] {
  const source = new TraceSource(file, series, opts);
  const out = new Float64Array(series.length);
  const result = times.map((t) => (source.sample(t, out, 0), [...out]));
  source.close();
  return result;
}


const BASIC = `# scalelab-trace: 1
# source: hand-made
# interval: 10s
# units: cpu_cores
time_s,series,cpu_cores
5,a,1
5,b,2
15,a,3
25,b,4
`;

describe('TraceSource', () => {
  it('holds each value until the next row of its series; 0 before the first', () => {
    const file = traceFile(BASIC);
    expect(replay(file, ['a', 'b'], [0, 4.999 * S, 5 * S, 14 * S, 15 * S, 24.5 * S, 25 * S, 1000 * S])).toEqual([
      [0, 0],
      [0, 0],
      [1, 2],
      [1, 2],
      [3, 2],
      [3, 2],
      [3, 4],
      [3, 4],
    ]);
  });

  it('fractional times, duplicate timestamps (last wins), comments, blank lines and CRLF', () => {
    const file = traceFile('time_s,series,cpu_cores\r\n0.5,a,1\r\n# a comment\r\n\r\n1.25,a,2\r\n1.25,a,7\r\n2,a,0');
    expect(replay(file, ['a'], [0, S / 2, 1.25 * S, 1.9 * S, 2 * S])).toEqual([[0], [1], [7], [7], [0]]);
  });

  it('accepts the simple header time,workload,demand_cores', () => {
    const file = traceFile('time,workload,demand_cores\n0,web,0.5\n10,web,1.5\n');
    expect(replay(file, ['web'], [0, 10 * S])).toEqual([[0.5], [1.5]]);
  });

  it('reads columns in any order, memory, millicores, and quoted series names', () => {
    const file = traceFile('series,memory_bytes,cpu_millicores,time_ms\n"x,y",1024,250,0\n"say ""hi""",,1500,500\n');
    expect(replay(file, ['x,y', 'say "hi"'], [0, S])).toEqual([
      [0.25, 0],
      [0.25, 1.5],
    ]);
  });

  it('scale, shift, speed-up', () => {
    const file = traceFile(BASIC);
    expect(replay(file, ['a'], [0, 5 * S, 15 * S], { scale: 2 })).toEqual([[0], [2], [6]]);
    expect(replay(file, ['a'], [10 * S, 15 * S, 25 * S], { shift_s: 10 })).toEqual([[0], [1], [3]]);
    expect(replay(file, ['a'], [0, 5 * S], { shift_s: -15 })).toEqual([[3], [3]]);
    expect(replay(file, ['a'], [2 * S, 2.5 * S, 7.5 * S], { speedup: 2 })).toEqual([[0], [1], [3]]);
  });

  it('loops with period = last time + interval, values carrying over the wrap', () => {
    const file = traceFile(BASIC); // last row at 25 s, interval 10 s → period 35 s
    expect(replay(file, ['a', 'b'], [25 * S, 35 * S, 39 * S, 40 * S, 50 * S, 75 * S], { loop: true })).toEqual([
      [3, 4],
      [3, 4],
      [3, 4],
      [1, 2],
      [3, 2],
      [1, 2],
    ]);
    const noInterval = traceFile('time_s,series,cpu_cores\n0,a,1\n10,a,2\n'); // last step 10 s → period 20 s
    expect(replay(noInterval, ['a'], [0, 10 * S, 20 * S, 30 * S, 40 * S], { loop: true })).toEqual([[1], [2], [1], [2], [1]]);
  });

  it('pattern and sum selectors; the same series in two slots', () => {
    const file = traceFile('time_s,series,cpu_cores\n0,web-1,1\n0,web-2,2\n0,db,4\n10,web-2,0.5\n');
    const selectors = [{ pattern: 'web-*', name: 'web' }, { sum: ['db', 'web-1'] }, 'db'];
    expect(replay(file, selectors, [0, 10 * S])).toEqual([
      [3, 5, 4],
      [1.5, 5, 4],
    ]);
    expect(new TraceSource(file, selectors).names).toEqual(['web', 'db+web-1', 'db']);
  });

  it('memory stays flat with a long file (streams, 64 KiB buffer)', () => {
    const lines = ['time_s,series,cpu_cores'];
    for (let i = 0; i < 200_000; i++) lines.push(`${i},s${i % 3},${i % 7}`);
    const file = traceFile(lines.join('\n') + '\n');
    const source = new TraceSource(file, ['s0', 's1', 's2']);
    const out = new Float64Array(3);
    source.sample(199_999 * S, out, 0);
    expect([...out]).toEqual([199_998 % 7, 199_999 % 7, 199_997 % 7]);
    source.close();
  });
});

describe('TraceSource: bad input names file and line', () => {
  const expectAt = (text: string, line: number, message: RegExp, series: string[] = ['a']) => {
    const file = traceFile(text);
    const error = inputError(() => replay(file, series, [0, 100 * S]));
    expect(error.file).toBe(file);
    expect(error.line).toBe(line);
    expect(error.message).toMatch(message);
    expect(error.message.startsWith(`${file}:${line}`)).toBe(true);
  };

  it('out-of-order time', () => expectAt('time_s,series,cpu_cores\n0,a,1\n10,a,2\n5,a,3\n', 4, /backwards/));
  it('wrong column count', () => expectAt('time_s,series,cpu_cores\n0,a,1\n10,a\n', 3, /expected 3 fields/));
  it('too many columns', () => expectAt('time_s,series,cpu_cores\n0,a,1,9\n', 2, /expected 3 fields/));
  it('non-numeric demand', () => expectAt('time_s,series,cpu_cores\n0,a,1\n10,a,lots\n', 3, /cpu_cores: "lots" is not a number/));
  it('non-numeric time', () => expectAt('time_s,series,cpu_cores\n0x10,a,1\n', 2, /time_s: "0x10" is not a number/));
  it('negative demand', () => expectAt('time_s,series,cpu_cores\n0,a,-1\n', 2, /is negative/));
  it('unknown unit in the header', () => expectAt('time_s,series,cpu_percent\n0,a,50\n', 1, /unknown unit "percent"/));
  it('unknown unit in the metadata', () => expectAt('# units: furlongs\ntime_s,series,cpu_cores\n0,a,1\n', 1, /unknown unit "furlongs"/));
  it('unknown column', () => expectAt('time_s,series,cpu_cores,colour\n0,a,1,red\n', 1, /unknown column "colour"/));
  it('missing header', () => expectAt('0,a,1\n', 1, /no header row/));
  it('empty file', () => expectAt('', 1, /empty trace/));
  it('comments only', () => expectAt('# source: nothing\n\n', 3, /empty trace/));
  it('header only', () => expectAt('time_s,series,cpu_cores\n', 2, /no data rows/, []));
  it('unsupported version', () => expectAt('# scalelab-trace: 2\ntime_s,series,cpu_cores\n0,a,1\n', 1, /version/));
  it('unterminated quote', () => expectAt('time_s,series,cpu_cores\n0,"a,1\n', 2, /unterminated/));

  it('a series never seen in the file is named (with some it does have)', () => {
    const file = traceFile(BASIC);
    const error = inputError(() => new TraceSource(file, ['a', 'nope', { pattern: 'z*' }]));
    expect(error.message).toMatch(/series "nope", pattern "z\*" not found in the trace \(it has 2 series, e.g. "a", "b"\)/);
    expect(error.file).toBe(file);
  });

  it('a missing file', () => {
    expect(inputError(() => new TraceSource(path.join(dir, 'absent.csv'), ['a'])).message).toMatch(/trace file not found/);
  });

  it('bad options', () => {
    const file = traceFile(BASIC);
    expect(() => new TraceSource(file, ['a'], { speedup: 0 })).toThrow(/speedup/);
    expect(() => new TraceSource(file, ['a'], { scale: -1 })).toThrow(/scale/);
  });
});

describe('buildLoadSources / sampleAll', () => {
  it('one synthetic source, one trace source per file, a slot per workload', () => {
    const file = traceFile(BASIC);
    const set = buildLoadSources(1, [
      { name: 'w1', load: { kind: 'synthetic', synthetic: spec({ base: 1 }) } },
      { name: 'ta', load: { kind: 'trace', trace: { file, series: 'a', scale: 1 } } },
      { name: 'w2', load: { kind: 'synthetic', synthetic: spec({ base: 2 }) } },
      { name: 'tb', load: { kind: 'trace', trace: { file, series: 'b', scale: 10 } } },
    ]);
    expect(set.sources).toHaveLength(2);
    expect(set.width).toBe(4);
    const out = new Float64Array(set.width);
    sampleAll(set.sources, 5 * S, out);
    const at = (name: string) => out[set.slotOf.get(name)!];
    expect([at('w1'), at('w2'), at('ta'), at('tb')]).toEqual([1, 2, 1, 20]);
    for (const source of set.sources) source.close();
  });

  it('replay fields beyond TraceLoadSpec (shift, loop, pattern) split sources by options', () => {
    const file = traceFile(BASIC);
    const trace = (extra: object) => ({ kind: 'trace' as const, trace: { file, series: 'a', scale: 1, ...extra } });
    const set = buildLoadSources(1, [
      { name: 'plain', load: trace({}) },
      { name: 'late', load: trace({ shift: 10 * S }) },
      { name: 'all', load: trace({ pattern: '*' }) },
    ]);
    expect(set.sources).toHaveLength(2);
    const out = new Float64Array(set.width);
    sampleAll(set.sources, 15 * S, out);
    expect([out[set.slotOf.get('plain')!], out[set.slotOf.get('late')!], out[set.slotOf.get('all')!]]).toEqual([3, 1, 5]);
  });
});
