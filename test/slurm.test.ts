/**
 * The Slurm recipe on a real single-node Slurm cluster that this test starts: munged with a
 * key made here, slurmctld and slurmd with a slurm.conf naming this host (`slurmd -C`), all
 * state in a temporary folder, daemons stopped by pid and the folder removed at the end.
 *
 * 1. The recipe written by `--emit slurm` for a small sweep (4 shards) is submitted as a user
 *    would (`bash slurm-sweep.sh`); its merged sweep.csv and index.html must equal, byte for
 *    byte, those of the same sweep run locally in one process. Both are timed.
 * 2. The same again, but while it runs one task is requeued by Slurm (`scontrol requeue`, as on
 *    preemption) and another is cancelled (`scancel`), both mid-way; the cancelled task is
 *    submitted again at once (`bash slurm-sweep.sh 2`), its merge waiting for the first array's
 *    queued task too; Slurm cancels the first merge (afterok), and the report must again equal
 *    the one-process one, every shard's runs.jsonl holding each run once.
 * 3. scripts/slurm-sweep.sh as committed (the bundled study, 8 shards), from a folder where the
 *    study's scenario is cut to two hours a run so that the test stays short.
 *
 * Opt-in: runs with SCALELAB_SLURM_TEST=1, as root, with Debian's slurm-wlm and munge
 * installed (.ci/run installs them); otherwise it says why it was skipped.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJournal, RUNS_FILE } from '../src/workbench/journal.js';
import { runKey } from '../src/workbench/plan.js';

const CLI = path.resolve('dist/cli/main.js');
const COMMANDS = ['munged', 'slurmctld', 'slurmd', 'sbatch', 'squeue', 'scancel', 'scontrol', 'sinfo'];

/** Why the test cannot run here, or null. */
function skipReason(): string | null {
  if (process.env.SCALELAB_SLURM_TEST !== '1') return 'set SCALELAB_SLURM_TEST=1 to run it (.ci/run does, as root, after installing slurm-wlm and munge)';
  if (process.getuid?.() !== 0) return 'not root: munged, slurmctld and slurmd are started as root';
  const missing = COMMANDS.filter((c) => spawnSync('sh', ['-c', `command -v ${c}`], { stdio: 'ignore' }).status !== 0);
  if (missing.length > 0) return `${missing.join(', ')} not found: install Debian's slurm-wlm and munge (apt-get install -y slurm-wlm munge)`;
  return null;
}

