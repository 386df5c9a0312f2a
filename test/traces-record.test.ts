import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { IncusClient } from '../src/traces/record/incus-api.js';
import { recordIncus } from '../src/traces/record/incus.js';
import { importTrace } from '../src/traces/import/index.js';
import { summarizeTrace } from '../src/traces/show.js';
import { emptyRow, TraceReader } from '../src/load/trace-reader.js';
import { endpointOf } from '../src/cli/record.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-record-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A fake Incus server on a unix socket: two instances burning 0.5 and 1 core of CPU in real time. */
function fakeIncus(socket: string, options: { allProjects?: boolean } = {}): Promise<http.Server> {
  const started = Date.now();
  const ok = (res: http.ServerResponse, metadata: unknown) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ type: 'sync', status: 'Success', status_code: 200, metadata }));
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://incus');
    const elapsedNs = (Date.now() - started) * 1e6;
    if (url.pathname === '/1.0') return ok(res, { api_version: '1.0', environment: { server_name: 'fake1' } });
    if (url.pathname === '/1.0/cluster') return ok(res, { enabled: false });
    if (url.pathname === '/1.0/instances') {
      if (url.searchParams.has('all-projects') && options.allProjects === false) {
        res.statusCode = 400;
        return res.end(JSON.stringify({ type: 'error', error: 'unknown parameter', error_code: 400 }));
      }
      return ok(res, [
        { name: 'web1', project: 'default', state: { status: 'Running', pid: 10, cpu: { usage: Math.round(elapsedNs * 0.5) }, memory: { usage: 1000 } } },
        { name: 'job', project: 'batch', state: { status: 'Running', pid: 11, cpu: { usage: Math.round(elapsedNs) }, memory: { usage: 2000 } } },
        { name: 'off', project: 'default', state: null },
      ]);
    }
    if (url.pathname === '/1.0/resources') {
      return ok(res, { cpu: { architecture: 'x86_64', total: 4 }, memory: { used: 1 << 30, total: 8 << 30 }, load: { Average1Min: 1.5, Average5Min: 1, Average10Min: 0.5, Processes: 99 } });
    }
    res.statusCode = 404;
    res.end(JSON.stringify({ type: 'error', error: 'not found', error_code: 404 }));
  });
  return new Promise((resolve) => server.listen(socket, () => resolve(server)));
}

function readRows(file: string) {
  const reader = new TraceReader(file);
  const row = emptyRow();
  const rows: Array<{ time: number; series: string; cores: number; memory: number }> = [];
  while (reader.next(row)) rows.push({ ...row });
  reader.close();
  return rows;
}

describe('scalelab record incus (fake server on a unix socket)', () => {
  it('polls instances and resources, writes raw JSON lines and a canonical trace', async () => {
    const socket = path.join(dir, 'incus.socket');
    const server = await fakeIncus(socket);
    const client = new IncusClient({ socket });
    const output = path.join(dir, 'rec.csv');
    try {
      const summary = await recordIncus({ client, interval: 150_000, output, rounds: 5 });
      expect(summary.rounds).toBe(5);
      expect(summary.instances).toBe(2);
      expect(summary.members).toEqual(['fake1']);
      expect(fs.readFileSync(summary.stateFile, 'utf8').trim().split('\n')).toHaveLength(10);
      expect(fs.readFileSync(summary.resourcesFile, 'utf8').trim().split('\n')).toHaveLength(5);
    } finally {
      client.close();
      server.close();
    }
    const rows = readRows(output);
    const web = rows.filter((r) => r.series === 'web1');
    const job = rows.filter((r) => r.series === 'batch/job');
    expect(web).toHaveLength(4);
    expect(job).toHaveLength(4);
    for (const r of web) expect(r.cores).toBeGreaterThan(0.3);
    for (const r of web) expect(r.cores).toBeLessThan(0.8);
    for (const r of job) expect(r.cores).toBeGreaterThan(0.7);
    expect(web[0]!.memory).toBe(1000);
    expect(fs.readFileSync(output, 'utf8')).toMatch(/# interval: 0.15s\n/);

    // the raw recordings import with the ordinary importers
    const state = importTrace({ format: 'incus-state', inputs: [path.join(dir, 'rec.state.jsonl')], output: path.join(dir, 'state.csv') });
    expect(state.series).toBe(2);
    const members = importTrace({ format: 'incus-resources', inputs: [path.join(dir, 'rec.resources.jsonl')], output: path.join(dir, 'members.csv') });
    expect(members.rows).toBe(5);
    expect(summarizeTrace(path.join(dir, 'members.csv')).series[0]!.mean).toBe(1.5);
  });

  it('an abort (SIGINT) ends the recording with everything flushed; older servers without all-projects', async () => {
    const socket = path.join(dir, 'incus2.socket');
    const server = await fakeIncus(socket, { allProjects: false });
    const client = new IncusClient({ socket });
    const output = path.join(dir, 'abort.csv');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 450);
    try {
      const summary = await recordIncus({ client, interval: 100_000, output, signal: controller.signal });
      expect(summary.rounds).toBeGreaterThanOrEqual(3);
      expect(readRows(output).length).toBe(2 * (summary.rounds - 1));
    } finally {
      client.close();
      server.close();
    }
  });

  it('reports an unreachable server', async () => {
    const client = new IncusClient({ socket: path.join(dir, 'nobody.socket') });
    await expect(recordIncus({ client, interval: 100_000, output: path.join(dir, 'x.csv'), rounds: 1 })).rejects.toThrow(/GET \/1.0: .*ENOENT/);
    client.close();
  });

  it('needs exactly one of --socket and --url', () => {
    expect(() => endpointOf({})).toThrow(/exactly one/);
    expect(() => endpointOf({ socket: 'a', url: 'https://b' })).toThrow(/exactly one/);
    expect(() => endpointOf({ url: 'https://b', cert: 'c' })).toThrow(/--cert and --key/);
    // the PEM files must exist and look like PEM (issue 9: a bad PEM is one line naming the flag)
    expect(() => endpointOf({ url: 'https://b:8443', cert: 'c', key: 'k' })).toThrow(/c: PEM file not found/);
  });
});

