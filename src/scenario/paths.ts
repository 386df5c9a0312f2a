/**
 * Key paths into a scenario document: `['workloads', 0, 'load', 'base']`, written
 * `workloads[0].load.base` in messages and in `--set`.
 */

/** Segments of a key path: map keys as strings, list indices as numbers. */
export type KeyPath = ReadonlyArray<string | number>;

/**
 * Format a key path the way users write it.
 *
 * @example formatPath(['workloads', 0, 'load', 'base']) // 'workloads[0].load.base'
 */
export function formatPath(path: KeyPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

const SEGMENT = /\.?([A-Za-z0-9_-]+)|\[(\d+)\]/y;

/**
 * Read a dotted key path with optional indices. `[n]` gives a number segment; `.0` gives the
 * string `'0'` (an index when it meets a list). Returns undefined when the text is not a path.
 *
 * @example parseKeyPath('workloads[0].vcpus') // ['workloads', 0, 'vcpus']
 * @example parseKeyPath('workloads.0.vcpus')  // ['workloads', '0', 'vcpus']
 */
export function parseKeyPath(text: string): KeyPath | undefined {
  const path: Array<string | number> = [];
  let i = 0;
  while (i < text.length) {
    SEGMENT.lastIndex = i;
    const match = SEGMENT.exec(text);
    if (!match) return undefined;
    const dotted = match[0].startsWith('.');
    if (match[1] !== undefined && dotted === (i === 0)) return undefined; // names: no dot first, a dot after
    path.push(match[2] !== undefined ? Number(match[2]) : match[1]!);
    i = SEGMENT.lastIndex;
  }
  return path.length > 0 ? path : undefined;
}

/** True when `prefix` is a (non-strict) prefix of `path`, comparing segments as text. */
export function isPrefix(prefix: KeyPath, path: KeyPath): boolean {
  return prefix.length <= path.length && prefix.every((seg, i) => String(seg) === String(path[i]));
}
