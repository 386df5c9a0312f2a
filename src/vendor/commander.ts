/**
 * commander's classes the CLI constructs or checks (`Command`, `CommanderError`, `Option`), in
 * one file once built (src/vendor/bundle.ts): `scalelab --version` and every run load one module
 * instead of commander's CommonJS files. Every value import of commander in src/cli goes through
 * here, so `instanceof CommanderError` sees the one copy that threw it.
 *
 * @example new Command().name('scalelab')
 */
export { Command, CommanderError, Option } from 'commander';
