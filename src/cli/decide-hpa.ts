/**
 * `scalelab decide hpa --config FILE`: the HPA engine on live observations — JSON lines on
 * stdin (or --input), scale actions as JSON lines on stdout. See src/adapters/hpa.ts and
 * docs/engines/hpa.md for the line format.
 */
import fs from 'node:fs';
import YAML from 'yaml';
import { HpaAdapter, parseHpaLine } from '../adapters/hpa.js';
import { resolveHpaConfig } from '../engines/hpa/config.js';
import type { HpaConfig } from '../engines/hpa/types.js';
import { InputError } from '../scenario/errors.js';
import { boundedLines, openInput, readTextInput } from '../files/inputs.js';
import { adapterOutput } from '../bridge/dry-run.js';

/** Where an adapter's lines and actions go: printed, or summed by --dry-run. */
export type AdapterOutputs = ReturnType<typeof adapterOutput>;

/**
 * Read an HPA configuration file (YAML or JSON: the HPA spec keys, or a whole
 * HorizontalPodAutoscaler manifest, plus `controller:` and `options:`).
 */
export function loadHpaConfig(file: string): HpaConfig {
  if (!fs.existsSync(file)) throw new InputError('no such file', { file, key: '--config' });
  const doc = YAML.parseDocument(readTextInput(file, 'HPA configuration'), { prettyErrors: false });
  const error = doc.errors[0];
  if (error !== undefined) throw new InputError(error.message.split('\n')[0]!, { file, line: error.linePos?.[0]?.line });
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    throw new InputError(`invalid YAML: ${(err as Error).message.split('\n')[0]}`, { file }); // an alias bomb
  }
  return resolveHpaConfig(data, file);
}

/** Run the decide loop: observations from `input` (a file) or stdin, actions to stdout. */
export async function decideHpa(configFile: string | undefined, input: string | undefined, out: AdapterOutputs = adapterOutput(null, (l) => process.stdout.write(l))): Promise<void> {
  if (configFile === undefined) throw new InputError('give the HPA configuration with --config FILE', { key: '--config' });
  const adapter = new HpaAdapter(loadHpaConfig(configFile));
  const source = input ?? 'stdin';
  // bounded reading (src/files/inputs.ts): a directory, a device or an endless line is one line of error
  const stream = input ? fs.createReadStream('', { fd: openInput(input, 'input') }) : process.stdin;
  try {
    for await (const [n, line] of boundedLines(stream, source)) {
      if (line.trim() === '') continue;
      const where = `${source}:${n}`;
      const parsed = parseHpaLine(line, where);
      out.line(parsed.time, where);
      out.actions(adapter.feed(parsed, where) as unknown as Record<string, unknown>[]);
    }
  } finally {
    if (stream !== process.stdin) (stream as fs.ReadStream).destroy();
  }
  out.finish();
}
