import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { benchTraceReplay } from '../src/bench/trace-replay.js';

describe('benchTraceReplay (small size; npm run bench replays 1 GiB)', () => {
  it('generates, replays and deletes a canonical trace, reporting throughput and peak RSS', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-bench-test-'));
    try {
      const result = await benchTraceReplay({ bytes: 8 * 2 ** 20, series: 200, dir });
      expect(result.rows).toBeGreaterThan(150_000);
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
