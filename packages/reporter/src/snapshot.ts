/**
 * The value at quantile `q` (0 … 1) of ascending `sorted` values: position q·(n+1), interpolated between
 * neighbours, clamped to the ends; 0 when there are none.
 */
export function quantileOfSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const position = q * (n + 1);
  if (position < 1) return sorted[0] as number;
  if (position >= n) return sorted[n - 1] as number;
  const lower = sorted[Math.floor(position) - 1] as number;
  const upper = sorted[Math.floor(position)] as number;
  return lower + (position - Math.floor(position)) * (upper - lower);
}

/** Sorted sample values, with the quantile rule above. */
export class Snapshot {
  readonly values: Float64Array;

  /** Takes ownership of `values` and sorts it in place. */
  constructor(values: Float64Array) {
    this.values = values.sort();
  }

  get size(): number {
    return this.values.length;
  }

  quantile(q: number): number {
    return quantileOfSorted(this.values, q);
  }

  get median(): number {
    return this.quantile(0.5);
  }
}
