/**
 * Load a scenario: read the YAML, apply `--set` overrides, validate against the schema, run the
 * semantic checks and resolve into a `Scenario`. Every problem is an `InputError` of one line,
 * `file:line: key: message` (or `--set: key: message` for a value an override wrote); only the
 * first problem is reported.
 */
import { readTextInput } from '../files/inputs.js';
import { LineCounter, parseDocument, type Document } from '../vendor/yaml.js';
import type { ErrorObject } from 'ajv';
import { InputError, type InputLocation } from './errors.js';
import { makeLocator, type Locator } from './locate.js';
import { applySetsTracked, SET_LOCATION } from './overrides.js';
import type { KeyPath } from './paths.js';
import type { RawScenario } from './raw.js';
import { resolveScenario } from './resolve.js';
import { scenarioValidator } from './schema.js';
import { quickCheck } from './quick-check.js';
import { show } from './context.js';
import type { Scenario } from './types.js';

export interface LoadOptions {
  /** `key=value` overrides, applied in order before validation. */
  sets?: readonly string[];
  /** Overrides the scenario's `seed`. */
  seed?: number;
  /** Let trace files lie outside the scenario's folder and the working directory. */
  allowOutside?: boolean;
}

/**
 * Read and resolve the scenario file at `path`.
 *
 * @example loadScenario('scenarios/albatross-default.yaml', { sets: ['engine.variant=corrected'], seed: 7 })
 */
export function loadScenario(path: string, opts: LoadOptions = {}): Scenario {
  return parseScenarioText(readScenarioFile(path), path, opts);
}

/** Resolve scenario YAML `text`; `file` is used in messages and to resolve trace paths. */
export function parseScenarioText(text: string, file: string, opts: LoadOptions = {}): Scenario {
  return scenarioParser(text, file)(opts);
}

/**
 * Parse scenario YAML `text` once and return a function that resolves it with any overrides
 * and seed — what a sweep worker does for each of its runs, without parsing the YAML again.
 * A YAML syntax error is thrown here; everything else when the function is called.
 *
 * @example const resolve = scenarioParser(text, file); resolve({ seed: 1 }); resolve({ seed: 2 });
 */
export function scenarioParser(text: string, file: string): (opts?: LoadOptions) => Scenario {
  const lines = new LineCounter();
  const doc = parseYaml(text, file, lines);
  const plain = toPlainData(doc, file);
  // a run with overrides gets its own copy from applySetsTracked; one without needs one here
  return (opts = {}) => resolveParsed(doc, lines, file, (opts.sets?.length ?? 0) > 0 ? plain : structuredClone(plain), opts);
}

/** Apply the overrides to a private copy of the parsed data, validate and resolve it. */
function resolveParsed(doc: Document, lines: LineCounter, file: string, plain: unknown, opts: LoadOptions): Scenario {
  const { doc: data, paths } = applySetsTracked(plain, opts.sets ?? []);
  const locate = makeLocator(doc, lines, file, paths);
  defaultEngineName(data);
  validate(data, locate);
  const raw = data as RawScenario;
  const fail = (path: KeyPath, message: string): never => {
    throw new InputError(message, locate(path));
  };
  return resolveScenario(raw, { file, seed: opts.seed ?? raw.seed ?? 1, fail, ...(opts.allowOutside ? { allowOutside: true } : {}) });
}

/**
 * `engine.name` defaults to `replica` (the generic dialect, docs/engines/replica.md) when
 * `engine.kind` is `module` or `external`; it stays required for built-in engines. Done on the
 * parsed document before validation, since the schema's per-engine branches key on the name.
 * `data` is the run's private copy (see `scenarioParser`).
 *
 * @example defaultEngineName({ engine: { kind: 'external', command: ['python3', 'p.py'] } }) // engine.name is now 'replica'
 */
export function defaultEngineName(data: unknown): void {
  if (data === null || typeof data !== 'object') return;
  const engine = (data as Record<string, unknown>)['engine'];
  if (engine === null || typeof engine !== 'object' || Array.isArray(engine)) return;
  const e = engine as Record<string, unknown>;
  if (e['name'] === undefined && (e['kind'] === 'module' || e['kind'] === 'external')) e['name'] = 'replica';
}

/**
 * The file's text; a missing or unreadable file, a directory, a device, a file over 4 MiB or a
 * line over 1 MiB is an `InputError` naming it (src/files/inputs.ts).
 */
export function readScenarioFile(path: string): string {
  return readTextInput(path, 'scenario');
}

