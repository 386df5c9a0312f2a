import { describe, expect, it } from 'vitest';
import { EventQueue } from '../src/kernel/heap.js';
import { DurationError, formatDuration, parseDuration, parseDurationAt, parseIncusDuration } from '../src/kernel/time.js';
import seedrandom from 'seedrandom';
import { aleaSeed, firstUniform, stream } from '../src/kernel/random.js';

function drain(q: EventQueue): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [];
  while (q.size > 0) {
    out.push([q.peekTime(), q.peekKind(), q.peekArg()]);
    q.pop();
  }
  return out;
}

describe('EventQueue', () => {
  it('pops in time order', () => {
    const q = new EventQueue(4);
    for (const t of [50, 10, 40, 30, 20, 60, 0]) q.push(t, 1, t);
    expect(drain(q).map((e) => e[0])).toEqual([0, 10, 20, 30, 40, 50, 60]);
  });

  it('breaks ties by priority, then by insertion order', () => {
    const q = new EventQueue();
    q.push(5, 1, 100, 3); // same time, priority 3
    q.push(5, 2, 101, 0); // priority 0 runs first
    q.push(5, 3, 102, 3); // same priority as the first, inserted later
    q.push(5, 4, 103, 0);
    q.push(1, 5, 104, 9);
    expect(drain(q).map((e) => e[2])).toEqual([104, 101, 103, 100, 102]);
  });

  it('grows past its initial capacity and stays ordered under mixed push/pop', () => {
    const q = new EventQueue(4);
    const rng = stream(1, 'heap-test');
    const reference: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const t = Math.floor(rng.next() * 1000);
      q.push(t, 0, i);
      reference.push(t);
      if (i % 3 === 0) {
        reference.sort((a, b) => a - b);
        expect(q.peekTime()).toBe(reference.shift());
        q.pop();
      }
    }
    reference.sort((a, b) => a - b);
    expect(drain(q).map((e) => e[0])).toEqual(reference);
  });

  it('reports Infinity when empty', () => {
    expect(new EventQueue().peekTime()).toBe(Infinity);
  });
});

describe('parseDuration', () => {
  it.each([
    ['20ms', 20_000],
    ['10s', 10_000_000],
    ['5m', 300_000_000],
    ['2h', 7_200_000_000],
    ['1d', 86_400_000_000],
    ['6H', 21_600_000_000],
    ['1d 6H', 108_000_000_000],
    ['1h 30m', 5_400_000_000],
    ['250us', 250],
    ['1.5s', 1_500_000],
    ['600', 600_000_000],
  ])('%s → %i µs', (text, us) => {
    expect(parseDuration(text)).toBe(us);
  });

  it('takes plain numbers as seconds', () => {
    expect(parseDuration(600)).toBe(600_000_000);
  });

  it.each(['', 'ten seconds', '10x', '5 parsecs', '-3s'])('refuses %j', (text) => {
    expect(() => parseDuration(text)).toThrow(DurationError);
  });
});

describe('parseDurationAt', () => {
  const located = (m: string): never => {
    throw new Error(`at key: ${m}`);
  };
  it('returns the µs, hands a DurationError message to fail, rethrows anything else', () => {
    expect(parseDurationAt('20ms', located)).toBe(20_000);
    expect(parseDurationAt(1.5, located)).toBe(1_500_000);
    expect(() => parseDurationAt('5 fortnights', located)).toThrow(/^at key: cannot read duration "5 fortnights"/);
    expect(() => parseDurationAt('7q', located)).toThrow('at key: unknown unit "q" in duration "7q" (units us, ms, s, m, h, d, w)');
    expect(() => parseDurationAt('6X', located, parseIncusDuration)).toThrow(/^at key: /);
    const other = new RangeError('not a duration problem');
    expect(() => parseDurationAt('1s', located, () => { throw other; })).toThrow(other);
  });
});

describe('parseIncusDuration', () => {
  it('reads M as minutes and m as months, as Incus does', () => {
    expect(parseIncusDuration('30M')).toBe(30 * 60 * 1e6);
    expect(parseIncusDuration('1m')).toBe(30 * 86_400 * 1e6);
  });
  it('joins parts with spaces', () => {
    expect(parseIncusDuration('1d 6H')).toBe((24 + 6) * 3600 * 1e6);
  });
  it('refuses units Incus does not know', () => {
    expect(() => parseIncusDuration('6h')).toThrow(DurationError);
    expect(() => parseIncusDuration('10ms')).toThrow(DurationError);
  });
});

