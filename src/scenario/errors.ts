/**
 * Bad input is reported as one line naming where it is: `file:line: key: message`.
 * Everything that reads user input throws `InputError`; the CLI prints `message` and exits 2.
 */
export interface InputLocation {
  file?: string;
  line?: number;
  key?: string;
}

export class InputError extends Error {
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly key: string | undefined;
  readonly detail: string;

  constructor(detail: string, where: InputLocation = {}) {
    const prefix = [where.file, where.line !== undefined ? String(where.line) : undefined].filter((x) => x !== undefined).join(':');
    const parts = [prefix, where.key].filter((x) => x !== undefined && x !== '');
    super(parts.length > 0 ? `${parts.join(': ')}: ${detail}` : detail);
    this.name = 'InputError';
    this.file = where.file;
    this.line = where.line;
    this.key = where.key;
    this.detail = detail;
  }
}
