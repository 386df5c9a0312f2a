/**
 * Build step: compile the scenario schema once, at build time, into plain validation code
 * (`dist/scenario/validator.generated.cjs`, with ajv's standalone code generation), so that no
 * run pays for compiling it: ajv's compiler costs ~0.1 s and ~20 MB of peak memory per
 * process, and a sweep starts one process-like worker per core.
 *
 * `scenarioValidator()` loads the generated module when it sits beside the compiled code and
 * falls back to compiling the schema at run time otherwise (e.g. under vitest, from sources).
 *
 * It also writes the quick check's parts (quick-check.ts) into `dist/scenario/quick-check/`.
 *
 * Run: node dist/scenario/standalone.js   (part of `npm run build`)
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import standalone from 'ajv/dist/standalone/index.js';
import { makeAjv, scenarioSchema, STANDALONE_FILE } from './schema.js';
import { QUICK_DIR, quickCheckParts } from './quick-check.js';

/** ajv's standalone generator (a CommonJS default export). */
const standaloneCode = (standalone as unknown as { default: typeof standalone.default }).default ?? standalone;

/** The validator's source code (CommonJS). */
export function validatorSource(): string {
  const ajv = makeAjv({ code: { source: true, esm: false } });
  const validate = ajv.compile(scenarioSchema());
  return standaloneCode(ajv, validate);
}

/** The options of the quick check's parts: a verdict only, no error details (quick-check.ts). */
export const QUICK_OPTIONS = { allErrors: false, verbose: false, messages: false } as const;

/** The quick check's parts as source code (CommonJS), by part name (quick-check.ts). */
export function quickCheckSources(): Record<string, string> {
  const parts = quickCheckParts(scenarioSchema());
  return Object.fromEntries(
    Object.entries(parts).map(([name, schema]) => {
      const ajv = makeAjv({ code: { source: true, esm: false }, ...QUICK_OPTIONS });
      return [name, standaloneCode(ajv, ajv.compile(schema))];
    }),
  );
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const target = fileURLToPath(new URL(`./${STANDALONE_FILE}`, import.meta.url));
  fs.writeFileSync(target, validatorSource());
  const quick = fileURLToPath(new URL(`./${QUICK_DIR}/`, import.meta.url));
  fs.rmSync(quick, { recursive: true, force: true });
  fs.mkdirSync(quick);
  for (const [name, source] of Object.entries(quickCheckSources())) fs.writeFileSync(`${quick}${name}.cjs`, source);
}
