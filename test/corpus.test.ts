/**
 * The bad-input corpus (issue 9): every case of test/corpus/cases.jsonl run against the built
 * CLI in a temporary folder, with a timeout and a memory limit per case (test/corpus/runner.mjs).
 * Fails on any stack trace, exit status other than 2, more than one line, hang, or file left
 * behind or changed. Needs dist/ (`npm run build`; `npm test` builds first).
 *
 * How much runs here (SCALELAB_CORPUS): `full` — every case; unset — every 5th case, a sample
 * over all the families (each case costs a Node start, about 0.5 s of CPU; the whole corpus is
 * about 190 CPU-seconds); `ci` — none, because CI runs the whole corpus in its own block of
 * .ci/run (`node test/corpus/runner.mjs`), which prints the counts and fails on any unclean case.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain JavaScript module without types
import { countsLine, loadCases, runCorpus } from './corpus/runner.mjs';

interface CorpusResult {
  id: string;
  clean: boolean;
  problems: string[];
  stderr: string;
}

const mode = process.env['SCALELAB_CORPUS'] ?? 'sample';

describe('bad-input corpus', () => {
  it('has at least 300 cases, each expecting exit 2 and naming where, and cases.jsonl is what the generator writes', () => {
    execFileSync(process.execPath, ['test/corpus/generate.mjs', '--check'], { stdio: 'pipe' });
    const cases = loadCases() as Array<{ id: string; code: number; mentions: string[] }>;
    expect(cases.length).toBeGreaterThanOrEqual(300);
    for (const c of cases) {
      expect(c.code, c.id).toBe(2);
      expect(c.mentions.length, c.id).toBeGreaterThan(0);
    }
  });

  it.skipIf(mode === 'ci' || !fs.existsSync('dist/cli/main.js'))(`${mode === 'full' ? 'every case' : 'every 5th case'}: one line, exit 2, naming the file/line or key, nothing written, no hang`, async () => {
    const all = loadCases() as unknown[];
    const cases = mode === 'full' ? all : all.filter((_, i) => i % 5 === 0);
    const results = (await runCorpus(cases, 3)) as CorpusResult[];
    const unclean = results.filter((r) => !r.clean).map((r) => `${r.id}: ${r.problems.join('; ')} | ${r.stderr.trim()}`);
    console.log(countsLine(results));
    expect(unclean).toEqual([]);
  }, 900_000);
});
