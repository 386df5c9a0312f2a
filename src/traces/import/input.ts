/**
 * Importer input as people have it: a path, a gzip-compressed file (recognised by its first two
 * bytes, `.gz` name or not), or `-` for standard input — read synchronously in chunks, and
 * without holding a file descriptor between chunks, so an import of thousands of files (one
 * PlanetLab file per VM) never runs into the open-file limit (EMFILE): a regular file is opened,
 * read at its position and closed again for every chunk. Standard input, pipes and FIFOs cannot
 * be re-opened at a position, so they keep their descriptor (there is only ever a handful).
 *
 * Two readers sit on the bytes:
 * - `CsvReader` for the dataset formats (PlanetLab, Bitbrains, Azure, generic CSV): records from
 *   `csv-parse`, so quoting, a byte-order mark and CRLF line ends are handled the way the CSV
 *   library handles them, with the line number of each record for error messages.
 * - `ImportLines` for the line formats that are not CSV (Albatross stats text and JSON lines,
 *   Incus JSON lines, OpenMetrics text).
 *
 * The canonical-trace replay does not use either: it keeps its hand-written byte scanner
 * (`TraceReader.readRows` in src/load/trace-reader.ts), because it is the hot path of every
 * simulation, reads a format scalelab itself writes, and must not allocate per row. csv-parse was
 * measured 4–8× slower than the older, slower replay reader on the same file (an array and strings
 * per record); the replay is now within 2× of a bare byte loop (docs/TRACES.md §6).
 *
 * @example
 * const csv = new CsvReader('vmtable.csv.gz', { delimiter: ',' });
 * for (let fields = csv.next(); fields !== null; fields = csv.next()) console.log(csv.lineNumber, fields);
 * csv.close();
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { Parser, type Options as CsvOptions } from 'csv-parse';
import { Gunzip } from 'fflate';
import { InputError } from '../../scenario/errors.js';

/** The input name that means standard input. */
export const STDIN = '-';
/** How standard input is named in messages (`stdin:12: …`). */
export const STDIN_NAME = 'stdin';

/** Bytes read per chunk unless the import asks for less (many inputs: see `chunkBytesFor`). */
export const DEFAULT_READ_BYTES = 64 * 1024;

/**
 * Chunk size for an import of `inputs` files: memory for buffered input stays near 16 MiB
 * whatever the number of inputs (1 KiB to 64 KiB per input).
 *
 * @example chunkBytesFor(1) // 65536
 * @example chunkBytesFor(5000) // 3355
 */
export function chunkBytesFor(inputs: number): number {
  return Math.max(1024, Math.min(DEFAULT_READ_BYTES, Math.floor((16 * 1024 * 1024) / Math.max(1, inputs))));
}

/**
 * How an input is named in messages: `stdin` for `-`, the path otherwise.
 *
 * @example displayName('-') // 'stdin'
 */
export function displayName(file: string): string {
  return file === STDIN ? STDIN_NAME : file;
}

/**
 * The name a single-series input gives its series: the file name without `.gz` and, when
 * `dropExtension`, without its last extension; `stdin` for standard input.
 *
 * @example seriesNameOf('traces/vm_12.csv.gz', true) // 'vm_12'
 * @example seriesNameOf('planetlab/146-179_surfsnel_dsl_internl_net_colostate_557', false) // same name
 */
export function seriesNameOf(file: string, dropExtension: boolean): string {
  if (file === STDIN) return STDIN_NAME;
  let name = path.basename(file).replace(/\.gz$/i, '');
  if (dropExtension) name = name.replace(/\.[^.]*$/, '');
  return name;
}

/** A source of bytes: `null` at the end. */
export interface ByteSource {
  read(): Uint8Array | null;
  close(): void;
}

/** `file` (`-` = standard input) as bytes, gunzipped when it starts with the gzip magic bytes. */
export function openBytes(file: string, chunkBytes = DEFAULT_READ_BYTES): ByteSource {
  const raw = file === STDIN ? new DescriptorBytes(0, STDIN_NAME, chunkBytes, false) : openPath(file, chunkBytes);
  return new MaybeGunzip(raw, displayName(file));
}

function openPath(file: string, chunkBytes: number): ByteSource {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (error) {
    throw new InputError(`cannot open input: ${describeError(error)}`, { file });
  }
  if (stat.isDirectory()) throw new InputError('is a directory, not a trace file', { file });
  if (stat.isFile()) return new FileBytes(file, chunkBytes);
  // a pipe (`<(zcat …)`, a FIFO) streams; a device such as /dev/zero would never end
  if (!stat.isFIFO()) throw new InputError('is not a regular file (a device or socket); give a trace file, a pipe or - for standard input', { file });
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (error) {
    throw new InputError(`cannot open input: ${describeError(error)}`, { file });
  }
  return new DescriptorBytes(fd, file, chunkBytes, true);
}

