/**
 * `scalelab trace import --from FORMAT IN… -o OUT`: read inputs of one format, merge them by time
 * and write one canonical trace (docs/TRACES.md), streaming: memory holds one buffer and one
 * pending row per input, plus per-series state for the counter formats.
 *
 * Time base: formats that know wall-clock times (`absoluteTime`) are written relative to the
 * earliest first row over all inputs, recorded as `# start:`; the others (PlanetLab, Azure) keep
 * their own relative times.
 *
 * @example
 * const summary = importTrace({ format: 'planetlab', inputs: ['a', 'b'], output: 'pl.csv', options: { cores: 2 } });
 * summary.rows // 576
 */
import * as path from 'node:path';
import { InputError } from '../../scenario/errors.js';
import { formatDuration, type Micros } from '../../kernel/time.js';
import { TraceWriter } from '../writer.js';
import { checkOutputFile, refuseInputAsOutput } from '../../files/outputs.js';
import { isoTime } from './timestamps.js';
import { chunkBytesFor, displayName, STDIN } from './input.js';
import { ImportWarnings, type ImportedRow, type Importer, type ImportOptions } from './types.js';
import { planetlab } from './planetlab.js';
import { bitbrains } from './bitbrains.js';
import { azure } from './azure.js';
import { albatrossStats, albatrossStatsJson } from './albatross.js';
import { incusResources, incusState } from './incus.js';
import { openmetrics } from './openmetrics.js';
import { csvImporter } from './csv.js';

export { ImportWarnings, type ImportedRow, type Importer, type ImportOptions } from './types.js';

/** Every format `--from` accepts. */
export const IMPORTERS: readonly Importer[] = [albatrossStats, albatrossStatsJson, incusState, incusResources, openmetrics, planetlab, bitbrains, azure, csvImporter];

export function importerFor(format: string): Importer {
  const importer = IMPORTERS.find((i) => i.format === format);
  if (!importer) throw new InputError(`unknown trace format "${format}" (known: ${IMPORTERS.map((i) => i.format).join(', ')})`, { key: '--from' });
  return importer;
}

export interface ImportRequest {
  format: string;
  inputs: string[];
  output: string;
  options?: ImportOptions;
}

export interface ImportSummary {
  output: string;
  format: string;
  inputs: number;
  rows: number;
  series: number;
  /** Trace time of the first and last row, µs. */
  first: Micros;
  last: Micros;
  /** Wall-clock time of trace time 0, when the format knows it. */
  start: string | null;
  /** Repairs made by documented rules, by kind. */
  warnings: ImportWarnings;
}

/** Import `inputs` into one canonical trace at `output` (see the module comment). */
export function importTrace(request: ImportRequest): ImportSummary {
  const importer = importerFor(request.format);
  const options = request.options ?? {};
  if (request.inputs.length === 0) throw new InputError('no input files', { key: 'IN' });
  checkOutputFile(request.output, '-o');
  refuseInputAsOutput([request.output], [...request.inputs.filter((f) => f !== STDIN), ...(options.vmtable !== undefined ? [options.vmtable] : [])], '-o');
  if (request.inputs.filter((f) => f === STDIN).length > 1) throw new InputError('standard input ("-") can be given only once', { key: 'IN' });
  const readOptions: ImportOptions = { ...options, readBytes: options.readBytes ?? chunkBytesFor(request.inputs.length) };
  const warnings = new ImportWarnings();
  const streams = request.inputs.map((file) => importer.read(file, readOptions, warnings)[Symbol.iterator]());
  const merge = new TimeMerge(streams, request.inputs.map(displayName));
  const origin = importer.absoluteTime ? merge.firstTime() : 0;
  const start = importer.absoluteTime && Number.isFinite(origin) && (importer.wallClock?.(origin) ?? true) ? isoTime(origin) : null;
  const interval = options.interval ?? importer.interval;
  const writer = new TraceWriter(request.output, {
    source: `${importer.format} (${importer.summary}): ${describeInputs(request.inputs)}`,
    ...(interval !== undefined ? { interval: formatDuration(interval) } : {}),
    ...(start !== null ? { start } : {}),
    memory: typeof importer.memory === 'function' ? importer.memory(options) : importer.memory,
    extra: { 'imported-by': 'scalelab trace import' },
  });
  const series = new Set<string>();
  let first = NaN;
  let last = NaN;
  let done = false;
  try {
    for (let row = merge.next(); row !== null; row = merge.next()) {
      const time = row.time - origin;
      if (row.comment !== undefined) {
        writer.comment(row.comment);
        continue;
      }
      writer.row(time, row.series, row.cores, row.memory);
      series.add(row.series);
      if (Number.isNaN(first)) first = time;
      last = time;
    }
    if (writer.rows === 0) throw new InputError('the inputs gave no samples', { file: displayName(request.inputs[0]!) });
    writer.close();
    done = true;
  } finally {
    if (!done) writer.abort();
    for (const stream of streams) stream.return?.();
  }
  return {
    output: request.output,
    format: importer.format,
    inputs: request.inputs.length,
    rows: writer.rows,
    series: series.size,
    first,
    last,
    start,
    warnings,
  };
}

