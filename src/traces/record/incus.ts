/**
 * `scalelab record incus`: poll a live Incus or LXD server and write, as it goes,
 *
 * - `BASE.state.jsonl` — every instance's `/1.0/instances/NAME/state` per round (the
 *   `incus-state` import format), from one `GET /1.0/instances?recursion=2&all-projects=true`;
 * - `BASE.resources.jsonl` — `/1.0/resources` of every cluster member (or of the server)
 *   per round (the `incus-resources` import format);
 * - `OUT` (the `-o` file, canonical format) — CPU cores and memory per instance, from the
 *   `cpu.usage` counters by the import rules (docs/TRACES.md, "Counters"), trace time 0 = the
 *   first round.
 *
 * BASE is OUT without its extension. Rounds start every `interval` on a fixed grid (a round that
 * overruns skips the slots it missed); everything is flushed after each round, and an abort
 * (SIGINT in the CLI), `duration` or `rounds` ends the recording with all rows written.
 *
 * @example
 * const summary = await recordIncus({ client: new IncusClient({ socket }), interval: 10_000_000, output: 'rec.csv', rounds: 3 });
 */
import { AtomicFile } from '../../files/atomic.js';
import { MICROS_PER_SECOND, type Micros } from '../../kernel/time.js';
import { TraceWriter } from '../writer.js';
import { CounterToCores } from '../import/counters.js';
import { ImportWarnings } from '../import/types.js';
import { isoTime } from '../import/timestamps.js';
import { IncusApiError, type IncusClient } from './incus-api.js';

export interface RecordIncusOptions {
  client: IncusClient;
  interval: Micros;
  /** Canonical trace to write; the raw recordings go beside it. */
  output: string;
  /** Stop after this much time (µs). */
  duration?: Micros;
  /** Stop after this many rounds. */
  rounds?: number;
  /** Abort ends the recording cleanly (SIGINT). */
  signal?: AbortSignal;
  log?: (message: string) => void;
}

export interface RecordSummary {
  rounds: number;
  instances: number;
  members: string[];
  rows: number;
  output: string;
  stateFile: string;
  resourcesFile: string;
  warnings: ImportWarnings;
  /** Rounds whose resources could not be read (e.g. a member offline), with the last reason. */
  resourceFailures: number;
  lastResourceError: string | null;
}

/** A recording ended by an error after some rounds: those rounds are saved, `cause` says why it stopped. */
export class RecordingCutShort extends Error {
  constructor(
    readonly reason: unknown,
    readonly rounds: number,
    readonly output: string,
  ) {
    super(`${(reason as Error).message ?? String(reason)} (the ${rounds} round(s) recorded before are saved in ${output})`);
    this.name = 'RecordingCutShort';
  }
}

/** `rec.csv` → `rec`; `rec` → `rec`. */
export function recordingBase(output: string): string {
  return output.replace(/\.[^./\\]*$/, '');
}

