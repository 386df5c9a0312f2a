/**
 * `--set key=value` overrides, applied to the parsed YAML before validation. The key is a
 * dotted path with optional indices (`engine.config.scale_up_threshold_percent`,
 * `workloads[0].vcpus`, `workloads.0.vcpus`); the value is read as YAML, so `85` is a number,
 * `600s` a string, `true` a boolean and `[1,2]` a list. Setting a key that does not exist
 * creates it; validation then rejects it if the schema does not know it.
 */
import { parse as parseYaml } from '../vendor/yaml.js';
import { InputError } from './errors.js';
import { formatPath, parseKeyPath, type KeyPath } from './paths.js';

/** Location given for errors about `--set` values. */
export const SET_LOCATION = '--set';

/** One `key=value` override, read. */
export interface ParsedSet {
  text: string;
  path: KeyPath;
  value: unknown;
}

/** A document with overrides applied, and the path each override resolved to. */
export interface AppliedSets {
  doc: unknown;
  /** Paths as applied: `.0` on a list became the index 0. */
  paths: KeyPath[];
}

/**
 * Apply `key=value` overrides to a parsed document, returning a new document (the input is not
 * changed).
 *
 * @example applySets({ seed: 1 }, ['seed=7', 'world.stats_interval=5s']) // { seed: 7, world: { stats_interval: '5s' } }
 */
export function applySets(doc: unknown, sets: readonly string[]): unknown {
  return applySetsTracked(doc, sets).doc;
}

/** `applySets`, also reporting where each override landed (for error locations). */
export function applySetsTracked(doc: unknown, sets: readonly string[]): AppliedSets {
  let root: unknown = doc === null || doc === undefined ? {} : structuredClone(doc);
  const paths: KeyPath[] = [];
  for (const text of sets) {
    const set = parseSet(text);
    paths.push(setAt(root, set));
  }
  if (sets.length === 0) root = doc;
  return { doc: root, paths };
}

/**
 * Read one override. Throws `--set: expected key=value, got "…"` when it is not of that form.
 *
 * @example parseSet('workloads[0].vcpus=2') // { path: ['workloads', 0, 'vcpus'], value: 2, … }
 */
export function parseSet(text: string): ParsedSet {
  const eq = text.indexOf('=');
  const path = eq > 0 ? parseKeyPath(text.slice(0, eq).trim()) : undefined;
  if (path === undefined || path.includes('__proto__')) {
    throw new InputError(`expected key=value, got ${JSON.stringify(text)}`, { file: SET_LOCATION });
  }
  const valueText = text.slice(eq + 1);
  try {
    return { text, path, value: parseYaml(valueText, { prettyErrors: false }) as unknown };
  } catch (err) {
    const reason = (err as Error).message.split('\n')[0];
    throw new InputError(`cannot read value ${JSON.stringify(valueText)}: ${reason}`, { file: SET_LOCATION, key: formatPath(path) });
  }
}

/** Write one override into `root` (mutating it), creating missing maps and lists on the way. */
function setAt(root: unknown, set: ParsedSet): KeyPath {
  const applied: Array<string | number> = [];
  let node = root;
  set.path.forEach((seg, i) => {
    const last = i === set.path.length - 1;
    const key = Array.isArray(node) ? listIndex(node, seg, [...applied, seg]) : mapKey(node, seg, applied);
    applied.push(key);
    const holder = node as Record<string | number, unknown>;
    if (last) {
      holder[key] = set.value;
      return;
    }
    if (holder[key] === undefined || holder[key] === null) holder[key] = typeof set.path[i + 1] === 'number' ? [] : {};
    node = holder[key];
  });
  return applied;
}

/** The index `seg` names in `list`; at most one past the end (which appends). */
function listIndex(list: unknown[], seg: string | number, at: KeyPath): number {
  const index = typeof seg === 'number' ? seg : /^\d+$/.test(seg) ? Number(seg) : Number.NaN;
  if (Number.isNaN(index)) throw new InputError(`${formatPath(at.slice(0, -1)) || 'the scenario'} is a list; use an index such as [0]`, { file: SET_LOCATION, key: formatPath(at) });
  if (index > list.length) throw new InputError(`index ${index} is out of range (the list has ${list.length} items)`, { file: SET_LOCATION, key: formatPath(at) });
  return index;
}

/** The key `seg` names in `node`, which must be a map. */
function mapKey(node: unknown, seg: string | number, at: KeyPath): string {
  if (node === null || typeof node !== 'object') {
    const where = at.length > 0 ? formatPath(at) : 'the scenario';
    throw new InputError(`cannot set a key inside ${where}: it is not a mapping`, { file: SET_LOCATION, key: formatPath([...at, seg]) });
  }
  return String(seg);
}
