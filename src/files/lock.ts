/**
 * A lock on an output folder, so two processes never write one sweep at once: the file
 * `DIR/.scalelab.lock` holds the owner's pid, created exclusively. A lock whose process is gone
 * (killed) is taken over; one whose process is alive is refused, naming its pid.
 *
 * @example
 * const lock = lockFolder('reports/x-sweep', '--out');
 * try { … } finally { lock.release(); }
 */
import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '../scenario/errors.js';

/** The lock file's name inside the folder. */
export const LOCK_FILE = '.scalelab.lock';

export interface FolderLock {
  readonly file: string;
  release(): void;
}

/** Is process `pid` alive (signal 0: exists, whether or not we may signal it)? */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Take the lock on `dir` (which must exist); an InputError naming the holder if it is taken. */
export function lockFolder(dir: string, key: string): FolderLock {
  const file = path.join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o644);
      fs.writeSync(fd, `${process.pid}\n`);
      fs.closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        process.removeListener('exit', release);
        try {
          if (fs.readFileSync(file, 'utf8').trim() === String(process.pid)) fs.unlinkSync(file);
        } catch {
          // already gone
        }
      };
      process.on('exit', release);
      return { file, release };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let holder = NaN;
    try {
      holder = Number(fs.readFileSync(file, 'utf8').trim());
    } catch {
      continue; // removed meanwhile: try again
    }
    if (Number.isInteger(holder) && holder > 0 && alive(holder)) {
      throw new InputError(`${dir} is in use by another scalelab process (pid ${holder}${holder === process.pid ? ', this one' : ''}); wait for it to finish or choose another output folder`, { key });
    }
    fs.rmSync(file, { force: true }); // its process is gone: a stale lock
  }
  throw new InputError(`${dir}: could not take the lock ${LOCK_FILE}`, { key });
}
