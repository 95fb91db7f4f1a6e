import type { StoredPoint } from '../engine/types.js';

const INITIAL_CAPACITY = 16;

/**
 * The points of one MTS, ascending by timestamp, in a ring of two Float64Arrays (16 bytes a point).
 * Grows by doubling up to `maxPoints`; past that the oldest point is overwritten.
 */
export class SeriesBuffer {
  private times: Float64Array;
  private values: Float64Array;
  private head = 0;
  private count = 0;

  constructor(private readonly maxPoints: number) {
    const capacity = Math.min(INITIAL_CAPACITY, maxPoints);
    this.times = new Float64Array(capacity);
    this.values = new Float64Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held by the typed arrays, for memory accounting. */
  get allocatedBytes(): number {
    return this.times.byteLength + this.values.byteLength;
  }

  get oldestTimestamp(): number | undefined {
    return this.count === 0 ? undefined : this.timeAt(0);
  }

  get newestTimestamp(): number | undefined {
    return this.count === 0 ? undefined : this.timeAt(this.count - 1);
  }

  private slot(logicalIndex: number): number {
    return (this.head + logicalIndex) % this.times.length;
  }

  private timeAt(logicalIndex: number): number {
    return this.times[this.slot(logicalIndex)]!;
  }

  /** Adds a point; a point with an existing timestamp replaces that point's value. Returns true when a point was added. */
  insert(timestamp: number, value: number): boolean {
    if (this.count > 0) {
      const newest = this.timeAt(this.count - 1);
      if (timestamp === newest) {
        this.values[this.slot(this.count - 1)] = value;
        return false;
      }
      if (timestamp < newest) return this.insertOutOfOrder(timestamp, value);
    }
    this.makeRoom();
    const slot = this.slot(this.count);
    this.times[slot] = timestamp;
    this.values[slot] = value;
    this.count++;
    return true;
  }

  private insertOutOfOrder(timestamp: number, value: number): boolean {
    const index = this.lowerBound(timestamp);
    if (index < this.count && this.timeAt(index) === timestamp) {
      this.values[this.slot(index)] = value;
      return false;
    }
    // A full buffer drops its oldest point, which may be the place this one would go.
    if (this.count === this.maxPoints) {
      if (index === 0) return false;
      this.dropOldest(1);
      return this.insertOutOfOrder(timestamp, value);
    }
    this.makeRoom();
    for (let i = this.count; i > index; i--) {
      const to = this.slot(i);
      const from = this.slot(i - 1);
      this.times[to] = this.times[from]!;
      this.values[to] = this.values[from]!;
    }
    const slot = this.slot(index);
    this.times[slot] = timestamp;
    this.values[slot] = value;
    this.count++;
    return true;
  }

  private makeRoom(): void {
    if (this.count < this.times.length) return;
    if (this.times.length < this.maxPoints) {
      this.grow(Math.min(this.times.length * 2, this.maxPoints));
      return;
    }
    this.dropOldest(1);
  }

  private grow(capacity: number): void {
    const times = new Float64Array(capacity);
    const values = new Float64Array(capacity);
    for (let i = 0; i < this.count; i++) {
      const slot = this.slot(i);
      times[i] = this.times[slot]!;
      values[i] = this.values[slot]!;
    }
    this.times = times;
    this.values = values;
    this.head = 0;
  }

  /** Removes the `n` oldest points. */
  dropOldest(n: number): void {
    const dropped = Math.min(n, this.count);
    this.head = (this.head + dropped) % this.times.length;
    this.count -= dropped;
  }

  /** Removes every point older than `cutoff`; returns how many were removed. */
  dropBefore(cutoff: number): number {
    const index = this.lowerBound(cutoff);
    this.dropOldest(index);
    return index;
  }

  /** First logical index whose timestamp is >= `timestamp`. */
  private lowerBound(timestamp: number): number {
    let low = 0;
    let high = this.count;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.timeAt(mid) < timestamp) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** Points with `from <= timestamp < to`, ascending. */
  range(from: number, to: number): StoredPoint[] {
    const out: StoredPoint[] = [];
    for (let i = this.lowerBound(from); i < this.count; i++) {
      const slot = this.slot(i);
      const timestamp = this.times[slot]!;
      if (timestamp >= to) break;
      out.push({ timestamp, value: this.values[slot]! });
    }
    return out;
  }
}
