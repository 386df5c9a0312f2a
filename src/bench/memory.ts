/**
 * Memory flat in simulated duration: PB1 (scenarios/bench-pb1.yaml, 1,000 groups) as a whole
 * CLI process under `node --max-old-space-size=32`, over one day and over 30 days, peak RSS
 * from GNU time (`measureProcess`). At 30 days a group closes ≈ 480 reaction-time episodes, past
 * the 256 kept exactly, so the bounded histogram is what runs.
 *
 * The 30-day run is the full PB1 (30 PB1-days of work, about a minute), not a shortened one:
 * cutting groups instead (250 groups over 1 and 30 days) measures V8's heap sizing rather than
 * what the run keeps. V8 grows the young generation (up to 2 × 16 MiB) after enough objects
 * have survived collections, so a 250-group day ends with 16 MiB of it and a 250-group month
 * with 32 MiB — 81 → 101 MB of RSS with the same 10.5 MB of live heap after a full collection.
 * The full PB1 day already reaches the maximum, so its ratio compares like with like.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CaseResult } from './main.js';
import { measureProcess } from './peers.js';

/** The repository's root (dist/bench/ is two levels below it). */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));


/** Old-space limit both runs must fit in (MB): a run whose heap grew with duration would die. */
export const MEMORY_OLD_SPACE_MB = 32;

/**
 * PB1 (or its first `groups` groups) over `days` simulated days, whole CLI process under
 * `--max-old-space-size=32`; throws when it does not complete.
 *
 * @example runPb1Days('pb1-memory-30d', 30).peakRssMB // ≈ the 1-day figure
 */
export function runPb1Days(name: string, days: number, groups = 1000): CaseResult {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-mem-'));
  try {
    const argv = [
      process.execPath,
      `--max-old-space-size=${MEMORY_OLD_SPACE_MB}`,
      path.join(ROOT, 'dist/cli/main.js'),
      'run',
      path.join(ROOT, 'scenarios/bench-pb1.yaml'),
      '--set',
      `duration=${days}d`,
      ...(groups === 1000 ? [] : ['--set', `workloads[0].count=${groups}`]),
      '--out',
      path.join(out, 'run'),
      '--quiet',
    ];
    const { wallSeconds, peakRssMB } = measureProcess(argv);
    const summary = JSON.parse(fs.readFileSync(path.join(out, 'run', 'summary.json'), 'utf8')) as { metrics: { reaction_episodes: { value: number } } };
    // events = stats rounds × groups (one 10 s round a group)
    const events = days * 8640 * groups;
    return {
      name,
      wallSeconds,
      events,
      eventsPerSecond: events / wallSeconds,
      peakRssMB: peakRssMB ?? NaN,
      detail: `PB1 with ${groups} groups over ${days} d, whole CLI process under --max-old-space-size=${MEMORY_OLD_SPACE_MB}; ${summary.metrics.reaction_episodes.value} closed reaction-time episodes; events = group stats rounds`,
    };
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}