/** Parse YAML keeping node positions; the first syntax error is thrown with its line. */
function parseYaml(text: string, file: string, lines: LineCounter): Document {
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, merge: true });
  const first = doc.errors[0];
  if (first !== undefined) {
    const line = lines.linePos(first.pos[0]).line;
    throw new InputError(`invalid YAML: ${first.message.split('\n')[0]}`, { file, line });
  }
  return doc;
}

/** The document as plain JavaScript data. */
function toPlainData(doc: Document, file: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: 1000 }) as unknown;
  } catch (err) {
    throw new InputError(`invalid YAML: ${(err as Error).message.split('\n')[0]}`, { file });
  }
}

/** Schema validation; throws the schema error that comes first (`--set` first, then by line). */
function validate(data: unknown, locate: Locator): void {
  // a valid scenario never loads the full validator, which is only needed to word an error
  if (quickCheck(data) === true) return;
  const check = scenarioValidator();
  if (check(data)) return;
  const problems = (check.errors ?? []).filter((e) => e.keyword !== 'if').map((e) => describeError(e, data, locate));
  problems.sort((a, b) => rank(a) - rank(b));
  const first = problems[0];
  if (first !== undefined) throw new InputError(first.message, first.where);
  throw new InputError('does not match the scenario format', locate([]));
}

/**
 * Sort key of a problem: overrides first, then file order; a missing required key comes after
 * everything else, as it is often the echo of a misspelled key reported as unknown.
 */
function rank(problem: Problem): number {
  const line = problem.where.file === SET_LOCATION ? -1 : (problem.where.line ?? 0);
  return problem.keyword === 'required' ? Number.MAX_SAFE_INTEGER / 2 + line : line;
}

/** One schema error, worded and located. */
interface Problem {
  keyword: string;
  message: string;
  where: InputLocation;
}

/** An ajv error as a message and the location of the key it is about. */
function describeError(err: ErrorObject, data: unknown, locate: Locator): Problem {
  return { keyword: err.keyword, ...wordError(err, data, locate) };
}

/** The message and location for one ajv error. */
function wordError(err: ErrorObject, data: unknown, locate: Locator): { message: string; where: InputLocation } {
  const at = pointerToPath(err.instancePath, data);
  const params = err.params as Record<string, unknown>;
  const parent = (err.parentSchema ?? {}) as Record<string, unknown>;
  const expect = typeof parent['expect'] === 'string' ? parent['expect'] : undefined;
  const got = `got ${show(err.data)}`;
  switch (err.keyword) {
    case 'additionalProperties': {
      const known = Object.keys((parent['properties'] ?? {}) as object);
      return { message: `unknown key; expected one of: ${known.join(', ')}`, where: locate([...at, String(params['additionalProperty'])]) };
    }
    case 'required':
      return { message: 'required key is missing', where: locate([...at, String(params['missingProperty'])]) };
    case 'type':
      return { message: `must be ${expect ?? typeWords(params['type'])}, ${got}`, where: locate(at) };
    case 'enum': {
      const noun = typeof parent['noun'] === 'string' ? parent['noun'] : 'value';
      const allowed = (params['allowedValues'] as unknown[]).map(String).join(', ');
      return { message: `unknown ${noun} ${show(err.data)}; expected one of: ${allowed}`, where: locate(at) };
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { message: `must be ${params['comparison']} ${params['limit']}, ${got}`, where: locate(at) };
    case 'minLength':
      return { message: 'must not be empty', where: locate(at) };
    case 'minItems':
    case 'maxItems':
      return { message: expect ? `must be ${expect}` : `must have ${err.keyword === 'minItems' ? 'at least' : 'at most'} ${params['limit']} item(s)`, where: locate(at) };
    case 'pattern':
      return { message: `must be ${expect ?? err.message ?? 'valid'}, ${got}`, where: locate(at) };
    case 'minProperties':
    case 'maxProperties':
      return { message: `must be ${expect ?? err.message ?? 'valid'}`, where: locate(at) };
    default:
      return { message: err.message ?? 'is not valid', where: locate(at) };
  }
}

/** ajv type names in words. */
function typeWords(type: unknown): string {
  const words: Record<string, string> = { object: 'a mapping', array: 'a list', string: 'a string', number: 'a number', integer: 'an integer', boolean: 'true or false', null: 'null' };
  const types = Array.isArray(type) ? type : String(type).split(',');
  return types.map((t) => words[String(t)] ?? String(t)).join(' or ');
}

/** A JSON pointer (`/workloads/0/load`) as a key path, list indices as numbers. */
function pointerToPath(pointer: string, data: unknown): KeyPath {
  const path: Array<string | number> = [];
  let node = data;
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    const seg = Array.isArray(node) ? Number(key) : key;
    path.push(seg);
    node = node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>)[seg] : undefined;
  }
  return path;
}
