/** The Albatross engine behind the live adapter: the same golden cases as in the simulator. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlbatrossAdapter, parseLine, parseTime } from '../src/adapters/albatross.js';
import { config, preset, S } from './albatross-fixture.js';
import { runCli } from './helpers.js';

const T0 = 1_780_000_000; // a Unix time in seconds

/** Stats lines of one unikernel at 95 % of a vCPU: 9.5 CPU-seconds every 10 s. */
function lines95(name: string, rounds: number): string[] {
  return Array.from({ length: rounds }, (_, k) => {
    const us = k * 9_500_000;
    return JSON.stringify({ time: T0 + 10 * k, name, utime: [Math.floor(us / S), us % S], stime: [0, 0] });
  });
}

function run(variant: string, lines: string[]) {
  const adapter = new AlbatrossAdapter({ interval: 10 * S, config, options: preset(variant), groups: new Map([['alice:web', { vcpus: 1, maxInstances: 4, minInstances: 1 }]]) });
  const out = lines.flatMap((l, i) => adapter.feed(parseLine(l, `test:${i + 1}`)));
  return [...out, ...adapter.finish()];
}

describe('parseTime', () => {
  it('reads Unix seconds and ISO strings to integer µs', () => {
    expect(parseTime(1.5)).toBe(1_500_000);
    expect(parseTime('1970-01-01T00:00:10Z')).toBe(10 * S);
    expect(parseTime('yesterday')).toBeNull();
  });
});

describe('AlbatrossAdapter', () => {
  it('faithful never scales up at 95 % (0 %, 100 %, 0 % …)', () => {
    expect(run('faithful', lines95('alice:web', 30))).toEqual([]);
  });

  it('corrected spawns one clone on the third high tick, 30 s after the first record', () => {
    expect(run('corrected', lines95('alice:web', 5))).toEqual([{ time: T0 + 30, type: 'spawn_clone', group: 'alice:web', name: 'alice:web-clone-1' }]);
  });

  it('the sync pass (every death_timeout of input time) orphans the clones of a dead primary (faithful)', () => {
    const lines = [
      JSON.stringify({ time: T0, name: 'alice:web', utime: [0, 0] }),
      JSON.stringify({ time: T0, name: 'alice:web-clone-1', utime: [0, 0] }),
      JSON.stringify({ time: T0 + 100, running: ['alice:web-clone-1'] }),
      JSON.stringify({ time: T0 + 1000, name: 'alice:web-clone-1', utime: [5, 0] }),
    ];
    const out = run('faithful', lines);
    expect(out).toEqual([
      { time: T0, type: 'adopt', group: 'alice:web', name: 'alice:web-clone-1' },
      { time: T0 + 900, type: 'forget', group: 'alice:web' },
      { time: T0 + 900, type: 'orphan', group: 'alice:web', names: ['alice:web-clone-1'] },
    ]);
  });

  it('keeps the later of two records of one unikernel in a round', () => {
    // before each real record, a stray one at 0 CPU-seconds with the same time: counted, it would
    // halve the average (≈ 47 %) and nothing would scale; dropped, the 95 % case is unchanged
    const stray = (line: string) => JSON.stringify({ ...JSON.parse(line), utime: [0, 0] });
    const lines = lines95('alice:web', 5).flatMap((l) => [stray(l), l]);
    expect(run('corrected', lines)).toEqual([{ time: T0 + 30, type: 'spawn_clone', group: 'alice:web', name: 'alice:web-clone-1' }]);
  });

  it('a counter that restarts from zero reads as no load for that interval, then counts again', () => {
    // 95 % at rounds 0–2 (two high ticks), the unikernel restarts before round 3 (counter 0 → 0 %,
    // ticks reset), then 95 % again: high ticks at rounds 4, 5, 6 → the clone at +60 s
    const before = lines95('alice:web', 3);
    const after = lines95('alice:web', 4).map((l) => {
      const o = JSON.parse(l) as { time: number };
      return JSON.stringify({ ...o, time: o.time + 30 });
    });
    expect(run('corrected', [...before, ...after])).toEqual([{ time: T0 + 60, type: 'spawn_clone', group: 'alice:web', name: 'alice:web-clone-1' }]);
  });

  it('ignores unikernels outside the named groups', () => {
    expect(run('corrected', lines95('bob:db', 10))).toEqual([]);
  });

  it('refuses a broken line with its number', () => {
    expect(() => parseLine('{"time": 1, "name": "x"}', 'stdin:7')).toThrow(/stdin:7: utime: needs "utime"/);
    expect(() => parseLine('not json', 'stdin:8')).toThrow(/stdin:8: not a JSON object/);
  });
});

/** A Unix time T0 + `us` µs, in seconds, as the adapter prints it. */
const at = (us: number) => (T0 * S + us) / S;

