/**
 * Small samples in the formats of three public CPU datasets, written by formula (no download,
 * no copy of the datasets): enough to try the importers and for the tests to check them by hand.
 * Each keeps the quirks of the real files that an importer must cope with.
 *
 * - PlanetLab/CoMon (as CloudSim bundles it): one file per VM, no header, one integer CPU % per
 *   line, 288 lines = one day at 5-minute steps. `samples/planetlab/vm-a`: line i (from 0) holds
 *   (7·i) mod 101; `vm-b`: 20 + (i mod 3)·10, and the file stops early after 200 lines, as real
 *   ones do; `vm-c`: idle (0) except 100 at lines 100–111.
 * - Bitbrains GWA-T-12 (`samples/bitbrains/vm-sample.csv`): a header row, fields separated by
 *   `;` followed by a tab, a column named `Timestamp [ms]` that holds epoch *seconds*, 300 s
 *   steps with a few longer ones (600, 900, 1200 and 1500 s), 11 columns.
 * - Azure Public Dataset V1 (`samples/azure/vm_cpu_readings/vm_cpu_readings-file-1-of-1.csv` and
 *   `samples/azure/vmtable/vmtable.csv`): headerless, CRLF line ends; readings
 *   `timestamp,vmid,min_cpu,max_cpu,avg_cpu` every 300 s for three VMs, one of which is missing
 *   from the vmtable; the vmtable has 11 columns and writes one VM's cores as the bucket `>24`.
 *
 * Regenerate with the other fixed traces: `npm run build && node dist/traces/fixtures.js traces`.
 */

/** Every sample file: path relative to `traces/`, and its content. */
export function datasetSamples(): Array<[string, string]> {
  return [...planetlab(), bitbrains(), ...azure()];
}

function planetlab(): Array<[string, string]> {
  const lines = (count: number, value: (i: number) => number) => Array.from({ length: count }, (_, i) => `${value(i)}\n`).join('');
  return [
    ['samples/planetlab/vm-a', lines(288, (i) => (7 * i) % 101)],
    ['samples/planetlab/vm-b', lines(200, (i) => 20 + (i % 3) * 10)],
    ['samples/planetlab/vm-c', lines(288, (i) => (i >= 100 && i < 112 ? 100 : 0))],
  ];
}

/** Epoch second of the first Bitbrains row (2013-08-12T13:40:46Z, as in the real trace's VMs). */
export const BITBRAINS_START = 1_376_314_846;

function bitbrains(): [string, string] {
  const columns = [
    'Timestamp [ms]',
    'CPU cores',
    'CPU capacity provisioned [MHZ]',
    'CPU usage [MHZ]',
    'CPU usage [%]',
    'Memory capacity provisioned [KB]',
    'Memory usage [KB]',
    'Disk read throughput [KB/s]',
    'Disk write throughput [KB/s]',
    'Network received throughput [KB/s]',
    'Network transmitted throughput [KB/s]',
  ];
  // Steps between rows: 300 s, with one each of 600, 900, 1200 and 1500 s.
  const steps = [300, 300, 300, 600, 300, 900, 300, 300, 1200, 300, 1500, 300, 300];
  const rows = [columns.join(';\t')];
  let t = BITBRAINS_START;
  for (let i = 0; i <= steps.length; i++) {
    const usedMhz = 650 * (i % 5); // 0, 650, 1300, 1950, 2600 of 2600 MHz on 2 cores
    const fields = [t, 2, '2600.0', usedMhz.toFixed(1), ((usedMhz / 2600) * 100).toFixed(1), '4194304.0', (1024 * (100 + i)).toFixed(1), '0.0', '1.5', '0.0', '0.0'];
    rows.push(fields.join(';\t'));
    t += steps[i] ?? 0;
  }
  return ['samples/bitbrains/vm-sample.csv', rows.join('\n') + '\n'];
}

function azure(): Array<[string, string]> {
  const crlf = (lines: string[]) => lines.map((l) => `${l}\r\n`).join('');
  const readings: string[] = [];
  for (let step = 0; step < 4; step++) {
    const t = step * 300;
    readings.push(`${t},vm-small,${step},${10 + step},${5 + step}`);
    readings.push(`${t},vm-huge,1,${20 + step * 10},${10 + step * 5}`);
    readings.push(`${t},vm-unlisted,0,50,25`);
  }
  const table = [
    'vm-small,sub1,dep1,0,2591700,40.5,6.2,33.9,Interactive,2,4',
    'vm-huge,sub1,dep2,0,2591700,99.4,3.4,10.2,Delay-insensitive,>24,64',
  ];
  return [
    ['samples/azure/vm_cpu_readings/vm_cpu_readings-file-1-of-1.csv', crlf(readings)],
    ['samples/azure/vmtable/vmtable.csv', crlf(table)],
  ];
}
