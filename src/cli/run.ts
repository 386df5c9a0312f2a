/** `scalelab run SCENARIO`: simulate one scenario and write its report. */
import path from 'node:path';
import type { Command } from 'commander';
import { loadScenario } from '../scenario/load.js';
import { runScenario } from '../run/run.js';
import { seedFlag } from './flags.js';
import { formatDuration } from '../kernel/time.js';
import { memoryWarnings } from '../scenario/resolve-cluster.js';

interface RunFlags {
  seed?: string;
  out?: string;
  set: string[];
  quiet?: boolean;
  allowOutside?: boolean;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}


/** A progress line on stderr, only when it is a terminal. */
function progressBar(total: number): ((f: number) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  const started = Date.now();
  return (f: number) => {
    const width = 30;
    const done = Math.round(f * width);
    const elapsed = (Date.now() - started) / 1000;
    const eta = f > 0 ? (elapsed / f) * (1 - f) : 0;
    process.stderr.write(`\r  [${'#'.repeat(done)}${'.'.repeat(width - done)}] ${(f * 100).toFixed(0).padStart(3)}%  simulated ${formatDuration(Math.round(f * total / 1e6) * 1e6)}  eta ${eta.toFixed(1)}s `);
  };
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('simulate a scenario and write summary.json, timeseries.csv, events.jsonl, summary.md and report.html')
    .argument('<scenario>', 'scenario YAML file (see docs/SCENARIOS.md)')
    .option('--seed <n>', 'override the scenario seed')
    .option('--out <dir>', 'output directory (default: reports/<scenario name>)')
    .option('--set <key=value>', 'override a scenario key, e.g. --set engine.config.scale_up_threshold_percent=85 (repeatable)', collect, [])
    .option('--allow-outside', "read trace files outside the scenario's folder and the working directory")
    .option('-q, --quiet', 'print nothing but errors')
    .addHelpText(
      'after',
      `
Examples:
  scalelab run scenarios/albatross-default.yaml
  scalelab run scenarios/albatross-default.yaml --seed 7 --out /tmp/run7
  scalelab run scenarios/albatross-default.yaml --set engine.variant=corrected --set engine.config.cooldown_period=300s`,
    )
    .action(async (file: string, flags: RunFlags) => {
      const seed = flags.seed !== undefined ? seedFlag(flags.seed, '--seed') : undefined;
      const scenario = loadScenario(file, { sets: flags.set, ...(seed !== undefined ? { seed } : {}), ...(flags.allowOutside ? { allowOutside: true } : {}) });
      const outDir = flags.out ?? path.join('reports', scenario.name);
      if (!flags.quiet && scenario.cluster) for (const w of memoryWarnings(scenario.cluster)) process.stderr.write(`scalelab: warning: ${w}\n`);
      const started = Date.now();
      const bar = flags.quiet ? undefined : progressBar(scenario.duration);
      const outcome = await runScenario(scenario, { outDir, ...(bar ? { progress: bar } : {}) });
      if (bar) process.stderr.write('\r\x1b[K');
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
