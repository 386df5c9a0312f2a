/**
 * Streaming quantile estimate in constant memory: the P² algorithm (Jain & Chlamtac, 1985), five
 * markers adjusted by piecewise-parabolic interpolation. Exact for up to five observations.
 *
 * @example
 * const p95 = new P2Quantile(0.95);
 * for (let i = 1; i <= 1000; i++) p95.add(i);
 * p95.value() // ≈ 950
 */
export class P2Quantile {
  private readonly heights: number[] = [];
  private readonly positions = [1, 2, 3, 4, 5];
  private readonly desired: number[];
  private readonly increments: number[];
  private count = 0;

  constructor(private readonly p: number) {
    this.desired = [1, 1 + 2 * p, 1 + 4 * p, 3 + 2 * p, 5];
    this.increments = [0, p / 2, p, (1 + p) / 2, 1];
  }

  add(x: number): void {
    this.count++;
    const h = this.heights;
    if (this.count <= 5) {
      h.push(x);
      h.sort((a, b) => a - b);
      return;
    }
    let k: number;
    if (x < h[0]!) {
      h[0] = x;
      k = 0;
    } else if (x >= h[4]!) {
      h[4] = x;
      k = 3;
    } else {
      k = 0;
      while (x >= h[k + 1]!) k++;
    }
    for (let i = k + 1; i < 5; i++) this.positions[i]!++;
    for (let i = 0; i < 5; i++) this.desired[i]! += this.increments[i]!;
    for (let i = 1; i <= 3; i++) this.adjust(i);
  }

  /** The estimate; NaN before the first observation. */
  value(): number {
    const h = this.heights;
    if (this.count === 0) return NaN;
    if (this.count <= 5) return exactQuantile(h, this.p);
    return h[2]!;
  }

  private adjust(i: number): void {
    const n = this.positions;
    const h = this.heights;
    const d = this.desired[i]! - n[i]!;
    if ((d >= 1 && n[i + 1]! - n[i]! > 1) || (d <= -1 && n[i - 1]! - n[i]! < -1)) {
      const s = Math.sign(d);
      const parabolic =
        h[i]! +
        (s / (n[i + 1]! - n[i - 1]!)) *
          ((n[i]! - n[i - 1]! + s) * ((h[i + 1]! - h[i]!) / (n[i + 1]! - n[i]!)) + (n[i + 1]! - n[i]! - s) * ((h[i]! - h[i - 1]!) / (n[i]! - n[i - 1]!)));
      if (h[i - 1]! < parabolic && parabolic < h[i + 1]!) h[i] = parabolic;
      else h[i] = h[i]! + (s * (h[i + s]! - h[i]!)) / (n[i + s]! - n[i]!);
      n[i]! += s;
    }
  }
}

/**
 * Quantile of sorted values by linear interpolation between closest ranks (R-7, as spreadsheets
 * and numpy compute it).
 *
 * @example exactQuantile([1, 2, 3, 4], 0.5) // 2.5
 */
export function exactQuantile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = p * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (rank - lo) * (sorted[hi]! - sorted[lo]!);
}
