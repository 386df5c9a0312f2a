/**
 * Lines of a text file as bytes, read synchronously in fixed-size chunks: memory stays at one
 * buffer (64 KiB by default) whatever the file's length. Lines end with `\n` or `\r\n`; a UTF-8
 * byte order mark at the start is dropped; the last line may lack its newline.
 *
 * Synchronous on purpose: a load source is pulled from inside the simulation loop, which is
 * synchronous, and a chunked `readSync` costs a system call per 64 KiB, not per line.
 * Hand-written rather than csv-parse (which the dataset importers use, src/traces/import/input.ts)
 * because this is the replay hot path: csv-parse builds an array and strings per record, where
 * the replay (TraceReader) scans each row's bytes once and builds nothing.
 *
 * Nothing is decoded unless asked: `bytes[position, limit)` are the complete lines of the current
 * chunk not read yet, every one ending with `\n` (a last line without one gets a `\n` appended in
 * the buffer's spare byte), so a hot loop (TraceReader) can scan rows in place and call `refill`
 * when `position` reaches `limit`. `next` decodes one line (UTF-8) for everything else.
 *
 * @example
 * const lines = new LineReader('trace.csv');
 * for (let line = lines.next(); line !== null; line = lines.next()) console.log(lines.lineNumber, line);
 * lines.close();
 */
import * as fs from 'node:fs';
import { InputError } from '../scenario/errors.js';
import { openInput } from '../files/inputs.js';

export const DEFAULT_CHUNK_BYTES = 64 * 1024;

export class LineReader {
  /** Number (1-based) of the line read last; 0 before the first. Hot loops count it themselves. */
  lineNumber = 0;
  /** The read buffer: one chunk plus a spare byte for the `\n` of a last line that lacks one. */
  readonly bytes: Buffer;
  /** `bytes` seen as a DataView (for comparing four bytes at a time). */
  readonly view: DataView;
  /** Next unread byte in `bytes`; always the start of a line. */
  position = 0;
  /** End of the complete lines in `bytes` (just after the last `\n`). */
  limit = 0;
  /** Bounds [start, end) in `bytes` of the line `advance` moved to, its line ending excluded. */
  start = 0;
  end = 0;
  private readonly fd: number;
  private readonly chunkBytes: number;
  /** Bytes [limit, filled) of `bytes`: an incomplete last line, carried to the next chunk. */
  private filled = 0;
  /** File position of the next read. */
  private filePosition = 0;
  private fileEnded = false;
  private closed = false;

  constructor(
    readonly file: string,
    chunkBytes = DEFAULT_CHUNK_BYTES,
  ) {
    this.fd = openInput(file, 'trace', false); // read by position (rewound to loop): no pipes
    this.chunkBytes = chunkBytes;
    this.bytes = Buffer.allocUnsafe(chunkBytes + 1);
    this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
  }

  /** The next line without its line ending, decoded, or `null` at the end of the file. */
  next(): string | null {
    return this.advance() ? this.bytes.toString('utf8', this.start, this.end) : null;
  }

  /**
   * Move to the next line without decoding it: it is `bytes` from `start` to `end`. False at the
   * end of the file.
   */
  advance(): boolean {
    if (this.position >= this.limit && !this.refill()) return false;
    const bytes = this.bytes;
    const start = this.position;
    let end = bytes.indexOf(10, start); // found: every line in [position, limit) ends with \n
    this.position = end + 1;
    this.lineNumber++;
    if (end > start && bytes[end - 1] === 13) end--; // \r\n
    this.start = start;
    this.end = end;
    return true;
  }

  /** Go back to the start of the file (line 0). */
  rewind(): void {
    this.filled = 0;
    this.limit = 0;
    this.position = 0;
    this.filePosition = 0;
    this.fileEnded = false;
    this.lineNumber = 0;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }

  /**
   * Read the next run of complete lines into `bytes[position, limit)` (position 0, or 3 after a
   * byte order mark); false at the end of the file. Call only when `position` has reached `limit`.
   */
  refill(): boolean {
    const bytes = this.bytes;
    const size = this.chunkBytes;
    let carried = this.filled - this.limit;
    if (carried > 0) bytes.copyWithin(0, this.limit, this.filled);
    this.position = 0;
    this.limit = 0;
    this.filled = carried;
    while (!this.fileEnded) {
      const firstRead = this.filePosition === 0;
      const got = fs.readSync(this.fd, bytes, carried, size - carried, this.filePosition);
      this.filePosition += got;
      const filled = carried + got;
      this.filled = filled;
      if (firstRead && filled >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) this.position = 3; // byte order mark
      if (got === 0) {
        this.fileEnded = true;
        if (filled === this.position) return false; // nothing (or only a byte order mark) left
        bytes[filled] = 10; // the last line, without a newline: give it one in the spare byte
        this.limit = this.filled = filled + 1;
        return true;
      }
      const lastNewline = bytes.lastIndexOf(10, filled - 1);
      if (lastNewline < 0) {
        if (filled === size) {
          throw new InputError(`line longer than ${size} bytes`, { file: this.file, line: this.lineNumber + 1 });
        }
        carried = filled;
        continue;
      }
      this.limit = lastNewline + 1;
      return true;
    }
    return false;
  }
}
