/**
 * Build step: compile the scenario schema once, at build time, into plain validation code
 * (`dist/scenario/validator.generated.cjs`, with ajv's standalone code generation), so that no
 * run pays for compiling it: ajv's compiler costs ~0.1 s and ~20 MB of peak memory per
 * process, and a sweep starts one process-like worker per core.
 *
 * `scenarioValidator()` loads the generated module when it sits beside the compiled code and
 * falls back to compiling the schema at run time otherwise (e.g. under vitest, from sources).
 *
 * Run: node dist/scenario/standalone.js   (part of `npm run build`)
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import standalone from 'ajv/dist/standalone/index.js';
import { makeAjv, scenarioSchema, STANDALONE_FILE } from './schema.js';

/** ajv's standalone generator (a CommonJS default export). */
const standaloneCode = (standalone as unknown as { default: typeof standalone.default }).default ?? standalone;

/** The validator's source code (CommonJS). */
export function validatorSource(): string {
  const ajv = makeAjv({ code: { source: true, esm: false } });
  const validate = ajv.compile(scenarioSchema());
  return standaloneCode(ajv, validate);
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const target = fileURLToPath(new URL(`./${STANDALONE_FILE}`, import.meta.url));
  fs.writeFileSync(target, validatorSource());
}
