/**
 * The fixed traces in `traces/`: recorded-style raw recordings of Albatross and Incus, generated
 * from a seeded load model (no downloads, no live system), and their canonical imports.
 *
 * Regenerate (byte-identical for the same code; test/traces-fixtures.test.ts checks it):
 *
 *     npm run build && node dist/traces/fixtures.js traces
 *
 * What they contain (traces/README.md says the same for users):
 * - `recordings/albatross-alice-web.txt`, `…-alice-db.txt`: one hour of `albatross-client stats` output for two
 *   unikernels with 1 vCPU, `alice:web` (a one-hour wave plus a saturating burst at 20–26 min)
 *   and `alice:db` (restarted at 40 min: two records missing, a new process start, counters from
 *   0), every 10 s with a few ms of receive jitter, each record prefixed with its receive time.
 * - `recordings/incus-state.jsonl`: one hour of `/1.0/instances/NAME/state` polls every 10 s for
 *   four VMs with 2 vCPUs (`web1`, `web2`, `db1`, and `etl` in project `batch`); `etl` runs a batch
 *   job at 15–35 min, `db1` is stopped at 45 min and started again (new pid) at 50 min.
 * - `recordings/incus-resources.jsonl`: `/1.0/resources` of the three members every minute,
 *   load averages following the kernel's damped formula over the VMs each member runs.
 * - `albatross-small.csv`, `incus-small.csv`, `incus-members.csv`: the canonical imports.
 * - `samples/`: small files in the formats of public datasets (PlanetLab, Bitbrains, Azure), see
 *   `dataset-samples.ts`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { stream, type RandomStream } from '../kernel/random.js';
import { importTrace } from './import/index.js';
import { datasetSamples } from './dataset-samples.js';

const SEED = 20260601;
/** 2026-06-01T10:00:00Z in Unix seconds. */
const START = 1_780_308_000;
const HOUR = 3600;
const STEP = 10;

/** A demand model: cores at second t of the recording, from a seeded wave + AR(1) noise + extras. */
function demandModel(name: string, base: number, amplitude: number, phase: number, extra: (t: number) => number): (t: number) => number {
  const noise: RandomStream = stream(SEED, `fixture:${name}`);
  let x = 0;
  let lastT = -1;
  return (t: number) => {
    if (t !== lastT) {
      x = 0.8 * x + 0.04 * noise.normal();
      lastT = t;
    }
    return Math.max(0, base * (1 + amplitude * Math.sin((2 * Math.PI * t) / HOUR + phase)) + x + extra(t));
  };
}

const IFDATA =
  'bridge service flags 8843 send_length 0 max_send_length 50 send_drops 0 mtu 1500 baudrate 0 input_packets 0 input_errors 0 output_packets 0 output_errors 0 collisions 0 input_bytes 0 output_bytes 0 input_mcast 0 output_mcast 0 input_dropped 0 output_dropped 0';

/** `S.UUUUUU` from microseconds. */
function timeval(us: number): string {
  return `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')}`;
}

/** One hour of albatross-client stats text for alice:web and alice:db (one text per unikernel). */
export function albatrossRecordings(): Record<string, string> {
  const jitter = stream(SEED, 'fixture:albatross-jitter');
  const unikernels = [
    { name: 'alice:web', demand: demandModel('alice:web', 0.45, 0.6, 0, (t) => (t >= 1200 && t < 1560 ? 0.6 : 0)), restartAt: Infinity },
    { name: 'alice:db', demand: demandModel('alice:db', 0.2, 0.3, 1, () => 0), restartAt: 2400 },
  ];
  const state = unikernels.map(() => ({ cpuUs: 0, start: START - 600, rssPages: 12_000 }));
  const out: string[][] = unikernels.map((u) => [`# unikernel: ${u.name}`, '# recorded with: albatross-client stats ' + u.name + ' | ts %Y-%m-%dT%H:%M:%.SZ (UTC)']);
  for (let t = 0; t <= HOUR; t += STEP) {
    unikernels.forEach((u, i) => {
      const s = state[i]!;
      if (t >= u.restartAt && t < u.restartAt + 2 * STEP) return; // down: no stats while restarting
      if (t === u.restartAt + 2 * STEP) {
        s.cpuUs = 0;
        s.start = START + t - 3;
        s.rssPages = 9_000;
      }
      const cores = Math.min(1, u.demand(t)); // one vCPU
      s.cpuUs += Math.round(cores * STEP * 1e6);
      s.rssPages += Math.round(jitter.uniform(-40, 60));
      const receivedMs = (START + t) * 1000 + 3 * i + Math.floor(jitter.uniform(1, 3)); // in arrival order
      const utime = Math.round(s.cpuUs * 0.9);
      const stime = s.cpuUs - utime;
      out[i]!.push(
        `${new Date(receivedMs).toISOString()} stats: utime ${timeval(utime)} stime ${timeval(stime)} maxrss ${s.rssPages} ixrss 0 idrss 0 isrss 0 minflt ${1000 + t} majflt 0 nswap 0 inblock 0 outblock 0 msgsnd 0 msgrcv 0 signals 0 nvcsw ${t * 7} nivcsw ${t}`,
        `virtual-size 1073741824 rss ${s.rssPages} text-size 0 data-size 0 stack-size 0 runtime ${s.cpuUs} cow 0 start ${s.start}.000000`,
        'no vmm stats',
        IFDATA,
      );
    });
  }
  return Object.fromEntries(unikernels.map((u, i) => [u.name, out[i]!.join('\n') + '\n']));
}

interface Vm {
  name: string;
  project: string;
  member: string;
  memory: number;
  demand: (t: number) => number;
  stoppedFrom: number;
  stoppedTo: number;
}

