/**
 * PlanetLab / CoMon CPU traces as CloudSim bundles them: no header, one integer CPU utilisation
 * percentage per line, one line per 5 minutes (288 lines = 24 h). One file = one VM = one series,
 * named after the file (or `--name`). Demand = percent / 100 × `--cores` (default 1).
 *
 * Refused with file and line: a value that is not a number, or outside 0–100, and a blank line
 * before the last value (a missing sample would shift every later one by 5 minutes); blank lines
 * at the end are ignored.
 *
 * @example
 * // 146-179_surfsnel_dsl_internl_net_colostate_557: "0\n4\n0\n…" → rows at 0 s, 300 s, 600 s …
 */
import { InputError } from '../../scenario/errors.js';
import { parseDecimal } from '../../load/trace-format.js';
import { CsvReader, seriesNameOf } from './input.js';
import type { ImportedRow, Importer, ImportOptions } from './types.js';

export const PLANETLAB_INTERVAL = 300_000_000;

export const planetlab: Importer = {
  format: 'planetlab',
  summary: 'PlanetLab/CoMon (CloudSim): one CPU % per line, 5-minute steps, one file per VM',
  absoluteTime: false,
  interval: PLANETLAB_INTERVAL,
  memory: false,
  read: readPlanetLab,
};

function* readPlanetLab(input: string, options: ImportOptions): Generator<ImportedRow> {
  const series = options.name ?? seriesNameOf(input, false);
  const cores = options.cores ?? 1;
  const interval = options.interval ?? PLANETLAB_INTERVAL;
  const csv = new CsvReader(input, {}, options.readBytes);
  const file = csv.file;
  try {
    let index = 0;
    let lastLine = 0;
    for (let fields = csv.next(); fields !== null; fields = csv.next()) {
      const text = fields.length === 1 ? fields[0]! : fields.join(',');
      if (text === '') continue; // a line of spaces: blank
      if (csv.lineNumber > lastLine + 1) throw new InputError('blank line inside the data (one CPU % per line expected)', { file, line: lastLine + 1 });
      lastLine = csv.lineNumber;
      if (fields.length !== 1) throw new InputError(`"${text.slice(0, 40)}" is not a CPU percentage (one value per line expected)`, { file, line: csv.lineNumber });
      const percent = parseDecimal(text, 0, text.length);
      if (Number.isNaN(percent)) throw new InputError(`"${text.slice(0, 40)}" is not a CPU percentage`, { file, line: csv.lineNumber });
      if (percent < 0 || percent > 100) throw new InputError(`CPU percentage ${percent} is outside 0–100`, { file, line: csv.lineNumber });
      yield { time: index * interval, series, cores: (percent / 100) * cores, memory: NaN };
      index++;
    }
    if (index === 0) throw new InputError('empty PlanetLab file (one CPU % per line expected)', { file, line: 1 });
  } finally {
    csv.close();
  }
}
