import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatTraceStats, roundTwoDigits, summarizeTrace } from '../src/traces/show.js';
import { plotTrace } from '../src/traces/plot.js';
import { exactQuantile, P2Quantile } from '../src/traces/quantile.js';
import { importTrace } from '../src/traces/import/index.js';

const S = 1_000_000;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-show-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

const HAND = `# scalelab-trace: 1
# source: hand-made
time_s,series,cpu_cores,memory_bytes
0,a,1,100
0,b,0,
10,a,2,300
10,b,4,
20,a,3,200
20,b,2,
50,a,4,
60,a,5,
`;

describe('trace show', () => {
  it('series, duration, detected interval, min/mean/p95/max, gaps, early end', () => {
    const stats = summarizeTrace(write('hand.csv', HAND));
    expect(stats.rows).toBe(8);
    expect([stats.first, stats.last]).toEqual([0, 60 * S]);
    expect(stats.interval).toBe(10 * S);
    expect(stats.intervalDeclared).toBe(false);
    const [a, b] = stats.series;
    expect(a).toMatchObject({ series: 'a', rows: 5, min: 1, max: 5, mean: 3, step: 10 * S, gaps: 1, endsEarly: false, memoryMax: 300, memoryMean: 200 });
    expect(a!.p95).toBeCloseTo(exactQuantile([1, 2, 3, 4, 5], 0.95), 12);
    expect(a!.longestGaps).toEqual([{ at: 20 * S, length: 30 * S }]);
    expect(b).toMatchObject({ series: 'b', rows: 3, gaps: 0, endsEarly: true });
    expect(Number.isNaN(b!.memoryMean)).toBe(true);
    const text = formatTraceStats(stats);
    expect(text).toContain('rows:     8 in 2 series');
    expect(text).toContain('interval: 10s (most common step)');
    expect(text).toContain('a: 30s without a row after 20s');
    expect(text).toContain('b: last row at 20s');
  });

  it('on an imported public-dataset sample: Bitbrains irregular steps and gaps', () => {
    const out = path.join(dir, 'bb.csv');
    importTrace({ format: 'bitbrains', inputs: [path.join('traces', 'samples', 'bitbrains', 'vm-sample.csv')], output: out });
    const stats = summarizeTrace(out);
    expect(stats.interval).toBe(300 * S);
    expect(stats.intervalDeclared).toBe(true);
    const [vm] = stats.series;
    expect(vm!.step).toBe(300 * S);
    expect(vm!.gaps).toBe(3); // steps of 900 s, 1200 s and 1500 s; 600 s is not more than twice 300 s
    expect(vm!.longestGaps[0]!.length).toBe(1500 * S);
  });

  it('writes an SVG and an HTML plot', async () => {
    const file = write('plot.csv', HAND);
    const stats = summarizeTrace(file);
    const svg = path.join(dir, 'plot.svg');
    await plotTrace(stats, svg);
    const text = fs.readFileSync(svg, 'utf8');
    expect(text.startsWith('<svg')).toBe(true);
    expect(text).toContain('CPU demand (cores)');
    const html = path.join(dir, 'plot.html');
    await plotTrace(stats, html, { series: ['a'] });
    expect(fs.readFileSync(html, 'utf8')).toMatch(/<!doctype html>[\s\S]*<svg[\s\S]*Statistics/);
  });
});

describe('quantiles', () => {
  it('P² tracks the 95th percentile of a long stream', () => {
    const p = new P2Quantile(0.95);
    const values: number[] = [];
    let x = 12345;
    for (let i = 0; i < 100_000; i++) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      const v = x / 2 ** 31;
      values.push(v);
      p.add(v);
    }
    expect(p.value()).toBeCloseTo(exactQuantile(values.sort((a, b) => a - b), 0.95), 2);
  });

  it('two significant digits', () => {
    expect([299, 300, 301, 1499, 10_002].map((x) => roundTwoDigits(x * S) / S)).toEqual([300, 300, 300, 1500, 10_000]);
  });
});
