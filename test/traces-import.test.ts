import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { importTrace, type ImportSummary } from '../src/traces/import/index.js';
import { emptyRow, TraceReader } from '../src/load/trace-reader.js';
import { TraceSource } from '../src/load/trace.js';
import { inputError } from './helpers.js';
import type { ImportOptions } from '../src/traces/import/types.js';

const SHARED = path.join('..', 'shared', 'traces');
const S = 1_000_000;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scalelab-import-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let n = 0;

function write(text: string, name = `in${n++}.txt`): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

interface Row {
  time: number;
  series: string;
  cores: number;
  memory: number;
}

/** Import, then read the canonical output back with the replay reader. */
function run(format: string, inputs: string[], options: ImportOptions = {}): { summary: ImportSummary; rows: Row[]; text: string } {
  const output = path.join(dir, `out${n++}.csv`);
  const summary = importTrace({ format, inputs, output, options });
  const reader = new TraceReader(output);
  const row = emptyRow();
  const rows: Row[] = [];
  while (reader.next(row)) rows.push({ ...row });
  reader.close();
  return { summary, rows, text: fs.readFileSync(output, 'utf8') };
}


describe('planetlab', () => {
  const files = fs.readdirSync(path.join(SHARED, 'planetlab')).map((f) => path.join(SHARED, 'planetlab', f));

  it('imports the shared sample: 10 files × 288 five-minute samples, % → cores', () => {
    const { summary, rows, text } = run('planetlab', files, { cores: 2 });
    expect(summary.rows).toBe(2880);
    expect(summary.series).toBe(10);
    expect(summary.last).toBe(287 * 300 * S);
    expect(text).toMatch(/^# scalelab-trace: 1\n# source: planetlab/);
    expect(text).toContain('# interval: 5m\n');
    const colostate = rows.filter((r) => r.series === '146-179_surfsnel_dsl_internl_net_colostate_557');
    expect(colostate.slice(0, 3).map((r) => [r.time, r.cores])).toEqual([
      [0, 0.48],
      [300 * S, 0.68],
      [600 * S, 0.58],
    ]);
    // merged in time order
    expect(rows.every((r, i) => i === 0 || r.time >= rows[i - 1]!.time)).toBe(true);
  });

  it('replays through TraceSource', () => {
    const { rows } = run('planetlab', files.slice(0, 1));
    expect(rows).toHaveLength(288);
  });

  it('tolerates trailing blank lines; refuses bad values with the line', () => {
    expect(run('planetlab', [write('10\n20\n\n\n')]).summary.rows).toBe(2);
    const bad = (text: string, line: number, message: RegExp) => {
      const file = write(text);
      const error = inputError(() => run('planetlab', [file]));
      expect([error.file, error.line]).toEqual([file, line]);
      expect(error.message).toMatch(message);
    };
    bad('10\nabc\n', 2, /not a CPU percentage/);
    bad('10\n101\n', 2, /outside 0–100/);
    bad('10\n\n20\n', 2, /blank line/);
    bad('', 1, /empty/);
  });
});

describe('bitbrains', () => {
  it('imports the shared VM: ";\\t" fields, epoch seconds, MHz → cores, KB → bytes', () => {
    const { summary, rows, text } = run('bitbrains', [path.join(SHARED, 'bitbrains', 'vm-sample.csv')]);
    expect(summary.rows).toBe(8619);
    expect(summary.series).toBe(1);
    expect(summary.start).toBe('2013-08-12T13:40:46.000Z'); // 1376314846
    expect(text).toContain('time_s,series,cpu_cores,memory_bytes');
    expect(rows[0]).toEqual({ time: 0, series: 'vm-sample', cores: 0.007333, memory: Math.round(110448.53333333334 * 1024) });
    expect(rows[1]!.time).toBe(300 * S);
  });

  it('refuses a missing column, a short row, a bad number, time going back', () => {
    const header = 'Timestamp [ms];\tCPU cores;\tCPU capacity provisioned [MHZ];\tCPU usage [MHZ];\tCPU usage [%];\tMemory capacity provisioned [KB];\tMemory usage [KB]\n';
    const ok = '1000;\t2;\t5000;\t2500;\t50;\t1024;\t512\n';
    const bad = (text: string, line: number, message: RegExp) => {
      const file = write(text, `vm${n++}.csv`);
      const error = inputError(() => run('bitbrains', [file]));
      expect([error.file, error.line]).toEqual([file, line]);
      expect(error.message).toMatch(message);
    };
    bad('Timestamp [ms];\tCPU cores\n1;\t1\n', 1, /lacks the column "CPU capacity provisioned \[MHZ\]"/);
    bad(header + ok + '1300;\t2;\t5000\n', 3, /expected 7 fields/);
    bad(header + ok + '1300;\t2;\t5000;\tlots;\t50;\t1024;\t512\n', 3, /CPU usage \[MHZ\] "lots" is not a number/);
    bad(header + ok + ok.replace('1000', '700'), 3, /earlier than the previous/);
    bad('', 1, /empty/);
    const { rows } = run('bitbrains', [write(header + ok, 'two.csv')]);
    expect(rows[0]!.cores).toBe(1); // 2 cores × 2500 / 5000 MHz
  });
});

describe('azure', () => {
  const readings = path.join(SHARED, 'azure', 'vm_cpu_readings', 'vm_cpu_readings-file-1-of-125.csv');
  const vmtable = path.join(SHARED, 'azure', 'vmtable', 'vmtable.csv');

  it('imports the shared readings (CRLF, all at time 0); VMs missing from the vmtable take --cores, counted', () => {
    const { summary, rows } = run('azure', [readings], { vmtable, cores: 4 });
    expect(summary.rows).toBe(100);
    expect(summary.series).toBe(100);
    expect(summary.warnings.counts.get('VM not in vmtable')).toBe(100);
    const first = rows.find((r) => r.series.startsWith('+ZcrOp5'))!;
    expect(first.cores).toBeCloseTo((2.86979 / 100) * 4, 6);
  });

  it('uses the vmtable cores, the chosen statistic, and ">24" buckets', () => {
    const table = write('vm1,s,d,0,300,90,10,80,Interactive,8,32\nvm2,s,d,0,300,90,10,80,Interactive,>24,64\n');
    const data = write('0,vm1,10,50,20\n0,vm2,1,2,1.5\n300,vm1,5,5,5\n');
    const { rows, summary } = run('azure', [data], { vmtable: table, cpuStat: 'max' });
    expect(rows.map((r) => [r.time, r.series, r.cores])).toEqual([
      [0, 'vm1', 4],
      [0, 'vm2', 0.48],
      [300 * S, 'vm1', 0.4],
    ]);
    expect(summary.warnings.counts.get('core count bucket')).toBe(1);
  });

  it('refuses readings without cores, unknown VMs without --cores, bad rows', () => {
    const table = write('vm1,s,d,0,300,90,10,80,Interactive,8,32\n');
    expect(inputError(() => run('azure', [write('0,vm1,1,2,3\n')])).message).toMatch(/--vmtable/);
    const unknown = write('0,vm1,1,2,3\n0,vm9,1,2,3\n');
    expect(inputError(() => run('azure', [unknown], { vmtable: table })).message).toMatch(/:2: VM vm9 is not in the vmtable/);
    expect(inputError(() => run('azure', [write('0,vm1,1,2\n')], { vmtable: table })).line).toBe(1);
    expect(inputError(() => run('azure', [write('300,vm1,1,2,3\n0,vm1,1,2,3\n')], { vmtable: table })).message).toMatch(/:2: timestamp earlier/);
  });
});

const RUSAGE_TAIL = 'ixrss 0 idrss 0 isrss 0 minflt 10 majflt 0 nswap 0 inblock 0 outblock 0 msgsnd 0 msgrcv 0 signals 0 nvcsw 5 nivcsw 1';
function statsRecord(time: string | null, utime: string, stime: string, start = '1780308000.000000', name = ''): string {
  const prefix = time === null ? '' : `${time} `;
  return [
    `${prefix}stats${name ? ` ${name}` : ''}: utime ${utime} stime ${stime} maxrss 100 ${RUSAGE_TAIL}`,
    `virtual-size 1073741824 rss 5000 text-size 0 data-size 0 stack-size 0 runtime 0 cow 0 start ${start}`,
    'no vmm stats',
    'bridge service flags 8843 send_length 0 max_send_length 50 send_drops 0 mtu 1500 baudrate 0 input_packets 1 input_errors 0 output_packets 1 output_errors 0 collisions 0 input_bytes 60 output_bytes 60 input_mcast 0 output_mcast 0 input_dropped 0 output_dropped 0',
    '',
  ].join('\n');
}

describe('albatross-stats (text)', () => {
  it('CPU seconds over receive time → cores at the interval start; rss pages → bytes', () => {
    const file = write(
      statsRecord('2026-06-01T10:00:00Z', '1.000000', '0.000000') +
        statsRecord('2026-06-01T10:00:10Z', '3.500000', '0.500000') +
        statsRecord('[2026-06-01T10:00:20Z]', '8.500000', '0.500000'),
      'alice-web.txt',
    );
    const { rows, summary } = run('albatross-stats', [file]);
    expect(summary.start).toBe('2026-06-01T10:00:00.000Z');
    expect(rows).toEqual([
      { time: 0, series: 'alice-web', cores: 0.3, memory: 5000 * 4096 },
      { time: 10 * S, series: 'alice-web', cores: 0.5, memory: 5000 * 4096 },
    ]);
  });

  it('names from "stats NAME:", Unix-second times, several unikernels in one input', () => {
    const file = write(
      statsRecord('1780308000', '0.000000', '0.000000', undefined, 'alice:web') +
        statsRecord('1780308000.5', '0.000000', '0.000000', undefined, 'alice:db') +
        statsRecord('1780308010', '10.000000', '0.000000', undefined, 'alice:web') +
        statsRecord('1780308010.5', '2.000000', '0.000000', undefined, 'alice:db'),
    );
    const { rows } = run('albatross-stats', [file]);
    expect(rows.map((r) => [r.time, r.series, r.cores])).toEqual([
      [0, 'alice:web', 1],
      [0.5 * S, 'alice:db', 0.2],
    ]);
  });

  it('without receive times records are --interval apart (warned)', () => {
    const file = write(statsRecord(null, '0.000000', '0.000000') + statsRecord(null, '5.000000', '0.000000'));
    const { rows, summary } = run('albatross-stats', [file], { interval: 5 * S, name: 'u' });
    expect(rows.map((r) => [r.time, r.cores])).toEqual([[0, 1]]);
    expect(summary.warnings.lines().join()).toMatch(/no receive times/);
  });

  it('a new kinfo_mem start is a restart (reset); a drop without one is refused with the line', () => {
    const restarted = write(
      statsRecord('1780308000', '50.000000', '0.000000') + statsRecord('1780308010', '2.000000', '0.000000', '1780308005.000000'),
    );
    const { rows, summary } = run('albatross-stats', [restarted]);
    expect(rows[0]!.cores).toBe(0.2);
    expect(summary.warnings.counts.get('counter reset')).toBe(1);
    const dropped = write(statsRecord('1780308000', '50.000000', '0.000000') + statsRecord('1780308010', '2.000000', '0.000000'));
    const error = inputError(() => run('albatross-stats', [dropped]));
    expect(error.line).toBe(5);
    expect(error.message).toMatch(/went down \(50 → 2\) without a restart/);
  });

  it('refuses a line that belongs to no record, and an empty input', () => {
    const file = write(statsRecord('1780308000', '1.000000', '0.000000') + 'hello world\n');
    expect(inputError(() => run('albatross-stats', [file])).message).toMatch(/:5: not part of a stats record/);
    expect(inputError(() => run('albatross-stats', [write('')])).message).toMatch(/no stats records/);
    expect(inputError(() => run('albatross-stats', [write('utime 1.0\n')])).line).toBe(1);
  });
});

describe('albatross-stats-json', () => {
  it('reads [sec, usec], {sec, usec} and seconds; gaps write the series off', () => {
    const line = (time: string, utime: unknown, extra = '') =>
      `{"time":"${time}","name":"alice:web","rusage":{"utime":${JSON.stringify(utime)},"stime":[0,0],"maxrss":10},"kinfo_mem":{"rss":7,"start":[1780308000,0]${extra}},"vmm":null,"ifdata":[]}\n`;
    const file = write(
      line('2026-06-01T10:00:00Z', [1, 0]) +
        line('2026-06-01T10:00:10Z', { sec: 2, usec: 500000 }) +
        line('2026-06-01T10:00:20Z', 4.5) +
        line('2026-06-01T11:00:00Z', 100),
    );
    const { rows, summary } = run('albatross-stats-json', [file], { pageSize: 1000 });
    expect(rows.map((r) => [r.time, r.cores, r.memory])).toEqual([
      [0, 0.15, 7000],
      [10 * S, 0.2, 7000],
      [20 * S, 0, NaN],
    ]);
    expect(summary.warnings.counts.get('gap')).toBe(1);
  });

  it('refuses bad JSON and missing fields with the line', () => {
    expect(inputError(() => run('albatross-stats-json', [write('{"time":1,"rusage":{"utime":[1,0],"stime":[0,0],"maxrss":1}}\n{oops\n')])).line).toBe(2);
    expect(inputError(() => run('albatross-stats-json', [write('{"time":1}\n')])).message).toMatch(/:1: record lacks "rusage"/);
    expect(inputError(() => run('albatross-stats-json', [write('{"time":1,"rusage":{"utime":"x","stime":[0,0],"maxrss":1}}\n')])).message).toMatch(
      /rusage.utime must be/,
    );
  });
});

describe('incus-state', () => {
  const state = (time: string, name: string, usageNs: number, pid = 100, extra = {}) =>
    JSON.stringify({ time, instance: name, project: 'default', state: { status: 'Running', pid, cpu: { usage: usageNs }, memory: { usage: 1 << 20 }, ...extra } }) + '\n';

  it('cumulative ns → cores per interval, two instances, projects, the response envelope', () => {
    const file = write(
      state('2026-06-01T10:00:00Z', 'web1', 0) +
        state('2026-06-01T10:00:00Z', 'web2', 5e9) +
        JSON.stringify({ time: '2026-06-01T10:00:10Z', name: 'web1', project: 'default', response: { type: 'sync', status: 'Success', metadata: { pid: 100, cpu: { usage: 15e9 }, memory: { usage: 2 << 20 } } } }) +
        '\n' +
        JSON.stringify({ time: 1780308010, instance: 'web2', state: { pid: 100, cpu: { usage: 10e9 }, memory: { usage: 0 } } }) +
        '\n' +
        JSON.stringify({ time: '2026-06-01T10:00:20Z', instance: 'api', project: 'prod', state: { cpu: { usage: 1 }, memory: {} } }) +
        '\n',
    );
    const { rows } = run('incus-state', [file]);
    expect(rows.map((r) => [r.time, r.series, r.cores, r.memory])).toEqual([
      [0, 'web1', 1.5, 2 << 20],
      [0, 'web2', 0.5, 0],
    ]);
  });

  it('a pid change is a restart; a drop with the same pid is refused', () => {
    const restarted = write(state('2026-06-01T10:00:00Z', 'c', 50e9, 1) + state('2026-06-01T10:00:10Z', 'c', 2e9, 2));
    expect(run('incus-state', [restarted]).rows[0]!.cores).toBe(0.2);
    const dropped = write(state('2026-06-01T10:00:00Z', 'c', 50e9, 1) + state('2026-06-01T10:00:10Z', 'c', 2e9, 1));
    expect(inputError(() => run('incus-state', [dropped])).message).toMatch(/:2: CPU counter of c went down/);
  });

  it('refuses times going back, records without an instance, an error response', () => {
    const back = write(state('2026-06-01T10:00:10Z', 'c', 1) + state('2026-06-01T10:00:00Z', 'c', 2));
    expect(inputError(() => run('incus-state', [back])).message).toMatch(/:2: sample time goes backwards/);
    expect(inputError(() => run('incus-state', [write('{"time":1,"state":{}}\n')])).message).toMatch(/lacks "instance" or "name"/);
    const failed = write('{"time":1,"name":"c","response":{"type":"error","error":"not found","error_code":404}}\n');
    expect(inputError(() => run('incus-state', [failed])).message).toMatch(/error response: not found/);
    expect(inputError(() => run('incus-state', [write('{"time":"yesterday","name":"c","state":{}}\n')])).key).toBe('time');
  });
});

describe('incus-resources', () => {
  it('member load average → cores, memory used, member facts as a comment', () => {
    const snapshot = (time: string, member: string, load: number, goNames = true) =>
      JSON.stringify({
        time,
        member,
        resources: {
          cpu: { architecture: 'x86_64', total: 8 },
          memory: { used: 4 << 30, total: 16 * 2 ** 30 },
          load: goNames ? { Average1Min: load, Average5Min: 1, Average10Min: 1, Processes: 200 } : { average_1min: load },
        },
      }) + '\n';
    const file = write(snapshot('2026-06-01T10:00:00Z', 'node1', 1.5) + snapshot('2026-06-01T10:00:00Z', 'node2', 0.5, false) + snapshot('2026-06-01T10:01:00Z', 'node1', 2));
    const { rows, text } = run('incus-resources', [file]);
    expect(rows.map((r) => [r.time, r.series, r.cores, r.memory])).toEqual([
      [0, 'node1', 1.5, 4 << 30],
      [0, 'node2', 0.5, 4 << 30],
      [60 * S, 'node1', 2, 4 << 30],
    ]);
    expect(text).toContain('# member: node1 architecture=x86_64 threads=8 memory_total=17179869184\n');
    expect(inputError(() => run('incus-resources', [write('{"time":1,"member":"m","resources":{"cpu":{}}}\n')])).message).toMatch(/lacks "load"/);
  });
});

describe('openmetrics', () => {
  const scrape = (time: string | null, user: number, idle: number, prefix = 'incus') =>
    [
      time === null ? '' : `# scrape_time: ${time}`,
      `# HELP ${prefix}_cpu_seconds_total The total number of CPU time used in seconds.`,
      `# TYPE ${prefix}_cpu_seconds_total counter`,
      `${prefix}_cpu_seconds_total{cpu="0",mode="user",name="web1",project="default",type="virtual-machine"} ${user}`,
      `${prefix}_cpu_seconds_total{cpu="1",mode="system",name="web1",project="default",type="virtual-machine"} 1`,
      `${prefix}_cpu_seconds_total{cpu="0",mode="idle",name="web1",project="default",type="virtual-machine"} ${idle}`,
      `${prefix}_memory_MemTotal_bytes{name="web1",project="default",type="virtual-machine"} 1000`,
      `${prefix}_memory_MemAvailable_bytes{name="web1",project="default",type="virtual-machine"} 400`,
      `${prefix}_memory_MemTotal_bytes 99999`,
      `${prefix}_instances{project="default",type="container"} 3`,
      '# EOF',
      '',
    ].join('\n');

  it('sums non-idle modes over CPUs, differences per scrape, memory total − available', () => {
    const file = write(scrape('2026-06-01T10:00:00Z', 10, 100) + scrape('2026-06-01T10:00:10Z', 15, 200) + scrape('2026-06-01T10:00:20Z', 3, 300));
    const { rows, summary } = run('openmetrics', [file]);
    expect(rows.map((r) => [r.time, r.series, r.cores, r.memory])).toEqual([
      [0, 'web1', 0.5, 600],
      [10 * S, 'web1', 0.4, 600], // reset: 4 CPU-seconds since restart over 10 s
    ]);
    expect(summary.warnings.counts.get('counter reset')).toBe(1);
  });

  it('lxd prefix, scrapes without times are --interval apart', () => {
    const file = write(scrape(null, 10, 0, 'lxd') + scrape(null, 30, 0, 'lxd'));
    const { rows, summary } = run('openmetrics', [file], { interval: 20 * S });
    expect(rows.map((r) => [r.time, r.cores])).toEqual([[0, 1]]);
    expect(summary.warnings.lines().join()).toMatch(/without a time/);
  });

  it('refuses a malformed sample of a family it uses', () => {
    const file = write('incus_cpu_seconds_total{cpu="0",mode="user",name="w"} lots\n# EOF\n');
    expect(inputError(() => run('openmetrics', [file])).message).toMatch(/:1: sample value "lots"/);
    expect(inputError(() => run('openmetrics', [write('# EOF\n')])).message).toMatch(/no incus_cpu_seconds_total/);
  });
});

describe('import', () => {
  it('refuses an unknown format', () => {
    expect(() => importTrace({ format: 'nope', inputs: ['x'], output: path.join(dir, 'x.csv') })).toThrow(/unknown trace format "nope"/);
  });

  it('imported traces replay', () => {
    const files = fs.readdirSync(path.join(SHARED, 'planetlab')).map((f) => path.join(SHARED, 'planetlab', f));
    const output = path.join(dir, 'replay.csv');
    importTrace({ format: 'planetlab', inputs: files, output });
    const source = new TraceSource(output, [{ pattern: '*', name: 'all' }], { loop: true });
    const out = new Float64Array(1);
    source.sample(0, out, 0);
    const atStart = out[0]!;
    source.sample(24 * 3600 * S, out, 0); // one loop later (period 288 × 5 min)
    expect(out[0]).toBeCloseTo(atStart, 9);
    source.close();
  });
});
