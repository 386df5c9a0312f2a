/** scalelab's version, as written into summary.json. */
export const VERSION = '0.1.0';
