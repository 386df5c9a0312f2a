/**
 * Trace input as people have it (issue 16, item 7): gzip, standard input, the generic CSV
 * importer, CSV quirks (BOM, CRLF, quoting) read by csv-parse, thousands of input files under a
 * small open-file limit, series names with `_`, spaces and digits, and `count:` copies mapped
 * onto a trace's series by `series_pattern`. Every input here is written by the test itself.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { CsvReader, ImportLines, chunkBytesFor, seriesNameOf } from '../src/traces/import/input.js';
import { importTrace } from '../src/traces/import/index.js';
import type { ImportOptions } from '../src/traces/import/types.js';
import type { CsvImportOptions } from '../src/traces/import/csv.js';
import { csvOptions } from '../src/cli/trace.js';
import { emptyRow, TraceReader } from '../src/load/trace-reader.js';
import { TraceSource } from '../src/load/trace.js';
import { parseScenarioText } from '../src/scenario/load.js';
import { inputError, runCli } from './helpers.js';

const repo = path.resolve(import.meta.dirname, '..');
const cli = path.join(repo, 'dist', 'cli', 'main.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-input-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

/** Every record of a CSV input with its line number. */
function records(file: string, delimiter = ','): Array<[number, string[]]> {
  const csv = new CsvReader(file, { delimiter }, 7); // 7-byte chunks: records and quotes straddle reads
  const out: Array<[number, string[]]> = [];
  try {
    for (let fields = csv.next(); fields !== null; fields = csv.next()) out.push([csv.lineNumber, fields]);
  } finally {
    csv.close();
  }
  return out;
}

/** The data rows of a canonical trace as `time_s,series,cores` strings. */
function rowsOf(file: string): string[] {
  const reader = new TraceReader(file);
  const row = emptyRow();
  const out: string[] = [];
  try {
    while (reader.next(row)) out.push(`${row.time / 1e6},${row.series},${row.cores}`);
  } finally {
    reader.close();
  }
  return out;
}

function csvImport(inputs: string[], csv: CsvImportOptions, options: ImportOptions = {}, name = 'out.csv') {
  return importTrace({ format: 'csv', inputs, output: path.join(dir, name), options: { ...options, csv } });
}

/** `node dist/cli/main.js ARGS` out of process (standard input, ulimit). */
function scalelab(args: string[], input?: string | Buffer, shellPrefix = '') {
  const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return spawnSync('bash', ['-c', `${shellPrefix}exec node '${cli}' ${quoted}`], { input, encoding: 'utf8', cwd: dir });
}

