/**
 * summary.json written a piece at a time (src/files/json.ts emitJson) must be byte-identical to
 * JSON.stringify(value, null, 2): the promise is the bytes, so the reference is JSON.stringify.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonText, writeJsonAtomic } from '../src/files/json.js';

const cases: Record<string, unknown> = {
  'nested summary shape': { scalelab: '0.1.0', metrics: { a: { value: 1.5, unit: 's' }, b: { value: null, unit: '%' } }, groups: { 'g-1': { x: { value: 2, unit: 'count' } }, 'g "2"': {} }, notes: ['one', 'two'] },
  'empty object': {},
  'empty groups': { groups: {}, list: [] },
  'undefined and functions are left out, as JSON.stringify does': { a: undefined, b: () => 1, c: 1, d: { e: undefined } },
  'arrays of objects stay whole': { runs: [{ a: 1 }, { b: [2, 3] }] },
  'a top-level array': [1, { a: 2 }],
  'a string with a newline inside a deep value': { a: { b: { c: 'x\ny' } } },
  'toJSON is honoured': { when: new Date(0), inner: { when: new Date(1) } },
  'keys and strings that need escaping, non-ASCII, a lone surrogate': { 'a"b': 'x\\y', 'ü·s': 'core·s', '\u0001': '\ud800', ok: 'tab\there' },
  'integer-like keys come first, as JSON.stringify orders them': { b: 1, 2: 'two', a: { 10: 1, 9: 2 } },
  'numbers: negative zero, NaN, Infinity, exponents': { z: -0, n: NaN, i: Infinity, e: 1e-7, big: 1e21 },
  'a nested array inside a walked object': { a: { list: [{ x: 1 }, [2, [3]]] } },
  'a top-level string and number': 'plain',
};

describe('emitJson gives the bytes of JSON.stringify(value, null, 2)', () => {
  for (const [name, value] of Object.entries(cases)) {
    for (const depth of [Infinity, 0, 1, 2]) {
      it(`${name}, walking ${depth} levels`, () => {
        expect(jsonText(value, depth)).toBe(JSON.stringify(value, null, 2));
      });
    }
  }
  it('an object that inherits enumerable keys: only its own are written', () => {
    const child = Object.create({ inherited: 1 }) as Record<string, unknown>;
    child['own'] = 2;
    expect(jsonText({ child })).toBe(JSON.stringify({ child }, null, 2));
  });
});

describe('writeJsonAtomic', () => {
  it('UTF-8 of every width, at every depth, byte for byte (·, €, an emoji, a line break inside a deep string)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-json-'));
    try {
      const value = { 'GiB·s': { value: 1, unit: 'GiB·s', euro: '€ 5', smile: '😀', deep: { text: 'a\nb·c😀' } }, list: ['·', '😀'] };
      for (const depth of [Infinity, 0, 1, 2, 3]) {
        const file = path.join(dir, `v${depth}.json`);
        writeJsonAtomic(file, value, depth);
        expect(fs.readFileSync(file)).toEqual(Buffer.from(`${JSON.stringify(value, null, 2)}\n`, 'utf8'));
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('long pieces (one native write each, files/json.ts LONG_PIECE) give the same bytes: every UTF-8 width, a lone surrogate, one piece larger than a block', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-json-'));
    try {
      const set = (i: number) => ({ text: `line\n${'·€😀'.repeat(40)}\ud800${'x'.repeat(i)}`, list: Array.from({ length: 30 }, (_, k) => ({ k, unit: 'core·s' })) });
      const groups: Record<string, unknown> = { huge: { blob: '€'.repeat(70_000), rows: Array.from({ length: 3000 }, (_, k) => k / 3) } };
      for (let i = 0; i < 500; i++) groups[`g${i}`] = set(i);
      const summary = { scalelab: '0.1.0', groups, notes: ['n'] };
      const file = path.join(dir, 'summary.json');
      for (const depth of [Infinity, 0, 1, 2, 3]) {
        writeJsonAtomic(file, summary, depth);
        // Buffer.equals: a deep toEqual over megabytes takes minutes
        expect(fs.readFileSync(file).equals(Buffer.from(`${JSON.stringify(summary, null, 2)}\n`, 'utf8')), `depth ${depth}`).toBe(true);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes the stringified text and a newline; 3,000 groups cross the 64 KiB write blocks', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-json-'));
    try {
      const groups: Record<string, unknown> = {};
      for (let i = 0; i < 3000; i++) groups[`group-${i}`] = { slo_violation_seconds: { value: i / 7, unit: 's' }, unserved_core_seconds: { value: i * 1e-9, unit: 'core·s' }, reaction_time_p95: { value: null, unit: 's' } };
      const summary = { scalelab: '0.1.0', metrics: { flip_flops: { value: 3, unit: 'count' } }, groups, notes: ['n'] };
      const file = path.join(dir, 'summary.json');
      for (const depth of [Infinity, 2]) {
        writeJsonAtomic(file, summary, depth);
        expect(fs.readFileSync(file, 'utf8')).toBe(`${JSON.stringify(summary, null, 2)}\n`);
      }
      expect(fs.readdirSync(dir)).toEqual(['summary.json']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
