/**
 * Azure Public Dataset V1: `vm_cpu_readings-file-*.csv` (no header; `timestamp,vmid,min_cpu,
 * max_cpu,avg_cpu`, timestamps in seconds from the dataset start, CPU in % of the VM's cores)
 * joined with `vmtable.csv` (`vmid,subscriptionid,deploymentid,created,deleted,maxcpu,avgcpu,
 * p95maxcpu,category,cores,memory_gib`) for the cores. Demand = avg_cpu / 100 × cores (`--cpu-stat
 * max|min` picks another column). Series are VM ids; `--series` keeps only some.
 *
 * The reading files of the dataset follow each other in time: pass them all, in any order; the
 * import merges them by time. The vmtable is held in memory (one entry per VM: the number of
 * series, not the length of the readings). Core-count buckets written `>24` count as 24
 * (warning `core count bucket`). A VM missing from the vmtable takes `--cores` when given
 * (warning `VM not in vmtable`), else is refused with the reading's file and line.
 */
import * as fs from 'node:fs';
import { InputError } from '../../scenario/errors.js';
import { CsvReader, displayName } from './input.js';
import { parseDecimal } from '../../load/trace-format.js';
import type { ImportedRow, Importer, ImportOptions, ImportWarnings } from './types.js';

export const azure: Importer = {
  format: 'azure',
  summary: 'Azure Public Dataset V1 vm_cpu_readings (+ --vmtable FILE for cores)',
  absoluteTime: false,
  interval: 300_000_000,
  memory: false,
  read: readAzure,
};

const STAT_COLUMN = { min: 2, max: 3, avg: 4 } as const;

/** vmtables already read in this process (an import reads it once for all its inputs). */
const vmtables = new Map<string, Map<string, number>>();

function* readAzure(input: string, options: ImportOptions, warnings: ImportWarnings): Generator<ImportedRow> {
  if (options.vmtable === undefined && options.cores === undefined) {
    throw new InputError('azure readings need --vmtable FILE (the VM cores), or --cores N for every VM', { file: displayName(input) });
  }
  const cores = options.vmtable === undefined ? new Map<string, number>() : loadVmTable(options.vmtable, warnings, options.series);
  const column = STAT_COLUMN[options.cpuStat ?? 'avg'];
  const keep = options.series === undefined ? null : new Set(options.series);
  const csv = new CsvReader(input, { fields: '(timestamp,vmid,min_cpu,max_cpu,avg_cpu)' }, options.readBytes);
  const file = csv.file;
  try {
    let lastTime = -Infinity;
    let rows = 0;
    for (let fields = csv.next(); fields !== null; fields = csv.next()) {
      if (fields.length === 1 && fields[0] === '') continue;
      const where = { file, line: csv.lineNumber };
      if (fields.length !== 5) throw new InputError(`expected 5 fields (timestamp,vmid,min_cpu,max_cpu,avg_cpu), found ${fields.length}`, where);
      const time = number(fields[0]!, 'timestamp', where) * 1_000_000;
      if (time < lastTime) throw new InputError('timestamp earlier than the previous row (readings must be in time order)', where);
      lastTime = time;
      rows++;
      const vm = fields[1]!.trim();
      if (keep !== null && !keep.has(vm)) continue;
      const percent = number(fields[column]!, ['', '', 'min_cpu', 'max_cpu', 'avg_cpu'][column]!, where);
      let vmCores = cores.get(vm);
      if (vmCores === undefined) {
        if (options.cores === undefined) throw new InputError(`VM ${vm} is not in the vmtable ${options.vmtable} (give --cores N to use N cores for such VMs)`, where);
        if (options.vmtable !== undefined) warnings.add('VM not in vmtable', `${file}:${csv.lineNumber}`);
        vmCores = options.cores;
      }
      yield { time: Math.round(time), series: vm, cores: (percent / 100) * vmCores, memory: NaN };
    }
    if (rows === 0) throw new InputError('empty Azure readings file', { file, line: 1 });
  } finally {
    csv.close();
  }
}

function number(text: string, what: string, where: { file: string; line: number }): number {
  const value = parseDecimal(text, 0, text.length);
  if (!(value >= 0)) throw new InputError(`${what} "${text}" is ${Number.isNaN(value) ? 'not a number' : 'negative'}`, where);
  return value;
}

/** vmid → cores from a vmtable CSV (no header; cores in column 10). */
export function loadVmTable(file: string, warnings: ImportWarnings, only?: string[]): Map<string, number> {
  const key = cacheKey(file, only);
  const cached = vmtables.get(key);
  if (cached) return cached;
  const keep = only === undefined ? null : new Set(only);
  const table = new Map<string, number>();
  const csv = new CsvReader(file, { fields: '(vmid,…,category,cores,memory_gib)' });
  try {
    for (let fields = csv.next(); fields !== null; fields = csv.next()) {
      if (fields.length === 1 && fields[0] === '') continue;
      const where = { file: csv.file, line: csv.lineNumber };
      if (fields.length !== 11) throw new InputError(`expected 11 fields (vmid,…,category,cores,memory_gib), found ${fields.length}`, where);
      const vm = fields[0]!.trim();
      if (keep !== null && !keep.has(vm)) continue;
      let text = fields[9]!.trim();
      if (text.startsWith('>')) {
        warnings.add('core count bucket', `${csv.file}:${csv.lineNumber}`);
        text = text.slice(1);
      }
      const cores = parseDecimal(text, 0, text.length);
      if (!(cores > 0)) throw new InputError(`cores "${fields[9]}" is not a positive number`, where);
      table.set(vm, cores);
    }
  } finally {
    csv.close();
  }
  if (table.size === 0 && keep === null) throw new InputError('empty vmtable', { file, line: 1 });
  vmtables.set(key, table);
  return table;
}

/** The vmtable as of now (path, size, mtime) and the VM filter. */
function cacheKey(file: string, only?: string[]): string {
  let stamp = '';
  try {
    const stat = fs.statSync(file);
    stamp = `${stat.size}:${stat.mtimeMs}`;
  } catch {
    // CsvReader reports the missing file
  }
  return JSON.stringify([file, stamp, only ?? null]);
}
