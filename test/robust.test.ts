/**
 * Issue 9, "nothing lost, nothing hangs": one test (or a few) per item of the issue, numbered
 * as there. The bad-input corpus (test/corpus.test.ts) covers the same promises in breadth; these
 * pin each item's behaviour directly.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { inputError, runCli } from './helpers.js';
import { AtomicFile, temporaryName, writeFileAtomic } from '../src/files/atomic.js';
import { boundedLines, readTextInput } from '../src/files/inputs.js';
import { lockFolder, LOCK_FILE } from '../src/files/lock.js';
import { makeOutputDir, refuseInputAsOutput, removeCreatedDirs } from '../src/files/outputs.js';
import { checkTimeJump, parseTime } from '../src/adapters/albatross.js';
import { escapeControls, commanderErrorLine } from '../src/cli/main.js';
import { parseWorkers } from '../src/cli/sweep.js';
import { endpointError } from '../src/cli/record.js';
import { InputError } from '../src/scenario/errors.js';
import { parseScenarioText } from '../src/scenario/load.js';
import { IncusClient } from '../src/traces/record/incus-api.js';
import { recordIncus } from '../src/traces/record/incus.js';
import { RUNS_FILE, readJournal } from '../src/workbench/journal.js';
import { runSweep } from '../src/workbench/sweep.js';

let tmp: string;
let cwd: string;
beforeAll(() => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-robust-')));
  cwd = process.cwd();
});
afterAll(() => {
  process.chdir(cwd);
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A fresh folder for one test. */
function folder(name: string): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

const SCENARIO = `name: tiny
seed: 1
duration: 1h
engine: { name: albatross, variant: faithful }
world:
  hosts: [ { name: host, threads: 8, memory: 16GiB } ]
workloads:
  - name: web
    max_instances: 4
    load: { base: 0.8, ar1: { coefficient: 0.9, sigma: 0.05 } }
`;
const TRACE = 'time_s,series,cpu_cores\n0,web,0.5\n10,web,0.6\n20,web,0.7\n';
/** A scenario replaying t.csv (beside it) for `web`. */
const TRACE_SCENARIO = SCENARIO.replace('load: { base: 0.8, ar1: { coefficient: 0.9, sigma: 0.05 } }', 'load: { trace: { file: t.csv, loop: true } }');

/** Every entry under `dir`, recursively, sorted (hidden ones too). */
function listing(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).map(String).sort();
}

describe('1. an output that is an input is refused (device and inode, also through links)', () => {
  it('trace import -o INPUT', async () => {
    const dir = folder('i1');
    const input = path.join(dir, 'a.txt');
    fs.writeFileSync(input, '10\n20\n30\n');
    const r = await runCli('trace', 'import', '--from', 'planetlab', '--cores', '1', input, '-o', input);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^scalelab: error: -o: .*a\.txt is an input of this command/);
    expect(fs.readFileSync(input, 'utf8')).toBe('10\n20\n30\n');
  });
  it('through a hard link and a symlink', () => {
    const dir = folder('i1b');
    const input = path.join(dir, 'a.txt');
    fs.writeFileSync(input, 'x');
    fs.linkSync(input, path.join(dir, 'hard.csv'));
    fs.symlinkSync(input, path.join(dir, 'soft.csv'));
    for (const out of ['hard.csv', 'soft.csv']) expect(inputError(() => refuseInputAsOutput([path.join(dir, out)], [input], '-o')).key).toBe('-o');
    expect(() => refuseInputAsOutput([path.join(dir, 'new.csv')], [input], '-o')).not.toThrow();
  });
  it('run --out into the folder of an input named like an output', async () => {
    const dir = folder('i1c');
    fs.writeFileSync(path.join(dir, 'summary.json'), SCENARIO);
    const r = await runCli('run', path.join(dir, 'summary.json'), '--out', dir, '-q');
    expect(r.code).toBe(2);
    expect(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8')).toBe(SCENARIO);
  });
});

