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
import { registerCompareCommand } from './compare.js';

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
  registerCompareCommand(program);
  return program;
}

const FS_REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EEXIST: 'already exists and is not a directory',
  ENOTDIR: 'a parent is not a directory',
  EISDIR: 'is a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
};

/**
 * A file or directory the user named that cannot be read or written (a bad --out, -o or input
 * path) is bad input too: one line naming the path, exit 2. Null for any other error.
 */
export function fileSystemProblem(err: unknown): string | null {
  const e = err as NodeJS.ErrnoException;
  if (!e || typeof e !== 'object' || typeof e.code !== 'string' || typeof e.path !== 'string') return null;
  const reason = FS_REASONS[e.code];
  if (reason === undefined) return null;
  return `${e.path}: ${reason}${e.syscall ? ` (${e.syscall})` : ''}`;
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
    const fsProblem = fileSystemProblem(err);
    if (fsProblem !== null) {
      process.stderr.write(`scalelab: error: ${fsProblem}\n`);
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