/** A regular file read at a position, opened and closed again around every chunk. */
class FileBytes implements ByteSource {
  private position = 0;
  private ended = false;

  constructor(
    private readonly file: string,
    private readonly chunkBytes: number,
  ) {}

  read(): Uint8Array | null {
    if (this.ended) return null;
    let fd: number;
    try {
      fd = fs.openSync(this.file, 'r');
    } catch (error) {
      throw new InputError(`cannot open input: ${describeError(error)}`, { file: this.file });
    }
    try {
      const buffer = Buffer.allocUnsafe(this.chunkBytes);
      const got = fs.readSync(fd, buffer, 0, buffer.length, this.position);
      this.position += got;
      if (got === 0) {
        this.ended = true;
        return null;
      }
      return buffer.subarray(0, got);
    } finally {
      fs.closeSync(fd);
    }
  }

  close(): void {
    this.ended = true;
  }
}

/** Standard input, a pipe or a FIFO: read in order through a descriptor kept open. */
class DescriptorBytes implements ByteSource {
  private ended = false;

  constructor(
    private readonly fd: number,
    private readonly name: string,
    private readonly chunkBytes: number,
    private readonly owned: boolean,
  ) {}

  read(): Uint8Array | null {
    if (this.ended) return null;
    const buffer = Buffer.allocUnsafe(this.chunkBytes);
    const got = readBlocking(this.fd, buffer, this.name);
    if (got === 0) {
      this.close();
      return null;
    }
    return buffer.subarray(0, got);
  }

  close(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.owned) fs.closeSync(this.fd);
  }
}

/** `readSync` that waits out EAGAIN (a non-blocking pipe with nothing in it yet). */
function readBlocking(fd: number, buffer: Buffer, name: string): number {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      return fs.readSync(fd, buffer, 0, buffer.length, null);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        Atomics.wait(pause, 0, 0, 5);
        continue;
      }
      if (code === 'EOF') return 0;
      throw new InputError(`cannot read input: ${describeError(error)}`, { file: name });
    }
  }
}

/**
 * Passes bytes through, or gunzips them when the first two are 1f 8b. Concatenated gzip members
 * (what `cat a.gz b.gz` makes) are read one after the other. The last member's trailer (CRC-32 and
 * length) is checked, so a truncated download is refused rather than read short.
 */
class MaybeGunzip implements ByteSource {
  private decided = false;
  private gunzip: Gunzip | null = null;
  private readonly out: Uint8Array[] = [];
  private ended = false;
  /** Last 8 compressed bytes seen (the trailer once the input ends). */
  private tail = new Uint8Array(0);
  private memberCrc = 0;
  private memberBytes = 0;

  constructor(
    private readonly source: ByteSource,
    private readonly name: string,
  ) {}

  read(): Uint8Array | null {
    for (;;) {
      const ready = this.out.shift();
      if (ready !== undefined) return ready;
      if (this.ended) return null;
      let chunk = this.source.read();
      if (!this.decided) {
        // a pipe may hand over a single byte first: the magic needs two
        while (chunk !== null && chunk.length < 2) {
          const more = this.source.read();
          if (more === null) break;
          chunk = Buffer.concat([chunk, more]);
        }
        this.decided = true;
        if (chunk !== null && chunk.length >= 2 && chunk[0] === 0x1f && chunk[1] === 0x8b) this.startGunzip();
      }
      if (this.gunzip === null) {
        if (chunk === null) this.ended = true;
        return chunk;
      }
      this.inflate(chunk);
    }
  }

  close(): void {
    this.ended = true;
    this.out.length = 0;
    this.source.close();
  }

  private startGunzip(): void {
    this.gunzip = new Gunzip((data) => {
      if (data.length === 0) return;
      this.memberCrc = crc32(data, this.memberCrc);
      this.memberBytes = (this.memberBytes + data.length) % 0x1_0000_0000;
      this.out.push(data);
    });
    this.gunzip.onmember = () => {
      this.memberCrc = 0;
      this.memberBytes = 0;
    };
  }

  /** Feed one compressed chunk (`null`: the input ended) and check the trailer at the end. */
  private inflate(chunk: Uint8Array | null): void {
    try {
      if (chunk === null) {
        this.gunzip!.push(new Uint8Array(0), true);
        this.ended = true;
        this.checkTrailer();
        return;
      }
      this.keepTail(chunk);
      this.gunzip!.push(chunk, false);
    } catch (error) {
      if (error instanceof InputError) throw error;
      throw new InputError(`not a readable gzip file: ${(error as Error).message}`, { file: this.name });
    }
  }

