/**
 * Clone names as mollymawk reads and makes them (`autoscaler.ml`, `Cluster_manager`):
 * `<primary>-clone-<id>`, the id parsed by OCaml's `int_of_string_opt` and the next name built
 * from the highest id + 1 (`next_id`), refused when the label would be longer than albatross
 * allows (63 characters).
 */

/** Longest unikernel label albatross accepts (`Vmm_core.Name.Label`). */
export const MAX_LABEL_LENGTH = 63;

/** OCaml's `max_int` on 64-bit systems (63-bit ints), 2^62 − 1. */
const MAX_INT = (1n << 62n) - 1n;

/**
 * OCaml's `int_of_string_opt` (runtime `parse_intnat`, 63-bit `int`): an optional `-` or `+`,
 * an optional base prefix `0x`/`0X`, `0o`/`0O`, `0b`/`0B` or `0u`/`0U`, then at least one digit
 * of the base; `_` is skipped after the first digit. Decimal must fit in [min_int, max_int];
 * the prefixed (unsigned) forms accept up to 2^63 − 1 and wrap to negative above max_int.
 * Returns a JS number (exact up to 2^53; beyond that the nearest double).
 *
 * @example intOfStringOpt('07') // 7
 * @example intOfStringOpt('0x1f') // 31
 * @example intOfStringOpt('1_') // 1
 * @example intOfStringOpt('_1') // null
 */
export function intOfStringOpt(text: string): number | null {
  let p = 0;
  let negative = false;
  if (text[p] === '-') {
    negative = true;
    p++;
  } else if (text[p] === '+') {
    p++;
  }
  let base = 10n;
  let signed = true;
  if (text[p] === '0') {
    const c = text[p + 1];
    if (c === 'x' || c === 'X') [base, signed, p] = [16n, false, p + 2];
    else if (c === 'o' || c === 'O') [base, signed, p] = [8n, false, p + 2];
    else if (c === 'b' || c === 'B') [base, signed, p] = [2n, false, p + 2];
    else if (c === 'u' || c === 'U') [signed, p] = [false, p + 2];
  }
  const first = digit(text[p], base);
  if (first === null) return null;
  let value = first;
  const limit = (1n << 63n) - 1n; // the unsigned range of a 63-bit int
  for (p++; p < text.length; p++) {
    if (text[p] === '_') continue;
    const d = digit(text[p], base);
    if (d === null) return null;
    value = value * base + d;
    if (value > limit) return null;
  }
  if (signed) {
    if (negative ? value > MAX_INT + 1n : value > MAX_INT) return null;
  }
  // unsigned forms wrap into the signed range, as the runtime's cast does
  let result = value > MAX_INT ? value - (1n << 63n) : value;
  if (negative) result = -result;
  return Number(result);
}

/** The value of one digit character in `base`, or null. */
function digit(c: string | undefined, base: bigint): bigint | null {
  if (c === undefined) return null;
  const code = c.charCodeAt(0);
  let d: number;
  if (code >= 48 && code <= 57) d = code - 48;
  else if (code >= 97 && code <= 122) d = code - 87;
  else if (code >= 65 && code <= 90) d = code - 55;
  else return null;
  return BigInt(d) < base ? BigInt(d) : null;
}

/**
 * The clone id in `<group>-clone-<id>`, or null when `name` is not a clone of `group`
 * (`extract_name_and_clone_id`: split on `-`, the last part is the id, the one before must be
 * `clone`, the rest is the primary's name). Ids 0, 07 or 0x1f are clones too.
 *
 * @example cloneIdOf('web', 'web-clone-07') // 7
 * @example cloneIdOf('web', 'web-clone-1a') // null
 */
export function cloneIdOf(group: string, name: string): number | null {
  const stem = `${group}-clone-`;
  if (name.length <= stem.length || !name.startsWith(stem)) return null;
  const id = name.slice(stem.length);
  if (id.includes('-')) return null; // the id is the text after the last '-'
  return intOfStringOpt(id);
}

/**
 * The label of a unikernel name: the part after the user (`alice:web` → `web`).
 *
 * @example labelOf('alice:web-clone-1') // 'web-clone-1'
 */
export function labelOf(name: string): string {
  return name.slice(name.lastIndexOf(':') + 1);
}

/**
 * Name of the next clone (`next_clone_name`): `<group>-clone-<next_id>`, next_id = highest clone
 * id + 1 (1 without clones; `update_next_id` folds from 0, so ids ≤ 0 do not count). null when
 * the label would be over 63 characters: albatross has no such name, so no clone can be made.
 *
 * @example nextCloneName('web', [3, 1]) // 'web-clone-4'
 */
export function nextCloneName(group: string, cloneIds: readonly number[]): string | null {
  let highest = 0;
  for (const id of cloneIds) if (id > highest) highest = id;
  const name = `${group}-clone-${highest + 1}`;
  return labelOf(name).length > MAX_LABEL_LENGTH ? null : name;
}
