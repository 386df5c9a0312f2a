/**
 * Lines of a text file, read synchronously in fixed-size chunks: memory stays at one buffer
 * (64 KiB by default) whatever the file's length. Lines end with `\n` or `\r\n`; a UTF-8 byte
 * order mark at the start is dropped; the last line may lack its newline.
 *
 * Synchronous on purpose: a load source is pulled from inside the simulation loop, which is
 * synchronous, and a chunked `readSync` costs a system call per 64 KiB, not per line.
 *
 * @example
 * const lines = new LineReader('trace.csv');
 * for (let line = lines.next(); line !== null; line = lines.next()) console.log(lines.lineNumber, line);
 * lines.close();
 */
import * as fs from 'node:fs';
import { InputError } from '../scenario/errors.js';

export const DEFAULT_CHUNK_BYTES = 64 * 1024;

export class LineReader {
  /** Number (1-based) of the line `next` returned last; 0 before the first. */
  lineNumber = 0;
  private readonly fd: number;
  private readonly buffer: Buffer;
  /** Bytes of `buffer` holding data not yet decoded (an incomplete last line). */
  private carried = 0;
  /** File position of the next read. */
  private filePosition = 0;
  private fileEnded = false;
  /**
   * Decoded complete lines of the current chunk, and the bounds [start, end) of the line
   * `advance` moved to (its line ending excluded). Valid until the next `advance` or `next`.
   */
  text = '';
  start = 0;
  end = 0;
  private textPosition = 0;
  private closed = false;

  constructor(
    readonly file: string,
    chunkBytes = DEFAULT_CHUNK_BYTES,
  ) {
    try {
      this.fd = fs.openSync(file, 'r');
    } catch (error) {
      throw new InputError(`cannot open trace: ${(error as Error).message}`, { file });
    }
    this.buffer = Buffer.allocUnsafe(chunkBytes);
  }

  /** The next line without its line ending, or `null` at the end of the file. */
  next(): string | null {
    return this.advance() ? this.text.slice(this.start, this.end) : null;
  }

  /**
   * Move to the next line without copying it out: it is `text` from `start` to `end`. For hot
   * loops that parse in place; false at the end of the file.
   */
  advance(): boolean {
    if (this.textPosition >= this.text.length && !this.fill()) return false;
    const text = this.text;
    const start = this.textPosition;
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length; // last line of the file, without a newline
    this.textPosition = end + 1;
    this.lineNumber++;
    if (end > start && text.charCodeAt(end - 1) === 13) end--; // \r\n
    this.start = start;
    this.end = end;
    return true;
  }

  /** Go back to the start of the file (line 0). */
  rewind(): void {
    this.carried = 0;
    this.filePosition = 0;
    this.fileEnded = false;
    this.text = '';
    this.textPosition = 0;
    this.lineNumber = 0;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }

  /** Read and decode the next run of complete lines; false at the end of the file. */
  private fill(): boolean {
    const buffer = this.buffer;
    while (!this.fileEnded) {
      const got = fs.readSync(this.fd, buffer, this.carried, buffer.length - this.carried, this.filePosition);
      this.filePosition += got;
      const filled = this.carried + got;
      if (got === 0) {
        this.fileEnded = true;
        if (filled === 0) return false;
        this.decode(filled, filled); // last line without a newline
        return true;
      }
      const lastNewline = buffer.lastIndexOf(10, filled - 1);
      if (lastNewline < 0) {
        if (filled === buffer.length) {
          throw new InputError(`line longer than ${buffer.length} bytes`, { file: this.file, line: this.lineNumber + 1 });
        }
        this.carried = filled;
        continue;
      }
      this.decode(lastNewline + 1, filled);
      return true;
    }
    return false;
  }

  /** Decode bytes [0, end) into `text`, keep bytes [end, filled) for the next chunk. */
  private decode(end: number, filled: number): void {
    let text = this.buffer.toString('utf8', 0, end);
    if (this.filePosition === filled && text.charCodeAt(0) === 0xfeff) text = text.slice(1); // BOM of the first chunk
    this.text = text;
    this.textPosition = 0;
    this.buffer.copyWithin(0, end, filled);
    this.carried = filled - end;
  }
}
