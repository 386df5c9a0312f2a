/**
 * JUnit XML for `scalelab check --junit FILE`: one test suite per check, one test case per
 * metric; a regression, change or missing metric is a `<failure>`. Readable by GitLab, Jenkins,
 * GitHub test-report actions and the like.
 */
import { FAILING, formatChange, formatTolerance, type CheckOutcome, type CheckRow } from './check.js';

/**
 * Escape text for XML content and attributes; characters XML 1.0 cannot hold are dropped.
 *
 * @example xmlEscape('a < b & "c"') // 'a &lt; b &amp; &quot;c&quot;'
 */
export function xmlEscape(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** One `<testcase>`. */
function testCase(o: CheckOutcome, r: CheckRow): string {
  const open = `    <testcase classname="scalelab.check.${xmlEscape(o.scenario)}" name="${xmlEscape(r.metric)}" time="0"`;
  if (!FAILING.has(r.verdict)) return `${open}/>`;
  const message = `${r.verdict}: ${r.metric} baseline ${r.baseline ?? 'none'}, now ${r.now ?? 'none'}, change ${formatChange(r)}, tolerance ${formatTolerance(r.tolerance)}${r.better ? `, better ${r.better}` : ''}`;
  return `${open}>\n      <failure type="${r.verdict}" message="${xmlEscape(message)}">${xmlEscape(message)}${r.unit ? ` (${xmlEscape(r.unit)})` : ''}</failure>\n    </testcase>`;
}

/** The whole document for one check. */
export function junitXml(o: CheckOutcome): string {
  const failures = o.rows.filter((r) => FAILING.has(r.verdict)).length;
  const time = o.seconds.toFixed(3);
  const props = [
    ['scenario', o.scenario],
    ['seed', String(o.seed)],
    ['baseline', o.baselineFile],
  ]
    .map(([k, v]) => `      <property name="${xmlEscape(k!)}" value="${xmlEscape(v!)}"/>`)
    .join('\n');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="scalelab check" tests="${o.rows.length}" failures="${failures}" errors="0" time="${time}">`,
    `  <testsuite name="scalelab check ${xmlEscape(o.scenario)}" tests="${o.rows.length}" failures="${failures}" errors="0" skipped="0" time="${time}">`,
    '    <properties>',
    props,
    '    </properties>',
    ...o.rows.map((r) => testCase(o, r)),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
