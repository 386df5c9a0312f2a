/**
 * Synthetic demand: a diurnal sine on a base level, AR(1) noise, Poisson bursts, steps and ramps.
 *
 * Demand of a series at sample time t (held until the next sample), in cores:
 *
 *     max(0, base × (1 + amplitude × sin(2π t / period + phase)) + x + bursts(t) + steps(t) + ramps(t))
 *
 * - `x` is AR(1) noise updated once per `sample` call: x = 0 at the first call, then
 *   x ← coefficient·x + sigma·N(0,1) at each later call.
 * - `bursts(t)`: a Poisson process of rate `rate_per_hour` in continuous time (first arrival an
 *   exponential draw after 0); each burst adds `height` cores during [arrival, arrival + duration);
 *   overlapping bursts add up. Only their level at the sample times is seen.
 * - `steps(t)` = Σ delta over steps with t ≥ at; `ramps(t)` = Σ delta × clamp((t − from)/(to − from), 0, 1).
 *
 * Randomness per series: `stream(seed, 'load:' + name)` for the AR(1) noise (its generator run
 * inline by `Ar1Noise`, see ar1.ts) and
 * `stream(seed, 'load:' + name + ':bursts')` for the bursts, so switching bursts on never changes
 * the noise path, and adding a workload never changes another's.
 *
 * Hot path: one `sample` call per stats round for all series. State lives in typed arrays, every
 * constant is computed in the constructor, and a call allocates nothing (a burst ring grows only
 * when more bursts overlap than ever before).
 *
 * @example
 * const src = new SyntheticSource(42, [{ name: 'web', spec: { base: 0.5, diurnal: null, ar1: null, bursts: null, steps: [], ramps: [] } }]);
 * const out = new Float64Array(1);
 * src.sample(0, out, 0); // out[0] === 0.5
 */
import type { SyntheticLoadSpec } from '../scenario/types.js';
import { InputError } from '../scenario/errors.js';
import { stream, type RandomStream } from '../kernel/random.js';
import { MICROS_PER_HOUR, type Micros } from '../kernel/time.js';
import type { LoadSource } from './source.js';
import { Ar1Noise, type Ar1Process } from './ar1.js';

const TWO_PI = 2 * Math.PI;
/** The burst ring of every series without bursts: empty, so nothing is ever written to it. */
const NO_BURST_RING = new Float64Array(0);

/** One synthetic series: the workload (or series) name and its load model. */
export interface SyntheticSeries {
  name: string;
  spec: SyntheticLoadSpec;
}

export class SyntheticSource implements LoadSource {
  readonly names: readonly string[];

  // constants per series
  private readonly base: Float64Array;
  private readonly amplitude: Float64Array;
  /** Index of the series' diurnal period in `periods` (−1 without a diurnal component). */
  private readonly periodOf: Int32Array;
  private readonly sinPhase: Float64Array;
  private readonly cosPhase: Float64Array;
  /** Distinct diurnal periods (µs): sin and cos of 2π t / period are computed once per call for each. */
  private readonly periods: Float64Array;
  private readonly sinNow: Float64Array;
  private readonly cosNow: Float64Array;
  private readonly burstMeanGap: Float64Array;
  private readonly burstHeight: Float64Array;
  private readonly burstDuration: Float64Array;

  // state per series
  /** Index of the series' AR(1) process in `noise` (−1 without noise). */
  private readonly noiseOf: Int32Array;
  private readonly noise: Ar1Noise;
  private readonly nextArrival: Float64Array;
  /** Ring buffers of end times of bursts that have arrived (ends are in arrival order). */
  private readonly burstEnds: Float64Array[];
  private readonly burstHead: Int32Array;
  private readonly burstCount: Int32Array;
  private readonly stepLevel: Float64Array;
  private readonly stepNext: Int32Array;

  // steps and ramps of all series, flattened; series i owns [first[i], first[i + 1])
  private readonly stepFirst: Int32Array;
  private readonly stepAt: Float64Array;
  private readonly stepDelta: Float64Array;
  private readonly rampFirst: Int32Array;
  private readonly rampFrom: Float64Array;
  private readonly rampTo: Float64Array;
  private readonly rampDelta: Float64Array;

  private readonly burstRandom: (RandomStream | null)[];
  private readonly anyBursts: boolean;
  /** Whether any series has steps, ramps: without, the round's loop reads neither's offsets. */
  private readonly anySteps: boolean;
  private readonly anyRamps: boolean;
  private started = false;
  private lastT = -Infinity;

