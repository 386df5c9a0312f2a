/**
 * A command that has already said what it had to and wants a particular exit status: `check`
 * exits 1 on a regression, an interrupted `sweep` 130. `main()` returns `code` without printing.
 *
 * @example throw new ExitCode(1)
 */
export class ExitCode extends Error {
  constructor(readonly code: number) {
    super(`exit status ${code}`);
    this.name = 'ExitCode';
  }
}
