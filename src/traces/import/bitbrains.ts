/**
 * Bitbrains (GWA-T-12) VM traces: one file per VM, a header row, fields separated by `;` and a
 * tab. The column headed `Timestamp [ms]` holds Unix *seconds* (values above 10¹¹ are taken as
 * milliseconds, in case a file is fixed one day). Demand in cores = `CPU cores` × `CPU usage [MHZ]`
 * / `CPU capacity provisioned [MHZ]` (`CPU usage [%]` / 100 × cores when the capacity is 0);
 * memory = `Memory usage [KB]` × 1024. The series is named after the file without its extension
 * (the VM id), or `--name`.
 *
 * Steps are irregular in real files (299–301 s, gaps of 10–25 minutes): rows are kept as they are
 * and replayed step-hold; `scalelab trace show` lists the gaps. Refused with file and line: a
 * missing column in the header, a row with another number of fields, a non-numeric or negative
 * value, a timestamp earlier than the previous row's.
 */
import { InputError } from '../../scenario/errors.js';
import { CsvReader, seriesNameOf } from './input.js';
import { parseDecimal } from '../../load/trace-format.js';
import type { ImportedRow, Importer, ImportOptions, ImportWarnings } from './types.js';

export const bitbrains: Importer = {
  format: 'bitbrains',
  summary: 'Bitbrains GWA-T-12: header row, ";\\t"-separated, epoch-second timestamps, one file per VM',
  absoluteTime: true,
  interval: 300_000_000,
  memory: true,
  read: readBitbrains,
};

const COLUMNS = {
  time: 'Timestamp [ms]',
  cores: 'CPU cores',
  capacity: 'CPU capacity provisioned [MHZ]',
  usage: 'CPU usage [MHZ]',
  percent: 'CPU usage [%]',
  memory: 'Memory usage [KB]',
} as const;

type Column = keyof typeof COLUMNS;

function* readBitbrains(input: string, options: ImportOptions, warnings: ImportWarnings): Generator<ImportedRow> {
  const series = options.name ?? seriesNameOf(input, true);
  const csv = new CsvReader(input, { delimiter: ';', trim: true, fields: 'separated by ";" (as in the header)' }, options.readBytes);
  const file = csv.file;
  try {
    const names = csv.next();
    if (names === null) throw new InputError('empty Bitbrains file (a header row is expected)', { file, line: 1 });
    const at = columnIndexes(names, file, csv.lineNumber);
    let lastTime = -Infinity;
    for (let fields = csv.next(); fields !== null; fields = csv.next()) {
      if (fields.length === 1 && fields[0] === '') continue;
      const where = { file, line: csv.lineNumber };
      if (fields.length !== names.length) throw new InputError(`expected ${names.length} fields separated by ";", found ${fields.length}`, where);
      const value = (column: Column): number => {
        const text = fields[at[column]]!;
        const number = parseDecimal(text, 0, text.length);
        if (!(number >= 0)) throw new InputError(`${COLUMNS[column]} "${text}" is ${Number.isNaN(number) ? 'not a number' : 'negative'}`, where);
        return number;
      };
      const stamp = value('time');
      const time = Math.round(stamp > 1e11 ? stamp * 1_000 : stamp * 1_000_000);
      if (time < lastTime) throw new InputError('timestamp earlier than the previous row', where);
      if (time === lastTime) warnings.add('duplicate timestamp', `${file}:${csv.lineNumber}`);
      lastTime = time;
      const cores = value('cores');
      const capacity = value('capacity');
      const demand = capacity > 0 ? (cores * value('usage')) / capacity : (value('percent') / 100) * cores;
      yield { time, series, cores: demand, memory: value('memory') * 1024 };
    }
    if (lastTime === -Infinity) throw new InputError('Bitbrains file has a header but no rows', { file, line: csv.lineNumber + 1 });
  } finally {
    csv.close();
  }
}

function columnIndexes(names: string[], file: string, line: number): Record<Column, number> {
  const at = {} as Record<Column, number>;
  for (const [column, name] of Object.entries(COLUMNS) as Array<[Column, string]>) {
    const index = names.findIndex((n) => n.toLowerCase() === name.toLowerCase());
    if (index < 0) throw new InputError(`header lacks the column "${name}" (found: ${names.join(' | ')})`, { file, line });
    at[column] = index;
  }
  return at;
}
