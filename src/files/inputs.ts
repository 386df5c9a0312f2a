/**
 * Reading the files a user names, with bounds: only regular files (or pipes) are read, a
 * directory or a device is refused by name, and a text file is read up to a size and a line
 * length, so `/dev/zero` or a file with a 50 MB line ends in one line of error, not in an
 * exhausted memory or a read that never ends.
 */
import fs from 'node:fs';
import { InputError } from '../scenario/errors.js';

/** Largest scenario, baseline or other YAML/JSON document read whole: 4 MiB. */
export const MAX_DOCUMENT_BYTES = 4 * 1024 * 1024;
/** Longest line in a document read whole, and in a line-oriented input (`decide`): 1 MiB. */
export const MAX_LINE_BYTES = 1024 * 1024;
/** Largest `runs.jsonl` read whole: 256 MiB (about 100,000 runs of the albatross engine). */
export const MAX_JOURNAL_BYTES = 256 * 1024 * 1024;
/** Longest line of a `runs.jsonl` (a header with many swept values): 16 MiB. */
export const MAX_JOURNAL_LINE_BYTES = 16 * 1024 * 1024;

/**
 * Open `file` for reading; refused (InputError naming it, `what` saying what it should be)
 * when it is missing, a directory or anything but a regular file (or a pipe, if `allowPipe`).
 *
 * @example const fd = openInput('trace.csv', 'trace')
 */
export function openInput(file: string, what: string, allowPipe = true): number {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError(`${what} file not found`, { file });
    if (code === 'EISDIR') throw new InputError(`is a directory, not a ${what} file`, { file });
    if (code === 'EACCES' || code === 'EPERM') throw new InputError(`cannot read ${what} file: permission denied`, { file });
    throw new InputError(`cannot open ${what} file (${code ?? (err as Error).message})`, { file });
  }
  const stat = fs.fstatSync(fd);
  if (stat.isFile() || (allowPipe && stat.isFIFO())) return fd;
  fs.closeSync(fd);
  throw new InputError(stat.isDirectory() ? `is a directory, not a ${what} file` : `is not a regular file (a device, socket${allowPipe ? '' : ' or pipe'}); give a ${what} file`, { file });
}

/**
 * A whole text file, read with bounds: at most `maxBytes` bytes and lines of at most
 * `maxLineBytes`; an InputError names the file (and the line) otherwise. A UTF-8 byte order
 * mark is dropped.
 *
 * @example readTextInput('scenarios/x.yaml', 'scenario') // the YAML text
 */
export function readTextInput(file: string, what: string, maxBytes = MAX_DOCUMENT_BYTES, maxLineBytes = MAX_LINE_BYTES): string {
  const fd = openInput(file, what);
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buffer = Buffer.allocUnsafe(Math.min(1024 * 1024, maxBytes + 1 - total));
      let got: number;
      try {
        got = fs.readSync(fd, buffer, 0, buffer.length, null);
      } catch (err) {
        throw new InputError(`cannot read ${what} file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { file });
      }
      if (got === 0) break;
      chunks.push(buffer.subarray(0, got));
      total += got;
      if (total > maxBytes) throw new InputError(`${what} file is larger than ${formatBytes(maxBytes)} (the limit)`, { file });
    }
    const bytes = Buffer.concat(chunks, total);
    checkLineLengths(bytes, file, maxLineBytes);
    const text = bytes.toString('utf8');
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } finally {
    fs.closeSync(fd);
  }
}

/** Refuse a line longer than `max` bytes, naming it. */
function checkLineLengths(bytes: Buffer, file: string, max: number): void {
  if (bytes.length <= max) return;
  let start = 0;
  for (let line = 1; start <= bytes.length; line++) {
    let end = bytes.indexOf(10, start);
    if (end < 0) end = bytes.length;
    if (end - start > max) throw new InputError(`line longer than ${formatBytes(max)} (the limit)`, { file, line });
    start = end + 1;
  }
}

/**
 * Bytes in binary units, as limits are stated.
 *
 * @example formatBytes(4 * 1024 * 1024) // '4 MiB'
 */
export function formatBytes(n: number): string {
  for (const [unit, size] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) if (n >= size && n % size === 0) return `${n / size} ${unit}`;
  return `${n} bytes`;
}

/**
 * The lines of a stream (a file or stdin), each at most `maxLineBytes` long: a longer line — or
 * endless bytes without a newline, such as /dev/zero — is an InputError naming `name` and the
 * line, raised as soon as the bound is passed. `\r\n` endings are accepted.
 *
 * @example for await (const [n, line] of boundedLines(process.stdin, 'stdin')) console.log(n, line)
 */
export async function* boundedLines(input: AsyncIterable<Buffer | string>, name: string, maxLineBytes = MAX_LINE_BYTES): AsyncGenerator<[number, string]> {
  let carry: Buffer = Buffer.alloc(0);
  let lineNo = 0;
  for await (const chunk of input) {
    let data = carry.length > 0 ? Buffer.concat([carry, Buffer.from(chunk)]) : Buffer.from(chunk);
    let start = 0;
    for (let nl = data.indexOf(10, start); nl >= 0; nl = data.indexOf(10, start)) {
      lineNo++;
      if (nl - start > maxLineBytes) throw new InputError(`line longer than ${formatBytes(maxLineBytes)} (the limit)`, { file: name, line: lineNo });
      const end = nl > start && data[nl - 1] === 13 ? nl - 1 : nl;
      yield [lineNo, data.toString('utf8', start, end)];
      start = nl + 1;
    }
    carry = data.subarray(start);
    data = Buffer.alloc(0);
    if (carry.length > maxLineBytes) throw new InputError(`line longer than ${formatBytes(maxLineBytes)} (the limit)`, { file: name, line: lineNo + 1 });
  }
  if (carry.length > 0) yield [lineNo + 1, carry.toString('utf8').replace(/\r$/, '')];
}