describe('CsvReader (csv-parse underneath)', () => {
  it('drops a byte-order mark, reads CRLF, quoted commas, quotes and line breaks, and counts lines', () => {
    const file = write('quirks.csv', '\ufefftime,series,value\r\n0,"web, eu",1\r\n0,"say ""hi""",2\r\n\r\n60,"two\nlines",3\r\n');
    expect(records(file)).toEqual([
      [1, ['time', 'series', 'value']],
      [2, ['0', 'web, eu', '1']],
      [3, ['0', 'say "hi"', '2']],
      [6, ['60', 'two\nlines', '3']], // line 4 is blank; the record spans lines 5–6
    ]);
  });

  it('reads old Mac \\r line ends, a missing last newline, and trims the tab after a Bitbrains ";"', () => {
    expect(records(write('cr.csv', 'a,b\r1,2\r3,4'))).toEqual([[1, ['a', 'b']], [2, ['1', '2']], [3, ['3', '4']]]);
    expect(records(write('semi.csv', 'Timestamp [ms];\tCPU cores\n1376314846;\t4\n'), ';')).toEqual([[1, ['Timestamp [ms]', 'CPU cores']], [2, ['1376314846', '4']]]);
  });

  it('refuses broken quoting with file and line', () => {
    const stray = write('stray.csv', 'a,b\n1,2\n3,"x"y\n');
    expect(inputError(() => records(stray)).message).toBe(`${stray}:3: text follows a closing quote inside a field (write a quote inside a quoted field as "")`);
    const open = write('open.csv', 'a,b\n1,"never closed\n2,3\n');
    expect(inputError(() => records(open)).message).toMatch(new RegExp(`^${open}:\\d+: a quoted field is never closed`));
  });

  it('ImportLines (line formats): BOM, CRLF, no last newline', () => {
    const lines = new ImportLines(write('lines.txt', '\ufeffone\r\ntwo\n\nthree'), 3);
    const got: string[] = [];
    for (let l = lines.next(); l !== null; l = lines.next()) got.push(`${lines.lineNumber}:${l}`);
    lines.close();
    expect(got).toEqual(['1:one', '2:two', '3:', '4:three']);
  });

  it('series names from file names drop .gz (and the extension where the format says)', () => {
    expect(seriesNameOf('/x/vm_12.csv.gz', true)).toBe('vm_12');
    expect(seriesNameOf('/x/146-179_surfsnel_dsl_internl_net_colostate_557.gz', false)).toBe('146-179_surfsnel_dsl_internl_net_colostate_557');
    expect(seriesNameOf('-', true)).toBe('stdin');
    // 16 MiB of read buffers shared out: 64 KiB for one input, 1 KiB floor
    expect([chunkBytesFor(1), chunkBytesFor(1000), chunkBytesFor(100_000)]).toEqual([65536, 16777, 1024]);
  });
});

describe('gzip inputs', () => {
  const plain = path.join(repo, 'traces', 'recordings', 'albatross-alice-web.txt');

  it('a .gz recording imports to the same rows as the plain one; gzip is recognised by content', () => {
    const gz = write('alice-web.txt.gz', zlib.gzipSync(fs.readFileSync(plain)));
    const misnamed = write('alice-web-gzipped.txt', zlib.gzipSync(fs.readFileSync(plain)));
    const a = importTrace({ format: 'albatross-stats', inputs: [plain], output: path.join(dir, 'plain.csv') });
    const b = importTrace({ format: 'albatross-stats', inputs: [gz], output: path.join(dir, 'gz.csv') });
    importTrace({ format: 'albatross-stats', inputs: [misnamed], output: path.join(dir, 'misnamed.csv') });
    expect(b.rows).toBe(a.rows);
    expect(rowsOf(path.join(dir, 'gz.csv'))).toEqual(rowsOf(path.join(dir, 'plain.csv')));
    expect(rowsOf(path.join(dir, 'misnamed.csv'))).toEqual(rowsOf(path.join(dir, 'plain.csv')));
  });

  it('concatenated gzip members (cat a.gz b.gz) read as one file', () => {
    const text = Array.from({ length: 600 }, (_, i) => `${i % 101}`).join('\n') + '\n';
    const gz = write('pl/vm_1.gz', Buffer.concat([zlib.gzipSync(text.slice(0, 1000)), zlib.gzipSync(text.slice(1000))]));
    const summary = importTrace({ format: 'planetlab', inputs: [gz], output: path.join(dir, 'members.csv') });
    expect(summary.rows).toBe(600);
    expect(rowsOf(path.join(dir, 'members.csv'))[599]).toBe(`${599 * 300},vm_1,${(599 % 101) / 100}`);
  });

  it('any chunking: 1-, 3- and 7-byte reads split the magic bytes, member boundaries and the trailer', () => {
    const text = Array.from({ length: 3000 }, (_, i) => `${i % 101}`).join('\n') + '\n';
    const gz = write('chunked.gz', Buffer.concat([zlib.gzipSync(text.slice(0, 777)), zlib.gzipSync(text.slice(777))]));
    for (const bytes of [1, 3, 7]) {
      const lines = new ImportLines(gz, bytes);
      let count = 0;
      let last = '';
      for (let line = lines.next(); line !== null; line = lines.next()) (count++, (last = line));
      lines.close();
      expect([bytes, count, last]).toEqual([bytes, 3000, String(2999 % 101)]);
    }
  });

  it('a truncated download is refused (exit 2, one line naming the file), not read short', () => {
    const whole = zlib.gzipSync(Array.from({ length: 5000 }, (_, i) => `${i % 100}`).join('\n'));
    const cut = write('cut.gz', whole.subarray(0, whole.length - 20));
    const result = scalelab(['trace', 'import', '--from', 'planetlab', cut, '-o', path.join(dir, 'cut.csv')]);
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(new RegExp(`^scalelab: error: ${cut}: (not a readable gzip file|gzip data is truncated)`));
  });
});

