/** Shared by the tests: running the CLI in-process, and catching the one-line input errors. */
import { vi } from 'vitest';
import { main } from '../src/cli/main.js';
import { InputError } from '../src/scenario/errors.js';

/** Run `scalelab ARGS…` in-process, capturing what it writes: exit code, stdout, stderr. */
export async function runCli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => ((out += String(c)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => ((err += String(c)), true));
  try {
    const code = await main(['node', 'scalelab', ...args]);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

/** The `InputError` that `fn` throws; anything else (or nothing) fails the test. */
export function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected an InputError');
}
