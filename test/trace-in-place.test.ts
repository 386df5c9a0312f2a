/**
 * The replay reads canonical rows in place (no line or series copied out) and everything else
 * through parseRow; both must give the same rows, and the series-order shortcut in TraceSource
 * must never attribute a row to the wrong series.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { emptyRow, TraceReader } from '../src/load/trace-reader.js';
import { TraceSource } from '../src/load/trace.js';
import { inputError } from './helpers.js';

const S = 1_000_000;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-inplace-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
};

describe('in-place canonical rows', () => {
  it('reads plain, quoted, spaced and CRLF rows alike', () => {
    const file = write('mixed.csv', 'time_s,series,cpu_cores\r\n0,a,1\r\n0,"b,c",2\r\n 10 ,a, 0.5\r\n10,"q""x",3\r\n\r\n# note\r\n20,b,c,4\n');
    const reader = new TraceReader(file);
    const row = emptyRow();
    const rows: Array<[number, string, number]> = [];
    const error = inputError(() => {
      while (reader.next(row)) rows.push([row.time / S, row.series, row.cores]);
    });
    reader.close();
    expect(rows).toEqual([
      [0, 'a', 1],
      [0, 'b,c', 2],
      [10, 'a', 0.5],
      [10, 'q"x', 3],
    ]);
    // the last row has four fields: refused by parseRow's wording, with its line
    expect([error.line, error.message]).toEqual([8, expect.stringMatching(/expected 3 fields/)]);
  });

  it('refuses an empty series, a bad number, time going back, naming the line', () => {
    const bad = (body: string, line: number, message: RegExp) => {
      const file = write(`bad${line}.csv`, `time_s,series,cpu_cores\n0,a,1\n${body}\n`);
      const error = inputError(() => {
        const reader = new TraceReader(file);
        const row = emptyRow();
        try {
          while (reader.nextInPlace(row));
        } finally {
          reader.close();
        }
      });
      expect(error.line).toBe(line);
      expect(error.message).toMatch(message);
    };
    bad('5,,1', 3, /empty series name/);
    bad('5,a,x', 3, /is not a number/);
    bad('5,a,-1', 3, /is negative/);
    bad('5,a,1\n1,a,1', 4, /time goes backwards/);
  });

  it('the series-order shortcut follows a series order that changes', () => {
    // round 1: a, b, c; round 2: c, a (b missing), d new; round 3: b, a
    const file = write('order.csv', 'time_s,series,cpu_cores\n0,a,1\n0,b,2\n0,c,3\n10,c,30\n10,a,10\n10,d,40\n20,b,200\n20,a,100\n');
    const source = new TraceSource(file, ['a', 'b', 'c', { pattern: '?', name: 'all' }]);
    const out = new Float64Array(4);
    source.sample(0, out, 0);
    expect([...out]).toEqual([1, 2, 3, 6]);
    source.sample(10 * S, out, 0);
    expect([...out]).toEqual([10, 2, 30, 10 + 2 + 30 + 40]);
    source.sample(20 * S, out, 0);
    expect([...out]).toEqual([100, 200, 30, 100 + 200 + 30 + 40]);
    source.close();
  });
});
