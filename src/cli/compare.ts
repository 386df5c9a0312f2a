/** `scalelab compare A B …`: runs or run directories side by side in one report. */
import path from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../scenario/errors.js';
import { runCompare } from '../compare/compare.js';
import { wholeNumberFlag } from './flags.js';
import { progressWriter } from './progress.js';

interface CompareFlags {
  out?: string;
  seeds?: string;
  seed?: string;
  set: string[];
  metrics?: string;
  quiet?: boolean;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/**
 * `--seeds`: a count (`5`: the base seed and four derived ones) or a comma-separated list.
 *
 * @example seedsFlag('5') // { count: 5 }
 * @example seedsFlag('1,2,3') // [1, 2, 3]
 */
export function seedsFlag(text: string): number[] | { count: number } {
  if (text.includes(',')) {
    const seeds = text.split(',').map((s) => wholeNumberFlag(s.trim(), '--seeds'));
    if (new Set(seeds).size !== seeds.length) throw new InputError(`a seed is listed twice in "${text}"`, { key: '--seeds' });
    return seeds;
  }
  const count = wholeNumberFlag(text, '--seeds');
  if (count < 1 || count > 1000) throw new InputError(`expected 1 to 1000 seeds, got ${count}`, { key: '--seeds' });
  return { count };
}

/**
 * `--metrics a,b`: metric names, at least one.
 *
 * @example metricsFlag('instance_seconds, flip_flops') // ['instance_seconds', 'flip_flops']
 */
export function metricsFlag(text: string): string[] {
  const names = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (names.length === 0) throw new InputError('expected metric names separated by commas', { key: '--metrics' });
  return [...new Set(names)];
}

export function registerCompareCommand(program: Command): void {
  program
    .command('compare')
    .description('compare scenarios (run with the same seeds) or run directories: report.html, compare.md, compare.csv')
    .argument('<inputs...>', 'two or more scenario YAML files or run directories of `scalelab run` (the first is the reference)')
    .option('--out <dir>', 'output directory (default: reports/compare/<name>-vs-<name>…)')
    .option('--seeds <n|list>', 'scenario inputs: number of seeds (the base seed and derived ones, as in sweep) or a comma-separated list, e.g. 5 or 1,2,3 (default: 1, the base seed)')
    .option('--seed <n>', "scenario inputs: base seed (default: the first scenario's seed)")
    .option('--set <key=value>', 'scenario inputs: override a scenario key in every scenario, e.g. --set duration=2h (repeatable)', collect, [])
    .option('--metrics <list>', 'only these metrics, comma-separated (also the verdict table\'s rows), e.g. instance_seconds,slo_violation_percent')
    .option('-q, --quiet', 'print nothing but errors')
    .addHelpText(
      'after',
      `
Examples:
  scalelab compare scenarios/albatross-quirk-faithful.yaml scenarios/albatross-quirk-corrected.yaml
  scalelab compare scenarios/albatross-quirk-faithful.yaml scenarios/albatross-quirk-corrected.yaml --seeds 10 --set duration=6h
  scalelab compare reports/run-a reports/run-b --out /tmp/a-vs-b
  scalelab compare reports/run-a scenarios/albatross-default.yaml --metrics instance_seconds,flip_flops

Scenarios run in memory (no run directories written) with the same seeds; a run directory is
read from its summary.json and timeseries.csv. Differences are against the first input; with
several seeds, values are means ± 95 % confidence intervals and differences are paired per
seed. Runs of different engines or lengths may be compared: the report says so. Details:
docs/COMPARE.md.`,
    )
    .action(async (inputs: string[], flags: CompareFlags) => {
      const seeds = flags.seeds !== undefined ? seedsFlag(flags.seeds) : { count: 1 };
      const baseSeed = flags.seed !== undefined ? wholeNumberFlag(flags.seed, '--seed') : undefined;
      if (baseSeed !== undefined && Array.isArray(seeds)) throw new InputError('give either a seed list in --seeds or a base seed in --seed, not both', { key: '--seed' });
      const metrics = flags.metrics !== undefined ? metricsFlag(flags.metrics) : undefined;
      const seedFlag = flags.seeds !== undefined ? '--seeds' : flags.seed !== undefined ? '--seed' : undefined;
      const started = Date.now();
      const bar = flags.quiet ? undefined : progressWriter(process.stderr);
      let outcome;
      try {
        outcome = await runCompare({
          inputs,
          sets: flags.set,
          seeds,
          ...(baseSeed !== undefined ? { baseSeed } : {}),
          ...(seedFlag !== undefined ? { seedFlag } : {}),
          ...(metrics !== undefined ? { metrics } : {}),
          ...(flags.out !== undefined ? { out: flags.out } : {}),
          ...(bar ? { progress: (line: string) => bar.update(() => `scalelab compare: ${line}`) } : {}),
        });
      } finally {
        bar?.done();
      }
      if (flags.quiet) return;
      const c = outcome.comparison;
      const lines = c.verdicts.map((v) => `  ${v.metric}: ${v.text}`);
      process.stdout.write(
        `${c.runs.map((r) => r.label).join(' vs ')}: ${c.rows.length} metrics compared in ${((Date.now() - started) / 1000).toFixed(2)}s\n` +
          (lines.length > 0 ? `${lines.join('\n')}\n` : '') +
          c.notes.map((n) => `  note: ${n}\n`).join('') +
          `wrote ${outcome.files.map((f) => path.join(outcome.outDir, f)).join(', ')}\n`,
      );
    });
}
