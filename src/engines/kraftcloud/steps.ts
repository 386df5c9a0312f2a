/**
 * Step lists of a Unikraft Cloud step policy, read and checked exactly as the CLI does before
 * it sends them (unikraft/kraftkit, internal/cli/kraft/cloud/scale/add/add.go, `(*AddOptions).Run`):
 *
 * - each `--step` is tried against three Go `fmt.Sscanf` formats in turn: `%d:%d/%d`, `:%d/%d`
 *   (no lower bound), `%d:/%d` (no upper bound); none fits → "could not parse step";
 * - with both bounds, lower ≥ upper is refused;
 * - steps are sorted by lower bound (Go `sort.Slice`, which for ≤ 12 elements is an insertion
 *   sort) with a step without lower bound first;
 * - after the first step: a missing lower bound, a missing upper bound before the last step and
 *   a lower bound different from the previous upper bound ("gap") are refused;
 * - 1 to 4 steps.
 *
 * Go quirks kept on purpose: `Sscanf` skips blanks before a number, takes an optional sign and
 * ignores text after the last number (`10:20/5x` reads as `10:20/5`); a missing bound reads as 0
 * wherever the CLI compares it (sorting, the gap check); the first step after sorting is never
 * checked, so `0:/10` followed by `0:5/1` passes. Deviation: numbers beyond ±2^53 are refused
 * (Go takes int64).
 */
import { InputError } from '../../scenario/errors.js';

/** One step: applies when lower ≤ metric < upper; null = unbounded on that side. */
export interface Step {
  lower: number | null;
  upper: number | null;
  /** Instances (change, exact) or percent (percent). */
  adjustment: number;
  /** As the user wrote it, for messages. */
  text: string;
}

/** Where a step list comes from, for error messages. */
export interface StepsWhere {
  file?: string;
  /** Key of the list, e.g. `policies[0].steps`. */
  key: string;
}

/** A step as the CLI holds it while checking (Go zero values for missing bounds). */
interface ParsedStep {
  lowerBound: number;
  upperBound: number;
  adjustment: number;
  lowerEmpty: boolean;
  upperEmpty: boolean;
  text: string;
  index: number;
}

