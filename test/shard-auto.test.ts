/**
 * `scalelab sweep --shard auto` with the Slurm variables set in the process environment, as a
 * task of a job array sees them (src/workbench/shard.ts): a task submitted again on its own
 * (`sbatch --array=1`) runs its own shard when the count is given, and is refused in one line
 * when it is not — never taken for "shard 1 of 1" (all the points).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from './helpers.js';

const SCENARIO = `name: shard-auto
seed: 5
duration: 1h
engine: { name: albatross, variant: corrected }
world:
  hosts: [ { name: host, threads: 16, memory: 16GiB } ]
workloads:
  - name: web
    max_instances: 4
    load: { base: 1.0 }
`;

let tmp = '';
let scenario = '';
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-shard-auto-'));
  scenario = path.join(tmp, 'shard-auto.yaml');
  fs.writeFileSync(scenario, SCENARIO);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
afterEach(() => vi.unstubAllEnvs());

/** Task 1 of a 0-based array submitted again on its own: Slurm sets MIN = MAX = 1, COUNT = 1. */
function resubmittedTask1(): void {
  vi.stubEnv('JOB_COMPLETION_INDEX', '');
  vi.stubEnv('SCALELAB_SHARDS', '');
  vi.stubEnv('SCALELAB_SHARD_BASE', '');
  vi.stubEnv('SLURM_ARRAY_TASK_ID', '1');
  vi.stubEnv('SLURM_ARRAY_TASK_MIN', '1');
  vi.stubEnv('SLURM_ARRAY_TASK_MAX', '1');
  vi.stubEnv('SLURM_ARRAY_TASK_COUNT', '1');
}

const sweep = (out: string) => runCli('sweep', scenario, '--grid', 'engine.config.cooldown_period=60s,120s', '--seeds', '1', '--workers', '0', '--shard', 'auto', '--out', out, '-q');

describe('sweep --shard auto from the Slurm environment', () => {
  it('a task submitted again alone without the count: one line, exit 2, nothing written', async () => {
    resubmittedTask1();
    const out = path.join(tmp, 'refused');
    const r = await sweep(out);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^scalelab: error: --shard: auto: this Slurm submission \(tasks 1–1, 1 in all\) is not a whole array from task 0/);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('with SCALELAB_SHARDS=2 it runs shard 2 of 2 (task ID 1 + 1): one of the two points', async () => {
    resubmittedTask1();
    vi.stubEnv('SCALELAB_SHARDS', '2');
    const out = path.join(tmp, 'shard');
    const r = await sweep(out);
    expect(r.code).toBe(0);
    const runs = fs.readFileSync(path.join(out, 'runs.jsonl'), 'utf8').trim().split('\n').filter((l) => l.includes('"point"'));
    // points dealt round-robin: point p to shard (p mod 2) + 1, so shard 2 has point 1 only (cooldown 120 s)
    expect(runs.map((l) => (JSON.parse(l) as { point: unknown }).point)).toEqual([{ 'engine.config.cooldown_period': '120s' }]);
  });
});
