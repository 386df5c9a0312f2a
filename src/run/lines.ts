/** Moved to report/files.ts; kept until in-flight work is merged. */
export { LineWriter, writeFileAtomic } from '../report/files.js';
