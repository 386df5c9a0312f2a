/**
 * Where outputs may go. An output folder is created one level at a time, remembering (by real
 * path) the folders this process created, so a failed run removes exactly those — never a
 * folder that was there before, whatever `..` or links the path holds. Outputs are refused
 * where writing makes no sense or could harm: under /proc, /sys or /dev, over a directory or a
 * device, or over one of the command's own inputs (the same file by device and inode, also
 * through links).
 */
import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '../scenario/errors.js';

/** Folders created by `makeOutputDir`, deepest last, as real paths. */
export type CreatedDirs = string[];

/** Pseudo file systems no output belongs in (writing there hangs or changes the system). */
const SPECIAL_ROOTS = ['/proc', '/sys', '/dev'];

/** The real path of `p`, or of its nearest existing ancestor joined with the rest. */
function realish(p: string): string {
  const abs = path.resolve(p);
  const rest: string[] = [];
  let current = abs;
  for (;;) {
    try {
      return path.join(fs.realpathSync(current), ...rest.reverse());
    } catch {
      const parent = path.dirname(current);
      if (parent === current) return abs;
      rest.push(path.basename(current));
      current = parent;
    }
  }
}

/**
 * Refuse an output path under /proc, /sys or /dev (`--out /proc/self/x` would hang or write
 * into the kernel's files).
 *
 * @example refuseSpecialPlace('/proc/self/x', '--out') // throws InputError
 */
export function refuseSpecialPlace(p: string, key: string): void {
  const real = realish(p);
  const root = SPECIAL_ROOTS.find((r) => real === r || real.startsWith(`${r}/`));
  if (root !== undefined) throw new InputError(`${p}: outputs cannot go under ${root}`, { key });
}

/**
 * Create the output folder `dir` and any missing parents, one at a time. Returns the folders
 * it created (real paths, outermost first) for `removeCreatedDirs`.
 *
 * @example const created = makeOutputDir('reports/x', '--out')
 */
export function makeOutputDir(dir: string, key: string): CreatedDirs {
  refuseSpecialPlace(dir, key);
  const abs = path.resolve(dir);
  const parts: string[] = [];
  for (let p = abs; ; p = path.dirname(p)) {
    parts.unshift(p);
    if (path.dirname(p) === p) break;
  }
  const created: CreatedDirs = [];
  for (const p of parts) {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(p);
    } catch {
      stat = undefined;
    }
    if (stat !== undefined) {
      if (!stat.isDirectory()) {
        removeCreatedDirs(created);
        throw new InputError(`${p} exists and is not a directory`, { key });
      }
      continue;
    }
    try {
      fs.mkdirSync(p);
    } catch (err) {
      removeCreatedDirs(created);
      const code = (err as NodeJS.ErrnoException).code;
      throw new InputError(`cannot create folder ${p} (${code === 'EACCES' ? 'permission denied' : code === 'EROFS' ? 'read-only file system' : (code ?? 'failed')})`, { key });
    }
    created.push(fs.realpathSync(p));
  }
  return created;
}

/** Remove the folders `makeOutputDir` created, deepest first, each only if it is empty. */
export function removeCreatedDirs(created: CreatedDirs): void {
  for (const dir of [...created].reverse()) {
    try {
      fs.rmdirSync(dir);
    } catch {
      return; // not empty (something else is in it) or gone: leave it and its parents
    }
  }
}

/**
 * Check that a single output file may be written at `file`: not in a special place, its folder
 * exists, and it is not a directory or a device.
 *
 * @example checkOutputFile('traces/x.csv', '-o')
 */
export function checkOutputFile(file: string, key: string): void {
  refuseSpecialPlace(file, key);
  const dir = path.dirname(path.resolve(file));
  let dirStat: fs.Stats;
  try {
    dirStat = fs.statSync(dir);
  } catch {
    throw new InputError(`${file}: folder ${path.dirname(file)} does not exist`, { key });
  }
  if (!dirStat.isDirectory()) throw new InputError(`${file}: ${path.dirname(file)} is not a directory`, { key });
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return; // a new file
  }
  if (stat.isDirectory()) throw new InputError(`${file} is a directory; give a file name`, { key });
  if (!stat.isFile()) throw new InputError(`${file} is not a regular file (a device, pipe or socket); give a file name`, { key });
}

/**
 * Refuse to write any of `outputs` when it is the same file as one of `inputs` (device and
 * inode, following links): writing would destroy the input.
 *
 * @example refuseInputAsOutput(['rec.csv'], ['rec.csv'], '-o') // throws InputError
 */
export function refuseInputAsOutput(outputs: readonly string[], inputs: readonly string[], key: string): void {
  const ids = new Map<string, string>();
  for (const input of inputs) {
    const id = fileId(input);
    if (id !== null) ids.set(id, input);
  }
  for (const output of outputs) {
    const id = fileId(output);
    const input = id === null ? undefined : ids.get(id);
    if (input !== undefined) throw new InputError(`${output} is an input of this command (${input}); writing it would destroy it — choose another output`, { key });
  }
}

/** `dev:ino` of an existing file (following links), null when it does not exist. */
function fileId(file: string): string | null {
  try {
    const s = fs.statSync(file, { bigint: true });
    return `${s.dev}:${s.ino}`;
  } catch {
    return null;
  }
}
