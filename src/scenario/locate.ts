/**
 * Where a key of a scenario came from: a line of the YAML file, or `--set` when an override
 * wrote it. Used to put `file:line: key:` in front of every message.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter } from '../vendor/yaml.js';
import type { InputLocation } from './errors.js';
import { SET_LOCATION } from './overrides.js';
import { formatPath, isPrefix, type KeyPath } from './paths.js';

/** Turns a key path into the location to report it at. */
export type Locator = (path: KeyPath) => InputLocation;

/** The YAML node reached by following a path as far as it goes. */
interface Reached {
  /** How many segments of the path were found in the YAML. */
  depth: number;
  /** Start offset of the deepest key (or list item) found; undefined for an empty document. */
  offset: number | undefined;
}

/**
 * Build the locator for one scenario: the parsed document, its line counter, the file name and
 * the paths `--set` overrides wrote to.
 */
export function makeLocator(doc: Document, lines: LineCounter, file: string, setPaths: readonly KeyPath[]): Locator {
  return (path) => {
    const key = formatPath(path);
    const reached = follow(doc, path);
    const madeBySet = setPaths.some((set) => isPrefix(set, path) || (reached.depth < path.length && isPrefix(path.slice(0, reached.depth + 1), set)));
    if (madeBySet) return { file: SET_LOCATION, key };
    const line = reached.offset === undefined ? 1 : lines.linePos(reached.offset).line;
    return { file, line, key };
  };
}

/** Follow `path` through the YAML nodes: map keys by their text, list items by index. */
function follow(doc: Document, path: KeyPath): Reached {
  let node: unknown = doc.contents;
  let offset = startOf(node);
  let depth = 0;
  for (const seg of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => keyText(p.key) === String(seg));
      if (pair === undefined) break;
      offset = startOf(pair.key) ?? startOf(pair.value) ?? offset;
      node = pair.value;
    } else if (isSeq(node)) {
      const item: unknown = node.items[Number(seg)];
      if (item === undefined) break;
      offset = startOf(item) ?? offset;
      node = item;
    } else {
      break;
    }
    depth += 1;
  }
  return { depth, offset };
}

/** The text of a map key node. */
function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

/** Start offset of a YAML node, if it has a range. */
function startOf(node: unknown): number | undefined {
  if (node !== null && typeof node === 'object' && 'range' in node) {
    const range = (node as { range?: [number, number, number] | null }).range;
    return range ? range[0] : undefined;
  }
  return undefined;
}