describe('2. every file is written to a unique temporary file, fsynced and renamed; removed on failure', () => {
  it('two writers of one target use different temporary files in its folder; commit renames, abort removes', () => {
    const dir = folder('i2');
    const target = path.join(dir, 'out.csv');
    const a = new AtomicFile(target);
    const b = new AtomicFile(target);
    expect(a.tempPath).not.toBe(b.tempPath);
    expect(path.dirname(a.tempPath)).toBe(dir);
    a.write('a\n');
    b.write('b\n');
    expect(fs.existsSync(target)).toBe(false);
    a.commit();
    b.abort();
    expect(fs.readFileSync(target, 'utf8')).toBe('a\n');
    expect(listing(dir)).toEqual(['out.csv']);
  });
  it('a symlink at the target is replaced, not written through', () => {
    const dir = folder('i2b');
    fs.writeFileSync(path.join(dir, 'precious'), 'keep');
    fs.symlinkSync(path.join(dir, 'precious'), path.join(dir, 'out.txt'));
    writeFileAtomic(path.join(dir, 'out.txt'), 'new');
    expect(fs.readFileSync(path.join(dir, 'precious'), 'utf8')).toBe('keep');
    expect(fs.lstatSync(path.join(dir, 'out.txt')).isSymbolicLink()).toBe(false);
  });
  it('never opens an existing file (or a planted symlink) at the temporary name', () => {
    const name = temporaryName('/x/y/summary.json');
    expect(name).toMatch(/^\/x\/y\/\.summary\.json\.\d+-[0-9a-f]{8}\.tmp$/);
    // the open is O_CREAT|O_EXCL: a name that exists (a link planted there) fails instead of being followed
    const dir = folder('i2c');
    const target = path.join(dir, 'precious');
    fs.writeFileSync(target, 'keep');
    const planted = path.join(dir, 'planted');
    fs.symlinkSync(target, planted);
    expect(() => fs.openSync(planted, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL)).toThrow(/EEXIST/);
  });
  it('a taken temporary name is drawn again, the file planted there untouched', () => {
    const dir = folder('i2-taken');
    const target = path.join(dir, 'precious');
    fs.writeFileSync(target, 'keep');
    // Math.random 0.5 → 2^31 → '80000000'; the next draw 0.25 → '40000000'
    const draws = [0.5, 0.25];
    const spy = vi.spyOn(Math, 'random').mockImplementation(() => draws.shift() ?? 0.75);
    try {
      fs.symlinkSync(target, path.join(dir, `.out.txt.${process.pid}-80000000.tmp`));
      writeFileAtomic(path.join(dir, 'out.txt'), 'new');
    } finally {
      spy.mockRestore();
    }
    expect(fs.readFileSync(path.join(dir, 'out.txt'), 'utf8')).toBe('new');
    expect(fs.readFileSync(target, 'utf8')).toBe('keep');
  });
  it('a failed import keeps the previous trace and leaves no temporary file', async () => {
    const dir = folder('i2d');
    fs.writeFileSync(path.join(dir, 'a.txt'), '10\n20\nbad\n');
    fs.writeFileSync(path.join(dir, 'old.csv'), TRACE);
    const r = await runCli('trace', 'import', '--from', 'planetlab', '--cores', '1', path.join(dir, 'a.txt'), '-o', path.join(dir, 'old.csv'));
    expect(r.code).toBe(2);
    expect(r.err).toContain('a.txt:3');
    expect(fs.readFileSync(path.join(dir, 'old.csv'), 'utf8')).toBe(TRACE);
    expect(listing(dir)).toEqual(['a.txt', 'old.csv']);
  });
  it('check --junit DIR is refused and leaves nothing beside DIR', async () => {
    const dir = folder('i2e');
    fs.writeFileSync(path.join(dir, 's.yaml'), SCENARIO);
    fs.mkdirSync(path.join(dir, 'j'));
    const r = await runCli('check', path.join(dir, 's.yaml'), '--baseline', path.join(dir, 'b.yaml'), '--junit', path.join(dir, 'j'));
    expect(r.code).toBe(2);
    expect(r.err).toContain('--junit');
    expect(listing(dir)).toEqual(['j', 's.yaml']);
  });
});

