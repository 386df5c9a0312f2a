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
import { passesParts, QUICK_DIR, quickCheckParts } from '../src/scenario/quick-check.js';
import { QUICK_OPTIONS } from '../src/scenario/standalone.js';

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

/**
 * The quick check (src/scenario/quick-check.ts): the schema cut into parts compiled without
 * error details, loaded only for the keys a scenario has. It must pass exactly the scenarios the
 * full validator passes, or a run would either skip an error or refuse a good scenario.
 */
describe('quick check of a scenario', () => {
  /** Every YAML document the repository holds: bundled scenarios, the corpus, mutations of them. */
  function documents(): Array<{ name: string; doc: unknown }> {
    const docs: Array<{ name: string; doc: unknown }> = [];
    const add = (name: string, text: string) => {
      try {
        docs.push({ name, doc: parse(text) });
      } catch {
        // not YAML: the loader stops before validation
      }
    };
    for (const f of fs.readdirSync('scenarios').filter((f) => f.endsWith('.yaml'))) add(f, fs.readFileSync(path.join('scenarios', f), 'utf8'));
    for (const [name, text] of Object.entries(CASES)) add(name, text);
    const corpus = fs.readFileSync('test/corpus/cases.jsonl', 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; files: Record<string, string> });
    for (const c of corpus) for (const [file, text] of Object.entries(c.files)) if (file.endsWith('.yaml')) add(`${c.id}/${file}`, text);
    // mutations of each bundled scenario: each engine's name on it, each top-level key dropped,
    // an unknown key inside each mapping it has, a string where each mapping was
    const engineNames = ['albatross', 'hpa', 'incus', 'neon', 'kraftcloud', 'nope'];
    for (const { name, doc } of docs.slice(0, fs.readdirSync('scenarios').filter((f) => f.endsWith('.yaml')).length)) {
      const base = doc as Record<string, unknown>;
      for (const engine of engineNames) docs.push({ name: `${name} as ${engine}`, doc: { ...base, engine: { ...(base['engine'] as object), name: engine } } });
      for (const key of Object.keys(base)) {
        const { [key]: _dropped, ...rest } = base;
        docs.push({ name: `${name} without ${key}`, doc: rest });
        docs.push({ name: `${name} with ${key}: x`, doc: { ...base, [key]: 'x' } });
        const value = base[key];
        if (value && typeof value === 'object' && !Array.isArray(value)) docs.push({ name: `${name} with ${key}.colour`, doc: { ...base, [key]: { ...value, colour: 1 } } });
        if (Array.isArray(value) && value[0] && typeof value[0] === 'object') docs.push({ name: `${name} with ${key}[0].colour`, doc: { ...base, [key]: [{ ...value[0], colour: 1 }, ...value.slice(1)] } });
      }
      const engine = base['engine'] as Record<string, unknown>;
      docs.push({ name: `${name} engine.config.colour`, doc: { ...base, engine: { ...engine, config: { ...(engine['config'] as object), colour: 1 } } } });
      docs.push({ name: `${name} engine.variant nope`, doc: { ...base, engine: { ...engine, variant: 'nope' } } });
    }
    return docs;
  }

  const docs = documents();
  const full = makeAjv().compile(scenarioSchema());
  const parts = Object.fromEntries(Object.entries(quickCheckParts(scenarioSchema())).map(([name, schema]) => [name, makeAjv(QUICK_OPTIONS).compile(schema)]));

  it('covers good and bad scenarios of every engine', () => {
    const verdicts = docs.map(({ doc }) => full(doc));
    expect(verdicts.filter(Boolean).length).toBeGreaterThanOrEqual(20);
    expect(verdicts.filter((v) => !v).length).toBeGreaterThanOrEqual(300);
  });

  it('passes exactly what the full validator passes (parts compiled from the sources)', () => {
    const disagree = docs.filter(({ doc }) => passesParts(doc, (name) => parts[name]!) !== full(doc)).map((d) => d.name);
    expect(disagree).toEqual([]);
  });

  it('the parts the build wrote judge as those compiled from the sources', () => {
    const dir = path.resolve('dist/scenario', QUICK_DIR);
    expect(fs.readdirSync(dir).sort()).toEqual(Object.keys(parts).map((n) => `${n}.cjs`).sort());
    const built = (name: string) => createRequire(import.meta.url)(path.join(dir, `${name}.cjs`)) as ValidateFunction;
    const disagree = docs.filter(({ doc }) => passesParts(doc, built) !== full(doc)).map((d) => d.name);
    expect(disagree).toEqual([]);
  });
});
