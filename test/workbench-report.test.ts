/** Small pieces of the sweep report: sort keys, numeric ordering of key values. */
import { describe, expect, it } from 'vitest';
import { numericOrder } from '../src/workbench/charts.js';
import { SORT_SCRIPT, sortKey } from '../src/workbench/report.js';

describe('sweep report', () => {
  it('orders numeric key values as numbers, others as given', () => {
    expect(numericOrder(['10', '2', '3'])).toEqual(['2', '3', '10']);
    expect(numericOrder(['120s', '60s', '2m'])).toEqual(['60s', '120s', '2m']); // 120 s, 60 s, 120 s: stable
    expect(numericOrder(['b', 'a'])).toEqual(['b', 'a']);
  });

  it('gives a cell its number to sort by, or none', () => {
    expect(sortKey(600)).toBe(' data-sort="600"');
    expect(sortKey(null)).toBe('');
    expect(sortKey(Number.NaN)).toBe('');
  });

  it('sorts with an inline script that loads nothing', () => {
    expect(SORT_SCRIPT).toContain("querySelectorAll('table.sortable')");
    expect(SORT_SCRIPT).not.toMatch(/src=|import|fetch|https?:/);
  });
});