  constructor(seed: number, series: Array<SyntheticSeries>) {
    const n = series.length;
    this.names = series.map((s) => s.name);
    checkDistinct(this.names);
    this.base = new Float64Array(n);
    this.amplitude = new Float64Array(n);
    this.periodOf = new Int32Array(n).fill(-1);
    this.sinPhase = new Float64Array(n);
    this.cosPhase = new Float64Array(n);
    this.burstMeanGap = new Float64Array(n);
    this.burstHeight = new Float64Array(n);
    this.burstDuration = new Float64Array(n);
    this.noiseOf = new Int32Array(n).fill(-1);
    this.nextArrival = new Float64Array(n).fill(Infinity);
    this.burstEnds = [];
    this.burstHead = new Int32Array(n);
    this.burstCount = new Int32Array(n);
    this.stepLevel = new Float64Array(n);
    this.stepNext = new Int32Array(n);
    const processes: Ar1Process[] = [];
    this.burstRandom = [];
    const periods: number[] = [];

    const steps = series.map((s) => [...s.spec.steps].sort((a, b) => a.at - b.at));
    const ramps = series.map((s) => s.spec.ramps);
    this.stepFirst = offsets(steps.map((s) => s.length));
    this.rampFirst = offsets(ramps.map((r) => r.length));
    this.stepAt = Float64Array.from(steps.flat(), (s) => s.at);
    this.stepDelta = Float64Array.from(steps.flat(), (s) => s.delta);
    this.rampFrom = Float64Array.from(ramps.flat(), (r) => r.from);
    this.rampTo = Float64Array.from(ramps.flat(), (r) => r.to);
    this.rampDelta = Float64Array.from(ramps.flat(), (r) => r.delta);

    let anyBursts = false;
    series.forEach(({ name, spec }, i) => {
      checkSpec(name, spec);
      this.base[i] = spec.base;
      if (spec.diurnal && spec.diurnal.amplitude !== 0) {
        this.amplitude[i] = spec.diurnal.amplitude;
        if (!periods.includes(spec.diurnal.period)) periods.push(spec.diurnal.period);
        this.periodOf[i] = periods.indexOf(spec.diurnal.period);
        this.sinPhase[i] = Math.sin(spec.diurnal.phase);
        this.cosPhase[i] = Math.cos(spec.diurnal.phase);
      }
      if (spec.ar1) {
        this.noiseOf[i] = processes.length;
        processes.push({ stream: `load:${name}`, coefficient: spec.ar1.coefficient, sigma: spec.ar1.sigma });
      }
      const bursts = spec.bursts !== null && spec.bursts.rate_per_hour > 0 ? spec.bursts : null;
      const random = bursts ? stream(seed, `load:${name}:bursts`) : null;
      this.burstRandom.push(random);
      // a series without bursts shares one empty ring (an empty typed array each cost ~180 bytes:
      // 18 MB at 100,000 groups); a ring is replaced, never written, when it grows
      this.burstEnds.push(bursts ? new Float64Array(4) : NO_BURST_RING);
      if (bursts && random) {
        anyBursts = true;
        this.burstMeanGap[i] = MICROS_PER_HOUR / bursts.rate_per_hour;
        this.burstHeight[i] = bursts.height;
        this.burstDuration[i] = bursts.duration;
        this.nextArrival[i] = random.exponential(this.burstMeanGap[i]!);
      }
    });
    this.anyBursts = anyBursts;
    this.anySteps = this.stepAt.length > 0;
    this.anyRamps = this.rampFrom.length > 0;
    this.noise = new Ar1Noise(seed, processes);
    this.periods = Float64Array.from(periods);
    this.sinNow = new Float64Array(periods.length);
    this.cosNow = new Float64Array(periods.length);
  }

  sample(t: Micros, out: Float64Array, offset: number): void {
    if (t < this.lastT) throw new RangeError(`SyntheticSource.sample: time went backwards (${t} < ${this.lastT})`);
    this.lastT = t;
    if (this.started) this.noise.step();
    this.started = true;
    const { periods, sinNow, cosNow } = this;
    for (let p = 0; p < periods.length; p++) {
      const angle = (TWO_PI * t) / periods[p]!;
      sinNow[p] = Math.sin(angle);
      cosNow[p] = Math.cos(angle);
    }
    const { base, periodOf, amplitude, sinPhase, cosPhase, noiseOf, stepFirst, rampFirst, anyBursts, anySteps, anyRamps } = this;
    const noise = this.noise.value;
    const n = base.length;
    for (let i = 0; i < n; i++) {
      let demand = base[i]!;
      const p = periodOf[i]!;
      if (p >= 0) {
        // sin(a + phase) = sin a · cos phase + cos a · sin phase, with sin a and cos a shared per period
        demand *= 1 + amplitude[i]! * (sinNow[p]! * cosPhase[i]! + cosNow[p]! * sinPhase[i]!);
      }
      const k = noiseOf[i]!;
      if (k >= 0) demand += noise[k]!;
      if (anyBursts && this.burstRandom[i] !== null) demand += this.burstLevel(i, t);
      if (anySteps && stepFirst[i + 1]! > stepFirst[i]!) demand += this.stepLevelAt(i, t);
      if (anyRamps && rampFirst[i + 1]! > rampFirst[i]!) demand += this.rampLevelAt(i, t);
      out[offset + i] = demand > 0 ? demand : 0;
    }
  }

