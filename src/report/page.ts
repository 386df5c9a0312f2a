/**
 * The page every scalelab report shares: one self-contained HTML document with inline styles,
 * no scripts loaded from anywhere, system fonts only.
 */
import { escapeHtml } from './format.js';

/** Page styles: system fonts only, tables with tabular figures, charts scale down to fit. */
export const PAGE_STYLE = `
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
  margin: 0 auto; padding: 1.5rem 2rem; max-width: 1100px; color: #222; line-height: 1.4; }
h1 { margin: 0 0 .25rem; font-size: 1.6rem; }
h2 { margin: 2rem 0 .6rem; font-size: 1.25rem; border-bottom: 1px solid #ddd; padding-bottom: .2rem; }
h3 { margin: 1.2rem 0 .4rem; font-size: 1.05rem; }
.description { margin: .2rem 0 .8rem; color: #444; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: 0; }
dl.facts dt { color: #666; }
dl.facts dd { margin: 0; }
nav { margin: 1rem 0; font-size: .9rem; }
nav a { margin-right: 1rem; color: #1f5fa8; }
table { border-collapse: collapse; font-size: .9rem; }
th, td { padding: .2rem .6rem; border-bottom: 1px solid #e5e5e5; text-align: left; vertical-align: top; }
th { background: #f6f6f6; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.scroll { overflow-x: auto; max-width: 100%; }
figure { margin: 1rem 0 2rem; }
figure svg { max-width: 100%; height: auto; display: block; }
.muted { color: #666; font-size: .9rem; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .85rem; }
footer { margin-top: 2.5rem; color: #888; font-size: .8rem; }
`;

/**
 * A whole HTML document around `body`; `extraStyle` adds page-specific rules after the shared ones.
 *
 * @example htmlPage('scalelab — demo', '<h1>demo</h1>') // '<!DOCTYPE html>…'
 */
export function htmlPage(title: string, body: string, extraStyle = ''): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${PAGE_STYLE}${extraStyle}</style>`,
    '</head>',
    '<body>',
    body,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/**
 * A report's header: the scenario's name, its description (if any) and a list of run facts.
 *
 * @example reportHeader('tiny', '', [['seed', '42']]) // '<header>\n<h1>tiny</h1>\n\n<dl class="facts"><dt>seed</dt><dd>42</dd></dl>\n</header>'
 */
export function reportHeader(name: string, description: string, facts: ReadonlyArray<readonly [string, string]>): string {
  const text = description.trim() === '' ? '' : `<p class="description">${escapeHtml(description)}</p>`;
  const dl = facts.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('');
  return `<header>\n<h1>${escapeHtml(name)}</h1>\n${text}\n<dl class="facts">${dl}</dl>\n</header>`;
}

/**
 * In-page links to a report's sections, as [id, text] pairs.
 *
 * @example reportNav([['metrics', 'Key metrics']]) // '<nav><a href="#metrics">Key metrics</a></nav>'
 */
export function reportNav(links: ReadonlyArray<readonly [string, string]>): string {
  return `<nav>${links.map(([id, text]) => `<a href="#${id}">${text}</a>`).join('')}</nav>`;
}
