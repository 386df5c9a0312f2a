/**
 * `scalelab record incus --socket PATH | --url URL [--cert F --key F] --interval 10s -o FILE`:
 * record a live Incus or LXD server (see src/traces/record/incus.ts and docs/TRACES.md §5).
 * SIGINT ends the recording with everything flushed.
 */
import type { Command } from 'commander';
import { summaryOf } from './commands.js';
import { InputError } from '../scenario/errors.js';
import { IncusApiError, IncusClient, type IncusEndpoint } from '../traces/record/incus-api.js';
import { recordIncus, recordingBase, RecordingCutShort } from '../traces/record/incus.js';
import { checkOutputFile } from '../files/outputs.js';
import { readTextInput } from '../files/inputs.js';
import { durationFlag } from './flags.js';

interface RecordFlags {
  socket?: string;
  url?: string;
  cert?: string;
  key?: string;
  ca?: string;
  insecure?: boolean;
  interval: string;
  output: string;
  duration?: string;
  rounds?: string;
  quiet?: boolean;
}

/** Add `record incus` to the program. */
export function registerRecordCommand(program: Command): void {
  const record = program.command('record').description(summaryOf('record'));
  record
    .command('incus')
    .description('poll an Incus/LXD server (instances state, members resources) and write a canonical trace as it goes')
    .option('--socket <path>', 'local unix socket (/var/lib/incus/unix.socket; LXD: $LXD_DIR/unix.socket)')
    .option('--url <url>', 'remote server, https://host:8443')
    .option('--cert <file>', 'client certificate (PEM) for --url')
    .option('--key <file>', 'client key (PEM) for --url')
    .option('--ca <file>', "server certificate (PEM) to trust for --url (Incus servers' are self-signed)")
    .option('--insecure', 'do not verify the server certificate')
    .option('--interval <duration>', 'polling interval', '10s')
    .option('--duration <duration>', 'stop after this long (default: until SIGINT)')
    .option('--rounds <n>', 'stop after this many rounds')
    .option('-q, --quiet', 'no progress on stderr')
    .requiredOption('-o, --output <file>', 'canonical trace to write (raw recordings go beside it: BASE.state.jsonl, BASE.resources.jsonl)')
    .action(async (flags: RecordFlags) => {
      const endpoint = endpointOf(flags);
      const interval = durationFlag(flags.interval, '--interval');
      const duration = flags.duration !== undefined ? durationFlag(flags.duration, '--duration') : undefined;
      const roundCount = flags.rounds !== undefined ? rounds(flags.rounds) : undefined;
      const base = recordingBase(flags.output);
      for (const file of [flags.output, `${base}.state.jsonl`, `${base}.resources.jsonl`]) checkOutputFile(file, '-o');
      const client = new IncusClient(endpoint);
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      try {
        const summary = await recordIncus({
          client,
          interval,
          output: flags.output,
          ...(duration !== undefined ? { duration } : {}),
          ...(roundCount !== undefined ? { rounds: roundCount } : {}),
          signal: controller.signal,
          ...(flags.quiet ? {} : { log: (m: string) => process.stderr.write(`${m}\n`) }),
        });
        const lines = [
          `wrote ${summary.output}: ${summary.rows} rows, ${summary.instances} instances, ${summary.rounds} rounds`,
          `  raw: ${summary.stateFile}, ${summary.resourcesFile} (members: ${summary.members.join(', ')})`,
          ...summary.warnings.lines().map((l) => `  ${l}`),
          ...(summary.resourceFailures > 0 ? [`  ${summary.resourceFailures} member resource reads failed; last: ${summary.lastResourceError}`] : []),
        ];
        process.stdout.write(lines.join('\n') + '\n');
      } catch (error) {
        throw endpointError(error, endpoint);
      } finally {
        process.removeListener('SIGINT', stop);
        client.close();
      }
    });
}

/** The endpoint the flags describe: exactly one of --socket and --url. */
export function endpointOf(flags: Pick<RecordFlags, 'socket' | 'url' | 'cert' | 'key' | 'ca' | 'insecure'>): IncusEndpoint {
  if ((flags.socket === undefined) === (flags.url === undefined)) throw new InputError('give exactly one of --socket PATH and --url URL', { key: '--socket' });
  if (flags.socket !== undefined) return { socket: flags.socket };
  if ((flags.cert === undefined) !== (flags.key === undefined)) throw new InputError('--cert and --key go together', { key: '--cert' });
  let url: URL;
  try {
    url = new URL(flags.url!);
  } catch {
    throw new InputError(`not a URL: ${JSON.stringify(flags.url)} (expected https://host:8443)`, { key: '--url' });
  }
  if (url.protocol !== 'https:') throw new InputError(`must be https:// (got ${JSON.stringify(flags.url)})`, { key: '--url' });
  for (const [key, file] of [['--cert', flags.cert], ['--key', flags.key], ['--ca', flags.ca]] as const) {
    if (file !== undefined) pemFile(file, key);
  }
  return {
    url: flags.url!,
    ...(flags.cert !== undefined ? { cert: flags.cert } : {}),
    ...(flags.key !== undefined ? { key: flags.key } : {}),
    ...(flags.ca !== undefined ? { ca: flags.ca } : {}),
    ...(flags.insecure ? { insecure: true } : {}),
  };
}

/** A PEM file given with --cert, --key or --ca: readable and looking like PEM. */
function pemFile(file: string, key: string): void {
  const text = readTextInput(file, 'PEM', 1024 * 1024);
  if (!text.includes('-----BEGIN ')) throw new InputError(`${file}: not a PEM file (no "-----BEGIN" line)`, { key });
}

/**
 * A failure talking to the server as one line saying which endpoint and what went wrong (exit 2):
 * a missing socket, a refused or timed-out connection, a bad certificate, an HTTP error or a
 * reply that is not JSON.
 */
export function endpointError(error: unknown, endpoint: IncusEndpoint): unknown {
  const cut = error instanceof RecordingCutShort ? error : null;
  const cause = cut ? cut.reason : error;
  if (!(cause instanceof IncusApiError) && !(cause instanceof Error && 'code' in cause && !('path' in cause))) return error;
  const where = 'socket' in endpoint ? { key: '--socket', at: endpoint.socket } : { key: '--url', at: endpoint.url };
  const saved = cut ? ` (the ${cut.rounds} round(s) recorded before are saved in ${cut.output})` : '';
  return new InputError(`${where.at}: ${(cause as Error).message}${saved}`, { key: where.key });
}

function rounds(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new InputError(`must be a whole number ≥ 1, got "${text}"`, { key: '--rounds' });
  return value;
}