export async function recordIncus(options: RecordIncusOptions): Promise<RecordSummary> {
  const { client, interval } = options;
  const log = options.log ?? (() => {});
  const base = recordingBase(options.output);
  const stateFile = `${base}.state.jsonl`;
  const resourcesFile = `${base}.resources.jsonl`;
  const server = asObject(await client.get('/1.0'));
  const serverName = String(asObject(server['environment'])['server_name'] ?? 'server');
  const members = await clusterMembers(client, serverName);
  const origin = nowMicros();
  const warnings = new ImportWarnings();
  const counters = new CounterToCores(stateFile, warnings, Math.max(5 * interval, 300 * MICROS_PER_SECOND));
  const writer = new TraceWriter(options.output, {
    source: `scalelab record incus (${'socket' in client.endpoint ? client.endpoint.socket : client.endpoint.url}, server ${serverName})`,
    interval: `${interval / MICROS_PER_SECOND}s`,
    start: isoTime(origin),
    memory: true,
    extra: { members: members.join(' ') },
  });
  const stateOut = new AtomicFile(stateFile);
  const resourcesOut = new AtomicFile(resourcesFile);
  const instances = new Set<string>();
  const pids = new Map<string, number>();
  let stateLines = 0;
  let rounds = 0;
  let resourceFailures = 0;
  let lastResourceError: string | null = null;
  let allProjects = true;
  const writeRows = () => {
    for (const row of counters.drain()) writer.row(row.time - origin, row.series, row.cores, row.memory);
  };

  let failure: unknown = null;
  try {
    for (let slot = 0; !options.signal?.aborted; ) {
      // instances and their state
      let list: unknown;
      try {
        list = await client.get(allProjects ? '/1.0/instances?recursion=2&all-projects=true' : '/1.0/instances?recursion=2');
      } catch (error) {
        if (!(allProjects && error instanceof IncusApiError && error.status === 400)) throw error;
        allProjects = false; // an older server without all-projects
        list = await client.get('/1.0/instances?recursion=2');
      }
      const received = nowMicros();
      const lines: string[] = [];
      for (const item of Array.isArray(list) ? list : []) {
        const instance = asObject(item);
        const state = instance['state'];
        if (typeof instance['name'] !== 'string' || state === null || typeof state !== 'object') continue;
        const project = typeof instance['project'] === 'string' ? instance['project'] : 'default';
        const series = project === 'default' ? instance['name'] : `${project}/${instance['name']}`;
        const body = asObject(state);
        const cpu = asObject(body['cpu']);
        const memory = asObject(body['memory']);
        lines.push(JSON.stringify({ time: isoTime(received), instance: instance['name'], project, state: body }));
        stateLines++;
        instances.add(series);
        const pid = typeof body['pid'] === 'number' ? body['pid'] : null;
        const previousPid = pids.get(series);
        if (pid !== null) pids.set(series, pid);
        if (typeof cpu['usage'] === 'number') {
          counters.observe({
            time: received,
            series,
            cpuSeconds: cpu['usage'] / 1e9,
            memory: typeof memory['usage'] === 'number' ? memory['usage'] : NaN,
            restart: pid === null || previousPid === undefined ? null : pid !== previousPid,
            line: stateLines,
          });
        }
      }
      if (lines.length > 0) stateOut.write(lines.join('\n') + '\n');

      // members' resources
      const resourceLines: string[] = [];
      for (const member of members) {
        try {
          const resources = await client.get(members.length > 1 || member !== serverName ? `/1.0/resources?target=${encodeURIComponent(member)}` : '/1.0/resources');
          resourceLines.push(JSON.stringify({ time: isoTime(nowMicros()), member, resources }));
        } catch (error) {
          resourceFailures++;
          lastResourceError = `${member}: ${(error as Error).message}`;
        }
      }
      if (resourceLines.length > 0) resourcesOut.write(resourceLines.join('\n') + '\n');
      writeRows();
      writer.flush();
      stateOut.flush();
      resourcesOut.flush();
      rounds++;
      log(`round ${rounds}: ${lines.length} instances, ${resourceLines.length} members`);

      if (options.rounds !== undefined && rounds >= options.rounds) break;
      if (options.duration !== undefined && nowMicros() - origin >= options.duration) break;
      // next slot on the grid
      slot = Math.max(slot + 1, Math.ceil((nowMicros() - origin) / interval));
      await sleepUntil(origin + slot * interval, options.signal);
    }
  } catch (error) {
    failure = error;
  }
  // what was recorded is kept (renamed into place) even when a later round failed; a recording
  // that failed before its first round leaves nothing behind
  if (failure !== null && rounds === 0) {
    writer.abort();
    stateOut.abort();
    resourcesOut.abort();
    throw failure;
  }
  for (const row of counters.finish()) writer.row(row.time - origin, row.series, row.cores, row.memory);
  writer.close();
  stateOut.commit();
  resourcesOut.commit();
  if (failure !== null) throw new RecordingCutShort(failure, rounds, options.output);
  return {
    rounds,
    instances: instances.size,
    members,
    rows: writer.rows,
    output: options.output,
    stateFile,
    resourcesFile,
    warnings,
    resourceFailures,
    lastResourceError,
  };
}

/** Member names of a cluster, or just the server when it is not clustered. */
async function clusterMembers(client: IncusClient, serverName: string): Promise<string[]> {
  try {
    const cluster = asObject(await client.get('/1.0/cluster'));
    if (cluster['enabled'] !== true) return [serverName];
    const members = await client.get('/1.0/cluster/members');
    const names = (Array.isArray(members) ? members : []).map((m) => String(m).split('/').pop() ?? '').filter((m) => m !== '');
    return names.length > 0 ? names.map(decodeURIComponent) : [serverName];
  } catch (error) {
    if (error instanceof IncusApiError && error.status !== undefined) return [serverName];
    throw error;
  }
}

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function nowMicros(): Micros {
  return Date.now() * 1000;
}

/** Resolve at `at` (µs since the epoch) or as soon as `signal` aborts. */
function sleepUntil(at: Micros, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, Math.max(0, (at - nowMicros()) / 1000));
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
