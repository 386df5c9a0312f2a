/** The bench's command line (src/bench/args.ts, src/bench/main.ts): --help lists the cases; bad arguments are one line, exit 2. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BenchArgError, benchUsage, CASE_HELP, parseBenchArgs } from '../src/bench/args.js';

const CASES = ['pb1', 'pb1-bare-heap', 'kraftcloud-100', 'new-case'];

describe('bench arguments', () => {
  it('reads cases and --repeat; none means all, 3 repeats', () => {
    expect(parseBenchArgs([], CASES)).toEqual({ help: false, names: CASES, repeat: 3 });
    expect(parseBenchArgs(['pb1', '--repeat', '5', 'kraftcloud-100'], CASES)).toEqual({ help: false, names: ['pb1', 'kraftcloud-100'], repeat: 5 });
    expect(parseBenchArgs(['pb1', '--help'], CASES)).toEqual({ help: true });
    expect(parseBenchArgs(['-h'], CASES)).toEqual({ help: true });
  });

  it('refuses an unknown case, an unknown option and a bad --repeat in one line', () => {
    expect(() => parseBenchArgs(['pb2'], CASES)).toThrow(new BenchArgError('unknown case "pb2" (see --help for the list)'));
    expect(() => parseBenchArgs(['--fast'], CASES)).toThrow(new BenchArgError('unknown option "--fast" (options: --repeat N, --help)'));
    expect(() => parseBenchArgs(['--repeat', '0'], CASES)).toThrow(new BenchArgError('--repeat: expected a whole number ≥ 1, got "0"'));
    expect(() => parseBenchArgs(['--repeat'], CASES)).toThrow(new BenchArgError('--repeat: expected a whole number ≥ 1, got nothing'));
  });

  it('--help lists every case, with what it measures when known', () => {
    const text = benchUsage(CASES);
    expect(text).toContain(`  pb1             ${CASE_HELP['pb1']}\n`);
    expect(text).toContain('  new-case        (see src/bench/main.ts)\n');
    expect(text).toContain('--repeat N');
  });

  const main = new URL('../dist/bench/main.js', import.meta.url);
  it.skipIf(!fs.existsSync(main))('node dist/bench/main.js --help: every case described, exit 0, no stack trace; a bad case: one line, exit 2', () => {
    const help = spawnSync(process.execPath, [main.pathname, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stderr).toBe('');
    const listed = help.stdout.split('Cases:\n')[1]!.trim().split('\n');
    expect(listed.length).toBeGreaterThanOrEqual(24);
    for (const line of listed) expect(line).not.toContain('(see src/bench/main.ts)');
    for (const c of ['pb1', 'kraftcloud-100', 'sweep-2-workers']) expect(help.stdout).toMatch(new RegExp(`^  ${c} +\\S`, 'm'));
    const bad = spawnSync(process.execPath, [main.pathname, 'pb2'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe('scalelab bench: error: unknown case "pb2" (see --help for the list)\n');
    expect(bad.stdout).toBe('');
  });
});
