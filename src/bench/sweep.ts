/**
 * Sweep benchmark (issue 5): `points` configurations × `seeds` replications of the bundled
 * default scenario (one simulated day, five services), on `workers` worker threads. Measures
 * the wall time of the runs — pool start-up, every simulation and the runs.jsonl appends —
 * without the report (rendering is single-threaded and would only blur the speed-up).
 *
 * The points are sampled (`--random points`) within scale-up threshold 50–99 %, trigger ticks
 * 1–6 and cooldown 0–900 s, so any point count gives exactly that many distinct points; the
 * sample is the same on every run.
 *
 * Then the machine's ceiling for that speed-up (`benchProcesses`): the same runs in one plain
 * process, and split over two processes at once.
 *
 * Usage: node dist/bench/sweep.js [POINTS [SEEDS [WORKERS…]]]   (default 200 3 1 2)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { executeRun } from '../workbench/execute.js';
import { prepareSweep, runSweep, tasksOf } from '../workbench/sweep.js';

/** The scenario the benchmark sweeps. */
export const BENCH_SWEEP_SCENARIO = fileURLToPath(new URL('../../scenarios/albatross-default.yaml', import.meta.url));

/** The swept ranges. */
export const BENCH_SWEEP_GRID = ['engine.config.scale_up_threshold_percent=50..99', 'engine.config.scale_up_trigger_ticks=1..6', 'engine.config.cooldown_period=0s..900s'];

/**
 * Run the benchmark sweep once in a fresh temporary directory (removed afterwards).
 *
 * @example await benchSweep({ points: 200, seeds: 3, workers: 2 }) // { wallSeconds: 6.1, runs: 600 }
 */
export async function benchSweep(opts: { points: number; seeds: number; workers: number }): Promise<{ wallSeconds: number; runs: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-bench-sweep-'));
  try {
    const started = process.hrtime.bigint();
    const outcome = await runSweep({
      scenarioFile: BENCH_SWEEP_SCENARIO,
      flags: { grid: BENCH_SWEEP_GRID, random: String(opts.points), seeds: String(opts.seeds) },
      outDir: dir,
      workers: opts.workers,
      report: false,
    });
    const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { wallSeconds, runs: outcome.ran };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The machine's own ceiling for the speed-up, measured on the same runs: the sweep's tasks
 * split round-robin over `processes` plain child processes running at once (`executeRun` in a
 * loop: no pool, no journal). Wall time from spawn to exit, so it includes a process start-up
 * as a sweep includes a worker start-up. Independent processes share nothing but the machine;
 * what two of them lose to each other (caches, memory bandwidth, the hypervisor) no thread
 * pool can win back, so 1 process / 2 processes is the speed-up to compare the sweep's with.
 *
 * @example await benchProcesses({ points: 200, seeds: 3, processes: 2 }) // 3.2 (seconds)
 */
export async function benchProcesses(opts: { points: number; seeds: number; processes: number }): Promise<number> {
  const script = fileURLToPath(import.meta.url);
  const child = (slice: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const p = spawn(process.execPath, [script, '--slice', slice, String(opts.points), String(opts.seeds)], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      p.stderr.on('data', (d: Buffer) => (err += d.toString()));
      p.on('error', reject);
      p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`bench slice ${slice} failed: ${err.trim()}`))));
    });
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: opts.processes }, (_, i) => child(`${i + 1}/${opts.processes}`)));
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** The benchmark's tasks (as the sweep plans them); this process runs every `count`-th from `index`. */
function runSlice(index: number, count: number, points: number, seeds: number): void {
  const { runs, init, header } = prepareSweep({ scenarioFile: BENCH_SWEEP_SCENARIO, workers: 1, flags: { grid: BENCH_SWEEP_GRID, random: String(points), seeds: String(seeds) } });
  for (const task of tasksOf(header, runs)) {
    if (task.id % count !== index - 1) continue;
    const out = executeRun(init, task);
    if (out.kind === 'error') throw new Error(out.message);
  }
}

/** Print the benchmark for each worker count and the speed-up over the first. */
async function cli(argv: string[]): Promise<void> {
  if (argv[0] === '--slice') {
    const [index, count] = argv[1]!.split('/').map(Number);
    runSlice(index!, count!, Number(argv[2]), Number(argv[3]));
    return;
  }
  const points = Number(argv[0] ?? 200);
  const seeds = Number(argv[1] ?? 3);
  const workers = argv.length > 2 ? argv.slice(2).map(Number) : [1, 2];
  process.stdout.write(`sweep bench: ${points} points × ${seeds} seeds of albatross-default (1 day, 5 services), ${os.availableParallelism()} cores, node ${process.version}\n`);
  let first: number | undefined;
  for (const w of workers) {
    const r = await benchSweep({ points, seeds, workers: w });
    first ??= r.wallSeconds;
    process.stdout.write(`  ${String(w).padStart(2)} worker(s): ${r.wallSeconds.toFixed(2)} s for ${r.runs} runs (${(r.runs / r.wallSeconds).toFixed(1)} runs/s), speed-up ${(first / r.wallSeconds).toFixed(2)}×\n`);
  }
  const one = await benchProcesses({ points, seeds, processes: 1 });
  const two = await benchProcesses({ points, seeds, processes: 2 });
  process.stdout.write(`  machine ceiling: the same runs in 1 plain process ${one.toFixed(2)} s, split over 2 at once ${two.toFixed(2)} s → ${(one / two).toFixed(2)}×\n`);
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  cli(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
