/**
 * The validator precompiled by the build (dist/scenario/validator.generated.cjs) must judge
 * scenarios exactly as the schema compiled at run time does: same verdict, same errors.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { ValidateFunction } from 'ajv';
import { makeAjv, scenarioSchema } from '../src/scenario/schema.js';
import { parseScenarioText } from '../src/scenario/load.js';

const GENERATED = path.resolve('dist/scenario/validator.generated.cjs');
const GOOD = fs.readFileSync('scenarios/albatross-quirk-faithful.yaml', 'utf8');
const CASES: Record<string, string> = {
  good: GOOD,
  'unknown key': GOOD.replace('seed: 7', 'seed: 7\ncolour: blue'),
  'wrong type': GOOD.replace('threads: 16', 'threads: sixteen'),
  'negative threshold': GOOD.replace('variant: faithful }', 'variant: faithful, config: { scale_up_threshold_percent: -5 } }'),
  'unknown engine': GOOD.replace('name: albatross', 'name: nope'),
  'missing workloads': GOOD.slice(0, GOOD.indexOf('workloads:')),
  incus: fs.readFileSync('scenarios/incus-restricted.yaml', 'utf8'),
  'incus bad cooldown': fs.readFileSync('scenarios/incus-restricted.yaml', 'utf8').replace('engine:', 'colour: red\nengine:'),
};

/** What a validator says about a document, in a comparable form. */
function verdict(validate: ValidateFunction, doc: unknown) {
  const ok = validate(doc);
  return { ok, errors: (validate.errors ?? []).map((e) => ({ path: e.instancePath, keyword: e.keyword, params: e.params, schemaPath: e.schemaPath })) };
}

describe('precompiled scenario validator', () => {
  it('exists after the build', () => {
    expect(fs.existsSync(GENERATED)).toBe(true);
  });

  it.each(Object.keys(CASES))('agrees with the run-time compiled schema: %s', (name) => {
    const doc = parse(CASES[name]!);
    const generated = createRequire(import.meta.url)(GENERATED) as ValidateFunction;
    const runtime = makeAjv().compile(scenarioSchema());
    expect(verdict(generated, doc)).toEqual(verdict(runtime, doc));
  });

  it('the built CLI reports bad input with the same one line as the sources', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-validator-'));
    for (const name of ['unknown key', 'wrong type', 'negative threshold']) {
      const file = path.join(dir, 'bad.yaml');
      fs.writeFileSync(file, CASES[name]!);
      let expected = '';
      try {
        parseScenarioText(CASES[name]!, file);
      } catch (err) {
        expected = (err as Error).message;
      }
      const run = spawnSync(process.execPath, ['dist/cli/main.js', 'run', file, '--out', path.join(dir, 'out')], { encoding: 'utf8' });
      expect(run.status).toBe(2);
      expect(run.stderr.trim()).toBe(`scalelab: error: ${expected}`);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
