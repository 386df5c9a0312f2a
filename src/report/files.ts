/**
 * Streaming text output. Lines are buffered and written in 64 KiB blocks to `<path>.partial`;
 * `commit()` renames the file into place, `abort()` removes it. A run that fails half-way
 * therefore leaves no half-written report behind.
 */
import fs from 'node:fs';

export class LineWriter {
  private fd: number;
  private chunks: string[] = [];
  private size = 0;
  private closed = false;
  readonly partialPath: string;

  constructor(readonly path: string) {
    this.partialPath = `${path}.partial`;
    this.fd = fs.openSync(this.partialPath, 'w');
  }

  /** Append one line (the newline is added). */
  line(text: string): void {
    this.chunks.push(text, '\n');
    this.size += text.length + 1;
    if (this.size >= 65_536) this.flush();
  }

  /** Write buffered lines to the file. */
  flush(): void {
    if (this.chunks.length === 0) return;
    fs.writeSync(this.fd, this.chunks.join(''));
    this.chunks = [];
    this.size = 0;
  }

  /** Flush, close and move the file into place. */
  commit(): void {
    this.flush();
    this.close();
    fs.renameSync(this.partialPath, this.path);
  }

  /** Close and delete the partial file. */
  abort(): void {
    this.close();
    fs.rmSync(this.partialPath, { force: true });
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }
}

/** Write a whole file atomically (via `<path>.partial`). */
export function writeFileAtomic(path: string, text: string): void {
  fs.writeFileSync(`${path}.partial`, text);
  fs.renameSync(`${path}.partial`, path);
}
