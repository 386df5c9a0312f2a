/**
 * Writing the canonical trace format (see src/load/trace-format.ts and docs/TRACES.md),
 * streamed: rows are buffered in memory up to 256 KiB and appended to a temporary file in the
 * same folder (src/files/atomic.ts), so an importer's memory does not grow with its output;
 * `close()` renames it into place, `abort()` removes it, so a failed import leaves the previous
 * file as it was and no half trace.
 *
 * @example
 * const out = new TraceWriter('web.csv', { source: 'hand-made', interval: '10s', memory: false });
 * out.row(0, 'web', 0.25);
 * out.row(10_000_000, 'web', 0.5);
 * out.close(); // renames into place: # scalelab-trace: 1 … time_s,series,cpu_cores / 0,web,0.25 / 10,web,0.5
 */
import { AtomicFile } from '../files/atomic.js';
import type { Micros } from '../kernel/time.js';
import { TRACE_FORMAT_VERSION } from '../load/trace-format.js';
import { InputError } from '../scenario/errors.js';

export interface TraceHeader {
  /** Where the data came from (free text), e.g. `planetlab (CoMon, 10 files)`. */
  source: string;
  /** Nominal sampling interval as a duration string (`10s`, `5m`), if known. */
  interval?: string;
  /** Wall-clock time of trace time 0 (ISO 8601), if known. */
  start?: string;
  /** Whether rows carry a memory_bytes column. */
  memory: boolean;
  /** More `# key: value` lines (values on one line). */
  extra?: Record<string, string>;
}

const FLUSH_BYTES = 256 * 1024;

export class TraceWriter {
  rows = 0;
  private readonly out: AtomicFile;
  private pending: string[] = [];
  private pendingBytes = 0;
  private readonly memory: boolean;

  constructor(
    readonly file: string,
    header: TraceHeader,
  ) {
    this.out = new AtomicFile(file);
    this.memory = header.memory;
    this.pending.push(formatPreamble(header));
  }

  /** Append one sample; `memory` is written only when the header asked for a memory column (NaN → empty). */
  row(time: Micros, series: string, cores: number, memory = NaN): void {
    const text = this.memory
      ? `${formatSeconds(time)},${quoteField(series)},${formatCores(cores)},${Number.isNaN(memory) ? '' : Math.round(memory)}\n`
      : `${formatSeconds(time)},${quoteField(series)},${formatCores(cores)}\n`;
    this.pending.push(text);
    this.pendingBytes += text.length;
    this.rows++;
    if (this.pendingBytes >= FLUSH_BYTES) this.flush();
  }

  /** Append a `# text` comment line (ignored by replay; e.g. facts about a host). */
  comment(text: string): void {
    const line = `# ${oneLine(text)}\n`;
    this.pending.push(line);
    this.pendingBytes += line.length;
  }

  /** Write what is buffered to the file. */
  flush(): void {
    if (this.pending.length === 0) return;
    this.out.write(this.pending.join(''));
    this.out.flush();
    this.pending = [];
    this.pendingBytes = 0;
  }

  /** Write everything and move the file into place. */
  close(): void {
    this.flush();
    this.out.commit();
  }

  /** Remove the temporary file; the file at `file` stays as it was. */
  abort(): void {
    this.out.abort();
  }
}

/** The metadata comment lines and the header row. */
export function formatPreamble(header: TraceHeader): string {
  const lines = [`# scalelab-trace: ${TRACE_FORMAT_VERSION}`, `# source: ${oneLine(header.source)}`];
  if (header.interval) lines.push(`# interval: ${header.interval}`);
  if (header.start) lines.push(`# start: ${header.start}`);
  lines.push(`# units: ${header.memory ? 'cpu_cores, memory_bytes' : 'cpu_cores'}`);
  for (const [key, value] of Object.entries(header.extra ?? {})) lines.push(`# ${key}: ${oneLine(value)}`);
  lines.push(header.memory ? 'time_s,series,cpu_cores,memory_bytes' : 'time_s,series,cpu_cores');
  return lines.join('\n') + '\n';
}

function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ');
}

/**
 * Microseconds as exact decimal seconds, shortest form.
 *
 * @example formatSeconds(1_500_000) // '1.5'
 * @example formatSeconds(300_000_000) // '300'
 */
export function formatSeconds(us: Micros): string {
  const whole = Math.trunc(us / 1_000_000);
  const rest = Math.abs(us - whole * 1_000_000);
  if (rest === 0) return String(whole);
  const sign = us < 0 && whole === 0 ? '-' : '';
  return `${sign}${whole}.${String(rest).padStart(6, '0').replace(/0+$/, '')}`;
}

/**
 * Cores with at most 6 decimals (a micro-core), no trailing zeros.
 *
 * @example formatCores(0.7333333333) // '0.733333'
 */
export function formatCores(cores: number): string {
  return String(Math.round(cores * 1e6) / 1e6);
}

/**
 * A series name as a CSV field: quoted (with `""`) only when it holds a comma, a quote or
 * surrounding spaces.
 *
 * @example quoteField('a,b') // '"a,b"'
 */
export function quoteField(text: string): string {
  if (/[\r\n]/.test(text)) throw new InputError(`series name ${JSON.stringify(text)} contains a line break`);
  return /[",]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
