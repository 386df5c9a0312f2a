/**
 * Any CSV of CPU samples (`--from csv`): a time column, a CPU column in percent, cores or
 * millicores, and either a series column (many series in one file) or one series per file.
 * Parsed by csv-parse, so quoted fields, a byte-order mark and CRLF line ends are read as CSV
 * tools write them.
 *
 * - Columns are named by their header text (case and surrounding spaces ignored) or, with
 *   `--no-header` or when no header cell has that text, by 1-based number (`--time-col 1`).
 * - Time: a number in `--time-unit` (`s` by default, `ms`, `us`), or an RFC 3339 / ISO 8601 date
 *   (`2024-03-01T10:00:00Z`, `2024-03-01 10:00:00`; no zone = UTC). Rows are shifted so the
 *   earliest row of all inputs is at 0; the trace records `# start:` when the times are dates or
 *   Unix time (10⁹ s, September 2001, or later).
 * - Value: `--unit percent` (of `--cores`, default 1; a trailing `%` is allowed), `cores` or
 *   `millicores`; memory optionally from `--memory-col` in `--memory-unit` (default bytes).
 * - Series: `--series-col NAME`, else `--name`, else the file name without extension(s).
 *
 * Refused with file and line: a missing column, a row with another number of fields than the
 * header (or the first row), a row without the column, a time or value that
 * is not a number (or a date), a negative value, a time earlier than the row before it (sort the
 * file by time first). An empty value cell skips the row (warning `empty value`).
 *
 * @example
 * // time,vm,cpu_percent / 2024-03-01T00:00:00Z,web 1,50 / 2024-03-01T00:01:00Z,web 1,75
 * // --time-col time --series-col vm --value-col cpu_percent --unit percent --cores 2
 * // → 0,web 1,1 / 60,web 1,1.5 with `# start: 2024-03-01T00:00:00.000Z`
 */
import { InputError } from '../../scenario/errors.js';
import { parseDecimal } from '../../load/trace-format.js';
import type { Micros } from '../../kernel/time.js';
import { CsvReader, seriesNameOf } from './input.js';
import { parseTimestamp } from './timestamps.js';
import type { ImportedRow, Importer, ImportOptions, ImportWarnings } from './types.js';

export const CSV_UNITS = ['percent', 'cores', 'millicores'] as const;
export type CsvUnit = (typeof CSV_UNITS)[number];

export const CSV_TIME_UNITS = { s: 1_000_000, ms: 1_000, us: 1 } as const;
export type CsvTimeUnit = keyof typeof CSV_TIME_UNITS;

export const MEMORY_UNITS = { bytes: 1, KB: 1e3, MB: 1e6, GB: 1e9, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 } as const;
export type MemoryUnit = keyof typeof MEMORY_UNITS;

/** Times from here on (µs) are taken as wall-clock (Unix time): 10⁹ s is 2001-09-09. */
const WALL_CLOCK_FROM: Micros = 1e15;

/** The generic CSV options of `ImportOptions`, as `--from csv` needs them. */
export interface CsvImportOptions {
  timeColumn: string;
  valueColumn: string;
  unit: CsvUnit;
  seriesColumn?: string;
  memoryColumn?: string;
  memoryUnit?: MemoryUnit;
  timeUnit?: CsvTimeUnit;
  delimiter?: string;
  /** False: the first row is data and columns are 1-based numbers. Default true. */
  header?: boolean;
}

export const csvImporter: Importer = {
  format: 'csv',
  summary: 'any CSV: --time-col, --value-col, --unit percent|cores|millicores, --series-col or one series per file',
  absoluteTime: true,
  wallClock: (origin) => origin >= WALL_CLOCK_FROM,
  memory: (options) => options.csv?.memoryColumn !== undefined,
  read: readCsv,
};

/** Column indexes of one input. */
interface Columns {
  time: number;
  value: number;
  series: number;
  memory: number;
  width: number;
}

