/**
 * The replica world's instances and workloads, and the metrics' quantile sketches, hold their
 * fractional fields (CPU counters, times, demand, running sums) as doubles from the moment they
 * are made (`primeDoubleFields`, src/world/unikernels.ts; `QuantileSketch.doubleShape`). Checked
 * on the built command with V8's own trace of object migrations: an object built with one of
 * those fields as a small integer is rebuilt the first time it turns fractional, and the trace
 * prints a `[migrating]` line naming the field. Before the primers, a 2,000-group run printed
 * 1,999 such lines for each of cpuUs, reportedAt, demand, settledAt and sum.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const main = path.join(root, 'dist', 'cli', 'main.js');

/**
 * Fields of Instance, Workload and QuantileSketch that take fractions. An instance's counters and
 * last reading are no fields of its own any more (they are in the world's columns,
 * src/world/instance-slots.ts); they stay in the list, so that one coming back as a field is checked.
 */
const DOUBLE_FIELDS = ['cpuUs', 'roundCpuUs', 'reportedAt', 'reportedCpuUs', 'createdAt', 'startedAt', 'phaseSince', 'demand', 'settledAt', 'rate', 'sum', 'compensation'];

describe('fractional fields are doubles from the start', () => {
  it.skipIf(!fs.existsSync(main))('a PB1 run at 2,000 groups migrates none of those objects (V8 --trace-migration)', () => {
    const out = fs.mkdtempSync(path.join(tmpdir(), 'scalelab-double-'));
    try {
      // --no-sparkplug: Node 20's V8 aborts in the migration trace when the code migrating is baseline (Sparkplug) code
      const r = spawnSync(
        process.execPath,
        ['--no-sparkplug', '--trace-migration', main, 'run', path.join(root, 'scenarios', 'bench-pb1.yaml'), '--set', 'workloads.0.count=2000', '--set', 'world.hosts.0.count=128', '--set', 'duration=20m', '--out', out, '-q'],
        { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
      );
      expect(r.status, r.stderr).toBe(0);
      const migrations = r.stdout.split('\n').filter((line) => line.startsWith('[migrating]'));
      const ours = migrations.filter((line) => DOUBLE_FIELDS.some((f) => line.includes(` ${f}:`) || line.includes(`]${f}:`)));
      expect(ours.slice(0, 5)).toEqual([]);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
