/**
 * The quick check of a scenario: is it valid, yes or no, without the wording of any error.
 *
 * The full validator (`validator.generated.cjs`, all errors, verbose) is ~0.8 MB of generated
 * code: loading and first compiling it cost ~0.1 s of every `scalelab run`, most of a short
 * run's start. A valid scenario needs none of its error objects, so `load.ts` asks this check
 * first and loads the full validator only for a scenario it refuses, to word the error exactly
 * as before.
 *
 * The check is the same schema (`scenarioSchema()`) cut into parts, each compiled at build time
 * without error details (`allErrors: false`, no messages, not verbose) into a module of its
 * own, and each loaded only when the scenario has the key it checks:
 *
 *  - `top`: the top-level mapping with `engine`, `world`, `workloads`, `faults` and `cluster`
 *    accepting anything (their presence, the unknown keys and the cluster/world union are
 *    still checked here);
 *  - `world`, `workloads`, `faults`, `cluster`: that key's schema, when the key is there;
 *  - `engine`: the engine mapping without its per-engine branches; then `engine-NAME`, the
 *    branch of the engine named. The full schema's branches are `if name is NAME then …`, and
 *    `engine` has already required `name` to be one of the engines, so exactly that branch
 *    applies.
 *
 * A scenario passes the check exactly when it passes the full schema (ajv applies a property's
 * schema only when the key is present, and `allOf` is a conjunction): tested against the run-time
 * compiled schema on every bundled scenario, the bad-input corpus and mutations of them
 * (test/validator-standalone.test.ts). A PB1 scenario loads ~0.1 MB of the parts instead.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

type Schema = Record<string, unknown>;
type Check = (data: unknown) => boolean;

/** Top-level keys checked by a part of their own (the heavy ones). */
export const QUICK_KEYS = ['world', 'workloads', 'faults', 'cluster'] as const;

/** The folder (beside this module) the build writes the parts into (see standalone.ts). */
export const QUICK_DIR = 'quick-check';

/**
 * The quick check's parts, cut from the full scenario schema `schema` (see the module doc).
 *
 * @example Object.keys(quickCheckParts(scenarioSchema())) // ['top', 'engine', 'world', …, 'engine-albatross', …]
 */
export function quickCheckParts(schema: Schema): Record<string, Schema> {
  const props = schema['properties'] as Record<string, Schema>;
  const { allOf, ...engineBase } = props['engine']!;
  const top: Schema = { ...schema, properties: { ...props, engine: true, ...Object.fromEntries(QUICK_KEYS.map((k) => [k, true])) } };
  const parts: Record<string, Schema> = { top, engine: engineBase };
  for (const key of QUICK_KEYS) parts[key] = props[key]!;
  for (const branch of allOf as Schema[]) {
    const name = ((branch['if'] as Schema)['properties'] as Record<string, Schema>)['name']!['const'] as string;
    parts[`engine-${name}`] = branch['then'] as Schema;
  }
  return parts;
}

/**
 * True when `data` passes every part `part(name)` returns (a part's check, loaded on demand).
 *
 * @example passesParts(doc, (name) => checks[name]) // true for a valid scenario
 */
export function passesParts(data: unknown, part: (name: string) => Check): boolean {
  if (!part('top')(data)) return false;
  const doc = data as Record<string, unknown>;
  for (const key of QUICK_KEYS) if (doc[key] !== undefined && !part(key)(doc[key])) return false;
  // `top` requires `engine`; `engine` requires its name to be one of the engines
  const engine = doc['engine'] as Record<string, unknown>;
  return part('engine')(engine) && part(`engine-${String(engine['name'])}`)(engine);
}

const loaded = new Map<string, Check>();

/** The precompiled part `name`, loaded once; undefined when the build did not write it. */
function precompiledPart(name: string): Check | undefined {
  let check = loaded.get(name);
  if (check === undefined) {
    const file = fileURLToPath(new URL(`./${QUICK_DIR}/${name}.cjs`, import.meta.url));
    if (!existsSync(file)) return undefined;
    check = createRequire(import.meta.url)(file) as Check;
    loaded.set(name, check);
  }
  return check;
}

/**
 * Whether `data` is a valid scenario, by the precompiled parts; undefined when they are not
 * there (run from the sources, e.g. under vitest): then ask the full validator.
 *
 * @example quickCheck(parse(fs.readFileSync('scenarios/bench-pb1.yaml', 'utf8'))) // true
 */
export function quickCheck(data: unknown): boolean | undefined {
  if (precompiledPart('top') === undefined) return undefined;
  return passesParts(data, (name) => {
    const check = precompiledPart(name);
    if (check === undefined) throw new Error(`the precompiled scenario check ${QUICK_DIR}/${name}.cjs is missing: run npm run build`);
    return check;
  });
}
