/**
 * The canonical trace format (documented for users in docs/TRACES.md): what every importer
 * writes and the simulator replays.
 *
 * ```
 * # scalelab-trace: 1
 * # source: albatross-stats (albatross-client stats)
 * # interval: 10s
 * # units: cpu_cores, memory_bytes
 * time_s,series,cpu_cores,memory_bytes
 * 0,alice:web,0.25,104857600
 * 0,alice:db,1.5,
 * 10,alice:web,0.31,104861696
 * ```
 *
 * - Optional leading `# key: value` comment lines carry metadata; any other `#` line, and
 *   every blank line, is ignored wherever it appears.
 * - A header row names the columns: time (`time_s`, `time_ms`, `time_us`; `time` = seconds),
 *   series (`series`; alias `workload`), CPU demand (`cpu_cores`; alias `demand_cores`;
 *   `cpu_millicores`) and optionally memory (`memory_bytes`), in any order. A column with a known
 *   quantity but another unit (`cpu_percent`, `memory_kb` …) is refused as an unknown unit.
 * - One row per sample. Times are relative to the trace start and never decrease down the file
 *   (rows of all series interleaved); demand is ≥ 0; memory may be left empty.
 * - Fields are separated by `,`. A field may be enclosed in double quotes, with `""` for a quote
 *   inside (RFC 4180), so series names may contain commas; a quoted field cannot span lines.
 *
 * This module parses headers and rows; `trace.ts` replays them, `traces/writer.ts` writes them.
 */
import { InputError } from '../scenario/errors.js';
import { DurationError, parseDuration, type Micros } from '../kernel/time.js';

export const TRACE_FORMAT_VERSION = 1;

/** Metadata from the leading `# key: value` lines (keys lower-cased). */
export interface TraceMetadata {
  /** `scalelab-trace`: format version. */
  version: number | null;
  source: string | null;
  /** `interval`: nominal sampling interval. */
  interval: Micros | null;
  /** `units`: value units declared, e.g. ['cpu_cores', 'memory_bytes']. */
  units: string[];
  /** Every key as written, including the ones above. */
  all: Record<string, string>;
}

/** Where each column is and how to convert it. */
export interface TraceColumns {
  /** Number of fields per row. */
  count: number;
  time: number;
  series: number;
  cpu: number;
  /** −1 when the trace has no memory column. */
  memory: number;
  /** Microseconds per unit of the time column. */
  timeScale: number;
  /** Cores per unit of the CPU column. */
  cpuScale: number;
  names: string[];
}

/** A row as parsed: reused from row to row (no allocation but the series name). */
export interface TraceRow {
  time: Micros;
  series: string;
  cores: number;
  /** NaN when not recorded. */
  memory: number;
}

const TIME_UNITS: Record<string, number> = { time: 1_000_000, time_s: 1_000_000, time_ms: 1_000, time_us: 1 };
const SERIES_NAMES = new Set(['series', 'workload']);
const CPU_UNITS: Record<string, number> = { cpu_cores: 1, demand_cores: 1, cpu_millicores: 0.001 };
const MEMORY_UNITS: Record<string, number> = { memory_bytes: 1 };
/** Units a `# units:` line may declare. */
export const KNOWN_UNITS = new Set(['seconds', 's', 'cpu_cores', 'cores', 'cpu_millicores', 'memory_bytes', 'bytes']);

/**
 * Read the metadata of the leading comment lines.
 *
 * @example parseMetadataLine('# interval: 10s') // ['interval', '10s']
 */
export function parseMetadataLine(line: string): [string, string] | null {
  const match = /^#\s*([A-Za-z][\w.-]*)\s*:\s*(.*?)\s*$/.exec(line);
  return match ? [match[1]!.toLowerCase(), match[2]!] : null;
}

/** Interpret the collected `# key: value` pairs; `lineOf` gives the line of each key for errors. */
export function interpretMetadata(all: Record<string, string>, file: string, lineOf: Record<string, number>): TraceMetadata {
  const meta: TraceMetadata = { version: null, source: all['source'] ?? null, interval: null, units: [], all };
  const at = (key: string) => ({ file, line: lineOf[key], key });
  const version = all['scalelab-trace'];
  if (version !== undefined) {
    if (version.trim() !== String(TRACE_FORMAT_VERSION)) {
      throw new InputError(`unsupported trace format version "${version}" (this scalelab reads version ${TRACE_FORMAT_VERSION})`, at('scalelab-trace'));
    }
    meta.version = TRACE_FORMAT_VERSION;
  }
  const interval = all['interval'];
  if (interval !== undefined) {
    try {
      meta.interval = parseDuration(interval);
    } catch (error) {
      if (error instanceof DurationError) throw new InputError(error.message, at('interval'));
      throw error;
    }
    if (!(meta.interval > 0)) throw new InputError(`interval must be positive, got "${interval}"`, at('interval'));
  }
  const units = all['units'];
  if (units !== undefined) {
    meta.units = units.split(/[\s,]+/).filter((u) => u !== '');
    for (const unit of meta.units) {
      if (!KNOWN_UNITS.has(unit)) throw new InputError(`unknown unit "${unit}" (known: ${[...KNOWN_UNITS].join(', ')})`, at('units'));
    }
  }
  return meta;
}

