/**
 * summary.json written part by part: the very bytes of `JSON.stringify(summary, null, 2)` and a
 * newline, but the per-group part goes out one group at a time, so a run of 100,000 groups never
 * holds the whole text (about 2.7 KB a group) nor, with {@link lazyGroupSets}, every group's
 * metric set at once.
 */
import { MEMBER_JSON, writeJsonAtomic } from '../files/json.js';
import type { MetricSet, RunSummary } from '../report/types.js';

/**
 * Write `summary` to `file` atomically, streamed (`files/json.ts` `writeJsonAtomic`, two levels
 * walked): each group's set is read once, stringified, written and dropped.
 *
 * @example writeSummaryFile('out/summary.json', summary) // same bytes as `${JSON.stringify(summary, null, 2)}\n`
 */
export function writeSummaryFile(file: string, summary: RunSummary): void {
  writeJsonAtomic(file, summary, 2);
}

/**
 * `summary.groups` without holding every group's metric set: an object with one enumerable
 * getter per name, in order, that builds the set when read (`setOf(i)`) and keeps nothing.
 * `Object.keys`, `JSON.stringify`, spreading and `structuredClone` see a plain record of sets;
 * the summary writer and the reports read each set once, so at most one is alive at a time.
 *
 * With `textOf(i, indent)` — group i's set as `JSON.stringify(set, null, 2)` with `indent` after
 * each line break, or undefined to build the set after all — the summary writer takes each
 * group's text from it (files/json.ts `MEMBER_JSON`) and never builds the sets.
 *
 * @example lazyGroupSets(['web', 'db'], (i) => sets[i]).db // sets[1], built when read
 */
export function lazyGroupSets(names: readonly string[], setOf: (index: number) => MetricSet, textOf?: (index: number, indent: string) => string | undefined): Record<string, MetricSet> {
  const groups: Record<string, MetricSet> = {};
  names.forEach((name, i) => Object.defineProperty(groups, name, { enumerable: true, get: () => setOf(i) }));
  if (textOf) {
    let indexOf: Map<string, number> | undefined;
    const memberJson = (name: string, indent: string): string | undefined => {
      indexOf ??= new Map(names.map((n, i) => [n, i]));
      const i = indexOf.get(name);
      return i === undefined ? undefined : textOf(i, indent);
    };
    Object.defineProperty(groups, MEMBER_JSON, { value: memberJson });
  }
  return groups;
}
