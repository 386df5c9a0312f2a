import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bareLineLoop, benchTraceReplay } from '../src/bench/trace-replay.js';

describe('benchTraceReplay (small size; npm run bench replays 1 GiB)', () => {
  it('generates, replays and deletes a canonical trace, reporting throughput and peak RSS', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-bench-test-'));
    try {
      const result = await benchTraceReplay({ bytes: 8 * 2 ** 20, series: 200, dir, repeat: 3 });
      expect(result.rows).toBeGreaterThan(150_000);
      // replay and bare loop alternate, three runs each; the reported figures are the medians
      expect([result.replayRuns.length, result.bareRuns.length, result.replayCpuRuns.length, result.bareCpuRuns.length]).toEqual([3, 3, 3, 3]);
      expect(result.seconds).toBe([...result.replayRuns].sort((a, b) => a - b)[1]);
      expect(result.bareSeconds).toBe([...result.bareRuns].sort((a, b) => a - b)[1]);
      expect(result.bytes).toBeGreaterThanOrEqual(8 * 2 ** 20);
      // figures are reported, not judged here: speed and memory targets live in `npm run bench`
      expect(result.rowsPerSecond).toBeGreaterThan(0);
      expect(result.peakRssMB).toBeGreaterThan(0);
      expect(fs.readdirSync(dir)).toEqual([]); // the trace is deleted
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bareLineLoop: the floor the replay is measured against', () => {
  it('counts lines and finds each line\'s second comma, across read chunks', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-bare-test-'));
    try {
      const file = path.join(dir, 'lines.csv');
      // a header and 100,000 lines of `k,ab,1\n` (700,000 bytes: eleven 64 KiB reads); the second
      // comma is 4 bytes into each row (4 × 100,000 = 400,000) and 13 into the header
      const body = 'time_s,series,cpu_cores\n' + 'k,ab,1\n'.repeat(100_000);
      fs.writeFileSync(file, body);
      const result = bareLineLoop(file);
      expect([result.lines, result.checksum]).toEqual([100_001, 400_013]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
