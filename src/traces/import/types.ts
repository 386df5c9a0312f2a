/**
 * What every importer shares: the row it yields, the options it may read, and the tally of
 * repairs it made (counted in the import summary rather than refused, each by a documented rule).
 */
import type { Micros } from '../../kernel/time.js';
import type { CsvImportOptions } from './csv.js';

/** One sample on its way to the canonical file. */
export interface ImportedRow {
  /** µs: since the Unix epoch when the input says when (`absolute` importers), else since the input's start. */
  time: Micros;
  series: string;
  cores: number;
  /** Bytes; NaN when the input has no memory figure. */
  memory: number;
  /** When set, the row is written as this `# comment` line instead of a sample (e.g. a member's facts). */
  comment?: string;
}

/** Options from the command line (`--cores 2`, `--vmtable FILE` …), all optional. */
export interface ImportOptions {
  /** Series name for single-series inputs (default: from the input or its file name). */
  name?: string;
  /** Cores behind 100 % for utilisation-only formats (planetlab; azure VMs missing from the vmtable). */
  cores?: number;
  /** Sampling interval (µs) where the input does not say (planetlab, albatross text without times). */
  interval?: Micros;
  /** Azure: the vmtable CSV giving each VM's cores. */
  vmtable?: string;
  /** Azure: which reading to use, `avg` (default), `max` or `min`. */
  cpuStat?: 'avg' | 'max' | 'min';
  /** Counter formats: samples further apart than this are not differenced (a gap). Default 5 min. */
  maxGap?: Micros;
  /** Albatross: bytes per page for rss. Default 4096. */
  pageSize?: number;
  /** Keep only these series (exact names). */
  series?: string[];
  /** `--from csv`: which columns hold what, and their units. */
  csv?: CsvImportOptions;
  /** Bytes read per chunk of each input (set by `importTrace` from the number of inputs). */
  readBytes?: number;
}

/** Counts of repairs and notes, by kind (`counter reset`, `gap`, `duplicate sample` …). */
export class ImportWarnings {
  readonly counts = new Map<string, number>();
  /** First place each kind was seen, for the summary. */
  readonly firstAt = new Map<string, string>();

  add(kind: string, where: string): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
    if (!this.firstAt.has(kind)) this.firstAt.set(kind, where);
  }

  get total(): number {
    let sum = 0;
    for (const n of this.counts.values()) sum += n;
    return sum;
  }

  /** One line per kind: `3 × counter reset (first at a.txt:17)`. */
  lines(): string[] {
    return [...this.counts].map(([kind, n]) => `${n} × ${kind} (first at ${this.firstAt.get(kind)})`);
  }
}

/** A source format: turns one input file into rows in non-decreasing time. */
export interface Importer {
  /** `--from` name. */
  format: string;
  summary: string;
  /** True when row times are Unix-epoch based (the canonical file then records `# start`). */
  absoluteTime: boolean;
  /** Whether the earliest time (µs since the epoch) is a wall-clock time worth a `# start` line. Default: yes. */
  wallClock?: (origin: Micros) => boolean;
  /** Nominal sampling interval when the format has one (µs). */
  interval?: Micros;
  /** Whether rows carry memory (for some formats: depending on the options). */
  memory: boolean | ((options: ImportOptions) => boolean);
  /** Rows of one input, in non-decreasing time; bad input → `InputError` with file and line. */
  read(file: string, options: ImportOptions, warnings: ImportWarnings): Iterable<ImportedRow>;
}
