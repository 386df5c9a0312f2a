/** `scalelab engines`: the engines, their variants, configuration keys and options. */
import type { Command } from 'commander';
import { summaryOf } from './commands.js';
import { engines } from '../engines/registry.js';
import type { KeySpec } from '../engines/descriptor.js';

function keyLine(k: KeySpec): string {
  const values = k.values ? ` (${k.values.join(' | ')})` : '';
  return `    ${k.key.padEnd(30)} ${String(k.default).padEnd(10)} ${k.doc}${values}`;
}

/** Human-readable description of every engine. */
export function describeEngines(): string {
  const lines: string[] = [];
  for (const e of engines.values()) {
    lines.push(`${e.name} — ${e.summary}`);
    lines.push('  variants:');
    for (const v of e.variants) lines.push(`    ${v.name.padEnd(30)} ${v.doc}`);
    lines.push('  config (upstream keys, default):');
    for (const k of e.config) lines.push(keyLine(k));
    for (const k of e.structured ?? []) lines.push(`    ${k.key.padEnd(30)} ${`(a ${k.shape})`.padEnd(10)} ${k.doc}`);
    // (the generic replica dialect has none)
    if (e.options.length > 0) lines.push('  options (faithful default; each one a named deviation):');
    for (const k of e.options) lines.push(keyLine(k));
    lines.push('');
  }
  return lines.join('\n');
}

export function registerEnginesCommand(program: Command): void {
  program
    .command('engines')
    .description(summaryOf('engines'))
    .option('--json', 'print as JSON')
    .action((opts: { json?: boolean }) => {
      if (opts.json) {
        const list = [...engines.values()].map(({ check: _check, ...rest }) => rest);
        process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
      } else {
        process.stdout.write(`${describeEngines()}\n`);
      }
    });
}
