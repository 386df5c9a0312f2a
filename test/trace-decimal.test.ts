/**
 * The replay's fast path must decide exactly as the general one:
 * - `scanNumber` (the byte-level number reader of the hot loop) gives, whenever it gives a number,
 *   the very double `Number(text)` gives — and `parseDecimal`, the general path's reader — over
 *   random decimal strings: signs, leading zeros, many digits, fractions, exponents;
 * - `TraceReader`, scanning canonical rows in place, reads every row of random files exactly as
 *   `parseRow` reads the same line (time, series, cores, memory, line number).
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import seedrandom from 'seedrandom';
import { emptyRow, scanNumber, scannedNumber, TraceReader } from '../src/load/trace-reader.js';
import { parseDecimal, parseHeader, parseRow, type TraceRow } from '../src/load/trace-format.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-decimal-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Read `text` followed by `terminator` with scanNumber: [value, end]. */
function scan(text: string, terminator = ','): [number, number] {
  const end = scanNumber(Buffer.from(text + terminator, 'latin1'), 0);
  return [scannedNumber(), end];
}

function digits(random: () => number, count: number): string {
  let text = '';
  for (let i = 0; i < count; i++) text += String(Math.floor(random() * 10));
  return text;
}

/** A random decimal in the format's grammar: sign, integer part (leading zeros), fraction, exponent. */
function randomDecimal(random: () => number): string {
  const sign = random() < 0.15 ? (random() < 0.7 ? '-' : '+') : '';
  const zeros = random() < 0.2 ? '0'.repeat(1 + Math.floor(random() * 4)) : '';
  const integerDigits = random() < 0.1 ? 0 : Math.floor(random() * (random() < 0.2 ? 25 : 8));
  const fractionDigits = random() < 0.4 ? 0 : Math.floor(random() * (random() < 0.2 ? 30 : 10));
  let text = sign + zeros + digits(random, integerDigits);
  if (fractionDigits > 0 || random() < 0.05) text += '.' + digits(random, fractionDigits);
  if (!/\d/.test(text)) text += digits(random, 1 + Math.floor(random() * 3));
  if (random() < 0.1) text += (random() < 0.5 ? 'e' : 'E') + (['', '-', '+'][Math.floor(random() * 3)] ?? '') + digits(random, 1 + Math.floor(random() * 3));
  return text;
}

describe('scanNumber: the hot path reads numbers exactly as Number()', () => {
  it('gives Number(text) or NaN (the slow path) for 200,000 random decimals, and the fast path covers the usual forms', () => {
    const random = seedrandom('scan-number');
    let fast = 0;
    let usual = 0;
    for (let k = 0; k < 200_000; k++) {
      const text = randomDecimal(random);
      const [value, end] = scan(text, k % 2 === 0 ? ',' : '\n');
      const expected = Number(text);
      const fail = (why: string) => {
        throw new Error(`scanNumber("${text}") = ${value} (end ${end}), Number gives ${expected}: ${why}`);
      };
      if (Number.isNaN(expected)) fail('the generator must write valid decimals');
      if (!Object.is(parseDecimal(text, 0, text.length), expected)) fail('parseDecimal differs from Number'); // the general path agrees too
      if (/^[+-]/.test(text)) {
        // a sign is left to the general path: no digits read, NaN, stopped at once
        if (!(Number.isNaN(value) && end === 0)) fail('a sign must stop the scan');
        continue;
      }
      const exponent = text.search(/[eE]/);
      if (exponent >= 0) {
        // an exponent is left to the general path too; the scan stops at the e
        if (!(Number.isNaN(value) && end === exponent)) fail('an exponent must give NaN');
        continue;
      }
      if (end !== text.length) fail('must read the whole number');
      if (!Number.isNaN(value)) {
        fast++;
        if (!Object.is(value, expected)) fail('not the same double');
      }
      // the usual forms — at most 15 digits, at most 22 after the point — never need the slow path
      const [whole = '', fraction = ''] = text.split('.');
      if ((whole + fraction).length <= 15 && fraction.length <= 22) {
        usual++;
        if (Number.isNaN(value)) fail('a usual form must take the fast path');
      }
    }
    // sanity of the generator: most strings reach the exactness check
    expect(fast).toBeGreaterThan(100_000);
    expect(usual).toBeGreaterThan(80_000);
  });

  it('never reads a number out of text that is no plain decimal', () => {
    const random = seedrandom('scan-junk');
    const alphabet = ['0', '1', '9', '.', '.', 'e', '-', '+', ' ', 'x', ',', '\r', '"', 'é', '٣'];
    for (let k = 0; k < 50_000; k++) {
      let text = '';
      const length = 1 + Math.floor(random() * 8);
      for (let i = 0; i < length; i++) text += alphabet[Math.floor(random() * alphabet.length)];
      const bytes = Buffer.from(text + '\n', 'utf8');
      const end = scanNumber(bytes, 0);
      const value = scannedNumber();
      if (Number.isNaN(value)) continue;
      const read = bytes.toString('latin1', 0, end);
      // what it read is digits with at most one point, ending where no digit, point or exponent follows
      expect(read).toMatch(/^\d*\.?\d*$/);
      expect(Object.is(value, Number(read))).toBe(true);
      // and it stopped at no digit and no exponent (a second point may follow: the caller sees it)
      expect(String.fromCharCode(bytes[end]!)).not.toMatch(/[\deE]/);
    }
  });

  it('hand-picked cases: exact, or left to the slow path', () => {
    // 836588 / 10^6: both exact doubles, one correctly rounded division = the double nearest 0.836588
    expect(scan('0.836588\n')).toEqual([0.836588, 8]);
    expect(scan('12340')).toEqual([12340, 5]);
    expect(scan('5.')).toEqual([5, 2]); // Number('5.') === 5
    expect(scan('.5')).toEqual([0.5, 2]);
    expect(scan('007.250')).toEqual([7.25, 7]);
    // 2^53 − 1 = 9007199254740991 is the largest mantissa held exactly; 2^53 and beyond: slow path
    expect(scan('9007199254740991')).toEqual([9007199254740991, 16]);
    expect(Number.isNaN(scan('9007199254740992')[0])).toBe(true);
    expect(Number.isNaN(scan('0.12345678901234567890')[0])).toBe(true); // 20 digits
    // 22 places: 10^22 is the largest exact power of ten; 23 places go to the slow path
    expect(scan('0.0000000000000000000001')[0]).toBe(1e-22);
    expect(Number.isNaN(scan('0.00000000000000000000001')[0])).toBe(true);
    expect(scan('')).toEqual([NaN, 0]);
    expect(scan('.')).toEqual([NaN, 1]);
    expect(scan('-1')).toEqual([NaN, 0]);
    expect(scan('1e3')).toEqual([NaN, 1]);
    expect(scan('1.5E-3')).toEqual([NaN, 3]);
  });
});