describe('3. a failed run removes only the folders it created (by real path)', () => {
  it('--out nonexist/../keepme/out: the empty keepme that was there stays', async () => {
    const dir = folder('i3');
    fs.writeFileSync(path.join(dir, 's.yaml'), TRACE_SCENARIO);
    fs.writeFileSync(path.join(dir, 't.csv'), `${TRACE}30,web,oops\n`); // fails while simulating, after the folder exists
    fs.mkdirSync(path.join(dir, 'keepme'));
    process.chdir(dir);
    try {
      const r = await runCli('run', 's.yaml', '--out', 'nonexist/../keepme/out', '-q');
      expect(r.code).toBe(2);
      expect(r.err).toContain('t.csv:5');
    } finally {
      process.chdir(cwd);
    }
    expect(listing(dir)).toEqual(['keepme', 's.yaml', 't.csv']);
  });
  it('makeOutputDir records what it made; removeCreatedDirs removes only those, only when empty', () => {
    const dir = folder('i3b');
    const created = makeOutputDir(path.join(dir, 'a', 'b', 'c'), '--out');
    expect(created).toEqual([path.join(dir, 'a'), path.join(dir, 'a', 'b'), path.join(dir, 'a', 'b', 'c')]);
    fs.writeFileSync(path.join(dir, 'a', 'keep'), 'x');
    removeCreatedDirs(created);
    expect(listing(dir)).toEqual(['a', path.join('a', 'keep')]);
  });
});

describe('4. the scenario name is one safe path segment', () => {
  it.each([['..'], ['.'], ['a/b'], ['.hidden'], ['x'.repeat(5000)]])('name #%# is refused with one line', async (name) => {
    const dir = folder(`i4-${name.length}-${name.replace(/[^a-z]/g, '_').slice(0, 5)}`);
    fs.writeFileSync(path.join(dir, 's.yaml'), SCENARIO.replace('name: tiny', `name: "${name}"`));
    process.chdir(dir);
    try {
      const r = await runCli('run', 's.yaml', '-q');
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/^scalelab: error: s\.yaml:1: name: must be 1 to 100 letters/);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    } finally {
      process.chdir(cwd);
    }
    expect(listing(dir)).toEqual(['s.yaml']);
  });
});

describe('5. a run folder holds one run\'s outputs only', () => {
  it('a rerun with events and timeseries off removes the earlier ones, and nothing else', async () => {
    const dir = folder('i5');
    fs.writeFileSync(path.join(dir, 's.yaml'), SCENARIO);
    const out = path.join(dir, 'out');
    expect((await runCli('run', path.join(dir, 's.yaml'), '--out', out, '-q')).code).toBe(0);
    fs.writeFileSync(path.join(out, 'notes.txt'), 'mine');
    expect(listing(out)).toEqual(['events.jsonl', 'notes.txt', 'report.html', 'summary.json', 'summary.md', 'timeseries.csv']);
    expect((await runCli('run', path.join(dir, 's.yaml'), '--out', out, '-q', '--set', 'output.events=false', '--set', 'output.timeseries=false')).code).toBe(0);
    expect(listing(out)).toEqual(['notes.txt', 'report.html', 'summary.json', 'summary.md']);
  });
});

