/**
 * JSON written a piece at a time: the same bytes as `JSON.stringify(value, null, 2)`, but the
 * outer levels of plain objects are walked here, each value below them is one JSON.stringify,
 * and everything is UTF-8-encoded straight into one reused 64 KiB block. A summary with thousands
 * of groups never exists as one multi-megabyte string, and writing it makes little garbage. That
 * matters for peak RSS: at the end of a run the summary is alive, so every scavenge the writing
 * triggers copies it and counts it as a survivor, and V8 doubles its young generation (to
 * 2 × 16 MiB) after enough survivors. PB1 measured side by side: 99–112 MB peak with
 * `JSON.stringify(summary, null, 2)`, 86–90 MB (one run in five 103 MB) with this.
 */
import { AtomicFile } from './atomic.js';

/** Indentation by level (two spaces a level), built once. */
const INDENT: string[] = [''];

/** The indentation of `level`. */
function indentOf(level: number): string {
  while (INDENT.length <= level) INDENT.push(`${INDENT[INDENT.length - 1]}  `);
  return INDENT[level]!;
}

/** True for what JSON.stringify leaves out of an object (undefined, functions, symbols). */
function skipped(v: unknown): boolean {
  return v === undefined || typeof v === 'function' || typeof v === 'symbol';
}

/** A plain object (not an array, not null, no toJSON) that this module walks itself. */
function walkable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as { toJSON?: unknown }).toJSON !== 'function';
}

/**
 * An object may carry, under this symbol (not enumerable, so JSON.stringify, Object.keys and
 * spreading never see it), a function giving a member's JSON text without reading the member:
 * `(key, indent) => text | undefined`, where text is `JSON.stringify(obj[key], null, 2)` with
 * `indent` after every line break, and undefined means "read the member as usual". The summary's
 * per-group sets use it (src/run/summary-file.ts): each group's text is put together from its
 * numbers, not from a set of objects stringified and re-indented.
 *
 * @example Object.defineProperty(groups, MEMBER_JSON, { value: (key, indent) => textOf(key, indent) })
 */
export const MEMBER_JSON: unique symbol = Symbol('scalelab.memberJson');

/** A member's JSON text, made by its owner (see {@link MEMBER_JSON}). */
export type MemberJson = (key: string, indent: string) => string | undefined;

/** The {@link MEMBER_JSON} function of `value`, if it has one. */
function memberJsonOf(value: object): MemberJson | undefined {
  const f = (value as { [MEMBER_JSON]?: unknown })[MEMBER_JSON];
  return typeof f === 'function' ? (f as MemberJson) : undefined;
}

/** Characters JSON.stringify escapes in a string: quote, backslash, controls, lone surrogates. */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** Emit a string as JSON.stringify would (quoted; escaped when it has to be). */
function emitString(s: string, put: (text: string) => void): void {
  if (NEEDS_ESCAPE.test(s)) {
    put(JSON.stringify(s));
    return;
  }
  put('"');
  put(s);
  put('"');
}

/** Where emitted JSON goes: plain text, and text whose line breaks get `indent` after them. */
export interface JsonSink {
  put(text: string): void;
  putIndented(text: string, indent: string): void;
}

/**
 * Emit `JSON.stringify(value, null, 2)` for `value` at indentation `level` into `sink`, walking
 * `depth` levels of plain objects; deeper values, arrays and objects with `toJSON` are
 * stringified whole by JSON.stringify (fast, one string each) and re-indented by the sink.
 *
 * @example jsonText({ a: { b: 1 } }, 1) === JSON.stringify({ a: { b: 1 } }, null, 2) // true
 */
export function emitJson(value: unknown, level: number, sink: JsonSink, depth = Infinity): void {
  const put = (text: string): void => sink.put(text);
  if (typeof value === 'string') return emitString(value, put);
  if (depth <= 0 || !walkable(value)) {
    const text = JSON.stringify(value, null, 2);
    if (level === 0) put(text);
    else sink.putIndented(text, indentOf(level));
    return;
  }
  let first = true;
  const direct = memberJsonOf(value);
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    // a member's text made without building the member (see MEMBER_JSON), when its owner can
    const text = direct?.(key, indentOf(level + 1));
    // read once otherwise: a lazy member (summary-file.ts lazyGroupSets) builds its value on each read
    const member = text === undefined ? value[key] : undefined;
    if (text === undefined && skipped(member)) continue;
    put(first ? '{\n' : ',\n');
    first = false;
    put(indentOf(level + 1));
    emitString(key, put);
    put(': ');
    if (text !== undefined) put(text);
    else emitJson(member, level + 1, sink, depth - 1);
  }
  if (first) {
    put('{}');
    return;
  }
  put('\n');
  put(indentOf(level));
  put('}');
}

