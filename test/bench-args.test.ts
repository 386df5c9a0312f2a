/** The bench's command line (src/bench/args.ts, src/bench/main.ts): --help lists the cases; bad arguments are one line, exit 2. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BenchArgError, benchUsage, CASES, parseBenchArgs } from '../src/bench/args.js';

describe('bench arguments', () => {
  it('reads cases and --repeat; none means all, 3 repeats', () => {
    expect(parseBenchArgs([])).toEqual({ help: false, names: CASES, repeat: 3 });
    expect(parseBenchArgs(['pb1', '--repeat', '5', 'kraftcloud-100'])).toEqual({ help: false, names: ['pb1', 'kraftcloud-100'], repeat: 5 });
    expect(parseBenchArgs(['pb1', '--help'])).toEqual({ help: true });
    expect(parseBenchArgs(['-h'])).toEqual({ help: true });
  });

  it('refuses an unknown case, an unknown option and a bad --repeat in one line', () => {
    expect(() => parseBenchArgs(['pb2'])).toThrow(new BenchArgError('unknown case "pb2" (see --help for the list)'));
    expect(() => parseBenchArgs(['--fast'])).toThrow(new BenchArgError('unknown option "--fast" (options: --repeat N, --help)'));
    expect(() => parseBenchArgs(['--repeat', '0'])).toThrow(new BenchArgError('--repeat: expected a whole number ≥ 1, got "0"'));
    expect(() => parseBenchArgs(['--repeat'])).toThrow(new BenchArgError('--repeat: expected a whole number ≥ 1, got nothing'));
  });

  it('--help lists every case with what it measures', () => {
    const text = benchUsage();
    for (const c of CASES) expect(text).toMatch(new RegExp(`^  ${c} +\\S`, 'm'));
    expect(text).toContain('--repeat N');
  });

  const main = new URL('../dist/bench/main.js', import.meta.url);
  it.skipIf(!fs.existsSync(main))('node dist/bench/main.js --help: the list, exit 0, no stack trace; a bad case: one line, exit 2', () => {
    const help = spawnSync(process.execPath, [main.pathname, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toBe(benchUsage());
    expect(help.stderr).toBe('');
    const bad = spawnSync(process.execPath, [main.pathname, 'pb2'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe('scalelab bench: error: unknown case "pb2" (see --help for the list)\n');
    expect(bad.stdout).toBe('');
  });
});
