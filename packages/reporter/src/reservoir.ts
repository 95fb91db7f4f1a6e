import { Snapshot } from './snapshot.js';

export const DEFAULT_RESERVOIR_SIZE = 1028;
/** Favours about the last five minutes of values. */
export const DEFAULT_RESERVOIR_ALPHA = 0.015;
const RESCALE_THRESHOLD_MS = 60 * 60 * 1000;

/**
 * A bounded, exponentially decaying sample: each value gets the priority exp(α·age of the landmark) / u with u
 * uniform in (0, 1], and the `size` highest priorities are kept, so recent values are more likely to stay. A
 * binary min-heap on two typed arrays keeps updates allocation-free; the landmark moves forward every hour so
 * the weights stay finite.
 */
export class ExponentiallyDecayingReservoir {
  readonly size: number;
  readonly alpha: number;
  readonly #priorities: Float64Array;
  readonly #values: Float64Array;
  #count = 0;
  /** Landmark, in clock milliseconds. */
  #startMs: number;
  #nextRescaleMs: number;

  constructor(nowMs: number, size = DEFAULT_RESERVOIR_SIZE, alpha = DEFAULT_RESERVOIR_ALPHA) {
    this.size = size;
    this.alpha = alpha;
    this.#priorities = new Float64Array(size);
    this.#values = new Float64Array(size);
    this.#startMs = nowMs;
    this.#nextRescaleMs = nowMs + RESCALE_THRESHOLD_MS;
  }

  /** How many values the sample holds now. */
  get count(): number {
    return this.#count;
  }

  update(value: number, nowMs: number): void {
    if (nowMs >= this.#nextRescaleMs) this.#rescale(nowMs);
    const priority = Math.exp((this.alpha * (nowMs - this.#startMs)) / 1000) / (1 - Math.random());
    const priorities = this.#priorities;
    const values = this.#values;
    if (this.#count < this.size) {
      // Sift up from the new leaf.
      let index = this.#count++;
      while (index > 0) {
        const parent = (index - 1) >> 1;
        const parentPriority = priorities[parent] as number;
        if (parentPriority <= priority) break;
        priorities[index] = parentPriority;
        values[index] = values[parent] as number;
        index = parent;
      }
      priorities[index] = priority;
      values[index] = value;
    } else if (priority > (priorities[0] as number)) {
      this.#replaceMinimum(priority, value);
    }
  }

  #replaceMinimum(priority: number, value: number): void {
    const priorities = this.#priorities;
    const values = this.#values;
    const count = this.#count;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= count) break;
      const right = left + 1;
      let child = left;
      if (right < count && (priorities[right] as number) < (priorities[left] as number)) child = right;
      const childPriority = priorities[child] as number;
      if (childPriority >= priority) break;
      priorities[index] = childPriority;
      values[index] = values[child] as number;
      index = child;
    }
    priorities[index] = priority;
    values[index] = value;
  }

  /** Moves the landmark to now. Multiplying every priority by one positive factor keeps the heap order. */
  #rescale(nowMs: number): void {
    const factor = Math.exp((-this.alpha * (nowMs - this.#startMs)) / 1000);
    this.#startMs = nowMs;
    this.#nextRescaleMs = nowMs + RESCALE_THRESHOLD_MS;
    if (factor === 0) {
      this.#count = 0;
      return;
    }
    for (let i = 0; i < this.#count; i++) this.#priorities[i] = (this.#priorities[i] as number) * factor;
  }

  snapshot(): Snapshot {
    return new Snapshot(this.#values.slice(0, this.#count));
  }

  clear(nowMs: number): void {
    this.#count = 0;
    this.#startMs = nowMs;
    this.#nextRescaleMs = nowMs + RESCALE_THRESHOLD_MS;
  }
}
