/**
 * summary.json written part by part: the very bytes of `JSON.stringify(summary, null, 2)` and a
 * newline, but the per-group part goes out one group at a time, so a run of 100,000 groups never
 * holds the whole text (about 2.7 KB a group) nor, with {@link lazyGroupSets}, every group's
 * metric set at once.
 */
import { AtomicFile } from '../files/atomic.js';
import type { MetricSet, RunSummary } from '../report/types.js';

/**
 * Write `summary` to `file` atomically (a temporary file renamed into place), streamed: each
 * top-level entry but `groups` is stringified on its own; `groups` is written entry by entry,
 * each set read once (a lazy set is built then and dropped after).
 *
 * @example writeSummaryFile('out/summary.json', summary) // same bytes as `${JSON.stringify(summary, null, 2)}\n`
 */
export function writeSummaryFile(file: string, summary: RunSummary): void {
  const out = new AtomicFile(file);
  try {
    writeSummary(summary, (text) => out.write(text));
  } catch (err) {
    out.abort();
    throw err;
  }
  out.commit();
}

/**
 * Hand `summary`'s JSON text (2-space indent, newline at the end) to `write` in pieces.
 *
 * @example let s = ''; writeSummary(summary, (t) => (s += t)); s === `${JSON.stringify(summary, null, 2)}\n` // true
 */
export function writeSummary(summary: RunSummary, write: (text: string) => void): void {
  const entries = Object.keys(summary).filter((key) => jsonValue((summary as unknown as Record<string, unknown>)[key]));
  if (entries.length === 0) {
    write('{}\n');
    return;
  }
  write('{');
  entries.forEach((key, k) => {
    write(`${k === 0 ? '' : ','}\n  ${JSON.stringify(key)}: `);
    if (key === 'groups') writeGroups(summary.groups, write);
    else write(indented(JSON.stringify((summary as unknown as Record<string, unknown>)[key], null, 2), '  '));
  });
  write('\n}\n');
}

/** The `groups` object at depth 1, one entry at a time, in JSON's key order (`Object.keys`). */
function writeGroups(groups: Record<string, MetricSet>, write: (text: string) => void): void {
  let first = true;
  for (const name of Object.keys(groups)) {
    const set = groups[name];
    if (!jsonValue(set)) continue;
    write(`${first ? '{' : ','}\n    ${JSON.stringify(name)}: ${indented(JSON.stringify(set, null, 2), '    ')}`);
    first = false;
  }
  write(first ? '{}' : '\n  }');
}

/** Does JSON.stringify write this value as an object member (it leaves out undefined and functions)? */
function jsonValue(value: unknown): boolean {
  return value !== undefined && typeof value !== 'function' && typeof value !== 'symbol';
}

/** Indent every line but the first of a JSON text (its nesting depth). @example indented('{\n  "a": 1\n}', '  ') // '{\n    "a": 1\n  }' */
function indented(json: string, by: string): string {
  return json.replace(/\n/g, `\n${by}`);
}

/**
 * `summary.groups` without holding every group's metric set: an object with one enumerable
 * getter per name, in order, that builds the set when read (`setOf(i)`) and keeps nothing.
 * `Object.keys`, `JSON.stringify`, spreading and `structuredClone` see a plain record of sets;
 * the summary writer and the reports read each set once, so at most one is alive at a time.
 *
 * @example lazyGroupSets(['web', 'db'], (i) => sets[i]).db // sets[1], built when read
 */
export function lazyGroupSets(names: readonly string[], setOf: (index: number) => MetricSet): Record<string, MetricSet> {
  const groups: Record<string, MetricSet> = {};
  names.forEach((name, i) => Object.defineProperty(groups, name, { enumerable: true, get: () => setOf(i) }));
  return groups;
}