describe('the dataset samples (traces/samples) compressed and piped', () => {
  const samples = path.join(repo, 'traces', 'samples');
  const planetlab = fs.readdirSync(path.join(samples, 'planetlab')).sort().map((f) => path.join(samples, 'planetlab', f));

  it('PlanetLab files gzipped (vm-a.gz …) give the same trace, series named without .gz', () => {
    const gz = planetlab.map((f) => write(`pl-gz/${path.basename(f)}.gz`, zlib.gzipSync(fs.readFileSync(f))));
    importTrace({ format: 'planetlab', inputs: planetlab, output: path.join(dir, 'pl-plain.csv'), options: { cores: 2 } });
    importTrace({ format: 'planetlab', inputs: gz, output: path.join(dir, 'pl-gz.csv'), options: { cores: 2 } });
    expect(rowsOf(path.join(dir, 'pl-gz.csv'))).toEqual(rowsOf(path.join(dir, 'pl-plain.csv')));
    expect(rowsOf(path.join(dir, 'pl-gz.csv')).length).toBe(288 + 200 + 288);
  });

  it('Bitbrains from standard input with --name; Azure readings and vmtable gzipped', () => {
    const bitbrains = path.join(samples, 'bitbrains', 'vm-sample.csv');
    const piped = scalelab(['trace', 'import', '--from', 'bitbrains', '--name', 'vm-sample', '-', '-o', path.join(dir, 'bb-stdin.csv')], fs.readFileSync(bitbrains));
    expect(piped.stderr).toBe('');
    importTrace({ format: 'bitbrains', inputs: [bitbrains], output: path.join(dir, 'bb-file.csv') });
    expect(rowsOf(path.join(dir, 'bb-stdin.csv'))).toEqual(rowsOf(path.join(dir, 'bb-file.csv')));

    const readings = path.join(samples, 'azure', 'vm_cpu_readings', 'vm_cpu_readings-file-1-of-1.csv');
    const vmtable = path.join(samples, 'azure', 'vmtable', 'vmtable.csv');
    const options = { vmtable, cores: 1 };
    importTrace({ format: 'azure', inputs: [readings], output: path.join(dir, 'az-plain.csv'), options });
    const gzOptions = { vmtable: write('vmtable.csv.gz', zlib.gzipSync(fs.readFileSync(vmtable))), cores: 1 };
    importTrace({ format: 'azure', inputs: [write('readings.csv.gz', zlib.gzipSync(fs.readFileSync(readings)))], output: path.join(dir, 'az-gz.csv'), options: gzOptions });
    expect(rowsOf(path.join(dir, 'az-gz.csv'))).toEqual(rowsOf(path.join(dir, 'az-plain.csv')));
  });
});