/**
 * Work out the columns from the header row.
 *
 * @example parseHeader('time_s,series,cpu_cores', 'f.csv', 1).cpu // 2
 */
export function parseHeader(line: string, file: string, lineNumber: number): TraceColumns {
  const names = splitFields(line, file, lineNumber).map((n) => n.trim().toLowerCase());
  const columns: TraceColumns = { count: names.length, time: -1, series: -1, cpu: -1, memory: -1, timeScale: 0, cpuScale: 0, names };
  const where = { file, line: lineNumber };
  const take = (current: number, index: number, what: string): number => {
    if (current >= 0) throw new InputError(`header has two ${what} columns ("${names[current]}" and "${names[index]}")`, where);
    return index;
  };
  names.forEach((name, i) => {
    if (name in TIME_UNITS) {
      columns.time = take(columns.time, i, 'time');
      columns.timeScale = TIME_UNITS[name]!;
    } else if (SERIES_NAMES.has(name)) {
      columns.series = take(columns.series, i, 'series');
    } else if (name in CPU_UNITS) {
      columns.cpu = take(columns.cpu, i, 'CPU');
      columns.cpuScale = CPU_UNITS[name]!;
    } else if (name in MEMORY_UNITS) {
      columns.memory = take(columns.memory, i, 'memory');
    } else {
      throw new InputError(unknownColumnMessage(name), where);
    }
  });
  const missing = [
    columns.time < 0 ? 'time (time_s)' : '',
    columns.series < 0 ? 'series' : '',
    columns.cpu < 0 ? 'CPU demand (cpu_cores)' : '',
  ].filter((m) => m !== '');
  if (missing.length > 0) {
    throw new InputError(
      `header "${line}" lacks ${missing.join(', ')}: expected time_s,series,cpu_cores[,memory_bytes] (or time,workload,demand_cores)`,
      where,
    );
  }
  return columns;
}

function unknownColumnMessage(name: string): string {
  const quantity = /^(time|cpu|demand|memory|mem)_(.*)$/.exec(name);
  if (quantity) {
    const known = { time: 'time_s, time_ms, time_us', cpu: 'cpu_cores, cpu_millicores', demand: 'demand_cores', memory: 'memory_bytes', mem: 'memory_bytes' }[
      quantity[1] as 'time' | 'cpu' | 'demand' | 'memory' | 'mem'
    ];
    return `unknown unit "${quantity[2]}" in column "${name}" (known: ${known}; convert other units with "scalelab trace import")`;
  }
  return `unknown column "${name}" (expected time_s, series, cpu_cores and optionally memory_bytes)`;
}

/**
 * Parse one data row into `row` (reused). Throws `InputError` naming the file and line for a
 * wrong column count, a value that is not a plain decimal number, a negative time or demand.
 */
export function parseRow(line: string, columns: TraceColumns, row: TraceRow, file: string, lineNumber: number): void {
  let time: number;
  let cpu: number;
  let memory = NaN;
  let series: string;
  if (columns.count === 3 && columns.time === 0 && columns.series === 1 && columns.cpu === 2 && line.indexOf('"') < 0) {
    // fast path: the canonical column order, no quoting
    const a = line.indexOf(',');
    const b = a < 0 ? -1 : line.indexOf(',', a + 1);
    if (b < 0 || line.indexOf(',', b + 1) >= 0) throw wrongCount(line, columns, file, lineNumber);
    time = parseDecimal(line, 0, a);
    series = line.slice(a + 1, b);
    cpu = parseDecimal(line, b + 1, line.length);
  } else {
    const fields = splitFields(line, file, lineNumber);
    if (fields.length !== columns.count) throw wrongCount(line, columns, file, lineNumber);
    time = parseDecimal(fields[columns.time]!, 0, fields[columns.time]!.length);
    series = fields[columns.series]!;
    cpu = parseDecimal(fields[columns.cpu]!, 0, fields[columns.cpu]!.length);
    if (columns.memory >= 0 && fields[columns.memory] !== '') {
      memory = parseDecimal(fields[columns.memory]!, 0, fields[columns.memory]!.length);
      if (!(memory >= 0 && memory < Infinity)) throw badValue('memory', fields[columns.memory]!, columns, file, lineNumber);
    }
  }
  if (!(time >= 0 && time < Infinity)) throw badValue('time', fieldOf(line, columns.time, file, lineNumber), columns, file, lineNumber);
  if (!(cpu >= 0 && cpu < Infinity)) throw badValue('cpu', fieldOf(line, columns.cpu, file, lineNumber), columns, file, lineNumber);
  if (series === '') throw new InputError('empty series name', { file, line: lineNumber });
  row.time = Math.round(time * columns.timeScale);
  row.series = series;
  row.cores = cpu * columns.cpuScale;
  row.memory = memory;
}

