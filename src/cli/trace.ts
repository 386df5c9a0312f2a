/**
 * `scalelab trace import` and `scalelab trace show`. Bad input surfaces as `InputError`
 * (file:line: message); the main CLI prints it and exits 2.
 *
 * @example
 * scalelab trace import --from planetlab --cores 2 traces/samples/planetlab/* -o traces/planetlab.csv
 * scalelab trace show traces/albatross-small.csv --plot albatross.svg
 */
import type { Command } from 'commander';
import { InputError } from '../scenario/errors.js';
import { formatImportSummary, importTrace, IMPORTERS } from '../traces/import/index.js';
import type { ImportOptions } from '../traces/import/types.js';
import { formatTraceStats, summarizeTrace } from '../traces/show.js';
import { plotTrace } from '../traces/plot.js';
import { durationFlag } from './flags.js';

interface ImportFlags {
  from: string;
  output: string;
  name?: string;
  cores?: string;
  interval?: string;
  vmtable?: string;
  cpuStat?: string;
  maxGap?: string;
  pageSize?: string;
  series?: string;
}

/** Add `trace import` and `trace show` to the program. */
export function registerTraceCommands(program: Command): void {
  const trace = program.command('trace').description('import, inspect and plot CPU traces (canonical format: docs/TRACES.md)');

  trace
    .command('import')
    .description('convert recordings or public datasets into one canonical trace')
    .argument('<inputs...>', 'input files (one per VM/unikernel for single-series formats)')
    .requiredOption('--from <format>', `input format: ${IMPORTERS.map((i) => i.format).join(', ')}`)
    .requiredOption('-o, --output <file>', 'canonical trace to write')
    .option('--name <series>', 'series name for single-series inputs (default: from the input or its file name)')
    .option('--cores <n>', 'cores behind 100 % (planetlab; azure VMs missing from the vmtable)')
    .option('--interval <duration>', 'sampling interval where the input has no times (planetlab 5m, albatross 10s, openmetrics 10s)')
    .option('--vmtable <file>', 'azure: vmtable.csv with the cores of each VM')
    .option('--cpu-stat <stat>', 'azure: avg, max or min reading', 'avg')
    .option('--max-gap <duration>', 'counter formats: samples further apart are not differenced', '5m')
    .option('--page-size <bytes>', 'albatross: bytes per rss page', '4096')
    .option('--series <names>', 'keep only these series (comma-separated)')
    .action((inputs: string[], flags: ImportFlags) => {
      const summary = importTrace({ format: flags.from, inputs, output: flags.output, options: importOptions(flags) });
      process.stdout.write(formatImportSummary(summary) + '\n');
    });

  trace
    .command('show')
    .description('series, duration, interval, min/mean/p95/max per series, gaps; optionally a plot')
    .argument('<file>', 'canonical trace')
    .option('--plot <out>', 'write a chart: .svg, or .html with the statistics')
    .option('--series <names>', 'series to plot (comma-separated; default: the 12 highest means)')
    .action(async (file: string, flags: { plot?: string; series?: string }) => {
      const stats = summarizeTrace(file);
      process.stdout.write(formatTraceStats(stats) + '\n');
      if (flags.plot) {
        await plotTrace(stats, flags.plot, flags.series ? { series: splitList(flags.series) } : {});
        process.stdout.write(`wrote ${flags.plot}\n`);
      }
    });
}

/** Command-line flags → importer options, each checked. */
export function importOptions(flags: Omit<ImportFlags, 'from' | 'output'>): ImportOptions {
  const options: ImportOptions = {};
  if (flags.name !== undefined) options.name = flags.name;
  if (flags.cores !== undefined) options.cores = positiveNumber(flags.cores, '--cores');
  if (flags.interval !== undefined) options.interval = durationFlag(flags.interval, '--interval');
  if (flags.vmtable !== undefined) options.vmtable = flags.vmtable;
  if (flags.cpuStat !== undefined) {
    if (!['avg', 'max', 'min'].includes(flags.cpuStat)) throw new InputError(`must be avg, max or min, got "${flags.cpuStat}"`, { key: '--cpu-stat' });
    options.cpuStat = flags.cpuStat as 'avg' | 'max' | 'min';
  }
  if (flags.maxGap !== undefined) options.maxGap = durationFlag(flags.maxGap, '--max-gap');
  if (flags.pageSize !== undefined) options.pageSize = positiveNumber(flags.pageSize, '--page-size');
  if (flags.series !== undefined) options.series = splitList(flags.series);
  return options;
}

function positiveNumber(text: string, key: string): number {
  const value = Number(text);
  if (!(Number.isFinite(value) && value > 0)) throw new InputError(`must be a positive number, got "${text}"`, { key });
  return value;
}


function splitList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