describe('standard input (-)', () => {
  it('reads a piped file, plain or gzipped; errors name stdin and the line', () => {
    const csv = 'time,cpu\n0,0.5\n60,0.75\n';
    const plainRun = scalelab(['trace', 'import', '--from', 'csv', '--time-col', 'time', '--value-col', 'cpu', '--unit', 'cores', '--name', 'web', '-', '-o', path.join(dir, 'stdin.csv')], csv);
    expect(plainRun.status).toBe(0);
    expect(rowsOf(path.join(dir, 'stdin.csv'))).toEqual(['0,web,0.5', '60,web,0.75']);
    const gzRun = scalelab(['trace', 'import', '--from', 'csv', '--time-col', 'time', '--value-col', 'cpu', '--unit', 'cores', '-', '-o', path.join(dir, 'stdin-gz.csv')], zlib.gzipSync(csv));
    expect(gzRun.status).toBe(0);
    expect(rowsOf(path.join(dir, 'stdin-gz.csv'))).toEqual(['0,stdin,0.5', '60,stdin,0.75']);
    const bad = scalelab(['trace', 'import', '--from', 'csv', '--time-col', 'time', '--value-col', 'cpu', '--unit', 'cores', '-', '-o', path.join(dir, 'stdin-bad.csv')], 'time,cpu\n0,0.5\n60,lots\n');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe('scalelab: error: stdin:3: "lots" is not a number\n');
  });

  it('standard input can be named once only', async () => {
    const { code, err } = await runCli('trace', 'import', '--from', 'planetlab', '-', '-', '-o', path.join(dir, 'twice.csv'));
    expect(code).toBe(2);
    expect(err).toBe('scalelab: error: IN: standard input ("-") can be given only once\n');
  });
});

describe('many inputs', () => {
  it('imports 1,000 PlanetLab-format files under `ulimit -n 128` (one descriptor at a time)', () => {
    const folder = path.join(dir, 'many');
    fs.mkdirSync(folder);
    // file i (1-based) holds i mod 100, (i+1) mod 100, (i+2) mod 100 percent
    for (let i = 1; i <= 1000; i++) fs.writeFileSync(path.join(folder, `vm_${String(i).padStart(4, '0')}`), `${i % 100}\n${(i + 1) % 100}\n${(i + 2) % 100}\n`);
    const inputs = fs.readdirSync(folder).sort().map((f) => path.join(folder, f));
    const out = path.join(dir, 'many.csv');
    const result = scalelab(['trace', 'import', '--from', 'planetlab', '--cores', '2', ...inputs, '-o', out], undefined, 'ulimit -n 128; ');
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/3000 rows, 1000 series from 1000 planetlab input/);
    const rows = rowsOf(out);
    // time order, ties in input order: all of t=0 (vm_0001 … vm_1000), then t=300, then t=600
    expect(rows[0]).toBe('0,vm_0001,0.02'); // 1 % of 2 cores
    expect(rows[999]).toBe('0,vm_1000,0'); // 1000 mod 100 = 0
    expect(rows[1000]).toBe('300,vm_0001,0.04'); // 2 %
    expect(rows[2999]).toBe('600,vm_1000,0.04'); // 1002 mod 100 = 2 %
  }, 60_000);
});

