/**
 * `scalelab trace import` and `scalelab trace show`. Bad input surfaces as `InputError`
 * (file:line: message); the main CLI prints it and exits 2.
 *
 * @example
 * scalelab trace import --from planetlab --cores 2 traces/samples/planetlab/* -o traces/planetlab.csv
 * zcat vms.csv.gz | scalelab trace import --from csv --time-col ts --series-col vm --value-col cpu --unit percent - -o vms.csv
 * scalelab trace show traces/albatross-small.csv --plot albatross.svg
 */
import type { Command } from 'commander';
import { summaryOf } from './commands.js';
import { InputError } from '../scenario/errors.js';
import { formatImportSummary, importTrace, IMPORTERS } from '../traces/import/index.js';
import type { ImportOptions } from '../traces/import/types.js';
import { CSV_TIME_UNITS, CSV_UNITS, MEMORY_UNITS, type CsvImportOptions, type CsvTimeUnit, type CsvUnit, type MemoryUnit } from '../traces/import/csv.js';
import { formatTraceStats, summarizeTrace } from '../traces/show.js';
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

/** `--from csv` flags. */
interface CsvFlags {
  timeCol?: string;
  valueCol?: string;
  unit?: string;
  seriesCol?: string;
  memoryCol?: string;
  memoryUnit?: string;
  timeUnit?: string;
  delimiter?: string;
  header?: boolean;
}

/** Add `trace import` and `trace show` to the program. */
export function registerTraceCommands(program: Command): void {
  const trace = program.command('trace').description(summaryOf('trace'));

  trace
    .command('import')
    .description('convert recordings or public datasets into one canonical trace')
    .argument('<inputs...>', 'input files (one per VM/unikernel for single-series formats); gzip-compressed files are read as they are; - reads standard input')
    .requiredOption('--from <format>', `input format: ${IMPORTERS.map((i) => i.format).join(', ')}`)
    .requiredOption('-o, --output <file>', 'canonical trace to write')
    .option('--name <series>', 'series name for single-series inputs (default: from the input or its file name)')
    .option('--cores <n>', 'cores behind 100 % (planetlab; csv with --unit percent; azure VMs missing from the vmtable)')
    .option('--interval <duration>', 'sampling interval where the input has no times (planetlab 5m, albatross 10s, openmetrics 10s)')
    .option('--vmtable <file>', 'azure: vmtable.csv with the cores of each VM')
    .option('--cpu-stat <stat>', 'azure: avg, max or min reading', 'avg')
    .option('--max-gap <duration>', 'counter formats: samples further apart are not differenced', '5m')
    .option('--page-size <bytes>', 'albatross: bytes per rss page', '4096')
    .option('--series <names>', 'keep only these series (comma-separated)')
    .option('--time-col <column>', 'csv: column of the sample times (header text, or 1-based number)')
    .option('--value-col <column>', 'csv: column of the CPU figure')
    .option('--unit <unit>', `csv: unit of the CPU figure: ${CSV_UNITS.join(', ')} (percent of --cores, default 1 core)`)
    .option('--series-col <column>', 'csv: column naming the series (default: one series per file, named by --name or the file name)')
    .option('--memory-col <column>', 'csv: column of memory in use (optional)')
    .option('--memory-unit <unit>', `csv: unit of --memory-col: ${Object.keys(MEMORY_UNITS).join(', ')}`, 'bytes')
    .option('--time-unit <unit>', `csv: unit of numeric times: ${Object.keys(CSV_TIME_UNITS).join(', ')} (ISO 8601 dates are recognised as such)`, 's')
    .option('--delimiter <char>', 'csv: field separator (one character; "tab" for a tab)', ',')
    .option('--no-header', 'csv: the first row is data; name columns by number')
    .action((inputs: string[], flags: ImportFlags & CsvFlags) => {
      const options = importOptions(flags);
      if (flags.from === 'csv') options.csv = csvOptions(flags);
      else refuseCsvFlags(flags);
      const summary = importTrace({ format: flags.from, inputs, output: flags.output, options });
      process.stdout.write(formatImportSummary(summary) + '\n');
    });

  trace
    .command('show')
    .description('series, duration, interval, min/mean/p95/max per series, gaps; optionally a plot')
    .argument('<file>', 'canonical trace')
    .option('--plot <out>', 'write a chart: .svg, or .html with the statistics')
    .option('--series <names>', 'series to plot (comma-separated; default: the 12 highest means)')
    .action(async (file: string, flags: { plot?: string; series?: string }) => {
      // vega is loaded only for a plot
      const plot = flags.plot ? await import('../traces/plot.js') : null;
      if (flags.plot) plot!.checkPlotTarget(flags.plot, file);
      const stats = summarizeTrace(file);
      process.stdout.write(formatTraceStats(stats) + '\n');
      if (flags.plot) {
        await plot!.plotTrace(stats, flags.plot, flags.series ? { series: splitList(flags.series) } : {});
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

/** `--from csv` flags → the generic CSV importer's options, each checked. */
export function csvOptions(flags: CsvFlags): CsvImportOptions {
  const required = (value: string | undefined, key: string): string => {
    if (value === undefined || value.trim() === '') throw new InputError('is required with --from csv', { key });
    return value;
  };
  const options: CsvImportOptions = {
    timeColumn: required(flags.timeCol, '--time-col'),
    valueColumn: required(flags.valueCol, '--value-col'),
    unit: oneOf(required(flags.unit, '--unit'), CSV_UNITS, '--unit') as CsvUnit,
  };
  if (flags.seriesCol !== undefined) options.seriesColumn = flags.seriesCol;
  if (flags.memoryCol !== undefined) options.memoryColumn = flags.memoryCol;
  if (flags.memoryUnit !== undefined) options.memoryUnit = oneOf(flags.memoryUnit, Object.keys(MEMORY_UNITS), '--memory-unit') as MemoryUnit;
  if (flags.timeUnit !== undefined) options.timeUnit = oneOf(flags.timeUnit, Object.keys(CSV_TIME_UNITS), '--time-unit') as CsvTimeUnit;
  if (flags.delimiter !== undefined) {
    const delimiter = flags.delimiter === 'tab' || flags.delimiter === '\\t' ? '\t' : flags.delimiter;
    if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') throw new InputError(`must be one character other than a quote or a line break, got "${flags.delimiter}"`, { key: '--delimiter' });
    options.delimiter = delimiter;
  }
  if (flags.header === false) options.header = false;
  return options;
}

/** The csv-only flags given with another format: refused rather than ignored. */
function refuseCsvFlags(flags: CsvFlags): void {
  const only: Array<[keyof CsvFlags, string]> = [['timeCol', '--time-col'], ['valueCol', '--value-col'], ['unit', '--unit'], ['seriesCol', '--series-col'], ['memoryCol', '--memory-col']];
  for (const [field, key] of only) if (flags[field] !== undefined) throw new InputError('applies to --from csv only', { key });
  if (flags.header === false) throw new InputError('applies to --from csv only', { key: '--no-header' });
}

function oneOf(text: string, allowed: readonly string[], key: string): string {
  if (!allowed.includes(text)) throw new InputError(`must be one of ${allowed.join(', ')}, got "${text}"`, { key });
  return text;
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
