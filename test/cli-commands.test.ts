import { describe, expect, it } from 'vitest';
import { COMMANDS, commandOf, summaryOf } from '../src/cli/commands.js';
import { buildProgram } from '../src/cli/main.js';

describe('lazy subcommands', () => {
  it('finds the command an argument vector names', () => {
    const argv = (...a: string[]) => ['node', 'scalelab', ...a];
    expect(commandOf(argv('run', 'x.yaml', '--out', 'check'))).toBe('run');
    expect(commandOf(argv('sweep', 'merge', 'a', 'b'))).toBe('sweep');
    expect(commandOf(argv('help', 'decide'))).toBe('decide');
    expect(commandOf(argv('--version'))).toBeNull();
    expect(commandOf(argv())).toBeNull();
    expect(commandOf(argv('nope'))).toBeNull();
  });

  it('registers the named command for real and the others as stand-ins with the same summary', async () => {
    const program = await buildProgram(['node', 'scalelab', 'run', 'x.yaml']);
    const run = program.commands.find((c) => c.name() === 'run')!;
    expect(run.options.map((o) => o.long)).toContain('--seed'); // the real command
    const sweep = program.commands.find((c) => c.name() === 'sweep')!;
    expect(sweep.options).toHaveLength(0); // a stand-in
    expect(sweep.description()).toBe(summaryOf('sweep'));
    expect(program.commands.map((c) => c.name())).toEqual(COMMANDS.map((c) => c.name));
  });

  it('every real command has the name and summary its table entry says', async () => {
    for (const entry of COMMANDS) {
      const program = await buildProgram(['node', 'scalelab', entry.name]);
      const real = program.commands.find((c) => c.name() === entry.name)!;
      expect(real.description(), entry.name).toBe(entry.summary);
    }
  });
});
