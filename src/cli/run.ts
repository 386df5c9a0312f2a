/** `scalelab run SCENARIO`: simulate one scenario and write its report. */
import path from 'node:path';
import { Option, type Command } from '../vendor/commander.js';
import fs from 'node:fs';
import { summaryOf } from './commands.js';
import { loadScenario } from '../scenario/load.js';
import { runScenario } from '../run/write-run.js';
import { seedFlag } from './flags.js';
import { formatDuration } from '../kernel/time.js';
import { memoryWarnings } from '../scenario/resolve-cluster.js';
import { progressWriter } from './progress.js';
import { escapeControls } from './escape.js';
import { parseSize } from '../scenario/sizes.js';
import { InputError } from '../scenario/errors.js';
import { dailyCollection, freezeYoungGeneration } from './young-generation.js';

interface RunFlags {
  seed?: string;
  out?: string;
  set: string[];
  quiet?: boolean;
  allowOutside?: boolean;
  maxOutput?: string;
  protocolLog?: string;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}


/**
 * The progress text of a run: a bar, the fraction done, simulated time and the time left at
 * the pace so far (wall clock).
 *
 * @example runProgressText(0.5, 86_400_000_000, 2) // '[###############...............]  50%  simulated 12h of 1d  eta 2.0s'
 */
export function runProgressText(fraction: number, durationUs: number, elapsedSeconds: number): string {
  const width = 30;
  const done = Math.round(fraction * width);
  const eta = fraction > 0 ? (elapsedSeconds / fraction) * (1 - fraction) : Number.NaN;
  const unit = durationUs > 3_600_000_000 ? 60_000_000 : 1_000_000; // whole minutes beyond an hour
  const simulated = formatDuration(Math.round((fraction * durationUs) / unit) * unit);
  return `[${'#'.repeat(done)}${'.'.repeat(width - done)}] ${(fraction * 100).toFixed(0).padStart(3)}%  simulated ${simulated} of ${formatDuration(durationUs)}  eta ${Number.isFinite(eta) ? `${eta.toFixed(1)}s` : '…'}`;
}

/** A warning on stderr, one line (clearing a progress line being drawn on a terminal). */
export function warnLine(line: string): void {
  process.stderr.write(`${process.stderr.isTTY ? '\r\x1b[K' : ''}scalelab: warning: ${escapeControls(line)}\n`);
}

/** A size flag (`200MiB`, `1GiB`, bytes), more than 0. */
function sizeFlag(text: string, flag: string): number {
  let n: number;
  try {
    n = parseSize(text);
  } catch (err) {
    if (err instanceof InputError) throw new InputError(err.detail, { file: flag });
    throw err;
  }
  if (n <= 0) throw new InputError(`must be larger than 0 bytes, got ${JSON.stringify(text)}`, { file: flag });
  return n;
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description(summaryOf('run'))
    .argument('<scenario>', 'scenario YAML file (see docs/SCENARIOS.md)')
    .option('--seed <n>', 'override the scenario seed')
    .option('--out <dir>', 'output directory (default: reports/<scenario name>)')
    .option('--set <key=value>', 'override a scenario key, e.g. --set engine.config.scale_up_threshold_percent=85 (repeatable)', collect, [])
    .option('--max-output <size>', 'warn when timeseries.csv or events.jsonl will grow past this size, e.g. 200MiB (default: output.max_bytes, 1GiB)')
    .option('--allow-outside', "read trace files outside the scenario's folder and the working directory")
    .option('-q, --quiet', 'print nothing but errors and warnings (no progress)')
    // hidden: every request to a module or external engine and its reply, one JSON line each (src/bridge/protocol-log.ts)
    .addOption(new Option('--protocol-log <file>', 'write every engine request and reply to FILE (module and external engines)').hideHelp())
    .addHelpText(
      'after',
      `
Examples:
  scalelab run scenarios/albatross-default.yaml
  scalelab run scenarios/albatross-default.yaml --seed 7 --out /tmp/run7
  scalelab run scenarios/albatross-default.yaml --set engine.variant=corrected --set engine.config.cooldown_period=300s
  scalelab run scenarios/albatross-default.yaml --set duration=30d --max-output 200MiB

Warnings (stderr, one line each, outputs unchanged): a trace that starts after the run's start
or ends before its end (without loop), and a streamed output projected past the size limit.
Progress goes to stderr: redrawn in place on a terminal, a line every 10 s otherwise.`,
    )
    .action(async (file: string, flags: RunFlags) => {
      const seed = flags.seed !== undefined ? seedFlag(flags.seed, '--seed') : undefined;
      const maxOutputBytes = flags.maxOutput !== undefined ? sizeFlag(flags.maxOutput, '--max-output') : undefined;
      const scenario = loadScenario(file, { sets: flags.set, ...(seed !== undefined ? { seed } : {}), ...(flags.allowOutside ? { allowOutside: true } : {}) });
      // the young generation grows no more from here (src/cli/young-generation.ts)
      freezeYoungGeneration();
      const outDir = flags.out ?? path.join('reports', scenario.name);
      if (scenario.cluster) for (const w of memoryWarnings(scenario.cluster)) warnLine(w);
      const started = Date.now();
      const bar = flags.quiet ? undefined : progressWriter(process.stderr);
      // a run over more than a day: a full collection each simulated day (src/cli/young-generation.ts)
      const collect = dailyCollection(scenario.duration);
      const progress =
        bar || collect
          ? (f: number) => {
              collect?.(f);
              bar?.update(() => runProgressText(f, scenario.duration, (Date.now() - started) / 1000));
            }
          : undefined;
      let outcome;
      const logFd = flags.protocolLog !== undefined ? fs.openSync(flags.protocolLog, 'w') : null;
      const protocolLog = logFd === null ? undefined : (line: string) => void fs.writeSync(logFd, `${line}\n`);
      try {
        outcome = await runScenario(scenario, { outDir, warn: warnLine, ...(progress ? { progress } : {}), ...(maxOutputBytes !== undefined ? { maxOutputBytes } : {}), ...(protocolLog ? { protocolLog } : {}) });
      } finally {
        bar?.done();
        if (logFd !== null) fs.closeSync(logFd);
      }
      if (flags.quiet) return;
      const m = outcome.summary.metrics;
      const show = (key: string) => {
        const metric = m[key];
        if (!metric || metric.value === null) return `${key}=—`;
        const v = Number.isInteger(metric.value) ? String(metric.value) : metric.value.toFixed(3);
        return `${key}=${v}${metric.unit ? ` ${metric.unit}` : ''}`;
      };
      const secs = ((Date.now() - started) / 1000).toFixed(2);
      process.stdout.write(
        `${scenario.name}: ${scenario.engine.name}/${scenario.engine.variant}, seed ${scenario.seed}, ${formatDuration(scenario.duration)} simulated in ${secs}s (${outcome.sim.counts.records} stats records)\n` +
          `  ${(outcome.sim.headline ?? ['scale_ups', 'scale_downs', 'instance_seconds', 'slo_violation_seconds', 'flip_flops', 'orphaned_instances']).map(show).join('\n  ')}\n` +
          `wrote ${outcome.files.map((f) => path.join(outDir, f)).join(', ')}\n` +
          (outcome.files.includes('report.html') ? `open ${path.join(outDir, 'report.html')} in a browser\n` : ''),
      );
    });
}
