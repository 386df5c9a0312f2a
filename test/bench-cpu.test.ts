import { describe, expect, it } from 'vitest';
import { cpuSince } from '../src/bench/cpu.js';

describe('cpuSince (src/bench/cpu.ts)', () => {
  it('counts the CPU seconds a busy loop used, user and system together', () => {
    const start = process.cpuUsage();
    expect(cpuSince(start)).toBeGreaterThanOrEqual(0);
    // spin until the process has used at least 20 ms of CPU by its own clock
    let spins = 0;
    while (process.cpuUsage(start).user < 20_000) spins++;
    const used = cpuSince(start);
    expect(spins).toBeGreaterThan(0);
    expect(used).toBeGreaterThanOrEqual(0.02);
    // seconds, not microseconds: a 20 ms loop is far below a second on any machine that runs the suite
    expect(used).toBeLessThan(5);
    // the same start read later never goes back
    expect(cpuSince(start)).toBeGreaterThanOrEqual(used);
  });
});