describe('TraceReader: rows scanned in place are the rows parseRow reads', () => {
  /** A random number written one of the ways the format allows, for a value ≥ 0. */
  function write(random: () => number, value: number, places: number): string {
    const plain = value.toFixed(places);
    const pick = random();
    if (pick < 0.6) return plain;
    if (pick < 0.7) return '00' + plain;
    if (pick < 0.75) return value.toExponential(4);
    if (pick < 0.8) return ` ${plain} `;
    if (pick < 0.85) return '+' + plain;
    if (pick < 0.9) return plain + '000';
    if (pick < 0.95) return value.toPrecision(17);
    return String(value);
  }

  it('reads 50 random files (quotes, spaces, exponents, CRLF, comments, blank lines, order changes) as parseRow does', () => {
    const random = seedrandom('reader-rows');
    const names = ['web', 'db', 'alice:web-1', 'b,c', 'q"x', 'é-ü', ' lead', 'tail ', 'web-10', 'w'];
    const quote = (name: string) => (/[",]|^ | $/.test(name) ? `"${name.replace(/"/g, '""')}"` : name);
    for (let f = 0; f < 50; f++) {
      const crlf = random() < 0.3;
      const header = random() < 0.8 ? 'time_s,series,cpu_cores' : 'time_ms,series,cpu_millicores';
      const lines = ['# scalelab-trace: 1', header];
      let time = 0;
      let order = [...names];
      for (let round = 0; round < 40; round++) {
        if (random() < 0.2) order = order.slice().sort(() => random() - 0.5); // the series order changes
        for (const name of order) {
          if (random() < 0.1) continue; // a series missing this round
          if (random() < 0.02) lines.push(random() < 0.5 ? '# comment, with commas' : random() < 0.5 ? '' : '  ');
          const cores = random() < 0.05 ? 0 : random() * 64;
          const series = random() < 0.9 ? quote(name) : name.includes(',') || name.includes('"') || name.startsWith(' ') ? quote(name) : `"${name}"`;
          lines.push(`${write(random, time, 3)},${series},${write(random, cores, Math.floor(random() * 8))}`);
        }
        time += Math.floor(random() * 20) / 4;
      }
      const text = lines.join(crlf ? '\r\n' : '\n') + (random() < 0.5 ? '\n' : '');
      const file = path.join(dir, `random-${f}.csv`);
      fs.writeFileSync(file, text);

      // expected: every data line through parseRow, the general path's reader
      const columns = parseHeader(header, file, 2);
      const expected: Array<[number, number, string, number, number]> = [];
      text.split('\n').forEach((raw, index) => {
        const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
        if (index < 2 || line.trim() === '' || line.startsWith('#')) return;
        const row: TraceRow = emptyRow();
        parseRow(line, columns, row, file, index + 1);
        expected.push([index + 1, row.time, row.series, row.cores, row.memory]);
      });

      const reader = new TraceReader(file);
      const row = emptyRow();
      const got: Array<[number, number, string, number, number]> = [];
      while (reader.next(row)) got.push([reader.lineNumber, row.time, row.series, row.cores, row.memory]);
      reader.close();
      expect(got.length).toBe(expected.length);
      for (let k = 0; k < got.length; k++) {
        const [a, b] = [got[k]!, expected[k]!];
        if (!(a[0] === b[0] && Object.is(a[1], b[1]) && a[2] === b[2] && Object.is(a[3], b[3]) && Object.is(a[4], b[4]))) {
          throw new Error(`file ${f} row ${k}: read ${JSON.stringify(a)}, parseRow ${JSON.stringify(b)}`);
        }
      }
    }
  });
});