describe('rounds by the stats interval (jittered records)', () => {
  const groups = new Map([['alice:web', { vcpus: 1, maxInstances: 4, minInstances: 1 }], ['bob:db', { vcpus: 1, maxInstances: 4, minInstances: 1 }]]);
  const adapter = (cooldown = 0) => new AlbatrossAdapter({ interval: 10 * S, config: { ...config, cooldown_period: cooldown * S }, options: preset('corrected'), groups });
  /** Round k: the primary at T0 + 10k s, its clone 4 ms later, each at 10 CPU-s per 10 s (100 %). */
  const round = (k: number) => [
    { time: at(k * 10 * S), name: 'alice:web', utime: [10 * k, 0] },
    { time: at(k * 10 * S + 4000), name: 'alice:web-clone-1', utime: [10 * k, 0] },
  ].map((o) => JSON.stringify(o));

  it('records a few ms apart are one round: three high ticks, one spawn at the third round', () => {
    // corrected: round 0 = first records (excluded while booting), the clone adopted (register_clone
    // stamps, cooldown 0 here); rounds 1, 2, 3: (10 000 + 10 000) / 2 = 10 000 bp > 9 000 → ticks
    // 1, 2, 3 → spawn web-clone-2 (next_id 2) at round 3, decided at its latest record, +30.004 s.
    // Grouped by identical timestamps instead, each record was its own round and ticked alone.
    const a = adapter();
    const out = [0, 1, 2, 3, 4].flatMap((k) => round(k)).flatMap((l, i) => a.feed(parseLine(l, `t:${i + 1}`)));
    expect([...out, ...a.finish()]).toEqual([
      { time: at(4000), type: 'adopt', group: 'alice:web', name: 'alice:web-clone-1' },
      { time: at(30 * S + 4000), type: 'spawn_clone', group: 'alice:web', name: 'alice:web-clone-2' },
    ]);
  });

  it('a round is decided when its window has passed, not when the next round begins', () => {
    const a = adapter();
    const lines = [0, 1, 2, 3].flatMap((k) => round(k));
    const out = lines.flatMap((l, i) => a.feed(parseLine(l, `t:${i + 1}`)));
    expect(out.map((o) => o.type)).toEqual(['adopt']); // rounds 0–2 decided; round 3 still open
    // round 3 opened at +30 s; its window is half the stats interval: complete at +35 s
    expect(a.roundClosesAt()).toBe(T0 * S + 35 * S);
    expect(a.closeRound(T0 * S + 35 * S - 1)).toEqual([]);
    expect(a.closeRound(T0 * S + 35 * S)).toEqual([{ time: at(30 * S + 4000), type: 'spawn_clone', group: 'alice:web', name: 'alice:web-clone-2' }]);
    expect(a.roundClosesAt()).toBeNull();
  });

  it('silence_is_death fires for a group none of whose unikernels reports any more', () => {
    // alice:web reports once at T0 (records 1); bob:db keeps the rounds going every 10 s. From
    // the round at +10 s alice:web is silent; silent for ≥ death_timeout (900 s) at +910 s → dead,
    // pruned: the primary is gone, so the group is forgotten (no clones to destroy).
    const a = adapter(600);
    const lines = [JSON.stringify({ time: T0, name: 'alice:web', utime: [0, 0] })];
    for (let k = 0; k <= 92; k++) lines.push(JSON.stringify({ time: T0 + 10 * k, name: 'bob:db', utime: [k, 0] }));
    const out = lines.flatMap((l, i) => a.feed(parseLine(l, `t:${i + 1}`)));
    expect([...out, ...a.finish()]).toEqual([{ time: T0 + 910, type: 'forget', group: 'alice:web' }]);
  });
});

describe('scalelab decide albatross', () => {
  let tmp = '';
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-decide-'));
  });
  afterEach(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('prints the corrected variant\'s spawn as a JSON line', async () => {
    const file = path.join(tmp, 'stats.jsonl');
    fs.writeFileSync(file, `${lines95('alice:web', 5).join('\n')}\n`);
    const { code, out } = await runCli('decide', 'albatross', '--variant', 'corrected', '--group', 'alice:web', '--input', file);
    expect(code).toBe(0);
    expect(out.trim().split('\n').map((l) => JSON.parse(l))).toEqual([{ time: T0 + 30, type: 'spawn_clone', group: 'alice:web', name: 'alice:web-clone-1' }]);
  });

  it('a bad line is one error naming file and line, exit 2', async () => {
    const file = path.join(tmp, 'bad.jsonl');
    fs.writeFileSync(file, `${lines95('alice:web', 2).join('\n')}\n{"time": "soon"}\n`);
    const { code, err } = await runCli('decide', 'albatross', '--group', 'alice:web', '--input', file);
    expect(code).toBe(2);
    expect(err).toMatch(/bad\.jsonl:3: time:/);
    expect(err.trim().split('\n')).toHaveLength(1);
  });
});