  private keepTail(chunk: Uint8Array): void {
    const joined = new Uint8Array(Math.min(8, this.tail.length + chunk.length));
    const fromChunk = Math.min(chunk.length, joined.length);
    joined.set(this.tail.subarray(this.tail.length - (joined.length - fromChunk)), 0);
    joined.set(chunk.subarray(chunk.length - fromChunk), joined.length - fromChunk);
    this.tail = joined;
  }

  private checkTrailer(): void {
    const t = this.tail;
    const truncated = (): never => {
      throw new InputError('gzip data is truncated or damaged (length/CRC check failed): download it again', { file: this.name });
    };
    if (t.length < 8) truncated();
    const crc = (t[0]! | (t[1]! << 8) | (t[2]! << 16) | (t[3]! << 24)) >>> 0;
    const size = (t[4]! | (t[5]! << 8) | (t[6]! << 16) | (t[7]! << 24)) >>> 0;
    if (size !== this.memberBytes) truncated();
    if (crc32 !== noCrc && crc !== this.memberCrc >>> 0) truncated();
  }
}

type Crc32 = (data: Uint8Array, value: number) => number;
const noCrc: Crc32 = () => 0;
/** `zlib.crc32` (Node ≥ 20.15); without it only the length is checked. */
const crc32: Crc32 = typeof (zlib as { crc32?: Crc32 }).crc32 === 'function' ? (zlib as unknown as { crc32: Crc32 }).crc32 : noCrc;

/**
 * Lines of an input without their line ends (`\n` or `\r\n`); a UTF-8 byte-order mark is dropped.
 * For the line formats that are not CSV.
 *
 * @example
 * const lines = new ImportLines('-'); // standard input
 * for (let line = lines.next(); line !== null; line = lines.next()) console.log(lines.lineNumber, line);
 */
export class ImportLines {
  /** Number (1-based) of the line `next` returned last. */
  lineNumber = 0;
  /** The input as named in messages (`stdin` for `-`). */
  readonly file: string;
  private readonly bytes: ByteSource;
  private readonly decoder = new TextDecoder('utf-8');
  private text = '';
  private position = 0;
  private ended = false;

  constructor(file: string, chunkBytes = DEFAULT_READ_BYTES) {
    this.file = displayName(file);
    this.bytes = openBytes(file, chunkBytes);
  }

  /** The next line, or `null` at the end. */
  next(): string | null {
    for (;;) {
      const end = this.text.indexOf('\n', this.position);
      if (end >= 0) return this.take(end, end + 1);
      if (this.ended) {
        if (this.position >= this.text.length) return null;
        return this.take(this.text.length, this.text.length);
      }
      this.fill();
    }
  }

  close(): void {
    this.bytes.close();
  }

  private take(end: number, next: number): string {
    const start = this.position;
    this.position = next;
    this.lineNumber++;
    return this.text.slice(start, end > start && this.text.charCodeAt(end - 1) === 13 ? end - 1 : end);
  }

  private fill(): void {
    const chunk = this.bytes.read();
    const rest = this.text.slice(this.position);
    if (rest.length > MAX_LINE_CHARS) throw new InputError(`line longer than ${MAX_LINE_CHARS} characters`, { file: this.file, line: this.lineNumber + 1 });
    if (chunk === null) {
      this.ended = true;
      this.text = rest + this.decoder.decode();
    } else {
      this.text = rest + this.decoder.decode(chunk, { stream: true });
    }
    this.position = 0;
  }
}

const MAX_LINE_CHARS = 16 * 1024 * 1024;

/** How `CsvReader` splits fields. */
export interface CsvReadOptions {
  /** Field separator (default `,`). */
  delimiter?: string;
  /** Drop white space around unquoted fields (default true: Bitbrains puts a tab after each `;`). */
  trim?: boolean;
  /** What the fields are, for the message about a row with another number of fields (`(timestamp,vmid,…)`). */
  fields?: string;
}

/**
 * The part of csv-parse's `Parser` scalelab drives: `api.parse(chunk, end, push, close)` parses
 * a chunk synchronously and returns an error instead of throwing. It is what csv-parse's own
 * `csv-parse/sync` entry runs; it is not in the type declarations, so it is checked at run time.
 * The stream interface of `Parser` would need an event-loop turn per chunk, and importers are
 * synchronous pull iterators (the time merge pulls one row at a time from each input).
 */
interface CsvIncremental {
  parse(chunk: Buffer | undefined, end: boolean, push: (record: string[]) => void, close: () => void): Error | undefined;
  /** The parser's counters; `lines` is the line the record being pushed ends on. */
  info: { lines: number };
}

function incrementalParser(options: CsvOptions): CsvIncremental {
  const api = (new Parser(options) as unknown as { api?: Partial<CsvIncremental> }).api;
  if (typeof api?.parse !== 'function' || typeof api.info?.lines !== 'number') throw new Error('csv-parse no longer offers Parser.api.parse; scalelab needs csv-parse 5 to 7');
  return api as CsvIncremental;
}

