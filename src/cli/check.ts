/** `scalelab check SCENARIO --baseline FILE`: compare a fixed run with a committed baseline. */
import type { Command } from 'commander';
import { summaryOf } from './commands.js';
import { writeFileAtomic } from '../report/files.js';
import { prepareEngine } from '../engines/external/module.js';
import { loadScenario } from '../scenario/load.js';
import { checkMarkdown, checkTable, checkVerdictLine, runCheck } from '../workbench/check.js';
import { junitXml } from '../workbench/junit.js';
import { ExitCode } from './exit.js';
import { seedFlag } from './flags.js';
import { checkOutputFile, refuseInputAsOutput } from '../files/outputs.js';

interface CheckCliFlags {
  baseline?: string;
  update?: boolean;
  junit?: string;
  markdown?: string;
  set: string[];
  seed?: string;
  quiet?: boolean;
  allowOutside?: boolean;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/**
 * Where check.md goes when only --junit is given: the JUnit file's name with `.md` for its
 * `.xml` (or `.md` added), in the same directory.
 *
 * @example markdownBeside('out/check.xml') // 'out/check.md'
 * @example markdownBeside('out/junit-albatross-default.xml') // 'out/junit-albatross-default.md'
 */
export function markdownBeside(junit: string): string {
  return /\.xml$/i.test(junit) ? junit.replace(/\.xml$/i, '.md') : `${junit}.md`;
}

export function registerCheckCommand(program: Command): void {
  program
    .command('check')
    .description(summaryOf('check'))
    .argument('<scenario>', 'scenario YAML file')
    .option('--baseline <file>', 'baseline YAML (default: reports/baselines/<scenario name>.yaml)')
    .option('--update', 'write the baseline from this run (keeping its tolerances), deliberately')
    .option('--junit <file>', 'also write the verdicts as JUnit XML, and check.md beside it (FILE with .md for .xml)')
    .option('--markdown <file>', 'write the comparison as Markdown for a pull-request comment (default with --junit: beside it)')
    .option('--set <key=value>', 'override a scenario key (recorded in the baseline; repeatable)', collect, [])
    .option('--seed <n>', 'override the scenario seed (recorded in the baseline)')
    .option('--allow-outside', "read trace files outside the scenario's folder and the working directory")
    .option('-q, --quiet', 'print only the verdict line (and the failing metrics)')
    .addHelpText(
      'after',
      `
Exit status: 0 within tolerance, 1 on a regression (or a change where no direction is better),
2 on bad input (missing or mismatched baseline, bad scenario).

Examples:
  scalelab check scenarios/albatross-default.yaml --baseline reports/baselines/albatross-default.yaml
  scalelab check scenarios/albatross-default.yaml --junit reports/check.xml      # and reports/check.md
  scalelab check scenarios/albatross-default.yaml --markdown pr-comment.md
  scalelab check scenarios/albatross-default.yaml --update`,
    )
    .action(async (file: string, flags: CheckCliFlags) => {
      const seed = flags.seed !== undefined ? seedFlag(flags.seed, '--seed') : undefined;
      // a module engine is imported before the (synchronous) check runs the scenario
      await prepareEngine(loadScenario(file, { sets: flags.set, ...(seed !== undefined ? { seed } : {}), ...(flags.allowOutside ? { allowOutside: true } : {}) }));
      if (flags.junit !== undefined) {
        checkOutputFile(flags.junit, '--junit');
        refuseInputAsOutput([flags.junit], [file, ...(flags.baseline !== undefined ? [flags.baseline] : [])], '--junit');
      }
      const outcome = runCheck({
        scenarioFile: file,
        sets: flags.set,
        ...(seed !== undefined ? { seed } : {}),
        ...(flags.baseline !== undefined ? { baselineFile: flags.baseline } : {}),
        update: flags.update === true,
        ...(flags.allowOutside ? { allowOutside: true } : {}),
      });
      if (flags.junit !== undefined) writeFileAtomic(flags.junit, junitXml(outcome));
      const markdown = flags.markdown ?? (flags.junit !== undefined ? markdownBeside(flags.junit) : undefined);
      if (markdown !== undefined) writeFileAtomic(markdown, checkMarkdown(outcome));
      const head = `check ${outcome.scenario} (seed ${outcome.seed}) against ${outcome.baselineFile}`;
      // --quiet still shows the failing rows, so a CI log says what regressed
      const table = flags.quiet ? (outcome.failed.length > 0 && !outcome.updated ? `${checkTable(outcome, outcome.failed)}\n` : '') : `${head}\n${checkTable(outcome)}\n`;
      process.stdout.write(`${table}${checkVerdictLine(outcome)}\n`);
      if (outcome.failed.length > 0 && !outcome.updated) throw new ExitCode(1);
    });
}