const BLANK = /[ \t\r\v\f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;

/**
 * Scan `input` against a format of literal characters and `%d` verbs the way Go's `fmt.Sscanf`
 * does; returns the numbers, or null when the input does not fit. Text after the format is
 * ignored, as in Go.
 *
 * @example goSscanf('600:800/50', '%d:%d/%d') // [600, 800, 50]
 * @example goSscanf(':50/-50', '%d:%d/%d') // null
 */
export function goSscanf(input: string, format: string): number[] | null {
  const values: number[] = [];
  let at = 0;
  for (let f = 0; f < format.length; f++) {
    if (format[f] === '%' && format[f + 1] === 'd') {
      f++;
      while (at < input.length && BLANK.test(input[at]!)) at++;
      let token = '';
      if (input[at] === '+' || input[at] === '-') token += input[at++];
      const start = at;
      while (at < input.length && input[at]! >= '0' && input[at]! <= '9') at++;
      if (at === start) return null; // "expected integer"
      token += input.slice(start, at);
      const value = Number(token);
      if (!Number.isSafeInteger(value)) return null;
      values.push(value);
    } else {
      if (input[at] !== format[f]) return null; // "input does not match format"
      at++;
    }
  }
  return values;
}

/**
 * Parse one step as the CLI does: `L:U/A`, `:U/A` or `L:/A`; null when none of the three fits.
 *
 * @example parseStepText('800:/100') // { lower: 800, upper: null, adjustment: 100, text: '800:/100' }
 */
export function parseStepText(text: string): Step | null {
  const both = goSscanf(text, '%d:%d/%d');
  if (both) return { lower: both[0]!, upper: both[1]!, adjustment: both[2]!, text };
  const noLower = goSscanf(text, ':%d/%d');
  if (noLower) return { lower: null, upper: noLower[0]!, adjustment: noLower[1]!, text };
  const noUpper = goSscanf(text, '%d:/%d');
  if (noUpper) return { lower: noUpper[0]!, upper: null, adjustment: noUpper[1]!, text };
  return null;
}

/** The CLI's sort order: a step without lower bound first, otherwise by lower bound (0 when missing). */
function sortsBefore(a: ParsedStep, b: ParsedStep): boolean {
  if (a.lowerEmpty && !b.lowerEmpty) return true;
  return a.lowerBound < b.lowerBound;
}

/** Go's insertion sort (what `sort.Slice` runs for fewer than 12 elements), in place. */
function insertionSort(steps: ParsedStep[]): void {
  for (let i = 1; i < steps.length; i++) {
    for (let j = i; j > 0 && sortsBefore(steps[j]!, steps[j - 1]!); j--) {
      const t = steps[j]!;
      steps[j] = steps[j - 1]!;
      steps[j - 1] = t;
    }
  }
}

/**
 * Read and check a step list as `kraft cloud scale add` does; returns the steps sorted as the
 * CLI sends them. A refusal is one InputError naming the step (`key[i]` and its text) and the rule.
 *
 * @example parseSteps(['800:/100', '600:800/50'], { key: 'steps' }).map((s) => s.text) // ['600:800/50', '800:/100']
 */
export function parseSteps(texts: readonly string[], where: StepsWhere): Step[] {
  const fail = (detail: string, step?: ParsedStep): never => {
    const key = step ? `${where.key}[${step.index}] ("${step.text}")` : where.key;
    throw new InputError(detail, { file: where.file, key });
  };
  if (texts.length < 1 || texts.length > 4) fail(`specify between 1 and 4 steps: got ${texts.length}`);
  const steps: ParsedStep[] = texts.map((text, index) => {
    const step = parseStepText(text);
    const parsed: ParsedStep = {
      lowerBound: step?.lower ?? 0,
      upperBound: step?.upper ?? 0,
      adjustment: step?.adjustment ?? 0,
      lowerEmpty: step !== null && step.lower === null,
      upperEmpty: step !== null && step.upper === null,
      text,
      index,
    };
    if (step === null) fail("could not parse step: expected format 'LOWER_BOUND:UPPER_BOUND/ADJUSTMENT', ':UPPER_BOUND/ADJUSTMENT' or 'LOWER_BOUND:/ADJUSTMENT' (integers)", parsed);
    if (!parsed.lowerEmpty && !parsed.upperEmpty && parsed.lowerBound >= parsed.upperBound) {
      fail(`lower bound cannot be greater or equal than upper bound: ${parsed.lowerBound} >= ${parsed.upperBound}`, parsed);
    }
    return parsed;
  });
  insertionSort(steps);
  for (let idx = 1; idx < steps.length; idx++) {
    const step = steps[idx]!;
    if (step.lowerEmpty) fail('lower bound cannot be empty in a step after the first step', step);
    if (step.upperEmpty && idx !== texts.length - 1) fail('upper bound cannot be empty in a step before the last step', step);
    const previous = steps[idx - 1]!;
    if (previous.upperBound !== step.lowerBound) fail(`steps are not contiguous: gap found between ${previous.upperBound} and ${step.lowerBound}`, step);
  }
  return steps.map((s) => ({ lower: s.lowerEmpty ? null : s.lowerBound, upper: s.upperEmpty ? null : s.upperBound, adjustment: s.adjustment, text: s.text }));
}

/**
 * The first step (in the CLI's order) with lower ≤ metric < upper; undefined when none applies.
 *
 * @example matchStep([{ lower: 600, upper: 800, adjustment: 50, text: '' }], 700)?.adjustment // 50
 */
export function matchStep(steps: readonly Step[], metric: number): Step | undefined {
  for (const s of steps) {
    if ((s.lower === null || s.lower <= metric) && (s.upper === null || metric < s.upper)) return s;
  }
  return undefined;
}