describe('formatDuration', () => {
  it('writes largest units first', () => {
    expect(formatDuration(90_000_000)).toBe('1m 30s');
    expect(formatDuration(86_400_000_000 + 20_000)).toBe('1d 20ms');
    expect(formatDuration(0)).toBe('0s');
  });
});

describe('random streams', () => {
  it('are reproducible per (seed, name) and independent across names', () => {
    const a = stream(42, 'boot');
    const b = stream(42, 'boot');
    const c = stream(42, 'noise');
    const xs = [a.next(), a.next(), a.next()];
    expect([b.next(), b.next(), b.next()]).toEqual(xs);
    expect(c.next()).not.toBe(xs[0]);
    expect(stream(43, 'boot').next()).not.toBe(xs[0]);
  });

  it('draws normals with mean ≈ 0 and sd ≈ 1', () => {
    const s = stream(7, 'normal');
    let sum = 0;
    let sq = 0;
    const n = 50_000;
    for (let i = 0; i < n; i++) {
      const x = s.normal();
      sum += x;
      sq += x * x;
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.02);
    expect(Math.abs(Math.sqrt(sq / n) - 1)).toBeLessThan(0.02);
  });

  it('seed Alea exactly as seedrandom does (aleaSeed), on thousands of seeds', () => {
    // seedrandom lib/alea.js: Alea(seed) mashes ' ' three times, then subtracts a Mash of the
    // seed from each fraction (wrapping below 0), c = 1. Our seeding must give the same state,
    // bit for bit, or every scenario's numbers would change.
    const seeds = ['', 'x', ' ', 'scalelab:42:load:web', 'scalelab:1:scenario:web-17:load.base', 'ünïcødé ☃ 😀', 'a'.repeat(1000)];
    for (let i = 0; i < 3000; i++) seeds.push(`scalelab:${i % 97}:scenario:svc-${i}:load.phase`);
    for (const seed of seeds) expect(aleaSeed(seed)).toEqual(seedrandom.alea(seed, { state: true }).state());
  });

  it('firstUniform is the first uniform of the stream, bit for bit, on thousands of names and ranges', () => {
    // the scenario's { uniform: [lo, hi] } draws take one number of a stream each (resolve-load.ts)
    for (let i = 0; i < 3000; i++) {
      const seed = i % 7 === 0 ? `s${i}` : i;
      const name = `scenario:group-${i}:load.${i % 2 ? 'base' : 'diurnal.phase'}`;
      const [lo, hi] = i % 3 === 0 ? [0.3, 0.9] : i % 3 === 1 ? [0, 6.283185307179586] : [-5, 1e6];
      expect(firstUniform(seed, name, lo, hi)).toBe(stream(seed, name).uniform(lo, hi));
    }
    expect(firstUniform(1, 'x', 2, 2)).toBe(2);
  });

  it('firstUniform is still the stream when names share prefixes, run after run (the Mash states it keeps)', () => {
    // a scenario's order: each copy's fields in turn under one seed; then seeds and prefixes revisited
    const names: Array<[number | string, string]> = [];
    for (let copy = 0; copy < 300; copy++) for (const field of ['base', 'diurnal.phase', 'bursts.height']) names.push([1, `scenario:${copy}:load.${field}`]);
    names.push([1, 'scenario:0:load.base'], [2, 'scenario:0:load.base'], ['1', 'scenario:0:load.base'], [1, 'plain'], [1, 'ends:'], [1, ':'], [1, ''], [1, 'a:b:c:d'], [1, 'a:b:c:e'], [1, 'a:b:x:e']);
    for (const [seed, name] of names) expect(firstUniform(seed, name, 0, 1), `${seed} ${name}`).toBe(stream(seed, name).next());
  });

  it('streams still give seedrandom Alea numbers for their seed string', () => {
    const ours = stream(42, 'boot');
    const theirs = seedrandom.alea('scalelab:42:boot');
    for (let i = 0; i < 100; i++) expect(ours.next()).toBe(theirs());
  });
});