/** A cluster started by this test. */
interface Cluster {
  dir: string;
  env: NodeJS.ProcessEnv;
  daemons: ChildProcess[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll `done` every `everyMs` until it returns true; throw `what` after `timeoutMs`. */
async function until(done: () => boolean, what: string, timeoutMs: number, everyMs = 200): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** A TCP port free on this machine now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Run a command to the end; its stdout, or an error with its stderr. */
function run(cluster: Cluster, cmd: string, args: string[], cwd = process.cwd()): string {
  const r = spawnSync(cmd, args, { cwd, env: cluster.env, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** Start a daemon in the foreground (so its pid is the child's), its output to `log`. */
function daemon(cluster: Cluster, cmd: string, args: string[], log: string): ChildProcess {
  const fd = fs.openSync(path.join(cluster.dir, log), 'a');
  const child = spawn(cmd, args, { env: cluster.env, stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  cluster.daemons.push(child);
  return child;
}

/** A cluster's temporary folder; nothing started yet. */
function newCluster(): Cluster {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-slurm-'));
  fs.chmodSync(dir, 0o755);
  return { dir, env: { ...process.env, SLURM_CONF: path.join(dir, 'slurm.conf') }, daemons: [] };
}

/** Start munged, slurmctld and slurmd, everything under the cluster's folder (each daemon is recorded as it starts). */
async function startCluster(cluster: Cluster): Promise<void> {
  const dir = cluster.dir;
  for (const sub of ['munge', 'state', 'spool']) fs.mkdirSync(path.join(dir, sub), { mode: 0o755 });
  const key = path.join(dir, 'munge', 'munge.key');
  fs.writeFileSync(key, randomBytes(1024), { mode: 0o400 });
  const socket = path.join(dir, 'munge', 'munge.socket');
  daemon(cluster, 'munged', ['--foreground', '--force', `--key-file=${key}`, `--socket=${socket}`, `--pid-file=${dir}/munge/munged.pid`, `--seed-file=${dir}/munge/munged.seed`, `--log-file=${dir}/munge/munged.log`], 'munged.out');
  await until(() => fs.existsSync(socket), 'the munge socket', 10_000, 100);
  // this machine as slurmd sees it: NodeName=… CPUs=… Boards=… SocketsPerBoard=… CoresPerSocket=… ThreadsPerCore=…
  const node = run(cluster, 'slurmd', ['-C']).split('\n')[0]!.split(/\s+/).filter((w) => /^(NodeName|CPUs|Boards|SocketsPerBoard|CoresPerSocket|ThreadsPerCore)=/.test(w));
  const host = node.find((w) => w.startsWith('NodeName='))!.slice('NodeName='.length);
  const [ctldPort, slurmdPort] = [await freePort(), await freePort()];
  const conf = [
    'ClusterName=scalelab',
    `SlurmctldHost=${host}(127.0.0.1)`,
    'SlurmUser=root',
    'SlurmdUser=root',
    `SlurmctldPort=${ctldPort}`,
    `SlurmdPort=${slurmdPort}`,
    'AuthType=auth/munge',
    'CredType=cred/munge',
    `AuthInfo=socket=${socket}`,
    `StateSaveLocation=${dir}/state`,
    `SlurmdSpoolDir=${dir}/spool`,
    `SlurmctldPidFile=${dir}/slurmctld.pid`,
    `SlurmdPidFile=${dir}/slurmd.pid`,
    `SlurmctldLogFile=${dir}/slurmctld.log`,
    `SlurmdLogFile=${dir}/slurmd.log`,
    'ProctrackType=proctrack/linuxproc',
    'TaskPlugin=task/none',
    'SelectType=select/cons_tres',
    'SelectTypeParameters=CR_Core',
    'JobAcctGatherType=jobacct_gather/none',
    'AccountingStorageType=accounting_storage/none',
    'MpiDefault=none',
    'SwitchType=switch/none',
    'ReturnToService=2',
    'KillWait=5',
    'MinJobAge=600',
    `${node.join(' ')} NodeAddr=127.0.0.1 State=UNKNOWN`,
    `PartitionName=test Nodes=${host} Default=YES MaxTime=INFINITE State=UP`,
  ];
  fs.writeFileSync(path.join(dir, 'slurm.conf'), `${conf.join('\n')}\n`);
  daemon(cluster, 'slurmctld', ['-D', '-f', path.join(dir, 'slurm.conf')], 'slurmctld.out');
  daemon(cluster, 'slurmd', ['-D', '-f', path.join(dir, 'slurm.conf')], 'slurmd.out');
  await until(() => spawnSync('sinfo', ['-h', '-N', '-o', '%T'], { env: cluster.env, encoding: 'utf8' }).stdout.trim() === 'idle', 'the node to be idle in sinfo', 60_000);
}

/** Cancel what is left, stop the daemons we started (by pid, newest first), remove the folder. */
async function stopCluster(cluster: Cluster): Promise<void> {
  if (fs.existsSync(path.join(cluster.dir, 'slurm.conf'))) {
    spawnSync('scancel', ['--user=root'], { env: cluster.env, stdio: 'ignore', timeout: 30_000 });
    await until(() => spawnSync('squeue', ['-h'], { env: cluster.env, encoding: 'utf8', timeout: 30_000 }).stdout.trim() === '', 'the queue to empty', 30_000).catch(() => undefined);
  }
  for (const d of [...cluster.daemons].reverse()) {
    if (d.exitCode !== null || d.signalCode !== null) continue;
    const exited = new Promise<void>((resolve) => d.once('exit', () => resolve()));
    d.kill('SIGTERM');
    const timer = setTimeout(() => d.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
  fs.rmSync(cluster.dir, { recursive: true, force: true });
}

/** Job ids from the recipe's submission message. */
function submitted(out: string): { array: string; merge: string } {
  const m = /submitted the shards as job (\d+) and the merge as job (\d+)/.exec(out);
  if (!m) throw new Error(`unexpected output of the recipe: ${out}`);
  return { array: m[1]!, merge: m[2]! };
}

/** The states of a job (one per array task), e.g. ['COMPLETED', 'CANCELLED']. */
function jobStates(cluster: Cluster, id: string): string[] {
  return run(cluster, 'scontrol', ['-o', 'show', 'job', id])
    .trim()
    .split('\n')
    .map((line) => /JobState=(\S+)/.exec(line)?.[1] ?? '?');
}

/** Wait until the queue is empty (every job of ours finished). */
function queueEmpty(cluster: Cluster, timeoutMs: number): Promise<void> {
  return until(() => run(cluster, 'squeue', ['-h']).trim() === '', 'the jobs to finish', timeoutMs, 250);
}

/** Runs recorded in a shard's runs.jsonl: complete lines, duplicates included. */
function runLines(file: string): number {
  if (!fs.existsSync(file)) return 0;
  const text = fs.readFileSync(file, 'utf8');
  const lines = text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter((l) => l.trim() !== '');
  return lines.filter((l) => (JSON.parse(l) as { kind?: string }).kind === 'run').length;
}

/** The same sweep run locally in one process (`scalelab sweep ARGS --out DIR`); its wall time in seconds. */
function local(args: string[], out: string, cwd = process.cwd()): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [CLI, 'sweep', ...args, '--out', out, '-q'], { cwd, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** The merged report equals the local one, byte for byte. */
function sameReport(merged: string, one: string): void {
  for (const file of ['sweep.csv', 'index.html']) {
    expect(fs.readFileSync(path.join(merged, file)).equals(fs.readFileSync(path.join(one, file))), `${file} byte-identical`).toBe(true);
  }
}

/** The sweep of parts 1 and 2: 12 points × 3 seeds of ten days (~0.1 s a run), 4 shards of 1 CPU, 9 runs each. */
const SWEEP = ['scenarios/albatross-default.yaml', '--grid', 'engine.config.scale_up_threshold_percent=70..95:5', '--grid', 'engine.config.cooldown_period=60s,600s', '--seeds', '3', '--set', 'duration=10d'];
const PER_SHARD = 9; // point p goes to shard (p mod 4) + 1: 3 points × 3 seeds each

/** Seconds since `t0` (from process.hrtime.bigint()). */
const since = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;

const reason = skipReason();

describe('Slurm: the recipe on a real single-node cluster', () => {
  it('runs the recipe, survives a requeued and a cancelled task, and runs the committed script as it is', async (ctx) => {
    if (reason !== null) {
      process.stderr.write(`Slurm test skipped: ${reason}\n`);
      ctx.skip(`Slurm test skipped: ${reason}`);
      return;
    }
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-slurm-results-'));
    const c = newCluster();
    try {
      await startCluster(c);
      c.env.SCALELAB = `${process.execPath} ${CLI}`;
      const script = path.join(work, 'slurm-sweep.sh');
      const emitted = spawnSync(process.execPath, [CLI, 'sweep', ...SWEEP, '--emit', 'slurm', '--shards', '4', '--workers', '1'], { encoding: 'utf8' });
      expect(emitted.status).toBe(0);
      fs.writeFileSync(script, emitted.stdout);
      const oneSeconds = local(SWEEP, path.join(work, 'one'));

      // 1. submitted as a user would, then merged: the one-process report, byte for byte
      c.env.SCALELAB_RESULTS = path.join(work, 'clean');
      const t0 = process.hrtime.bigint();
      const clean = submitted(run(c, 'bash', [script]));
      await queueEmpty(c, 180_000);
      const slurmSeconds = since(t0);
      expect(jobStates(c, clean.array)).toEqual(Array(4).fill('COMPLETED'));
      expect(jobStates(c, clean.merge)).toEqual(['COMPLETED']);
      sameReport(path.join(work, 'clean', 'all'), path.join(work, 'one'));
      expect(readJournal(path.join(work, 'clean', 'all', RUNS_FILE)).runs).toHaveLength(36);
      process.stderr.write(`Slurm: 4 shards (36 runs) in ${slurmSeconds.toFixed(1)} s from submission to merged report; one process (${os.availableParallelism()} workers): ${oneSeconds.toFixed(1)} s\n`);

      // 2. one task requeued by Slurm and one cancelled, both mid-way; the cancelled one is submitted
      //    again at once, while the first array still has a task queued (the requeued one)
      const results = path.join(work, 'faults');
      c.env.SCALELAB_RESULTS = results;
      const journal = (task: number) => path.join(results, `shard-${task}`, RUNS_FILE);
      const first = submitted(run(c, 'bash', [script]));
      await until(() => runLines(journal(1)) >= 1, 'task 1 to be under way', 120_000, 20);
      run(c, 'scontrol', ['requeue', `${first.array}_1`]);
      await until(() => runLines(journal(2)) >= 1, 'task 2 to be under way', 120_000, 20);
      run(c, 'scancel', [`${first.array}_2`]);
      await until(() => jobStates(c, `${first.array}_2`)[0] === 'CANCELLED', 'task 2 to be cancelled', 60_000, 50);
      const cancelledAt = runLines(journal(2));
      // a requeued job waits (BeginTime) before it may start again, so it is still queued now
      await until(() => jobStates(c, `${first.array}_1`)[0] === 'PENDING', 'task 1 to be pending again', 60_000, 50);
      const requeuedAt = runLines(journal(1));
      const second = submitted(run(c, 'bash', [script, '2']));
      // the new merge waits for the first array's task still queued, not only for its own task
      expect(run(c, 'scontrol', ['-o', 'show', 'job', second.merge])).toContain(`afterany:${first.array}_*(unfulfilled)`);
      run(c, 'scontrol', ['update', `JobId=${first.array}_1`, 'StartTime=now']);
      await queueEmpty(c, 180_000);
      expect(requeuedAt).toBeLessThan(PER_SHARD); // stopped mid-way
      expect(cancelledAt).toBeLessThan(PER_SHARD);
      expect(jobStates(c, `${first.array}_1`)).toEqual(['COMPLETED']);
      expect(jobStates(c, `${first.array}_2`)).toEqual(['CANCELLED']);
      expect(jobStates(c, first.merge)).toEqual(['CANCELLED']); // afterok can no longer be met
      expect(jobStates(c, second.array)).toEqual(['COMPLETED']);
      expect(jobStates(c, second.merge)).toEqual(['COMPLETED']);
      // nothing lost, nothing twice: each shard's file holds each of its runs once, complete lines
      for (let task = 0; task < 4; task++) {
        expect(fs.readFileSync(journal(task), 'utf8').endsWith('\n')).toBe(true);
        expect(runLines(journal(task))).toBe(PER_SHARD);
        expect(new Set(readJournal(journal(task)).runs.map((r) => runKey(r.point, r.seed))).size).toBe(PER_SHARD);
      }
      // the requeued and the resubmitted task resumed: their last run says what was already done
      for (const [task, before] of [[1, requeuedAt], [2, cancelledAt]] as const) {
        const log = fs.readFileSync(path.join(results, 'logs', `shard-${task}.log`), 'utf8');
        const m = /\((\d+) run now, (\d+) already done\)/.exec(log);
        expect(m, log).not.toBeNull();
        expect(Number(m![2])).toBe(before);
        expect(Number(m![1]) + Number(m![2])).toBe(PER_SHARD);
      }
      sameReport(path.join(results, 'all'), path.join(work, 'one'));
      process.stderr.write(`Slurm: task 1 requeued after ${requeuedAt} of ${PER_SHARD} runs, task 2 cancelled after ${cancelledAt} and submitted again; merged report identical to one process\n`);

      // 3. scripts/slurm-sweep.sh as committed, from a folder whose scenarios/albatross-tuning.yaml
      //    is the bundled study cut to two hours a run (same 96 points × 5 seeds)
      const project = path.join(work, 'project');
      fs.mkdirSync(path.join(project, 'scenarios'), { recursive: true });
      const study = fs.readFileSync('scenarios/albatross-tuning.yaml', 'utf8');
      expect(study).toMatch(/^duration: 1d$/m);
      fs.writeFileSync(path.join(project, 'scenarios', 'albatross-tuning.yaml'), study.replace(/^duration: 1d$/m, 'duration: 2h'));
      delete c.env.SCALELAB_RESULTS;
      const studyOne = local(['scenarios/albatross-tuning.yaml'], path.join(work, 'study-one'), project);
      const t1 = process.hrtime.bigint();
      const committed = submitted(run(c, 'bash', [path.resolve('scripts/slurm-sweep.sh')], project));
      await queueEmpty(c, 180_000);
      const studySeconds = since(t1);
      expect(jobStates(c, committed.array)).toEqual(Array(8).fill('COMPLETED'));
      expect(jobStates(c, committed.merge)).toEqual(['COMPLETED']);
      const merged = path.join(project, 'results', 'albatross-tuning', 'all');
      sameReport(merged, path.join(work, 'study-one'));
      expect(readJournal(path.join(merged, RUNS_FILE)).runs).toHaveLength(480);
      process.stderr.write(`Slurm: scripts/slurm-sweep.sh (8 shards of 2 CPUs, 480 two-hour runs) in ${studySeconds.toFixed(1)} s; one process: ${studyOne.toFixed(1)} s\n`);
    } finally {
      await stopCluster(c);
      fs.rmSync(work, { recursive: true, force: true });
    }
  }, 420_000);
});
