/** The policy-tuning workbench commands: `sweep`, `sweep merge` and `check`. */
import type { Command } from 'commander';
import { registerSweepCommand } from './sweep.js';
import { registerCheckCommand } from './check.js';

export { ExitCode } from './exit.js';

/**
 * Register `sweep` (with `sweep merge`) and `check` on the program. Turns on commander's
 * positional options for the program: `sweep` and `sweep merge` share option names (`--out`),
 * and without it the parent would take the subcommand's options. The program itself has only
 * --help and --version, which stay where they were (before the subcommand).
 */
export function registerWorkbenchCommands(program: Command): void {
  program.enablePositionalOptions();
  registerSweepCommand(program);
  registerCheckCommand(program);
}