/** Start a real LXD daemon (Debian's `lxd` package) with its own LXD_DIR, or say why not. */
function startLxd(lxdDir: string): { daemon: ChildProcess; socket: string } | { reason: string } {
  const which = spawnSync('sh', ['-c', 'command -v lxd'], { encoding: 'utf8' });
  if (which.status !== 0) return { reason: 'lxd is not installed (Debian: apt-get install lxd)' };
  if (process.getuid?.() !== 0) return { reason: 'lxd needs root to start' };
  const env = { ...process.env, LXD_DIR: lxdDir };
  const daemon = spawn('lxd', ['--group', 'root'], { env, stdio: 'ignore' });
  const ready = spawnSync('lxd', ['waitready', '--timeout', '30'], { env, encoding: 'utf8' });
  if (ready.status !== 0) {
    daemon.kill('SIGTERM');
    return { reason: `lxd did not become ready: ${(ready.stderr || ready.stdout).trim().slice(0, 200)}` };
  }
  return { daemon, socket: path.join(lxdDir, 'unix.socket') };
}

/** Stop the daemon, undo the mounts LXD made under its directory (devlxd, shmounts), remove it. */
async function stopLxd(daemon: ChildProcess, lxdDir: string): Promise<void> {
  spawnSync('lxd', ['shutdown', '--timeout', '20'], { env: { ...process.env, LXD_DIR: lxdDir }, stdio: 'ignore' });
  if (daemon.exitCode === null) {
    daemon.kill('SIGTERM');
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 10_000);
      daemon.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
  const mounts = fs
    .readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .filter((target) => target.startsWith(lxdDir))
    .sort((a, b) => b.length - a.length);
  for (const target of mounts) spawnSync('umount', ['-l', target], { stdio: 'ignore' });
  fs.rmSync(lxdDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
}

describe('scalelab record incus against a live LXD daemon', () => {
  it('records /1.0/resources from a real server', async (ctx) => {
    const lxdDir = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-lxd-'));
    const started = startLxd(lxdDir);
    if ('reason' in started) {
      process.stderr.write(`LXD live test skipped: ${started.reason}\n`);
      fs.rmSync(lxdDir, { recursive: true, force: true });
      ctx.skip(`LXD live test skipped: ${started.reason}`);
      return;
    }
    const client = new IncusClient({ socket: started.socket });
    try {
      const output = path.join(dir, 'lxd.csv');
      const summary = await recordIncus({ client, interval: 1_000_000, output, rounds: 2 });
      expect(summary.rounds).toBe(2);
      const resources = fs.readFileSync(summary.resourcesFile, 'utf8').trim().split('\n');
      expect(resources.length).toBe(2);
      expect(JSON.parse(resources[0]!).resources.cpu.total).toBeGreaterThan(0);
      process.stderr.write(`LXD live test ran against a real LXD daemon (LXD_DIR ${lxdDir})\n`);
    } finally {
      client.close();
      await stopLxd(started.daemon, lxdDir);
    }
  }, 120_000);
});
