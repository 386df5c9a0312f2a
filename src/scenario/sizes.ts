/**
 * Memory sizes as written in scenarios. Binary units (KiB, MiB, GiB, TiB) are powers of 1024,
 * decimal units (KB, MB, GB, TB) powers of 1000; `B` or a bare integer is bytes.
 */
import { InputError } from './errors.js';

const UNITS: Record<string, number> = {
  B: 1,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  TiB: 1024 ** 4,
  KB: 1000,
  MB: 1000 ** 2,
  GB: 1000 ** 3,
  TB: 1000 ** 4,
};

const SIZE = /^(\d+(?:\.\d+)?)\s*([A-Za-z]+)$/;

/**
 * Parse a size into whole bytes (rounded to the nearest byte). Units are case-sensitive:
 * B, KiB, MiB, GiB, TiB, KB, MB, GB, TB. A bare integer (number or digit string) is bytes.
 * Throws an `InputError` without a location; callers add the file and key.
 *
 * @example parseSize('256MiB') // 268_435_456
 * @example parseSize('1.5GiB') // 1_610_612_736
 * @example parseSize(4096)     // 4096
 */
export function parseSize(text: string | number): number {
  if (typeof text === 'number') return bytesFromNumber(text);
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return bytesFromNumber(Number(trimmed));
  const match = SIZE.exec(trimmed);
  if (!match) throw new InputError(`cannot read size "${text}" (use e.g. 256MiB, 64GiB; units B, KiB, MiB, GiB, TiB, KB, MB, GB, TB)`);
  const unit = UNITS[match[2]!];
  if (unit === undefined) throw new InputError(`unknown unit "${match[2]}" in size "${text}" (units B, KiB, MiB, GiB, TiB, KB, MB, GB, TB)`);
  return bytesFromNumber(Math.round(Number(match[1]) * unit));
}

/** A plain number of bytes: a non-negative safe integer. */
function bytesFromNumber(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new InputError(`size ${n} is not a whole, non-negative number of bytes`);
  return n;
}
