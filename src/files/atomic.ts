/**
 * Atomic file writing, used for every file scalelab writes (run outputs, imported and recorded
 * traces, sweep reports, merged journals, baselines, JUnit XML, plots).
 *
 * A file is written to a temporary file of its own in the same folder — a unique name
 * `.NAME.PID-RANDOM.tmp`, created exclusively (`O_CREAT|O_EXCL`, so it never follows a symlink
 * or reuses a file someone put there; a taken name is drawn again) — then flushed to disk
 * (`fsync`) and renamed over `NAME` only when the whole content is written. On failure the temporary file is removed and `NAME`
 * is untouched: a reader sees either the old file or the whole new one, never half of it. Two
 * processes writing into one folder never share a temporary file. Renaming replaces a symlink
 * at `NAME` itself, so nothing is written through a link.
 *
 * @example
 * const out = new AtomicFile('reports/x/events.jsonl');
 * out.write('{"t":0}\n');
 * out.commit(); // or out.abort() on failure
 */
import fs from 'node:fs';
import path from 'node:path';

/** Temporary files this process has open, removed if the process exits before committing them. */
const pending = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const temp of pending) {
      try {
        fs.unlinkSync(temp);
      } catch {
        // already gone
      }
    }
  });
}

/**
 * The temporary name for `target`: hidden, in the same folder, unique to this process and call.
 *
 * @example temporaryName('out/summary.json') // 'out/.summary.json.4242-9f3a1c0b.tmp'
 */
export function temporaryName(target: string): string {
  // keep the name within NAME_MAX (255 bytes) even for a long target name
  const base = path.basename(target).slice(0, 200);
  // 32 random bits, not from node:crypto (~8 ms to load at every start): the name need not be
  // unguessable, since it is created exclusively and a taken name is simply drawn again
  const random = Math.floor(Math.random() * 2 ** 32).toString(16).padStart(8, '0');
  return path.join(path.dirname(target), `.${base}.${process.pid}-${random}.tmp`);
}

/** Tries at a fresh temporary name when the one drawn is taken (`EEXIST`). */
const NAME_TRIES = 8;

/** Create `target`'s temporary file exclusively: its name and descriptor. */
function createTemporary(target: string): { tempPath: string; fd: number } {
  for (let attempt = 1; ; attempt++) {
    const tempPath = temporaryName(target);
    try {
      return { tempPath, fd: fs.openSync(tempPath, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o666) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= NAME_TRIES) throw err;
    }
  }
}

/** A file being written; nothing appears at `path` until `commit()`. */
export class AtomicFile {
  /** The temporary file written until `commit()`. */
  readonly tempPath: string;
  private fd: number;
  private chunks: string[] = [];
  private size = 0;
  private state: 'open' | 'committed' | 'aborted' = 'open';

  constructor(readonly path: string) {
    const { tempPath, fd } = createTemporary(path);
    this.tempPath = tempPath;
    this.fd = fd;
    installExitHook();
    pending.add(this.tempPath);
  }

  /** Append text (buffered; written in blocks of about 64 KiB). */
  write(text: string): void {
    this.chunks.push(text);
    this.size += text.length;
    if (this.size >= 65_536) this.flush();
  }

  /** Append bytes (what is buffered goes first). */
  writeBytes(bytes: Uint8Array): void {
    this.flush();
    fs.writeSync(this.fd, bytes);
  }

  /** Write what is buffered to the temporary file. */
  flush(): void {
    if (this.chunks.length === 0) return;
    const text = this.chunks.length === 1 ? this.chunks[0]! : this.chunks.join('');
    this.chunks = [];
    this.size = 0;
    fs.writeSync(this.fd, text);
  }

  /** Flush, fsync, close and rename over `path`. On any failure the temporary file is removed. */
  commit(): void {
    if (this.state !== 'open') throw new Error(`${this.path}: already ${this.state}`);
    try {
      this.flush();
      fs.fsyncSync(this.fd);
      fs.closeSync(this.fd);
      this.fd = -1;
      fs.renameSync(this.tempPath, this.path);
    } catch (err) {
      this.abort();
      throw err;
    }
    this.state = 'committed';
    pending.delete(this.tempPath);
  }

  /** Close and remove the temporary file; `path` is left as it was. Safe to call twice. */
  abort(): void {
    if (this.state === 'committed') return;
    this.state = 'aborted';
    if (this.fd >= 0) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // closing failed: the unlink below still removes the name
      }
      this.fd = -1;
    }
    fs.rmSync(this.tempPath, { force: true });
    pending.delete(this.tempPath);
  }
}

/**
 * Write a whole file atomically (see the module comment).
 *
 * @example writeFileAtomic('reports/x/summary.json', '{}\n')
 */
export function writeFileAtomic(file: string, text: string | Uint8Array): void {
  const out = new AtomicFile(file);
  try {
    if (typeof text === 'string') out.write(text);
    else out.writeBytes(text);
  } catch (err) {
    out.abort();
    throw err;
  }
  out.commit();
}