/**
 * Bytes handed to csv-parse at a time (a sixteenth of the read chunk, 128 B to 4 KiB): bounds the
 * parsed records waiting per input, which matters when thousands of inputs wait in the merge.
 */
function parseSliceFor(chunkBytes: number): number {
  return Math.max(128, Math.min(4096, Math.floor(chunkBytes / 16)));
}

/**
 * Records of a CSV input parsed by csv-parse: RFC 4180 quoting (`""` for a quote, quoted line
 * breaks), a UTF-8 byte-order mark dropped, `\n`, `\r\n` or `\r` line ends, blank lines skipped.
 * Line numbers are csv-parse's, which counts a `\r\n` inside a quoted field as two lines: after
 * such a field, messages name a line one too far (a `\n` inside quotes counts right).
 * Every row must have the first row's number of fields (a refusal with file and line otherwise;
 * csv-parse's `relax_column_count` is not used: it builds an error object for every such row,
 * about 100 µs each).
 *
 * @example
 * const csv = new CsvReader('-'); csv.next() // ['time', 'vm', 'cpu'] from standard input
 */
export class CsvReader {
  /** Line (1-based) on which the record `next` returned last ends. */
  lineNumber = 0;
  readonly file: string;
  private readonly bytes: ByteSource;
  private readonly parser: CsvIncremental;
  private readonly records: string[][] = [];
  private readonly lines: number[] = [];
  private taken = 0;
  private pending: Uint8Array | null = null;
  private pendingAt = 0;
  private ended = false;
  private readonly slice: number;
  private readonly fields: string | undefined;

  constructor(file: string, options: CsvReadOptions = {}, chunkBytes = DEFAULT_READ_BYTES) {
    this.fields = options.fields;
    this.file = displayName(file);
    this.slice = parseSliceFor(chunkBytes);
    this.parser = incrementalParser({
      delimiter: options.delimiter ?? ',',
      bom: true,
      trim: options.trim ?? true,
      skip_empty_lines: true,
      record_delimiter: ['\r\n', '\n', '\r'],
    });
    this.bytes = openBytes(file, chunkBytes);
  }

  /** The next record's fields, or `null` at the end. */
  next(): string[] | null {
    while (this.taken >= this.records.length) {
      if (this.ended) return null;
      this.records.length = 0;
      this.lines.length = 0;
      this.taken = 0;
      this.parseMore();
    }
    this.lineNumber = this.lines[this.taken]!;
    return this.records[this.taken++]!;
  }

  close(): void {
    this.ended = true;
    this.bytes.close();
  }

  /** Parse the next slice of input (or the end of it) into `records`. */
  private parseMore(): void {
    if (this.pending === null || this.pendingAt >= this.pending.length) {
      this.pending = this.bytes.read();
      this.pendingAt = 0;
    }
    const push = (record: string[]): void => {
      this.records.push(record);
      this.lines.push(this.parser.info.lines);
    };
    let error: Error | undefined;
    if (this.pending === null) {
      this.ended = true;
      error = this.parser.parse(undefined, true, push, () => {});
    } else {
      const slice = this.pending.subarray(this.pendingAt, this.pendingAt + this.slice);
      this.pendingAt += slice.length;
      error = this.parser.parse(Buffer.from(slice.buffer, slice.byteOffset, slice.length), false, push, () => {});
    }
    if (error !== undefined) throw csvInputError(error, this.file, this.fields);
  }
}

/** A csv-parse error as one line with the file and line (csv-parse counts lines from 1). */
function csvInputError(error: Error, file: string, fields?: string): InputError {
  const info = error as Error & { code?: string; lines?: number };
  const line = typeof info.lines === 'number' ? info.lines : undefined;
  const counts = /expect (\d+), got (\d+)/.exec(error.message);
  if (info.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH' && counts !== null) {
    return new InputError(`expected ${counts[1]} fields${fields ? ` ${fields}` : ' (as on the first row)'}, found ${counts[2]}`, line !== undefined ? { file, line } : { file });
  }
  const known: Record<string, string> = {
    CSV_QUOTE_NOT_CLOSED: 'a quoted field is never closed (a " without its closing ")',
    CSV_INVALID_CLOSING_QUOTE: 'text follows a closing quote inside a field (write a quote inside a quoted field as "")',
    CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: 'text follows a closing quote inside a field (write a quote inside a quoted field as "")',
  };
  const detail = (info.code !== undefined ? known[info.code] : undefined) ?? `not valid CSV: ${error.message.replace(/ at line \d+/, '')}`;
  return new InputError(detail, line !== undefined ? { file, line } : { file });
}

function describeError(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return 'no such file';
  if (e.code === 'EACCES') return 'permission denied';
  return e.message;
}