describe('6. a data error in a sweep is not journaled; it names the trace file and line', () => {
  it('bad row: refused naming t.csv:6, nothing journaled; fixed data: the sweep runs', async () => {
    const dir = folder('i6');
    fs.writeFileSync(path.join(dir, 's.yaml'), TRACE_SCENARIO);
    fs.writeFileSync(path.join(dir, 't.csv'), `${TRACE}30,web,0.5\n40,web,oops\n`);
    const out = path.join(dir, 'out');
    const opts = { scenarioFile: path.join(dir, 's.yaml'), flags: { grid: ['engine.config.cooldown_period=60s,120s'], seeds: '1' }, outDir: out, workers: 0, allowOutside: true };
    const err = await runSweep(opts).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toBe(`${path.join(dir, 't.csv')}:6: cpu_cores: "oops" is not a number`);
    expect(fs.existsSync(out)).toBe(false); // a new sweep stopped at its start leaves nothing
    fs.writeFileSync(path.join(dir, 't.csv'), `${TRACE}30,web,0.5\n40,web,0.4\n`);
    const done = await runSweep(opts);
    expect(done.status).toBe('done');
    const runs = readJournal(path.join(out, RUNS_FILE)).runs;
    expect(runs).toHaveLength(2);
    expect(runs.every((r) => r.invalid === undefined)).toBe(true);
  });
});

describe('7. one sweep at a time per output folder', () => {
  it('a live holder is named by pid; a dead one\'s lock is taken over', async () => {
    const dir = folder('i7');
    const sleeper = spawn('sleep', ['30']);
    try {
      fs.writeFileSync(path.join(dir, LOCK_FILE), `${sleeper.pid}\n`);
      expect(inputError(() => lockFolder(dir, '--out')).message).toContain(`pid ${sleeper.pid}`);
      fs.writeFileSync(path.join(dir, 's.yaml'), SCENARIO);
      const r = await runCli('sweep', path.join(dir, 's.yaml'), '--grid', 'engine.config.cooldown_period=60s,120s', '--seeds', '1', '--workers', '0', '--out', dir, '-q');
      expect(r.code).toBe(2);
      expect(r.err).toContain(`in use by another scalelab process (pid ${sleeper.pid})`);
      expect(fs.existsSync(path.join(dir, RUNS_FILE))).toBe(false);
    } finally {
      sleeper.kill();
    }
    await new Promise((resolve) => sleeper.once('exit', resolve));
    const lock = lockFolder(dir, '--out'); // the holder is gone: stale
    expect(fs.readFileSync(lock.file, 'utf8')).toBe(`${process.pid}\n`);
    expect(() => lockFolder(dir, '--out')).toThrow(/this one/);
    lock.release();
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(false);
  });
});

describe('8. durations, counts, seeds and workers have bounds, stated in the message', () => {
  const refuse = (edit: (s: string) => string) => inputError(() => parseScenarioText(edit(SCENARIO), 's.yaml')).message;
  it('duration, host and workload counts, seed', () => {
    expect(refuse((s) => s.replace('duration: 1h', 'duration: 1e15'))).toBe('s.yaml:3: duration: must be at most 366d (the limit), got 1000000000000000');
    expect(refuse((s) => s.replace('{ name: host,', '{ name: host, count: 100000000,'))).toBe('s.yaml:6: world.hosts[0].count: must be <= 10000, got 100000000'); // line 6: hosts: [ { name: host … } ]
    expect(refuse((s) => s.replace('    max_instances: 4', '    max_instances: 4\n    count: 100000000'))).toBe('s.yaml:10: workloads[0].count: must be <= 100000, got 100000000'); // line 10: the count: added after max_instances
    expect(refuse((s) => s.replace('seed: 1', 'seed: -1'))).toBe('s.yaml:2: seed: must be >= 0, got -1');
    expect(refuse((s) => s.replace('seed: 1', 'seed: 1e300'))).toBe('s.yaml:2: seed: must be <= 2147483647, got 1e+300');
  });
  it('--seeds, --random and --workers', async () => {
    const dir = folder('i8');
    fs.writeFileSync(path.join(dir, 's.yaml'), SCENARIO);
    const sweep = (...flags: string[]) => runCli('sweep', path.join(dir, 's.yaml'), '--grid', 'engine.config.cooldown_period=60s,120s', '--workers', '0', '--out', path.join(dir, 'out'), '-q', ...flags);
    expect((await sweep('--seeds', '1000000000')).err.trim()).toBe('scalelab: error: --seeds: must be at most 1000 (the limit), got 1000000000');
    expect((await sweep('--seed', '99999999999')).err.trim()).toBe('scalelab: error: --seed: must be at most 2147483647, got 99999999999');
    // 4 workers a core: 8 on two cores
    expect(inputError(() => parseWorkers('9', 2)).message).toBe('--workers: at most 8 worker threads (4 × the 2 cores of this machine), got 9');
    expect(parseWorkers('8', 2)).toBe(8);
    expect(fs.existsSync(path.join(dir, 'out'))).toBe(false);
  });
});