describe('--from csv', () => {
  const percent: CsvImportOptions = { timeColumn: 'time', seriesColumn: 'vm', valueColumn: 'cpu', unit: 'percent' };

  it('percent of --cores, ISO times rebased with # start, quoted names with spaces and _', () => {
    const file = write('vms.csv', '\ufefftime,vm,cpu\r\n2024-03-01T00:00:00Z,"web 1",50\r\n2024-03-01T00:00:00Z,db_2,10%\r\n2024-03-01 00:01:00,"web 1",75\r\n');
    const summary = csvImport([file], percent, { cores: 2 });
    expect(summary.start).toBe('2024-03-01T00:00:00.000Z');
    expect(summary.series).toBe(2);
    // 50 % × 2 cores = 1; 10 % × 2 = 0.2; 75 % × 2 = 1.5; 00:01:00 is 60 s after the first row
    expect(rowsOf(path.join(dir, 'out.csv'))).toEqual(['0,web 1,1', '0,db_2,0.2', '60,web 1,1.5']);
  });

  it('cores and millicores; Unix seconds and milliseconds are wall-clock, small numbers are not', () => {
    const epoch = write('epoch.csv', 't;pod;mcpu\n1709251200;a;250\n1709251230;a;1500\n');
    const s = csvImport([epoch], { timeColumn: 't', seriesColumn: 'pod', valueColumn: 'mcpu', unit: 'millicores', delimiter: ';' });
    expect(s.start).toBe('2024-03-01T00:00:00.000Z'); // 1709251200 s = 19783 days × 86400
    expect(rowsOf(path.join(dir, 'out.csv'))).toEqual(['0,a,0.25', '30,a,1.5']);
    const ms = write('ms.csv', 't,pod,cores\n1709251200000,a,0.5\n1709251200500,a,1\n');
    const m = csvImport([ms], { timeColumn: 't', seriesColumn: 'pod', valueColumn: 'cores', unit: 'cores', timeUnit: 'ms' });
    expect(m.start).toBe('2024-03-01T00:00:00.000Z');
    expect(rowsOf(path.join(dir, 'out.csv'))).toEqual(['0,a,0.5', '0.5,a,1']);
    const relative = write('rel.csv', 'minute,cores\n30,1\n90,2\n');
    const r = csvImport([relative], { timeColumn: 'minute', valueColumn: 'cores', unit: 'cores' });
    expect(r.start).toBeNull();
    expect(rowsOf(path.join(dir, 'out.csv'))).toEqual(['0,rel,1', '60,rel,2']);
  });

  it('--no-header names columns by number; one series per file, named after it; tab delimiter', () => {
    const a = write('hosts/node_1.tsv', '0\t10\n300\t20\n');
    const b = write('hosts/node 2.tsv.gz', zlib.gzipSync('0\t30\n300\t40\n'));
    csvImport([a, b], { timeColumn: '1', valueColumn: '2', unit: 'percent', header: false, delimiter: '\t' }, { cores: 4 });
    // 10 % of 4 cores = 0.4, 30 % = 1.2, 20 % = 0.8, 40 % = 1.6
    expect(rowsOf(path.join(dir, 'out.csv'))).toEqual(['0,node_1,0.4', '0,node 2,1.2', '300,node_1,0.8', '300,node 2,1.6']);
  });

  it('--series keeps only some series; an empty value skips the row with a warning', () => {
    const file = write('mixed.csv', 'time,vm,cpu\n0,a,10\n0,b,20\n60,a,\n60,b,30\n');
    const s = csvImport([file], percent, { series: ['a', 'b'] });
    expect(rowsOf(path.join(dir, 'out.csv'))).toEqual(['0,a,0.1', '0,b,0.2', '60,b,0.3']);
    expect(s.warnings.lines()).toEqual([`1 × empty value (row skipped) (first at ${file}:4)`]);
    csvImport([file], percent, { series: ['b'] });
    expect(rowsOf(path.join(dir, 'out.csv'))).toEqual(['0,b,0.2', '60,b,0.3']);
  });

  it('memory column in its unit', () => {
    const file = write('mem.csv', 'time,cpu,rss\n0,1,2\n');
    csvImport([file], { timeColumn: 'time', valueColumn: 'cpu', unit: 'cores', memoryColumn: 'rss', memoryUnit: 'MiB' });
    expect(fs.readFileSync(path.join(dir, 'out.csv'), 'utf8')).toMatch(/\ntime_s,series,cpu_cores,memory_bytes\n0,mem,1,2097152\n$/); // 2 × 1024²
  });

  it('bad input: one line naming the file and line', () => {
    const file = write('bad.csv', 'time,vm,cpu\n0,a,10\n60,a,ten\n');
    expect(inputError(() => csvImport([file], percent)).message).toBe(`${file}:3: "ten" is not a number`);
    const back = write('back.csv', 'time,vm,cpu\n60,a,10\n0,b,10\n');
    expect(inputError(() => csvImport([back], percent)).message).toBe(`${back}:3: time earlier than the row before (rows must be in time order: sort the file by its time column first)`);
    const missing = write('missing.csv', 'when,vm,cpu\n0,a,10\n');
    expect(inputError(() => csvImport([missing], percent)).message).toBe(`${missing}:1: no column "time" for --time-col (the header has: when | vm | cpu)`);
    const negative = write('neg.csv', 'time,vm,cpu\n0,a,-5\n');
    expect(inputError(() => csvImport([negative], percent)).message).toBe(`${negative}:2: value -5 is negative`);
    const short = write('short.csv', 'time,vm,cpu\n0,a\n');
    expect(inputError(() => csvImport([short], percent)).message).toBe(`${short}:2: expected 3 fields (as in the header), found 2`);
    const date = write('date.csv', 'time,vm,cpu\nyesterday,a,1\n');
    expect(inputError(() => csvImport([date], percent)).message).toBe(`${date}:2: time "yesterday" is neither a number nor an ISO 8601 date`);
  });

  it('command-line flags are checked, and csv-only flags are refused with other formats', async () => {
    expect(csvOptions({ timeCol: 'ts', valueCol: 'cpu', unit: 'millicores', delimiter: 'tab', header: false })).toEqual({ timeColumn: 'ts', valueColumn: 'cpu', unit: 'millicores', delimiter: '\t', header: false });
    expect(inputError(() => csvOptions({ valueCol: 'cpu', unit: 'cores' })).message).toBe('--time-col: is required with --from csv');
    expect(inputError(() => csvOptions({ timeCol: 't', valueCol: 'cpu', unit: 'MHz' })).message).toBe('--unit: must be one of percent, cores, millicores, got "MHz"');
    expect(inputError(() => csvOptions({ timeCol: 't', valueCol: 'cpu', unit: 'cores', delimiter: ';;' })).message).toMatch(/^--delimiter: must be one character/);
    const file = write('pl-only.txt', '5\n');
    const out = path.join(dir, 'never.csv');
    const { code, err } = await runCli('trace', 'import', '--from', 'planetlab', '--time-col', 'x', file, '-o', out);
    expect([code, err]).toEqual([2, 'scalelab: error: --time-col: applies to --from csv only\n']);
    expect(fs.existsSync(out)).toBe(false);
  });
});

