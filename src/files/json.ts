/**
 * JSON written a piece at a time: the same bytes as `JSON.stringify(value, null, 2)`, but the
 * outer levels of plain objects are walked here and only their leaves are stringified, so a
 * summary with thousands of groups never exists as one multi-megabyte string (plus its UTF-8
 * copy) at the end of a run.
 */
import { AtomicFile } from './atomic.js';

/** True for what JSON.stringify leaves out of an object (undefined, functions, symbols). */
function skipped(v: unknown): boolean {
  return v === undefined || typeof v === 'function' || typeof v === 'symbol';
}

/** A plain object (not an array, not null, no toJSON) that this module walks itself. */
function walkable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as { toJSON?: unknown }).toJSON !== 'function';
}

/**
 * The pieces of `JSON.stringify(value, null, 2)` for `value` at indentation `indent`, walking
 * `depth` levels of plain objects (deeper values are stringified whole). Joined, the pieces are
 * exactly the stringified text.
 *
 * @example [...jsonPieces({ a: { b: 1 } }, 1)].join('') === JSON.stringify({ a: { b: 1 } }, null, 2) // true
 */
export function* jsonPieces(value: unknown, depth: number, indent = ''): Generator<string> {
  if (depth <= 0 || !walkable(value)) {
    const text = JSON.stringify(value, null, 2);
    yield indent === '' ? text : text.replaceAll('\n', `\n${indent}`);
    return;
  }
  const keys = Object.keys(value).filter((k) => !skipped(value[k]));
  if (keys.length === 0) {
    yield '{}';
    return;
  }
  const inner = `${indent}  `;
  yield '{\n';
  for (let i = 0; i < keys.length; i++) {
    yield `${inner}${JSON.stringify(keys[i])}: `;
    yield* jsonPieces(value[keys[i]!], depth - 1, inner);
    yield i + 1 < keys.length ? ',\n' : '\n';
  }
  yield `${indent}}`;
}

/**
 * Write `JSON.stringify(value, null, 2) + '\n'` to `file` atomically, a piece at a time (see
 * {@link jsonPieces}; `depth` plain-object levels are walked).
 *
 * @example writeJsonAtomic('reports/x/summary.json', summary, 2)
 */
export function writeJsonAtomic(file: string, value: unknown, depth: number): void {
  const out = new AtomicFile(file);
  try {
    // UTF-8 straight into one reused 64 KiB block: no joined strings, no per-write copies
    const block = Buffer.allocUnsafe(65_536);
    let used = 0;
    const put = (text: string): void => {
      if (used + text.length * 3 > block.length) {
        if (used > 0) out.writeBytes(block.subarray(0, used));
        used = 0;
        if (text.length * 3 > block.length) {
          out.writeBytes(Buffer.from(text, 'utf8'));
          return;
        }
      }
      used += block.write(text, used, 'utf8');
    };
    for (const piece of jsonPieces(value, depth)) put(piece);
    put('\n');
    if (used > 0) out.writeBytes(block.subarray(0, used));
  } catch (err) {
    out.abort();
    throw err;
  }
  out.commit();
}
