import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

/** The work line a PB1 peer prints. */
interface Work {
  groups: number;
  rounds: number;
  records: number;
  scale_ups: number;
  scale_downs: number;
  instance_seconds: number;
  mean_utilisation: number;
}

/** The work line of an `accounted` peer: the integrals' totals besides. */
type AccountedWork = Work & { slo_violation_seconds: number; violation_episodes: number };

function jsPeer(groups: number, seconds: number, generator?: string, arithmetic?: string): Work {
  const r = spawnSync(process.execPath, ['bench/peers/pb1.mjs', String(groups), String(seconds), ...(generator ? [generator] : []), ...(arithmetic ? [arithmetic] : [])], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as Work;
}

describe('bench/peers/pb1.mjs, the C floor line for line in plain Node', () => {
  it('does the PB1 work: one round per 10 s, a record per running instance, instance-seconds = records × 10', () => {
    // 20 groups over 1 h: 3,600 s / 10 s = 360 rounds; every group has 1 to 8 instances in a round
    const w = jsPeer(20, 3600);
    expect(w.rounds).toBe(360);
    expect(w.records).toBeGreaterThanOrEqual(20 * 360);
    expect(w.records).toBeLessThanOrEqual(8 * 20 * 360);
    expect(w.instance_seconds).toBe(w.records * 10);
    expect(w.mean_utilisation).toBeGreaterThan(0);
    expect(w.mean_utilisation).toBeLessThanOrEqual(1);
    // a scale-down needs a clone, so never more downs than ups
    expect(w.scale_downs).toBeLessThanOrEqual(w.scale_ups);
  });

  it('does the same work with xorshift128 uniforms, numbers of its own', () => {
    const alea = jsPeer(20, 3600);
    const xs = jsPeer(20, 3600, 'xorshift128');
    expect(xs.rounds).toBe(360);
    expect(xs.instance_seconds).toBe(xs.records * 10);
    expect(xs.records).not.toBe(alea.records); // another generator, another path
    expect(jsPeer(20, 3600, 'alea')).toEqual(alea); // alea is the default
    const day = jsPeer(200, 86400, 'xorshift128');
    const aleaDay = jsPeer(200, 86400);
    expect(Math.abs(day.records / aleaDay.records - 1)).toBeLessThan(0.05);
  });

  it("does the same model with scalelab's arithmetic: other Gaussians, the same day within a few per cent", () => {
    const c = jsPeer(200, 86400);
    expect(jsPeer(200, 86400, 'alea', 'c')).toEqual(c); // c is the default
    const own = jsPeer(200, 86400, 'alea', 'scalelab');
    expect(own.rounds).toBe(c.rounds);
    expect(own.instance_seconds).toBe(own.records * 10);
    // the same uniforms turned into Gaussians another way: another path through the day
    expect(own.records).not.toBe(c.records);
    expect(Math.abs(own.records / c.records - 1)).toBeLessThan(0.05);
    expect(Math.abs(own.mean_utilisation - c.mean_utilisation)).toBeLessThan(0.03);
    const r = spawnSync(process.execPath, ['bench/peers/pb1.mjs', '10', '10', 'alea', 'fortran'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('pb1.mjs: the arithmetic must be c, scalelab or accounted, got "fortran"\n');
  });

  it("does the same model as scalelab accounts it: the same day within a few per cent, and the metrics' integrals", () => {
    const bare = jsPeer(200, 86400, 'alea', 'scalelab');
    const acc = jsPeer(200, 86400, 'alea', 'accounted') as AccountedWork;
    expect(acc.rounds).toBe(bare.rounds);
    // ticks on whole-µs basis points, each group its own stream: another path through the same model
    expect(Math.abs(acc.records / bare.records - 1)).toBeLessThan(0.05);
    expect(Math.abs(acc.mean_utilisation - bare.mean_utilisation)).toBeLessThan(0.03);
    expect(acc.scale_downs).toBeLessThanOrEqual(acc.scale_ups);
    // the integral of instances over the day: each interval counts the instances after the round
    // that opened it, the records the ones before it, so the two differ by at most one clone a
    // group and action, never more than the actions allow
    expect(Math.abs(acc.instance_seconds - acc.records * 10)).toBeLessThanOrEqual((acc.scale_ups + acc.scale_downs) * 10 * 3);
    // demand above capacity some of the day, never all of it; an episode opens each time it starts
    expect(acc.slo_violation_seconds).toBeGreaterThan(0);
    expect(acc.slo_violation_seconds).toBeLessThan(200 * 86400);
    expect(acc.violation_episodes).toBeGreaterThan(0);
    expect(acc.violation_episodes * 10).toBeLessThanOrEqual(acc.slo_violation_seconds);
  });

  it('the accounted day of 1 group for 30 s, worked by hand: 3 rounds, no action, 30 instance-seconds', () => {
    // rounds at 0, 10 and 20 s with one instance each (3 records); no clone can come: 3 ticks
    // above 90 % need 3 rounds of readings, and the first round reads nothing (never read before)
    const w = jsPeer(1, 30, 'alea', 'accounted');
    expect(w).toMatchObject({ groups: 1, rounds: 3, records: 3, scale_ups: 0, scale_downs: 0, instance_seconds: 30 });
  });

  it('refuses a generator it does not know: one line naming it, exit 2', () => {
    const r = spawnSync(process.execPath, ['bench/peers/pb1.mjs', '10', '10', 'mt19937'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('pb1.mjs: the generator must be alea or xorshift128, got "mt19937"\n');
  });

  it('refuses a count that is not a whole number ≥ 1: one line naming it, exit 2', () => {
    const r = spawnSync(process.execPath, ['bench/peers/pb1.mjs', '10', '1.5'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('pb1.mjs: seconds must be a whole number ≥ 1, got "1.5"\n');
  });

  it('counts like the C peer: the same rounds, and records within the spread two generators give', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-peer-test-'));
    try {
      const binary = path.join(dir, 'pb1');
      const cc = spawnSync('cc', ['-O2', '-o', binary, 'bench/peers/pb1.c', '-lm'], { encoding: 'utf8' });
      if (cc.error || cc.status !== 0) {
        console.warn('skipped: no C compiler (cc) to build bench/peers/pb1.c');
        return;
      }
      const c = JSON.parse(spawnSync(binary, ['200', '86400'], { encoding: 'utf8' }).stdout) as Work;
      const js = jsPeer(200, 86400);
      expect(js.rounds).toBe(c.rounds);
      // different uniform generators (splitmix64 in C, Alea here): the same model, so the day's
      // records and mean utilisation agree within a few per cent
      expect(Math.abs(js.records / c.records - 1)).toBeLessThan(0.05);
      expect(Math.abs(js.mean_utilisation - c.mean_utilisation)).toBeLessThan(0.03);

      // `accounted` in C does pb1.mjs's accounted work line for line: seeded from another
      // generator, so the same model's day within a few per cent, and the same hand-worked 30 s
      const run = (...args: string[]) => spawnSync(binary, args, { encoding: 'utf8' });
      const cAcc = JSON.parse(run('200', '86400', 'accounted').stdout) as AccountedWork;
      const jsAcc = jsPeer(200, 86400, 'alea', 'accounted') as AccountedWork;
      expect(cAcc.rounds).toBe(jsAcc.rounds);
      expect(Math.abs(cAcc.records / jsAcc.records - 1)).toBeLessThan(0.05);
      expect(Math.abs(cAcc.mean_utilisation - jsAcc.mean_utilisation)).toBeLessThan(0.03);
      expect(Math.abs(cAcc.slo_violation_seconds / jsAcc.slo_violation_seconds - 1)).toBeLessThan(0.2);
      expect(JSON.parse(run('1', '30', 'accounted').stdout)).toMatchObject({ groups: 1, rounds: 3, records: 3, scale_ups: 0, scale_downs: 0, instance_seconds: 30 });
      expect(JSON.parse(run('200', '86400', 'c').stdout)).toEqual(c); // c is the default
      const bad = run('10', '10', 'fortran');
      expect(bad.status).toBe(2);
      expect(bad.stdout).toBe('');
      expect(bad.stderr).toBe('pb1: the arithmetic must be c or accounted, got "fortran"\n');
      const fraction = run('10', '1.5');
      expect(fraction.status).toBe(2);
      expect(fraction.stdout).toBe('');
      expect(fraction.stderr).toBe('pb1: seconds must be a whole number from 1 to 100000000, got "1.5"\n');
      expect(run('0').stderr).toBe('pb1: groups must be a whole number from 1 to 10000000, got "0"\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bench/peers/pb1-wasm.mjs: pb1.c compiled to WebAssembly and run in Node', () => {
  it("runs pb1.c's own loops: the native build's day, the hand-worked 30 s, bad input refused", async () => {
    const { compileWasm } = await import('../src/bench/peers.js');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-peer-wasm-test-'));
    try {
      const module = path.join(dir, 'pb1.wasm');
      const why = compileWasm(module);
      if (why !== null) {
        console.warn(`skipped: ${why}`);
        return;
      }
      const wasm = (...args: string[]) => spawnSync(process.execPath, ['bench/peers/pb1-wasm.mjs', module, ...args], { encoding: 'utf8' });
      // one group for 30 s, as the native build and pb1.mjs do it: rounds at 0, 10 and 20 s, one
      // instance each (no clone: the round at 0 s has no earlier reading, so at most 2 high rounds
      // by 20 s where 3 are needed), and the row advanced to 30 s at the end: 1 instance × 30 s
      const short = JSON.parse(wasm('1', '30', 'accounted').stdout) as AccountedWork;
      expect(short).toMatchObject({ groups: 1, rounds: 3, records: 3, scale_ups: 0, scale_downs: 0, instance_seconds: 30 });
      const day = JSON.parse(wasm('200', '86400', 'accounted').stdout) as AccountedWork;
      expect(day.rounds).toBe(8640);
      expect(Math.abs(day.instance_seconds - day.records * 10)).toBeLessThanOrEqual((day.scale_ups + day.scale_downs) * 10 * 3);
      const cc = spawnSync('cc', ['-O2', '-o', path.join(dir, 'pb1'), 'bench/peers/pb1.c', '-lm'], { encoding: 'utf8' });
      if (cc.error || cc.status !== 0) console.warn('skipped the comparison with the native build: no C compiler (cc)');
      else {
        const native = (...args: string[]) => JSON.parse(spawnSync(path.join(dir, 'pb1'), args, { encoding: 'utf8' }).stdout) as Work;
        // the same loops over IEEE doubles (wasm32 has no fused multiply-add to contract into):
        // `accounted` calls sin, cos and log only at set-up and once a round, and JavaScript's
        // Math gives glibc's results there, so the day is the native one to the last digit
        expect(day).toEqual(native('200', '86400', 'accounted'));
        expect(short).toEqual(native('1', '30', 'accounted'));
        // `c` calls sin per group and round: the same model within a hair even were a last bit to differ
        const c = JSON.parse(wasm('200', '86400').stdout) as Work;
        const n = native('200', '86400');
        expect(c.rounds).toBe(n.rounds);
        expect(Math.abs(c.records / n.records - 1)).toBeLessThan(0.01);
      }
      const refused = (r: ReturnType<typeof wasm>, line: string) => {
        expect(r.status).toBe(2);
        expect(r.stdout).toBe('');
        expect(r.stderr).toBe(`${line}\n`);
      };
      refused(wasm('10', '10', 'fortran'), 'pb1-wasm.mjs: the arithmetic must be c or accounted, got "fortran"');
      refused(wasm('2000000'), 'pb1-wasm.mjs: groups must be a whole number from 1 to 1000000, got "2000000"');
      refused(wasm('10', '1.5'), 'pb1-wasm.mjs: seconds must be a whole number from 1 to 100000000, got "1.5"');
      refused(spawnSync(process.execPath, ['bench/peers/pb1-wasm.mjs', path.join(dir, 'absent.wasm')], { encoding: 'utf8' }), `pb1-wasm.mjs: cannot read ${path.join(dir, 'absent.wasm')}: ENOENT`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
