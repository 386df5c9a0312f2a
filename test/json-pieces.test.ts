/**
 * summary.json written a piece at a time (src/files/json.ts) must be byte-identical to
 * JSON.stringify(value, null, 2): the promise is the bytes, so the reference is JSON.stringify.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonPieces, writeJsonAtomic } from '../src/files/json.js';

const cases: Record<string, unknown> = {
  'nested summary shape': { scalelab: '0.1.0', metrics: { a: { value: 1.5, unit: 's' }, b: { value: null, unit: '%' } }, groups: { 'g-1': { x: { value: 2, unit: 'count' } }, 'g "2"': {} }, notes: ['one', 'two'] },
  'empty object': {},
  'empty groups': { groups: {}, list: [] },
  'undefined and functions are left out, as JSON.stringify does': { a: undefined, b: () => 1, c: 1, d: { e: undefined } },
  'arrays of objects stay whole': { runs: [{ a: 1 }, { b: [2, 3] }] },
  'a top-level array': [1, { a: 2 }],
  'a string with a newline inside a deep value': { a: { b: { c: 'x\ny' } } },
  'toJSON is honoured': { when: new Date(0), inner: { when: new Date(1) } },
};

describe('jsonPieces joins to JSON.stringify(value, null, 2)', () => {
  for (const [name, value] of Object.entries(cases)) {
    for (const depth of [0, 1, 2, 5]) {
      it(`${name}, depth ${depth}`, () => {
        expect([...jsonPieces(value, depth)].join('')).toBe(JSON.stringify(value, null, 2));
      });
    }
  }
});

describe('writeJsonAtomic', () => {
  it('writes the stringified text and a newline; 3,000 groups cross the 64 KiB write blocks', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-json-'));
    try {
      const groups: Record<string, unknown> = {};
      for (let i = 0; i < 3000; i++) groups[`group-${i}`] = { slo_violation_seconds: { value: i / 7, unit: 's' }, reaction_time_p95: { value: null, unit: 's' } };
      const summary = { scalelab: '0.1.0', metrics: { flip_flops: { value: 3, unit: 'count' } }, groups, notes: ['n'] };
      const file = path.join(dir, 'summary.json');
      writeJsonAtomic(file, summary, 2);
      expect(fs.readFileSync(file, 'utf8')).toBe(`${JSON.stringify(summary, null, 2)}\n`);
      expect(fs.readdirSync(dir)).toEqual(['summary.json']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
