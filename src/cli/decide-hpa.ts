/**
 * `scalelab decide hpa --config FILE`: the HPA engine on live observations — JSON lines on
 * stdin (or --input), scale actions as JSON lines on stdout. See src/adapters/hpa.ts and
 * docs/engines/hpa.md for the line format.
 */
import fs from 'node:fs';
import readline from 'node:readline';
import YAML from 'yaml';
import { HpaAdapter, parseHpaLine } from '../adapters/hpa.js';
import { resolveHpaConfig } from '../engines/hpa/config.js';
import type { HpaConfig } from '../engines/hpa/types.js';
import { InputError } from '../scenario/errors.js';

/**
 * Read an HPA configuration file (YAML or JSON: the HPA spec keys, or a whole
 * HorizontalPodAutoscaler manifest, plus `controller:` and `options:`).
 */
export function loadHpaConfig(file: string): HpaConfig {
  if (!fs.existsSync(file)) throw new InputError('no such file', { file, key: '--config' });
  const doc = YAML.parseDocument(fs.readFileSync(file, 'utf8'), { prettyErrors: false });
  const error = doc.errors[0];
  if (error !== undefined) throw new InputError(error.message.split('\n')[0]!, { file, line: error.linePos?.[0]?.line });
  return resolveHpaConfig(doc.toJS(), file);
}

/** Run the decide loop: observations from `input` (a file) or stdin, actions to stdout. */
export async function decideHpa(configFile: string | undefined, input: string | undefined): Promise<void> {
  if (configFile === undefined) throw new InputError('give the HPA configuration with --config FILE', { key: '--config' });
  const adapter = new HpaAdapter(loadHpaConfig(configFile));
  if (input && !fs.existsSync(input)) throw new InputError('no such file', { file: input });
  const source = input ?? 'stdin';
  const stream = input ? fs.createReadStream(input) : process.stdin;
  let n = 0;
  for await (const line of readline.createInterface({ input: stream, crlfDelay: Infinity })) {
    n++;
    if (line.trim() === '') continue;
    const where = `${source}:${n}`;
    for (const action of adapter.feed(parseHpaLine(line, where), where)) process.stdout.write(`${JSON.stringify(action)}\n`);
  }
}
