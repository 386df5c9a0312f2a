#!/usr/bin/env node
/**
 * The `scalelab` command. Every subcommand lives in its own module; this file only wires them
 * to commander and turns errors into one line and an exit code (2 for bad input, 1 otherwise).
 */
import { Command, CommanderError } from '../vendor/commander.js';
import { VERSION } from '../version.js';
import { InputError } from '../scenario/errors.js';
import { escapeControls } from './escape.js';

export { escapeControls } from './escape.js';
import { ExitCode } from './exit.js';
import { COMMANDS, commandOf } from './commands.js';

/**
 * Build the command tree for `argv` (exported for tests). Only the command `argv` names is loaded
 * and registered for real; the others stand in with their name, arguments and summary, enough
 * for `scalelab --help` and for commander to refuse an unknown command. `sweep` and `sweep
 * merge` share option names (`--out`), so options are positional: the program's own (--help,
 * --version) come before the subcommand.
 */
export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command();
  program
    .name('scalelab')
    .description('Discrete-event simulator and policy-tuning workbench for autoscaling and rebalancing VMs and unikernels.\nRuns the real decision engines (faithful and corrected) against a simulated world and writes reports.')
    .version(VERSION)
    .configureOutput({ outputError: (text, write) => write(commanderErrorLine(text)) })
    .enablePositionalOptions()
    .exitOverride();
  const wanted = commandOf(argv);
  for (const entry of COMMANDS) {
    if (entry.name === wanted) (await entry.load())(program);
    else program.command(entry.args ? `${entry.name} ${entry.args}` : entry.name).description(entry.summary);
  }
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
  ENAMETOOLONG: 'file name too long',
  ELOOP: 'too many levels of symbolic links',
  EMFILE: 'too many open files',
  ENXIO: 'no such device or address',
  EINVAL: 'invalid argument',
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

/**
 * Commander's own error (`error: unknown option '--x'`) as scalelab's one line, control bytes
 * escaped, with the hint to --help on the same line.
 *
 * @example commanderErrorLine("error: unknown option '--x'\n") // "scalelab: error: unknown option '--x' (run with --help for usage)\n"
 */
export function commanderErrorLine(text: string): string {
  const message = escapeControls(text.trim().replace(/^error:\s*/, '').replace(/\s*\n\s*/g, ' '));
  return `scalelab: error: ${message} (run with --help for usage)\n`;
}

/** One error line on stderr: `scalelab: error: MESSAGE`, control bytes escaped. */
function errorLine(kind: string, message: string): void {
  process.stderr.write(`scalelab: ${kind}: ${escapeControls(message)}\n`);
}

/** Run the CLI with `argv` (node-style, including the first two entries). */
export async function main(argv: string[]): Promise<number> {
  try {
    const program = await buildProgram(argv);
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof ExitCode) return err.code; // the command has already reported
    if (err instanceof CommanderError) {
      // help and version end here too, with exit code 0
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof InputError) {
      errorLine('error', err.message);
      return 2;
    }
    const fsProblem = fileSystemProblem(err);
    if (fsProblem !== null) {
      errorLine('error', fsProblem);
      return 2;
    }
    const message = err instanceof Error ? err.message : String(err);
    errorLine('internal error', message);
    if (process.env['SCALELAB_DEBUG'] && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}

/**
 * `scalelab … | head` closes the pipe early, which is not an error: exit 0 on EPIPE. The
 * handler goes on stdout the first time anything reads `process.stdout`, not at start: creating
 * that stream loads Node's net and stream modules and opens a socket or file stream (5–7 ms of a
 * 0.3 s run), which a quiet run that prints nothing never needs.
 *
 * @example quitOnBrokenPipe(); process.stdout.write('…') // the stream is made here, with the handler
 */
export function quitOnBrokenPipe(): void {
  const attach = (out: NodeJS.WriteStream): void => {
    out.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0);
      throw err;
    });
  };
  const own = Object.getOwnPropertyDescriptor(process, 'stdout');
  if (own?.get === undefined || own.configurable !== true) {
    attach(process.stdout);
    return;
  }
  Object.defineProperty(process, 'stdout', {
    configurable: true,
    enumerable: own.enumerable,
    get() {
      Object.defineProperty(process, 'stdout', own);
      const out = process.stdout;
      attach(out);
      return out;
    },
  });
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (invokedDirectly || process.argv[1]?.endsWith('/scalelab')) {
  quitOnBrokenPipe();
  main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