function incusVms(): Vm[] {
  const GiB = 2 ** 30;
  return [
    { name: 'web1', project: 'default', member: 'node1', memory: 2 * GiB, demand: demandModel('web1', 0.8, 0.5, 0, () => 0), stoppedFrom: Infinity, stoppedTo: Infinity },
    { name: 'web2', project: 'default', member: 'node2', memory: 2 * GiB, demand: demandModel('web2', 0.7, 0.5, 0.3, () => 0), stoppedFrom: Infinity, stoppedTo: Infinity },
    { name: 'db1', project: 'default', member: 'node1', memory: 4 * GiB, demand: demandModel('db1', 0.5, 0.2, 2, () => 0), stoppedFrom: 2700, stoppedTo: 3000 },
    { name: 'etl', project: 'batch', member: 'node3', memory: 4 * GiB, demand: demandModel('etl', 0.1, 0, 0, (t) => (t >= 900 && t < 2100 ? 1.7 : 0)), stoppedFrom: Infinity, stoppedTo: Infinity },
  ];
}

/** One hour of instance state polls (every 10 s) and member resources (every minute). */
export function incusRecordings(): { state: string; resources: string } {
  const vms = incusVms();
  const jitter = stream(SEED, 'fixture:incus-jitter');
  const usageNs = vms.map(() => 0);
  const pids = vms.map((_, i) => 4000 + 17 * i);
  const members = ['node1', 'node2', 'node3'];
  const load = members.map(() => 0);
  const stateLines: string[] = [];
  const resourceLines: string[] = [];
  for (let t = 0; t <= HOUR; t += STEP) {
    const running = vms.map((vm) => !(t >= vm.stoppedFrom && t < vm.stoppedTo));
    vms.forEach((vm, i) => {
      if (!running[i]) {
        usageNs[i] = 0;
        pids[i] = 0;
      } else {
        if (pids[i] === 0) pids[i] = 9000 + t;
        usageNs[i]! += Math.round(Math.min(2, vm.demand(t)) * STEP * 1e9);
      }
      const time = new Date((START + t) * 1000 + 20 * i + Math.floor(jitter.uniform(0, 15))).toISOString();
      const memoryUsage = running[i] ? Math.round(vm.memory * (0.35 + 0.1 * Math.min(1, vm.demand(t)))) : 0;
      stateLines.push(
        JSON.stringify({
          time,
          instance: vm.name,
          project: vm.project,
          state: {
            status: running[i] ? 'Running' : 'Stopped',
            status_code: running[i] ? 103 : 102,
            pid: pids[i],
            processes: running[i] ? -1 : 0,
            cpu: { usage: usageNs[i], allocated_time: 2_000_000_000 },
            memory: { usage: memoryUsage, usage_peak: 0, total: vm.memory, swap_usage: 0, swap_usage_peak: 0 },
          },
        }),
      );
    });
    // member load averages: the kernel's damped 1-minute average, sampled every 5 s
    for (let k = 0; k < STEP / 5; k++) {
      members.forEach((member, m) => {
        const runnable = vms.reduce((sum, vm, i) => sum + (vm.member === member && running[i] ? Math.min(2, vm.demand(t)) : 0), 0.1);
        load[m] = load[m]! * Math.exp(-5 / 60) + runnable * (1 - Math.exp(-5 / 60));
      });
    }
    if (t % 60 === 0) {
      members.forEach((member, m) => {
        const used = vms.reduce((sum, vm, i) => sum + (vm.member === member && running[i] ? vm.memory * 0.45 : 0), 3 * 2 ** 30);
        resourceLines.push(
          JSON.stringify({
            time: new Date((START + t) * 1000 + 5 + m).toISOString(),
            member,
            resources: {
              cpu: { architecture: 'x86_64', total: 8, sockets: [] },
              memory: { used: Math.round(used), total: 32 * 2 ** 30 },
              load: { Average1Min: round2(load[m]!), Average5Min: round2(load[m]! * 0.9), Average10Min: round2(load[m]! * 0.8), Processes: 180 + m },
            },
          }),
        );
      });
    }
  }
  return { state: stateLines.join('\n') + '\n', resources: resourceLines.join('\n') + '\n' };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** Write the recordings under `dir/recordings/` and their canonical imports under `dir/`. */
export function makeFixtures(dir: string): string[] {
  const recordings = path.join(dir, 'recordings');
  fs.mkdirSync(recordings, { recursive: true });
  const albatross = Object.entries(albatrossRecordings()).map(([name, text]) => {
    const file = path.join(recordings, `albatross-${name.replace(/:/g, '-')}.txt`);
    fs.writeFileSync(file, text);
    return file;
  });
  const state = path.join(recordings, 'incus-state.jsonl');
  const resources = path.join(recordings, 'incus-resources.jsonl');
  const incus = incusRecordings();
  fs.writeFileSync(state, incus.state);
  fs.writeFileSync(resources, incus.resources);
  const written = [...albatross, state, resources];
  for (const [name, text] of datasetSamples()) {
    const file = path.join(dir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    written.push(file);
  }
  const imports: Array<[string, string[], string, number]> = [
    ['albatross-stats', albatross, 'albatross-small.csv', STEP],
    ['incus-state', [state], 'incus-small.csv', STEP],
    ['incus-resources', [resources], 'incus-members.csv', 60],
  ];
  for (const [format, inputs, output, interval] of imports) {
    const out = path.join(dir, output);
    importTrace({ format, inputs, output: out, options: { interval: interval * 1_000_000 } });
    written.push(out);
  }
  return written;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const dir = process.argv[2] ?? 'traces';
  for (const file of makeFixtures(dir)) console.log(`wrote ${file}`);
}