function fieldOf(line: string, index: number, file: string, lineNumber: number): string {
  return splitFields(line, file, lineNumber)[index] ?? '';
}

function wrongCount(line: string, columns: TraceColumns, file: string, lineNumber: number): InputError {
  const got = splitFields(line, file, lineNumber).length;
  // the line itself is not quoted: a file that is no trace (read with --allow-outside) is not echoed
  return new InputError(`expected ${columns.count} fields (${columns.names.join(',')}), found ${got}`, { file, line: lineNumber });
}

function badValue(what: 'time' | 'cpu' | 'memory', text: string, columns: TraceColumns, file: string, lineNumber: number): InputError {
  const name = columns.names[what === 'time' ? columns.time : what === 'cpu' ? columns.cpu : columns.memory];
  const number = parseDecimal(text, 0, text.length);
  const why = Number.isNaN(number) ? 'is not a number' : number === Infinity ? 'is too large' : 'is negative';
  return new InputError(`"${clip(text)}" ${why}`, { file, line: lineNumber, key: name });
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * Split a CSV line into fields: `,`-separated, RFC 4180 double quotes honoured.
 *
 * @example splitFields('1,"a,b",2', 'f', 1) // ['1', 'a,b', '2']
 */
export function splitFields(line: string, file: string, lineNumber: number): string[] {
  if (line.indexOf('"') < 0) return line.split(',');
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line.charCodeAt(i) === 34) {
      let value = '';
      let j = i + 1;
      for (;;) {
        const quote = line.indexOf('"', j);
        if (quote < 0) throw new InputError('unterminated quoted field', { file, line: lineNumber });
        value += line.slice(j, quote);
        if (line.charCodeAt(quote + 1) === 34) {
          value += '"';
          j = quote + 2;
        } else {
          i = quote + 1;
          break;
        }
      }
      fields.push(value);
      if (i === line.length) return fields;
      if (line.charCodeAt(i) !== 44) throw new InputError('text after a closing quote', { file, line: lineNumber });
      i++;
    } else {
      const comma = line.indexOf(',', i);
      if (comma < 0) {
        fields.push(line.slice(i));
        return fields;
      }
      fields.push(line.slice(i, comma));
      i = comma + 1;
    }
  }
}

const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * Parse a plain decimal number (`12`, `-0.5`, `3.25e-3`, surrounding spaces allowed) from
 * `text[start, end)`; NaN for anything else (empty, `0x10`, `Infinity`, `1,5` …). Exact: the
 * common short forms are computed as integer / 10^k, which rounds correctly; others go to `Number`.
 *
 * @example parseDecimal('t=12.5', 2, 6) // 12.5
 */
export function parseDecimal(text: string, start: number, end: number): number {
  while (start < end && text.charCodeAt(start) === 32) start++;
  while (end > start && text.charCodeAt(end - 1) === 32) end--;
  let i = start;
  let negative = false;
  const first = text.charCodeAt(i);
  if (first === 45 || first === 43) {
    negative = first === 45;
    i++;
  }
  let mantissa = 0;
  let digits = 0;
  let fraction = 0;
  let dot = false;
  for (; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code >= 48 && code <= 57) {
      mantissa = mantissa * 10 + (code - 48);
      digits++;
      if (dot) fraction++;
    } else if (code === 46 && !dot) {
      dot = true;
    } else {
      break;
    }
  }
  if (digits === 0) return NaN;
  if (i === end) {
    if (digits <= 15 && fraction <= 22) {
      const value = fraction === 0 ? mantissa : mantissa / POWERS_OF_TEN[fraction]!;
      return negative ? -value : value;
    }
    return Number(text.slice(start, end));
  }
  const code = text.charCodeAt(i);
  if (code !== 101 && code !== 69) return NaN; // only an exponent may follow
  return /^[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+$/.test(text.slice(start, end)) ? Number(text.slice(start, end)) : NaN;
}
