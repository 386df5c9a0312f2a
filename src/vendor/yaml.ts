/**
 * The part of `yaml` a scenario load uses, in one file: `npm run build` replaces the compiled
 * re-export (dist/vendor/yaml.js) with a bundle of it (src/vendor/bundle.ts), so a run reads one
 * module instead of yaml's ~70 CommonJS files (~40 ms of a short run). From sources (vitest) it
 * is the plain re-export.
 *
 * @example parseDocument('a: 1', { lineCounter: new LineCounter() })
 */
export { isAlias, isMap, isScalar, isSeq, LineCounter, parse, parseDocument } from 'yaml';
export type { Document } from 'yaml';