describe('9. decide refuses a jump in time beyond 7 days, naming the line', () => {
  it('a millisecond timestamp, 1e300, and a 7-day-plus step', async () => {
    expect(parseTime(1e300)).toBeNull();
    expect(parseTime(1_780_000_010_000)).toBeNull(); // ms: past 1e11 s
    expect(parseTime(1_780_000_010)).toBe(1_780_000_010_000_000);
    // 7 days = 604_800 s = 604_800_000_000 µs is allowed; one µs more is not
    expect(() => checkTimeJump(0, 604_800_000_000, 'x:2')).not.toThrow();
    expect(inputError(() => checkTimeJump(0, 604_800_000_001, 'x:2')).message).toMatch(/^x:2: time: jumps 7 days forward/);
    const dir = folder('i9');
    const line = (t: number) => `{"time": ${t}, "name": "web", "utime": [1, 0], "stime": [0, 0]}`;
    fs.writeFileSync(path.join(dir, 'in.jsonl'), `${line(1_780_000_000)}\n${line(1_790_000_000)}\n`);
    const started = Date.now();
    const r = await runCli('decide', 'albatross', '--group', 'web', '--input', path.join(dir, 'in.jsonl'));
    expect(r.code).toBe(2);
    expect(r.err).toContain(`in.jsonl:2: time: jumps 116 days forward`); // 10,000,000 s / 86,400 = 115.7 → 116
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('10. inputs are read with a size and line-length bound', () => {
  it('/dev/zero, a huge file, a long line', () => {
    expect(inputError(() => readTextInput('/dev/zero', 'scenario')).message).toBe('/dev/zero: is not a regular file (a device, socket); give a scenario file');
    const dir = folder('i10');
    fs.writeFileSync(path.join(dir, 'big.yaml'), 'x'.repeat(100));
    expect(inputError(() => readTextInput(path.join(dir, 'big.yaml'), 'scenario', 64)).message).toMatch(/big\.yaml: scenario file is larger than 64 bytes \(the limit\)$/);
    fs.writeFileSync(path.join(dir, 'long.yaml'), `a: 1\nb: ${'x'.repeat(100)}\n`);
    expect(inputError(() => readTextInput(path.join(dir, 'long.yaml'), 'scenario', 1000, 50)).message).toMatch(/long\.yaml:2: line longer than 50 bytes \(the limit\)$/);
  });
  it('a stream without newlines stops at the bound', async () => {
    const endless = Readable.from((function* () {
      for (;;) yield Buffer.alloc(64 * 1024, 0x41);
    })());
    const lines = boundedLines(endless, 'stdin', 1024 * 1024);
    await expect(lines.next()).rejects.toThrow('stdin:1: line longer than 1 MiB (the limit)');
  });
});

describe('11. one line and exit 2 where there was an internal error', () => {
  it('a primary that fits no host', () => {
    expect(inputError(() => parseScenarioText(SCENARIO.replace('max_instances: 4', 'max_instances: 4\n    vcpus: 9'), 's.yaml')).message).toBe('s.yaml:10: workloads[0].vcpus: 9 vCPUs fit on no x86_64 host (the largest has 8 threads)'); // line 10: the vcpus: added
    // two 6-vCPU primaries on one 8-thread host: the second finds no room
    const two = SCENARIO.replace('  - name: web\n', '  - name: web\n    vcpus: 6\n').concat('  - name: api\n    vcpus: 6\n    load: { base: 0.1 }\n');
    expect(inputError(() => parseScenarioText(two, 's.yaml')).message).toMatch(/^s\.yaml:12: workloads\[1\]: the primary of api \(6 vCPUs, 256 MiB\) fits on no x86_64 host/);
  });
  it('a directory given as a file', async () => {
    const dir = folder('i11');
    for (const args of [['trace', 'show', dir], ['trace', 'import', '--from', 'planetlab', '--cores', '1', dir, '-o', path.join(tmp, 'x.csv')], ['decide', 'albatross', '--group', 'w', '--input', dir]]) {
      const r = await runCli(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err.trim()).toMatch(/: is a directory, not a \w+ file$/);
    }
    fs.mkdirSync(path.join(dir, RUNS_FILE));
    const r = await runCli('sweep', 'merge', dir, '--out', path.join(tmp, 'm11'));
    expect(r.err.trim()).toBe(`scalelab: error: ${path.join(dir, RUNS_FILE)}: is a directory, not a runs.jsonl file`);
  });
  it('commander\'s own errors: one line with the scalelab: prefix', async () => {
    expect(commanderErrorLine("error: unknown option '--x'\n")).toBe("scalelab: error: unknown option '--x' (run with --help for usage)\n");
    const r = await runCli('run', 'x.yaml', '--colour');
    expect(r.code).toBe(2);
    expect(r.err).toBe("scalelab: error: unknown option '--colour' (run with --help for usage)\n");
  });
  it('record incus: each endpoint problem says which and where', async () => {
    const dir = folder('i11r');
    const missing = path.join(dir, 'nope.sock');
    const client = new IncusClient({ socket: missing }, 300);
    const e1 = await recordIncus({ client, interval: 1_000_000, output: path.join(dir, 'r.csv'), rounds: 1 }).catch((e: unknown) => endpointError(e, { socket: missing }));
    client.close();
    expect(e1).toBeInstanceOf(InputError);
    expect((e1 as InputError).message).toMatch(new RegExp(`^--socket: ${missing}: GET /1\\.0: connect ENOENT`));
    // a server that answers 403, then one that answers HTML, then one that never answers
    const replies: Array<(res: http.ServerResponse) => void> = [
      (res) => res.writeHead(403, { 'content-type': 'application/json' }).end('{"type":"error","error":"not authorized","error_code":403}'),
      (res) => res.writeHead(200).end('<html>hello</html>'),
      () => {},
    ];
    const expected = [/GET \/1\.0: not authorized$/, /GET \/1\.0: HTTP 200, not JSON: <html>hello<\/html>$/, /GET \/1\.0: no answer within 300 ms$/];
    for (let i = 0; i < replies.length; i++) {
      const socket = path.join(dir, `s${i}.sock`);
      const server = http.createServer((_req, res) => replies[i]!(res));
      await new Promise<void>((resolve) => server.listen(socket, resolve));
      const c = new IncusClient({ socket }, 300);
      const err = await recordIncus({ client: c, interval: 1_000_000, output: path.join(dir, 'r.csv'), rounds: 1 }).catch((e: unknown) => endpointError(e, { socket }));
      c.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      expect((err as InputError).message).toMatch(new RegExp(`^--socket: ${socket}: `));
      expect((err as InputError).message).toMatch(expected[i]!);
    }
    expect(listing(dir)).toEqual([]); // nothing recorded: no trace, no raw files
  });
  it('record incus: a bad URL and a file that is not PEM', async () => {
    const dir = folder('i11u');
    expect((await runCli('record', 'incus', '--url', 'not a url', '-o', path.join(dir, 'r.csv'))).err.trim()).toBe('scalelab: error: --url: not a URL: "not a url" (expected https://host:8443)');
    fs.writeFileSync(path.join(dir, 'c.pem'), 'hello');
    const r = await runCli('record', 'incus', '--url', 'https://127.0.0.1:1', '--cert', path.join(dir, 'c.pem'), '--key', path.join(dir, 'c.pem'), '-o', path.join(dir, 'r.csv'));
    expect(r.err.trim()).toBe(`scalelab: error: --cert: ${path.join(dir, 'c.pem')}: not a PEM file (no "-----BEGIN" line)`);
  });
});

describe('12. accepted before, refused now', () => {
  it('a run line without fields, a .nan baseline value, a header-only trace, seeds out of range', async () => {
    const dir = folder('i12');
    fs.mkdirSync(path.join(dir, 'a'));
    fs.writeFileSync(path.join(dir, 'a', RUNS_FILE), '{"kind":"run"}\n');
    const merge = await runCli('sweep', 'merge', path.join(dir, 'a'), '--out', path.join(dir, 'm'));
    expect(merge.err.trim()).toBe(`scalelab: error: ${path.join(dir, 'a', RUNS_FILE)}:1: a run line without its point (an object of swept key → value)`);
    fs.writeFileSync(path.join(dir, 'a', RUNS_FILE), '{"kind":"run","point":{"a":1}}\n');
    const merge2 = await runCli('sweep', 'merge', path.join(dir, 'a'), '--out', path.join(dir, 'm'));
    expect(merge2.err.trim()).toBe(`scalelab: error: ${path.join(dir, 'a', RUNS_FILE)}:1: malformed run record: "seed" must be an integer`);
    fs.writeFileSync(path.join(dir, 's.yaml'), SCENARIO);
    fs.writeFileSync(path.join(dir, 'b.yaml'), 'scalelab_baseline: 1\nscenario: tiny\nseed: 1\nsets: []\nmetrics:\n  scale_ups: { value: .nan, unit: "" }\n');
    const check = await runCli('check', path.join(dir, 's.yaml'), '--baseline', path.join(dir, 'b.yaml'));
    expect(check.err.trim()).toBe(`scalelab: error: ${path.join(dir, 'b.yaml')}:6: metrics.scale_ups.value: must be a finite number or null, got NaN`);
    fs.writeFileSync(path.join(dir, 'h.csv'), 'time_s,series,cpu_cores\n');
    expect((await runCli('trace', 'show', path.join(dir, 'h.csv'))).err.trim()).toBe(`scalelab: error: ${path.join(dir, 'h.csv')}:2: trace has a header but no data rows`);
    expect((await runCli('run', path.join(dir, 's.yaml'), '--seed', '-1')).code).toBe(2);
    expect(listing(dir)).toEqual(['a', path.join('a', RUNS_FILE), 'b.yaml', 'h.csv', 's.yaml']);
  });
  it('memory that cannot fit: albatross refuses min_instances beyond the hosts; incus warns', async () => {
    const floor = SCENARIO.replace('max_instances: 4', 'max_instances: 100\n    min_instances: 9');
    expect(inputError(() => parseScenarioText(floor, 's.yaml')).message).toBe('s.yaml:10: workloads[0].min_instances: 9 instances of web (1 vCPUs, 256 MiB each) do not fit on the x86_64 hosts beside the primaries');
    const dir = folder('i12b');
    const vms = `name: over\nduration: 10m\nengine: { name: incus }\ncluster:\n  members:\n    - { name: m, count: 2, threads: 32, memory: 32GiB }\n  vms:\n    - { name: vm, count: 30, limits: { cpu: 1, memory: 8GiB } }\n`;
    fs.writeFileSync(path.join(dir, 'over.yaml'), vms);
    const r = await runCli('run', path.join(dir, 'over.yaml'), '--out', path.join(dir, 'out'));
    expect(r.code).toBe(0);
    // 30 VMs round-robin over m-1, m-2: 15 × 8 GiB = 120 GiB on each 32 GiB member
    expect(r.err).toContain('scalelab: warning: member m-1: the running VMs placed there use 120.0 GiB of memory, more than its 32.0 GiB');
  });
});

describe('13. control bytes are escaped; trace files stay in the scenario\'s tree unless --allow-outside', () => {
  it('escapes ESC, BEL, CR and newlines', () => {
    expect(escapeControls('a\u001b[2Jb\u0007c\rd\ne')).toBe('a\\x1b[2Jb\\x07c\\x0dd\\x0ae');
  });
  it('a trace error with control bytes prints them escaped', async () => {
    const dir = folder('i13');
    fs.writeFileSync(path.join(dir, 't.csv'), 'time_s,series,cpu_cores\n0,web,\u001b[31m\u0007\n');
    const r = await runCli('trace', 'show', path.join(dir, 't.csv'));
    expect(r.err).toBe(`scalelab: error: ${path.join(dir, 't.csv')}:2: cpu_cores: "\\x1b[31m\\x07" is not a number\n`);
  });
  it('../../etc/passwd is refused without printing it; --allow-outside reads a trace outside', async () => {
    const dir = folder('i13b');
    const inner = path.join(dir, 'scen');
    fs.mkdirSync(inner);
    const passwd = '../'.repeat(12) + 'etc/passwd';
    fs.writeFileSync(path.join(inner, 'p.yaml'), TRACE_SCENARIO.replace('file: t.csv', `file: ${passwd}`));
    const r = await runCli('run', path.join(inner, 'p.yaml'), '--out', path.join(dir, 'out'));
    expect(r.err.trim()).toBe(`scalelab: error: ${path.join(inner, 'p.yaml')}:10: workloads[0].load.trace.file: ${passwd} is outside the scenario's folder and the working directory; give --allow-outside to read it`);
    expect(r.err).not.toContain('root:');
    fs.writeFileSync(path.join(dir, 't.csv'), TRACE);
    fs.writeFileSync(path.join(inner, 'o.yaml'), TRACE_SCENARIO.replace('file: t.csv', 'file: ../t.csv'));
    expect((await runCli('run', path.join(inner, 'o.yaml'), '--out', path.join(dir, 'out'), '-q')).code).toBe(2);
    expect((await runCli('run', path.join(inner, 'o.yaml'), '--out', path.join(dir, 'out'), '-q', '--allow-outside')).code).toBe(0);
  });
});

describe('14. --out under /proc and --plot with a wrong extension', () => {
  it('--out /proc/self/x is refused at once', async () => {
    const dir = folder('i14');
    fs.writeFileSync(path.join(dir, 's.yaml'), SCENARIO);
    const started = Date.now();
    const r = await runCli('run', path.join(dir, 's.yaml'), '--out', '/proc/self/x');
    expect(r.err.trim()).toBe('scalelab: error: --out: /proc/self/x: outputs cannot go under /proc');
    expect(Date.now() - started).toBeLessThan(5_000);
  });
  it('--plot x.png is refused before anything is written', async () => {
    const dir = folder('i14b');
    fs.writeFileSync(path.join(dir, 't.csv'), TRACE);
    const r = await runCli('trace', 'show', path.join(dir, 't.csv'), '--plot', path.join(dir, 'x.png'));
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.trim()).toBe(`scalelab: error: --plot: must end in .svg or .html (the chart is SVG), got "${path.join(dir, 'x.png')}"`);
    expect(listing(dir)).toEqual(['t.csv']);
  });
});