/** The summary as the CLI prints it. */
export function formatImportSummary(summary: ImportSummary): string {
  const lines = [
    `wrote ${summary.output}: ${summary.rows} rows, ${summary.series} series from ${summary.inputs} ${summary.format} input(s)`,
    `  trace time ${formatDuration(summary.first)} … ${formatDuration(summary.last)}${summary.start ? `, starting ${summary.start}` : ''}`,
  ];
  if (summary.warnings.total > 0) {
    lines.push(`  ${summary.warnings.total} repair(s) by documented rules (docs/TRACES.md):`);
    for (const line of summary.warnings.lines()) lines.push(`    ${line}`);
  }
  return lines.join('\n');
}

function describeInputs(inputs: string[]): string {
  const names = inputs.map((f) => (f === STDIN ? displayName(f) : path.basename(f)));
  return names.length <= 3 ? names.join(', ') : `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`;
}

/**
 * k-way merge of per-input row streams by time (ties: input order, then stream order). Each
 * input must be in non-decreasing time itself (the importers check, with line numbers). The
 * current row of each input sits in a binary heap keyed by (time, input), so a row costs
 * O(log inputs): thousands of PlanetLab files merge as fast as a few.
 */
export class TimeMerge {
  private readonly heads: Array<ImportedRow | null>;
  /** Input indexes ordered as a min-heap on (head time, input index). */
  private readonly heap: Int32Array;
  private size = 0;

  constructor(
    private readonly streams: Iterator<ImportedRow>[],
    private readonly names: string[],
  ) {
    this.heads = streams.map((s) => pull(s));
    this.heap = new Int32Array(streams.length);
    for (let i = 0; i < streams.length; i++) if (this.heads[i] !== null) this.push(i);
  }

  /** Earliest first time over the inputs (Infinity when all are empty). */
  firstTime(): Micros {
    return this.size === 0 ? Infinity : this.heads[this.heap[0]!]!.time;
  }

  next(): ImportedRow | null {
    if (this.size === 0) return null;
    const best = this.heap[0]!;
    const row = this.heads[best]!;
    const following = pull(this.streams[best]!);
    if (following && following.time < row.time) {
      throw new InputError(`rows out of time order in ${this.names[best]} (importer bug)`, { file: this.names[best]! });
    }
    this.heads[best] = following;
    if (following === null) {
      this.heap[0] = this.heap[--this.size]!;
    }
    this.siftDown(0);
    return row;
  }

  /** Whether input a's head comes before input b's. */
  private before(a: number, b: number): boolean {
    const ta = this.heads[a]!.time;
    const tb = this.heads[b]!.time;
    return ta < tb || (ta === tb && a < b);
  }

  private push(input: number): void {
    let at = this.size++;
    this.heap[at] = input;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (!this.before(this.heap[at]!, this.heap[parent]!)) break;
      this.swap(at, parent);
      at = parent;
    }
  }

  private siftDown(at: number): void {
    for (;;) {
      const left = 2 * at + 1;
      if (left >= this.size) return;
      const right = left + 1;
      const child = right < this.size && this.before(this.heap[right]!, this.heap[left]!) ? right : left;
      if (!this.before(this.heap[child]!, this.heap[at]!)) return;
      this.swap(at, child);
      at = child;
    }
  }

  private swap(a: number, b: number): void {
    const t = this.heap[a]!;
    this.heap[a] = this.heap[b]!;
    this.heap[b] = t;
  }
}

function pull(stream: Iterator<ImportedRow>): ImportedRow | null {
  const next = stream.next();
  return next.done ? null : next.value;
}
