/** Text from input files made safe to print on a terminal. */

/**
 * Control bytes of a message (ESC, BEL, CR, a newline …) written as escapes, so text from an
 * input file cannot move the cursor, recolour or rewrite the terminal, and a message stays one
 * line.
 *
 * @example escapeControls('bad \u001b[2Jname') // 'bad \\x1b[2Jname'
 */
export function escapeControls(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
