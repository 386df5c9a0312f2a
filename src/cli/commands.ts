/**
 * The subcommands of `scalelab`: name, the arguments shown in `scalelab --help`, a one-line
 * summary, and the module that registers the real command. `main` imports only the module of the
 * command being run, so `scalelab --version` or `scalelab engines` does not load the simulator,
 * the report renderer or the workbench (start-up is a target of `npm run bench`).
 *
 * Nothing here may import more than commander's types: this table is read at every start.
 *
 * @example COMMANDS.find((c) => c.name === 'run')!.summary // 'simulate a scenario and write …'
 */
import type { Command } from 'commander';

export interface CommandEntry {
  name: string;
  /** Arguments as `scalelab --help` lists them beside the name. */
  args: string;
  summary: string;
  /** The function that registers the real command on the program. */
  load: () => Promise<(program: Command) => void>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'run',
    args: '<scenario>',
    summary: 'simulate a scenario and write summary.json, timeseries.csv, events.jsonl, summary.md and report.html',
    // V8 optimises only what the run repeats (src/cli/tiering.ts), set before the run's modules load
    load: async () => {
      (await import('./tiering.js')).delayTierUp();
      return (await import('./run.js')).registerRunCommand;
    },
  },
  { name: 'engines', args: '', summary: 'list the decision engines with their variants, configuration keys and options', load: async () => (await import('./engines.js')).registerEnginesCommand },
  { name: 'trace', args: '', summary: 'import, inspect and plot CPU traces (canonical format: docs/TRACES.md)', load: async () => (await import('./trace.js')).registerTraceCommands },
  { name: 'record', args: '', summary: 'record live systems into traces', load: async () => (await import('./record.js')).registerRecordCommand },
  {
    name: 'decide',
    args: '<engine>',
    summary: 'run a decision engine on live observations: JSON lines in, actions as JSON lines out',
    load: async () => (await import('./decide.js')).registerDecideCommand,
  },
  {
    name: 'sweep',
    args: '<scenario>',
    summary:
      'run a scenario over a grid (or a random sample) of configuration values, several seeds per point; write runs.jsonl, sweep.csv, summary.md and index.html',
    load: async () => (await import('./sweep.js')).registerSweepCommand,
  },
  {
    name: 'check',
    args: '<scenario>',
    summary: 'run a scenario (fixed seed) and compare every metric with a committed baseline under per-metric tolerances; exit 1 on regression',
    load: async () => (await import('./check.js')).registerCheckCommand,
  },
  {
    name: 'compare',
    args: '<inputs...>',
    summary: 'compare scenarios (run with the same seeds) or run directories: report.html, compare.md, compare.csv',
    load: async () => (await import('./compare.js')).registerCompareCommand,
  },
];

/** A command's summary, for its module's `.description(…)`. */
export function summaryOf(name: string): string {
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) throw new Error(`no command "${name}" in COMMANDS`);
  return entry.summary;
}

/**
 * The subcommand an argument vector asks for (`scalelab help X` asks for X), or null when it names
 * none (`--help`, `--version`, nothing) or an unknown one.
 *
 * @example commandOf(['node', 'scalelab', 'run', 'x.yaml']) // 'run'
 */
export function commandOf(argv: readonly string[]): string | null {
  const words = argv.slice(2).filter((a) => !a.startsWith('-'));
  const first = words[0] === 'help' ? words[1] : words[0];
  return first !== undefined && COMMANDS.some((c) => c.name === first) ? first : null;
}
