/**
 * `scalelab decide kraftcloud --config FILE`: the Unikraft Cloud engine on live instance
 * metrics — JSON lines on stdin (or --input), actions as JSON lines on stdout. The line format is
 * in src/adapters/kraftcloud.ts and docs/engines/kraftcloud.md.
 */
import fs from 'node:fs';
import readline from 'node:readline';
import YAML from 'yaml';
import { KraftcloudAdapter, parseKraftcloudLine, type KraftcloudOutput } from '../adapters/kraftcloud.js';
import { parseKraftcloudConfig, type KraftcloudConfig } from '../engines/kraftcloud/config.js';
import { InputError } from '../scenario/errors.js';
import { adapterOutput } from '../bridge/dry-run.js';
import type { AdapterOutputs } from './decide-hpa.js';

/**
 * Read a service's autoscale configuration (YAML or JSON) from a file.
 *
 * @example readKraftcloudConfig('examples/kraftcloud-nginx.yaml').maxSize // 8
 */
export function readKraftcloudConfig(file: string): KraftcloudConfig {
  if (!fs.existsSync(file)) throw new InputError('no such file', { file });
  let raw: unknown;
  try {
    raw = YAML.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    const line = (e as { linePos?: { line: number }[] }).linePos?.[0]?.line;
    throw new InputError(`not YAML or JSON: ${(e as Error).message.split('\n')[0]}`, { file, line });
  }
  return parseKraftcloudConfig(raw, file);
}

/** Run the adapter over the input lines; prints actions as they are decided. */
export async function decideKraftcloud(flags: { config?: string; input?: string }, out: AdapterOutputs = adapterOutput(null, (l) => process.stdout.write(l))): Promise<void> {
  if (!flags.config) throw new InputError('give the service\'s autoscale configuration with --config FILE', { key: '--config' });
  const adapter = new KraftcloudAdapter(readKraftcloudConfig(flags.config));
  if (flags.input && !fs.existsSync(flags.input)) throw new InputError('no such file', { file: flags.input });
  const source = flags.input ?? 'stdin';
  const input = flags.input ? fs.createReadStream(flags.input) : process.stdin;
  const print = (actions: KraftcloudOutput[]) => out.actions(actions);
  let n = 0;
  for await (const line of readline.createInterface({ input, crlfDelay: Infinity })) {
    n++;
    if (line.trim() === '') continue;
    const where = `${source}:${n}`;
    const parsed = parseKraftcloudLine(line, where);
    out.line(parsed.time, where);
    print(adapter.feed(parsed, where));
  }
  print(adapter.finish());
  out.finish();
}