describe('series names and count: mapping', () => {
  /** A canonical trace whose series have `_`, spaces, digits, a comma and a quote in their names. */
  function namesTrace(): string {
    const source = write('names-src.csv', 'time,vm,cores\n0,vm_1,0.5\n0,"vm 2",0.25\n0,10,1\n0,other,3\n0,"a,b",0.125\n0,"q""x",0.0625\n300,vm_1,0.6\n300,"vm 2",0.3\n300,10,1.2\n');
    importTrace({ format: 'csv', inputs: [source], output: path.join(dir, 'names.csv'), options: { csv: { timeColumn: 'time', seriesColumn: 'vm', valueColumn: 'cores', unit: 'cores' } } });
    return path.join(dir, 'names.csv');
  }

  const scenario = (workloads: string): string => `name: names\nduration: 10m\nengine: { name: albatross, variant: faithful }\nworld:\n  hosts: [ { name: host, threads: 8, memory: 16GiB } ]\nworkloads:\n${workloads}`;

  it('every name survives the canonical file and replays by exact name', () => {
    const trace = namesTrace();
    const source = new TraceSource(trace, ['vm_1', 'vm 2', '10', 'a,b', 'q"x']);
    const out = new Float64Array(5);
    source.sample(300_000_000, out, 0);
    source.close();
    expect([...out]).toEqual([0.6, 0.3, 1.2, 0.125, 0.0625]);
  });

  it('a scenario reads them with series: (digits quoted); unquoted digits get a hint', () => {
    const trace = namesTrace();
    const file = path.join(dir, 's.yaml');
    const s = parseScenarioText(scenario(`  - { name: web, load: { trace: { file: ${trace}, series: "vm 2" } } }\n  - { name: ten, load: { trace: { file: ${trace}, series: "10" } } }\n  - { name: "12", load: { trace: { file: ${trace}, series: vm_1 } } }\n`), file);
    expect(s.workloads.map((w) => [w.name, w.load.kind === 'trace' ? w.load.trace.series : ''])).toEqual([['web', 'vm 2'], ['ten', '10'], ['12', 'vm_1']]);
    expect(inputError(() => parseScenarioText(scenario(`  - { name: ten, load: { trace: { file: ${trace}, series: 10 } } }\n`), file)).detail).toBe('must be a series name (quote one made of digits, such as "10"), got 10');
    expect(inputError(() => parseScenarioText(scenario(`  - { name: vm_1, load: { trace: { file: ${trace} } } }\n`), file)).detail).toMatch(/read with load\.trace\.series or series_pattern\), got "vm_1"$/);
  });

  it('series_pattern gives copy k the k-th matching series in order of first appearance', () => {
    const trace = namesTrace();
    const file = path.join(dir, 's.yaml');
    const s = parseScenarioText(scenario(`  - { name: vm, count: 3, load: { trace: { file: ${trace}, series_pattern: "*" } } }\n  - { name: web, count: 2, load: { trace: { file: ${trace}, series_pattern: "vm?*" } } }\n`), file);
    // first appearance: vm_1, vm 2, 10, other, a,b, q"x; "vm?*" matches vm_1 and vm 2
    expect(s.workloads.map((w) => `${w.name}=${w.load.kind === 'trace' ? w.load.trace.series : ''}`)).toEqual(['vm-1=vm_1', 'vm-2=vm 2', 'vm-3=10', 'web-1=vm_1', 'web-2=vm 2']);
    const tooMany = inputError(() => parseScenarioText(scenario(`  - { name: vm, count: 3, load: { trace: { file: ${trace}, series_pattern: "vm*" } } }\n`), file));
    expect(tooMany.key).toBe('workloads[0].load.trace.series_pattern');
    expect(tooMany.detail).toBe(`pattern "vm*" matches 2 of the 6 series in ${trace}, but copy "vm-3" needs match number 3: lower count to 2 or widen the pattern`);
    const both = inputError(() => parseScenarioText(scenario(`  - { name: vm, load: { trace: { file: ${trace}, series: vm_1, series_pattern: "*" } } }\n`), file));
    expect(both.detail).toBe('choose one of series, pattern, sum and series_pattern (got series and series_pattern)');
  });

  it('Incus cluster VMs with count: map the same way', () => {
    const trace = path.join(repo, 'traces', 'incus-small.csv'); // series first appear as web1, web2, db1, batch/etl
    const text = [
      'name: vms',
      'duration: 1h',
      'engine: { name: incus, variant: faithful }',
      'cluster:',
      '  members: [ { name: node1, threads: 8, memory: 32GiB }, { name: node2, threads: 8, memory: 32GiB } ]',
      '  vms:',
      `    - { name: vm, count: 3, limits: { cpu: 2, memory: 2GiB }, load: { trace: { file: ${trace}, series_pattern: "*" } } }`,
      '',
    ].join('\n');
    const s = parseScenarioText(text, path.join(dir, 'vms.yaml'));
    expect(s.cluster!.vms.map((v) => `${v.name}=${v.load?.kind === 'trace' ? v.load.trace.series : ''}`)).toEqual(['vm-1=web1', 'vm-2=web2', 'vm-3=db1']);
  });

  it('a run replays the series each copy was mapped to', async () => {
    const trace = namesTrace();
    const file = write('run.yaml', scenario(`  - { name: vm, count: 2, max_instances: 2, load: { trace: { file: ${trace}, series_pattern: "vm*" } } }\n`));
    const out = path.join(dir, 'run-out');
    const { code } = await runCli('run', file, '--out', out);
    expect(code).toBe(0);
    const series = fs.readFileSync(path.join(out, 'timeseries.csv'), 'utf8');
    // demand of vm-1 at 0 is vm_1's 0.5 cores, of vm-2 is "vm 2"'s 0.25
    expect(series).toMatch(/\n0,vm-1,demand_cores,0\.5\n/);
    expect(series).toMatch(/\n0,vm-2,demand_cores,0\.25\n/);
  });
});
