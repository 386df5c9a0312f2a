#!/usr/bin/env node
/**
 * The `scalelab` command. Every subcommand lives in its own module; this file only wires them
 * to commander and turns errors into one line and an exit code (2 for bad input, 1 otherwise).
 */
import { Command, CommanderError } from 'commander';
import { VERSION } from '../version.js';
import { InputError } from '../scenario/errors.js';
import { registerRunCommand } from './run.js';
import { registerEnginesCommand } from './engines.js';
import { registerTraceCommands } from './trace.js';
import { registerRecordCommand } from './record.js';
import { registerDecideCommand } from './decide.js';
import { ExitCode, registerWorkbenchCommands } from './workbench.js';

/** Build the command tree (exported for tests). */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name('scalelab')
    .description('Discrete-event simulator and policy-tuning workbench for autoscaling and rebalancing VMs and unikernels.\nRuns the real decision engines (faithful and corrected) against a simulated world and writes reports.')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerRunCommand(program);
  registerEnginesCommand(program);
  registerTraceCommands(program);
  registerRecordCommand(program);
  registerDecideCommand(program);
  registerWorkbenchCommands(program);
  return program;
}

/** Run the CLI with `argv` (node-style, including the first two entries). */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof ExitCode) return err.code; // the command has already reported
    if (err instanceof CommanderError) {
      // help and version end here too, with exit code 0
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof InputError) {
      process.stderr.write(`scalelab: error: ${err.message}\n`);
      return 2;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`scalelab: internal error: ${message}\n`);
    if (process.env['SCALELAB_DEBUG'] && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (invokedDirectly || process.argv[1]?.endsWith('/scalelab')) {
  // `scalelab … | head` closes the pipe early: that is not an error
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