function* readCsv(input: string, options: ImportOptions, warnings: ImportWarnings): Generator<ImportedRow> {
  const spec = options.csv;
  if (spec === undefined) throw new InputError('--from csv needs --time-col, --value-col and --unit', { key: '--from' });
  const reader = new CsvReader(input, { delimiter: spec.delimiter ?? ',', fields: spec.header === false ? '(as on the first row)' : '(as in the header)' }, options.readBytes);
  const file = reader.file;
  const fixedName = options.name ?? seriesNameOf(input, true);
  const keep = options.series === undefined ? null : new Set(options.series);
  const perCore = valueScale(spec.unit, options.cores ?? 1);
  const timeScale = CSV_TIME_UNITS[spec.timeUnit ?? 's'];
  const memoryScale = MEMORY_UNITS[spec.memoryUnit ?? 'bytes'];
  try {
    let first = reader.next();
    if (first === null) throw new InputError('empty CSV file', { file, line: 1 });
    const columns = columnsOf(spec, spec.header === false ? null : first, file, reader.lineNumber);
    if (spec.header !== false) first = reader.next();
    const lastTimeOf = new Map<string, Micros>();
    let lastTime = -Infinity;
    let rows = 0;
    for (let fields = first; fields !== null; fields = reader.next()) {
      if (fields.length === 1 && fields[0] === '') continue;
      const where = { file, line: reader.lineNumber };
      if (fields.length < columns.width) throw new InputError(`expected at least ${columns.width} fields, found ${fields.length}`, where);
      const time = timeOf(fields[columns.time]!, timeScale, where);
      if (time < lastTime) throw new InputError('time earlier than the row before (rows must be in time order: sort the file by its time column first)', where);
      lastTime = time;
      rows++;
      const series = columns.series < 0 ? fixedName : fields[columns.series]!;
      if (series === '') throw new InputError('empty series name', where);
      if (keep !== null && !keep.has(series)) continue;
      const valueText = fields[columns.value]!;
      if (valueText === '') {
        warnings.add('empty value (row skipped)', `${file}:${reader.lineNumber}`);
        continue;
      }
      const cores = valueOf(valueText, spec.unit, where) * perCore;
      const memory = columns.memory < 0 || fields[columns.memory] === '' ? NaN : valueOf(fields[columns.memory]!, 'cores', where) * memoryScale;
      if (lastTimeOf.get(series) === time) warnings.add('duplicate timestamp', `${file}:${reader.lineNumber}`);
      lastTimeOf.set(series, time);
      yield { time, series, cores, memory };
    }
    if (rows === 0) throw new InputError('the CSV file has no data rows', { file, line: reader.lineNumber + 1 });
  } finally {
    reader.close();
  }
}

/** Cores per unit of the value column. @example valueScale('percent', 4) // 0.04 */
export function valueScale(unit: CsvUnit, cores: number): number {
  return unit === 'percent' ? cores / 100 : unit === 'millicores' ? 1 / 1000 : 1;
}

/** Indexes of the columns the options name, from the header row (or numbers without one). */
function columnsOf(spec: CsvImportOptions, header: string[] | null, file: string, line: number): Columns {
  const find = (text: string, flag: string): number => {
    const wanted = text.trim().toLowerCase();
    if (header !== null) {
      const index = header.findIndex((h) => h.trim().toLowerCase() === wanted);
      if (index >= 0) return index;
    }
    if (/^[1-9]\d*$/.test(wanted)) return Number(wanted) - 1;
    const found = header === null ? 'with --no-header, name columns by number (1 = first)' : `the header has: ${header.join(' | ')}`;
    throw new InputError(`no column "${text}" for ${flag} (${found})`, { file, line });
  };
  const time = find(spec.timeColumn, '--time-col');
  const value = find(spec.valueColumn, '--value-col');
  const series = spec.seriesColumn === undefined ? -1 : find(spec.seriesColumn, '--series-col');
  const memory = spec.memoryColumn === undefined ? -1 : find(spec.memoryColumn, '--memory-col');
  return { time, value, series, memory, width: Math.max(time, value, series, memory) + 1 };
}

/** A time cell → µs: a number in the time unit, else a date. */
function timeOf(text: string, scale: number, where: { file: string; line: number }): Micros {
  const number = parseDecimal(text, 0, text.length);
  if (!Number.isNaN(number)) return Math.round(number * scale);
  const date = parseTimestamp(text);
  if (Number.isNaN(date)) throw new InputError(`time "${text.slice(0, 40)}" is neither a number nor an ISO 8601 date`, where);
  return date;
}

/** A value cell → a number ≥ 0 (a trailing `%` allowed for percent). */
function valueOf(text: string, unit: CsvUnit, where: { file: string; line: number }): number {
  const body = unit === 'percent' && text.endsWith('%') ? text.slice(0, -1).trimEnd() : text;
  const value = parseDecimal(body, 0, body.length);
  if (Number.isNaN(value)) throw new InputError(`"${text.slice(0, 40)}" is not a number`, where);
  if (value < 0) throw new InputError(`value ${value} is negative`, where);
  return value;
}
