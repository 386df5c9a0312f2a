/**
 * Streaming text output for run files, on top of the atomic writer (src/files/atomic.ts):
 * lines go to a unique temporary file in the same folder; `commit()` renames it into place,
 * `abort()` removes it. A run that fails half-way therefore leaves no half-written report.
 */
import { AtomicFile } from '../files/atomic.js';

export { writeFileAtomic } from '../files/atomic.js';

export class LineWriter {
  private readonly file: AtomicFile;

  constructor(readonly path: string) {
    this.file = new AtomicFile(path);
  }

  /** The temporary file written until `commit()`. */
  get tempPath(): string {
    return this.file.tempPath;
  }

  /** Append one line (the newline is added). */
  line(text: string): void {
    this.file.write(`${text}\n`);
  }

  /** Write buffered lines to the file. */
  flush(): void {
    this.file.flush();
  }

  /** Flush, close and move the file into place. */
  commit(): void {
    this.file.commit();
  }

  /** Close and delete the temporary file. */
  abort(): void {
    this.file.abort();
  }
}