  close(): void {}

  /** Height of the bursts of series `i` in progress at `t`: admit arrivals ≤ t, retire ends ≤ t. */
  private burstLevel(i: number, t: Micros): number {
    const random = this.burstRandom[i]!;
    let ends = this.burstEnds[i]!;
    let head = this.burstHead[i]!;
    let count = this.burstCount[i]!;
    while (this.nextArrival[i]! <= t) {
      const arrival = this.nextArrival[i]!;
      if (count === ends.length) {
        ends = this.growRing(i, head, count);
        head = 0;
      }
      ends[(head + count) % ends.length] = arrival + this.burstDuration[i]!;
      count++;
      this.nextArrival[i] = arrival + random.exponential(this.burstMeanGap[i]!);
    }
    while (count > 0 && ends[head]! <= t) {
      head = (head + 1) % ends.length;
      count--;
    }
    this.burstHead[i] = head;
    this.burstCount[i] = count;
    return count * this.burstHeight[i]!;
  }

  /** Double the burst ring of series `i`, unrolled so the oldest end is at index 0. */
  private growRing(i: number, head: number, count: number): Float64Array {
    const old = this.burstEnds[i]!;
    const grown = new Float64Array(Math.max(4, old.length * 2));
    for (let k = 0; k < count; k++) grown[k] = old[(head + k) % old.length]!;
    this.burstEnds[i] = grown;
    return grown;
  }

  /** Sum of the steps of series `i` taken by `t` (times never decrease, so a cursor suffices). */
  private stepLevelAt(i: number, t: Micros): number {
    let next = this.stepNext[i]! + this.stepFirst[i]!;
    const end = this.stepFirst[i + 1]!;
    let level = this.stepLevel[i]!;
    while (next < end && this.stepAt[next]! <= t) level += this.stepDelta[next++]!;
    this.stepLevel[i] = level;
    this.stepNext[i] = next - this.stepFirst[i]!;
    return level;
  }

  /** Sum of the ramps of series `i` at `t`. */
  private rampLevelAt(i: number, t: Micros): number {
    let level = 0;
    for (let k = this.rampFirst[i]!, end = this.rampFirst[i + 1]!; k < end; k++) {
      const from = this.rampFrom[k]!;
      const to = this.rampTo[k]!;
      if (t >= to) level += this.rampDelta[k]!;
      else if (t > from) level += (this.rampDelta[k]! * (t - from)) / (to - from);
    }
    return level;
  }
}

/** Start index of each group in a flattened array, plus the total at the end. @example offsets([2, 0, 1]) // [0, 2, 2, 3] */
function offsets(counts: number[]): Int32Array {
  const first = new Int32Array(counts.length + 1);
  counts.forEach((c, i) => (first[i + 1] = first[i]! + c));
  return first;
}

function checkDistinct(names: readonly string[]): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new InputError(`synthetic load series "${name}" is defined twice`, { key: 'load' });
    seen.add(name);
  }
}

/** Refuse values the formula cannot use (the scenario schema normally catches these first). */
function checkSpec(name: string, spec: SyntheticLoadSpec): void {
  const bad = (key: string, why: string): never => {
    throw new InputError(`workload "${name}": ${why}`, { key: `load.synthetic.${key}` });
  };
  if (!Number.isFinite(spec.base)) bad('base', `base must be a finite number, got ${spec.base}`);
  if (spec.diurnal && !(spec.diurnal.period > 0)) bad('diurnal.period', 'period must be positive');
  if (spec.ar1 && !(spec.ar1.sigma >= 0)) bad('ar1.sigma', 'sigma must be ≥ 0');
  if (spec.bursts && !(spec.bursts.rate_per_hour >= 0)) bad('bursts.rate_per_hour', 'rate must be ≥ 0');
  if (spec.bursts && !(spec.bursts.duration >= 0)) bad('bursts.duration', 'duration must be ≥ 0');
  spec.ramps.forEach((r, k) => {
    if (!(r.to > r.from)) bad(`ramps[${k}]`, `ramp must end after it starts (from ${r.from}, to ${r.to})`);
  });
}
