import { afterAll, describe, expect, it, vi } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import { importOptions, registerTraceCommands } from '../src/cli/trace.js';
import { registerRecordCommand } from '../src/cli/record.js';
import { InputError } from '../src/scenario/errors.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-cli-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Run `scalelab ARGS…` with the trace and record commands; return what it printed. */
async function scalelab(...args: string[]): Promise<string> {
  const program = new Command('scalelab').exitOverride();
  registerTraceCommands(program);
  registerRecordCommand(program);
  const printed: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    printed.push(String(chunk));
    return true;
  });
  try {
    await program.parseAsync(['node', 'scalelab', ...args]);
  } finally {
    spy.mockRestore();
  }
  return printed.join('');
}

describe('scalelab trace', () => {
  it('import then show, with a plot', async () => {
    const out = path.join(dir, 'pl.csv');
    const planetlab = path.join('traces', 'samples', 'planetlab');
    const inputs = fs.readdirSync(planetlab).sort().map((f) => path.join(planetlab, f));
    const imported = await scalelab('trace', 'import', '--from', 'planetlab', '--cores', '4', ...inputs, '-o', out);
    expect(imported).toMatch(/wrote .*pl.csv: 776 rows, 3 series from 3 planetlab input/); // 288 + 200 + 288
    const svg = path.join(dir, 'pl.svg');
    const shown = await scalelab('trace', 'show', out, '--plot', svg);
    expect(shown).toMatch(/rows: +776 in 3 series/);
    expect(shown).toMatch(/interval: 5m \(declared\)/);
    expect(fs.readFileSync(svg, 'utf8')).toMatch(/^<svg/);
  });

  it('bad input is an InputError naming file and line', async () => {
    const bad = path.join(dir, 'bad.csv');
    fs.writeFileSync(bad, 'time_s,series,cpu_cores\n0,a,1\n5,a,x\n');
    await expect(scalelab('trace', 'show', bad)).rejects.toThrow(InputError);
    await expect(scalelab('trace', 'show', bad)).rejects.toThrow(`${bad}:3: cpu_cores: "x" is not a number`);
    await expect(scalelab('trace', 'import', '--from', 'nope', bad, '-o', path.join(dir, 'x.csv'))).rejects.toThrow(/unknown trace format/);
  });

  it('checks option values', () => {
    expect(importOptions({ cores: '2', interval: '5m', maxGap: '1h', series: 'a, b', cpuStat: 'max' })).toEqual({
      cores: 2,
      interval: 300_000_000,
      maxGap: 3_600_000_000,
      series: ['a', 'b'],
      cpuStat: 'max',
    });
    expect(() => importOptions({ cores: '-1' })).toThrow(/--cores: must be a positive number/);
    expect(() => importOptions({ interval: 'soon' })).toThrow(/--interval/);
    expect(() => importOptions({ cpuStat: 'p99' })).toThrow(/--cpu-stat/);
  });
});