/**
 * `JSON.stringify(value, null, 2)` built by {@link emitJson} (for tests and small values).
 *
 * @example jsonText({ a: [1] }) === JSON.stringify({ a: [1] }, null, 2) // true
 */
export function jsonText(value: unknown, depth = Infinity): string {
  let text = '';
  emitJson(value, 0, { put: (t) => (text += t), putIndented: (t, indent) => (text += t.replaceAll('\n', `\n${indent}`)) }, depth);
  return text;
}

/**
 * A piece of at least this many UTF-16 code units is encoded with one native `Buffer.write`
 * (after one native `replaceAll` for its indentation) instead of the code-unit loop: the
 * loop costs ~30 ns a byte before it is optimised, and a 1,000-group summary is 2.8 MB of such
 * pieces (PB1 for 10 simulated seconds: ~90 ms of its start-to-end ~0.6 s). Lone surrogates
 * come out the same either way (JSON.stringify has escaped them; see `write`).
 */
const LONG_PIECE = 256;

/**
 * Write `JSON.stringify(value, null, 2) + '\n'` to `file` atomically, a piece at a time (see
 * {@link emitJson}; `depth` plain-object levels walked, each value below them one
 * JSON.stringify).
 *
 * @example writeJsonAtomic('reports/x/summary.json', summary, 2) // one string a group
 */
export function writeJsonAtomic(file: string, value: unknown, depth = Infinity): void {
  const out = new AtomicFile(file);
  try {
    // UTF-8 straight into one reused 64 KiB block: no joined strings, no per-write copies
    const block = Buffer.allocUnsafe(65_536);
    let used = 0;
    const flush = (): void => {
      if (used > 0) out.writeBytes(block.subarray(0, used));
      used = 0;
    };
    // a long piece (a group's metric set, kilobytes): re-indented and encoded natively at once
    const writeLong = (text: string, indent: string): void => {
      const s = indent === '' ? text : text.replaceAll('\n', `\n${indent}`);
      // at most 3 UTF-8 bytes a UTF-16 code unit (a surrogate pair: 4 bytes for 2 units)
      if (used + s.length * 3 > block.length) flush();
      if (s.length * 3 > block.length) out.writeBytes(Buffer.from(s, 'utf8'));
      else used += block.write(s, used, 'utf8');
    };
    // UTF-8 encoded here, a code unit at a time (a Buffer.write per short piece costs more),
    // with `indent` after every line break
    const write = (text: string, indent: string): void => {
      if (text.length >= LONG_PIECE) return writeLong(text, indent);
      for (let i = 0; i < text.length; i++) {
        if (used + indent.length + 4 > block.length) flush();
        const c = text.charCodeAt(i);
        if (c < 0x80) {
          block[used++] = c;
          if (c === 10) for (let k = 0; k < indent.length; k++) block[used++] = indent.charCodeAt(k);
        } else if (c < 0x800) {
          block[used++] = 0xc0 | (c >> 6);
          block[used++] = 0x80 | (c & 0x3f);
        } else if (c < 0xd800 || c > 0xdfff) {
          block[used++] = 0xe0 | (c >> 12);
          block[used++] = 0x80 | ((c >> 6) & 0x3f);
          block[used++] = 0x80 | (c & 0x3f);
        } else {
          // a surrogate pair (JSON.stringify has escaped any lone one): Buffer.write encodes it
          const pair = text.slice(i, i + 2);
          used += block.write(pair, used, 'utf8');
          i += pair.length - 1;
        }
      }
    };
    const put = (text: string): void => write(text, '');
    const putIndented = (text: string, indent: string): void => write(text, indent);
    emitJson(value, 0, { put, putIndented }, depth);
    put('\n');
    flush();
  } catch (err) {
    out.abort();
    throw err;
  }
  out.commit();
}
