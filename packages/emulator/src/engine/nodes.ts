import { type Filter, matchesFilter } from './filter.js';
import {
  asComputed,
  dimsKeyOf,
  EMPTY_FRAME,
  type Frame,
  groupSeriesInfo,
  rawSeriesInfo,
  type Sample,
  type SeriesInfo,
} from './series.js';
import type { InfoMessage, MetricType, SeriesRecord, SeriesSource, StoredPoint } from './types.js';

/** Shared by every node of one computation. */
export interface EngineContext {
  resolutionMs: number;
  /** Info messages discovered while computing (e.g. GROUPBY_MISSING_PROPERTY), drained by the computation. */
  pendingInfo: InfoMessage[];
}

/**
 * One operation of the program's dataflow graph. `at(T)` is called for every logical timestamp in increasing order;
 * each node computes once per timestamp (shared nodes are memoised) and may keep history for windows.
 */
export abstract class StreamNode {
  /** Values are truth values (1/0), as produced by comparisons and when(). */
  boolean = false;
  /** The program variable first bound to this stream, used to name detector inputs. */
  bindingName?: string;
  protected ctx!: EngineContext;
  private lastT = Number.NaN;
  private last: Frame = EMPTY_FRAME;

  constructor(readonly inputs: readonly StreamNode[]) {}

  get R(): number {
    return this.ctx.resolutionMs;
  }

  /** Called once, when the resolution is known and before the first `at()`. */
  prepare(ctx: EngineContext): void {
    this.ctx = ctx;
  }

  /** History this node needs before the first timestamp it outputs (ms), not counting its inputs' needs. */
  lookbackMs(): number {
    return 0;
  }

  at(T: number): Frame {
    if (T !== this.lastT) {
      this.last = this.compute(T);
      this.lastT = T;
    }
    return this.last;
  }

  /** Series of the output set that have no value at T but should be announced (top/bottom). */
  membersWithoutValue(_T: number): readonly SeriesInfo[] {
    return [];
  }

  protected abstract compute(T: number): Frame;
}

/** Number of logical timestamps a duration covers; a partial step counts as a whole one. */
export function stepsOf(durationMs: number, resolutionMs: number): number {
  return Math.max(1, Math.ceil(durationMs / resolutionMs - 1e-9));
}

// ---------------------------------------------------------------------------------------------------------------
// data()

export type RollupName = 'average' | 'sum' | 'delta' | 'rate' | 'min' | 'max' | 'count' | 'latest' | 'lag';
export const ROLLUPS: readonly RollupName[] = [
  'average',
  'sum',
  'delta',
  'rate',
  'min',
  'max',
  'count',
  'latest',
  'lag',
];

export interface DataSpec {
  metric: string;
  filter?: Filter;
  rollup?: RollupName;
  extrapolation: 'null' | 'zero' | 'last_value';
  maxExtrapolations: number;
  resolutionMs?: number;
}

interface DataSeriesState {
  record: SeriesRecord;
  info: SeriesInfo;
  rollup: RollupName;
  /** Cumulative counter semantics: the rollup looks at the last raw value of the previous window. */
  cumulative: boolean;
  points: StoredPoint[];
  cursor: number;
  previousRaw?: number;
  lookedBack: boolean;
  hasValue: boolean;
  lastValue: number;
  extrapolations: number;
}

/** How far back a delta rollup looks for the last raw value before the first window. */
const DELTA_LOOKBACK_MS = 3_600_000;
/** How far back extrapolation and fill() look for a series' last value before the start. */
export const EXTRAPOLATION_LOOKBACK_MS = 3_600_000;

export function defaultRollup(type: MetricType): RollupName {
  if (type === 'counter') return 'sum';
  if (type === 'cumulative_counter') return 'delta';
  return 'average';
}

export class DataNode extends StreamNode {
  readonly series: DataSeriesState[] = [];
  private readonly known = new Set<string>();
  matchedCount = 0;

  constructor(
    readonly spec: DataSpec,
    private readonly source: SeriesSource,
    private readonly limit: number,
  ) {
    super([]);
    this.refresh();
  }

  /** Finds the matching series; later calls add series that appeared since (live computations). */
  refresh(): void {
    const found: SeriesRecord[] = [];
    for (const record of this.source.findSeries(this.spec.metric)) {
      if (this.spec.filter === undefined || matchesFilter(this.spec.filter, record)) found.push(record);
    }
    this.matchedCount = found.length;
    const fresh = found.filter((record) => !this.known.has(record.id));
    fresh.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const record of fresh) {
      if (this.series.length >= this.limit) break;
      this.known.add(record.id);
      const rollup = this.spec.rollup ?? defaultRollup(record.metricType);
      this.series.push({
        record,
        info: rawSeriesInfo(record.metric, record.dimensions),
        rollup,
        cumulative: rollup === 'delta' || (rollup === 'rate' && record.metricType === 'cumulative_counter'),
        points: [],
        cursor: 0,
        lookedBack: false,
        hasValue: false,
        lastValue: 0,
        extrapolations: 0,
      });
    }
  }

  /**
   * Extrapolation continues a series that went silent before the computation's start, so the computation starts
   * early enough to see the last value (bounded by maxExtrapolations, and by an hour).
   */
  override lookbackMs(): number {
    if (this.spec.extrapolation === 'null') return 0;
    const bound = this.spec.maxExtrapolations < 0 ? EXTRAPOLATION_LOOKBACK_MS : this.spec.maxExtrapolations * this.R;
    return Math.min(bound, EXTRAPOLATION_LOOKBACK_MS);
  }

  /** Loads the raw points of windows fromT … toT for every series: one store read per series per batch. */
  prefetch(fromT: number, toT: number): void {
    const from = fromT - this.R + 1;
    for (const state of this.series) {
      if (state.cumulative && !state.lookedBack) {
        const before = state.record.points(from - DELTA_LOOKBACK_MS, from);
        const last = before[before.length - 1];
        if (last !== undefined) state.previousRaw = last.value;
      }
      state.lookedBack = true;
      state.points = state.record.points(from, toT + 1);
      state.cursor = 0;
    }
  }

  protected compute(T: number): Frame {
    const out: Frame = new Map();
    const windowStart = T - this.R;
    const seconds = this.R / 1000;
    for (const state of this.series) {
      const points = state.points;
      let i = state.cursor;
      while (i < points.length && (points[i] as StoredPoint).timestamp <= windowStart) i += 1;
      const first = i;
      while (i < points.length && (points[i] as StoredPoint).timestamp <= T) i += 1;
      state.cursor = i;
      let value: number | undefined;
      if (i > first) value = this.rollup(state, points, first, i, seconds);
      if (value !== undefined) {
        state.hasValue = true;
        state.lastValue = value;
        state.extrapolations = 0;
      } else if (
        state.hasValue &&
        this.spec.extrapolation !== 'null' &&
        (this.spec.maxExtrapolations < 0 || state.extrapolations < this.spec.maxExtrapolations)
      ) {
        state.extrapolations += 1;
        value = this.spec.extrapolation === 'zero' ? 0 : state.lastValue;
      }
      if (value !== undefined) out.set(state.info.key, { s: state.info, v: value });
    }
    return out;
  }

  private rollup(
    state: DataSeriesState,
    points: StoredPoint[],
    from: number,
    to: number,
    seconds: number,
  ): number | undefined {
    if (state.cumulative) {
      const latest = (points[to - 1] as StoredPoint).value;
      const previous = state.previousRaw;
      state.previousRaw = latest;
      if (previous === undefined) return undefined;
      const delta = latest - previous < 0 ? latest : latest - previous;
      return state.rollup === 'rate' ? delta / seconds : delta;
    }
    switch (state.rollup) {
      case 'average': {
        let sum = 0;
        for (let i = from; i < to; i += 1) sum += (points[i] as StoredPoint).value;
        return sum / (to - from);
      }
      case 'sum':
      case 'rate': {
        let sum = 0;
        for (let i = from; i < to; i += 1) sum += (points[i] as StoredPoint).value;
        return state.rollup === 'rate' ? sum / seconds : sum;
      }
      case 'min': {
        let min = Number.POSITIVE_INFINITY;
        for (let i = from; i < to; i += 1) min = Math.min(min, (points[i] as StoredPoint).value);
        return min;
      }
      case 'max': {
        let max = Number.NEGATIVE_INFINITY;
        for (let i = from; i < to; i += 1) max = Math.max(max, (points[i] as StoredPoint).value);
        return max;
      }
      case 'count':
        return to - from;
      case 'latest':
        return (points[to - 1] as StoredPoint).value;
      case 'lag':
        return 0;
      default:
        return undefined;
    }
  }

  /** Native resolution of every matched series (spec §4.1), from the points around the computation's start. */
  nativeResolutions(from: number, to: number): number[] {
    return this.series.map((state) => nativeResolution(state.record.points(from, to)));
  }
}

const NATIVE_STEPS = [1_000, 10_000, 60_000, 300_000, 3_600_000];

export function nativeResolution(points: StoredPoint[]): number {
  let smallest = Number.POSITIVE_INFINITY;
  for (let i = 1; i < points.length; i += 1) {
    const gap = (points[i] as StoredPoint).timestamp - (points[i - 1] as StoredPoint).timestamp;
    if (gap > 0 && gap < smallest) smallest = gap;
  }
  if (smallest === Number.POSITIVE_INFINITY) return 10_000;
  return NATIVE_STEPS.find((step) => step >= smallest) ?? 3_600_000;
}

// ---------------------------------------------------------------------------------------------------------------
// Per-value transformations and stream arithmetic

/** Applies `fn` to every value; `undefined` means no value. Identity is kept; values become computed. */
export class MapNode extends StreamNode {
  constructor(
    input: StreamNode,
    private readonly fn: (value: number, node: MapNode) => number | undefined,
    options: { boolean?: boolean; keepIdentity?: boolean } = {},
  ) {
    super([input]);
    this.boolean = options.boolean ?? false;
    this.keepIdentity = options.keepIdentity ?? false;
  }

  private readonly keepIdentity: boolean;

  protected compute(T: number): Frame {
    const out: Frame = new Map();
    for (const [key, sample] of (this.inputs[0] as StreamNode).at(T)) {
      const v = this.fn(sample.v, this);
      if (v !== undefined && Number.isFinite(v))
        out.set(key, { s: this.keepIdentity ? sample.s : asComputed(sample.s), v });
    }
    return out;
  }
}

function singleDimensionless(frame: Frame): Sample | undefined {
  if (frame.size !== 1) return undefined;
  const only = frame.values().next().value as Sample;
  return only.s.dimsKey === '' ? only : undefined;
}

function maxDimensionCount(frame: Frame): number {
  let max = 0;
  for (const sample of frame.values()) max = Math.max(max, sample.s.keyNames.length);
  return max;
}

/**
 * Combines two streams value by value after correlating their series (spec §8): a single dimensionless series is
 * broadcast; otherwise series pair when the dimensions of the coarser side's series have equal values in the finer
 * side's series. Unpaired series and missing values give no output. The result has the finer side's identity.
 */
export class JoinNode extends StreamNode {
  constructor(
    left: StreamNode,
    right: StreamNode,
    private readonly fn: (left: number, right: number) => number | undefined,
    options: { boolean?: boolean } = {},
  ) {
    super([left, right]);
    this.boolean = options.boolean ?? false;
  }

  protected compute(T: number): Frame {
    const left = (this.inputs[0] as StreamNode).at(T);
    const right = (this.inputs[1] as StreamNode).at(T);
    const out: Frame = new Map();
    if (left.size === 0 || right.size === 0) return out;
    const put = (identity: SeriesInfo, l: number, r: number): void => {
      const v = this.fn(l, r);
      if (v !== undefined && Number.isFinite(v)) out.set(identity.key, { s: asComputed(identity), v });
    };
    const leftSingle = singleDimensionless(left);
    const rightSingle = singleDimensionless(right);
    if (rightSingle !== undefined) {
      for (const sample of left.values()) put(sample.s, sample.v, rightSingle.v);
      return out;
    }
    if (leftSingle !== undefined) {
      for (const sample of right.values()) put(sample.s, leftSingle.v, sample.v);
      return out;
    }
    const leftIsFine = maxDimensionCount(left) >= maxDimensionCount(right);
    const fine = leftIsFine ? left : right;
    const coarse = leftIsFine ? right : left;
    // Index the coarse side by the set of its dimension names, then by their values.
    const groups = new Map<string, { names: string[]; byValues: Map<string, Sample> }>();
    for (const sample of coarse.values()) {
      const names = Object.keys(sample.s.dims).sort();
      const namesKey = names.join('\u0000');
      let group = groups.get(namesKey);
      if (group === undefined) {
        group = { names, byValues: new Map() };
        groups.set(namesKey, group);
      }
      const valuesKey = names.map((name) => sample.s.dims[name]).join('\u0000');
      if (!group.byValues.has(valuesKey)) group.byValues.set(valuesKey, sample);
    }
    for (const sample of fine.values()) {
      for (const group of groups.values()) {
        let valuesKey = '';
        let complete = true;
        for (let i = 0; i < group.names.length; i += 1) {
          const value = sample.s.dims[group.names[i] as string];
          if (value === undefined) {
            complete = false;
            break;
          }
          valuesKey += i === 0 ? value : `\u0000${value}`;
        }
        if (!complete) continue;
        const partner = group.byValues.get(valuesKey);
        if (partner === undefined) continue;
        if (leftIsFine) put(sample.s, sample.v, partner.v);
        else put(sample.s, partner.v, sample.v);
        break;
      }
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Aggregations

/** Reduces the values of a group or window; `sorted` says the array is already ascending. */
export type Reducer = (values: number[], sorted?: boolean) => number;

export function reducer(name: string, pct?: number): Reducer {
  switch (name) {
    case 'sum':
      return (values) => values.reduce((a, b) => a + b, 0);
    case 'mean':
      return (values) => values.reduce((a, b) => a + b, 0) / values.length;
    case 'min':
      // Loops rather than Math.min(...values): a spread of many thousands of series would overflow the stack.
      return (values, sorted) => (sorted ? (values[0] as number) : values.reduce((a, b) => Math.min(a, b)));
    case 'max':
      return (values, sorted) =>
        sorted ? (values[values.length - 1] as number) : values.reduce((a, b) => Math.max(a, b));
    case 'count':
      return (values) => values.length;
    case 'variance':
      return variance;
    case 'stddev':
      return (values) => Math.sqrt(variance(values));
    case 'median':
      return percentile(50);
    case 'percentile':
      return percentile(pct ?? 50);
    default:
      throw new Error(`unknown reducer ${name}`);
  }
}

function variance(values: number[]): number {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  let sum = 0;
  for (const v of values) sum += (v - mean) * (v - mean);
  return sum / values.length;
}

/** k-th smallest with k = min(n, ⌊pct·n/100⌋ + 1), 1-based (spec §6.1). */
function percentile(pct: number): Reducer {
  return (values, isSorted) => {
    const sorted = isSorted ? values : [...values].sort((a, b) => a - b);
    const k = Math.min(sorted.length, Math.floor((pct * sorted.length) / 100 + 1e-9) + 1);
    return sorted[k - 1] as number;
  };
}

/** Groups the series of a stream at each timestamp (by= keys, or all together) and reduces each group. */
export class AggregateNode extends StreamNode {
  private readonly groupInfo = new Map<string, SeriesInfo>();
  private readonly reportedMissing = new Set<string>();

  constructor(
    input: StreamNode,
    private readonly reduce: Reducer,
    private readonly by: readonly string[] | undefined,
    private readonly allowMissing: readonly string[] = [],
  ) {
    super([input]);
  }

  protected compute(T: number): Frame {
    const groups = new Map<string, { info: SeriesInfo; values: number[] }>();
    let missingNames: Set<string> | undefined;
    for (const sample of (this.inputs[0] as StreamNode).at(T).values()) {
      let dims: Record<string, string> = {};
      let groupKey = '';
      if (this.by !== undefined) {
        let missing = false;
        for (const name of this.by) {
          const value = sample.s.dims[name];
          if (value !== undefined) dims[name] = value;
          else if (!this.allowMissing.includes(name)) {
            missing = true;
            missingNames ??= new Set();
            missingNames.add(name);
          }
        }
        if (missing) continue;
        groupKey = dimsKeyOf(dims);
      } else dims = {};
      let group = groups.get(groupKey);
      if (group === undefined) {
        let info = this.groupInfo.get(groupKey);
        if (info === undefined) {
          info = groupSeriesInfo(dims, sample.s.originatingMetric);
          this.groupInfo.set(groupKey, info);
        }
        group = { info, values: [] };
        groups.set(groupKey, group);
      }
      group.values.push(sample.v);
    }
    if (missingNames !== undefined) this.reportMissing([...missingNames].sort());
    const out: Frame = new Map();
    for (const [key, group] of groups) out.set(key, { s: group.info, v: this.reduce(group.values) });
    return out;
  }

  private reportMissing(names: string[]): void {
    const key = names.join('\u0000');
    if (this.reportedMissing.has(key)) return;
    this.reportedMissing.add(key);
    this.ctx.pendingInfo.push({
      messageCode: 'GROUPBY_MISSING_PROPERTY',
      messageLevel: 'WARNING',
      contents: { propertyNames: names },
    });
  }
}

/** Insertion point of `value` in an ascending array (first index whose element is >= value). */
function lowerBound(sorted: number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

interface WindowSeries {
  s: SeriesInfo;
  /** Values in arrival order with their timestamps, oldest first (a queue with a moving head). */
  times: number[];
  values: number[];
  head: number;
  /** The same values, ascending, kept up to date incrementally. */
  sorted: number[];
}

/**
 * Reduces each series over the timestamps in (T − over, T] (spec §6.2); missing values are skipped. Each series
 * keeps its window incrementally (a queue plus a sorted copy), so a step costs O(series × window) at worst and
 * order statistics need no sort.
 */
export class WindowNode extends StreamNode {
  private steps = 1;
  private readonly windows = new Map<string, WindowSeries>();

  constructor(
    input: StreamNode,
    private readonly reduce: Reducer,
    private readonly overMs: number,
  ) {
    super([input]);
  }

  override prepare(ctx: EngineContext): void {
    super.prepare(ctx);
    this.steps = stepsOf(this.overMs, ctx.resolutionMs);
  }

  override lookbackMs(): number {
    return (this.steps - 1) * this.R;
  }

  protected compute(T: number): Frame {
    for (const [key, sample] of (this.inputs[0] as StreamNode).at(T)) {
      let window = this.windows.get(key);
      if (window === undefined) {
        window = { s: asComputed(sample.s), times: [], values: [], head: 0, sorted: [] };
        this.windows.set(key, window);
      }
      window.times.push(T);
      window.values.push(sample.v);
      window.sorted.splice(lowerBound(window.sorted, sample.v), 0, sample.v);
    }
    const oldest = T - this.steps * this.R;
    const out: Frame = new Map();
    for (const [key, window] of this.windows) {
      while (window.head < window.times.length && (window.times[window.head] as number) <= oldest) {
        const gone = window.values[window.head] as number;
        window.sorted.splice(lowerBound(window.sorted, gone), 1);
        window.head += 1;
      }
      if (window.head > 64 && window.head * 2 > window.times.length) {
        window.times = window.times.slice(window.head);
        window.values = window.values.slice(window.head);
        window.head = 0;
      }
      if (window.sorted.length === 0) {
        this.windows.delete(key);
        continue;
      }
      out.set(key, { s: window.s, v: this.reduce(window.sorted, true) });
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Time-based transformations

/** v(T) − v(T − R) per series; with `perSecond`, divided by R in seconds (rateofchange). */
export class DeltaNode extends StreamNode {
  private previous: Frame = EMPTY_FRAME;

  constructor(
    input: StreamNode,
    private readonly perSecond: boolean,
  ) {
    super([input]);
  }

  override lookbackMs(): number {
    return this.R;
  }

  protected compute(T: number): Frame {
    const current = (this.inputs[0] as StreamNode).at(T);
    const out: Frame = new Map();
    for (const [key, sample] of current) {
      const before = this.previous.get(key);
      if (before === undefined) continue;
      const delta = sample.v - before.v;
      out.set(key, { s: asComputed(sample.s), v: this.perSecond ? delta / (this.R / 1000) : delta });
    }
    this.previous = current;
    return out;
  }
}

/** Output at T is the input at T − offset. */
export class TimeshiftNode extends StreamNode {
  private steps = 0;
  private readonly history: Frame[] = [];

  constructor(
    input: StreamNode,
    private readonly offsetMs: number,
  ) {
    super([input]);
  }

  override prepare(ctx: EngineContext): void {
    super.prepare(ctx);
    this.steps = this.offsetMs === 0 ? 0 : stepsOf(this.offsetMs, ctx.resolutionMs);
  }

  override lookbackMs(): number {
    return this.steps * this.R;
  }

  protected compute(T: number): Frame {
    this.history.push((this.inputs[0] as StreamNode).at(T));
    if (this.history.length <= this.steps) return EMPTY_FRAME;
    const shifted = this.history.shift() as Frame;
    const out: Frame = new Map();
    for (const [key, sample] of shifted) out.set(key, { s: asComputed(sample.s), v: sample.v });
    return out;
  }
}

/** Gives series that had a value before, and have none at T, a value: `value`, or the last one when null. */
export class FillNode extends StreamNode {
  private readonly seen = new Map<string, { s: SeriesInfo; last: number; fills: number }>();

  constructor(
    input: StreamNode,
    private readonly value: number | null,
    private readonly maxCount: number | undefined,
    private readonly durationMs: number | undefined,
  ) {
    super([input]);
  }

  /** Fill continues series that went silent before the start: look back as far as the fill may last (≤ 1 h). */
  override lookbackMs(): number {
    let bound = EXTRAPOLATION_LOOKBACK_MS;
    if (this.maxCount !== undefined) bound = Math.min(bound, this.maxCount * this.R);
    if (this.durationMs !== undefined) bound = Math.min(bound, stepsOf(this.durationMs, this.R) * this.R);
    return bound;
  }

  protected compute(T: number): Frame {
    const out: Frame = new Map();
    for (const [key, sample] of (this.inputs[0] as StreamNode).at(T)) {
      const s = asComputed(sample.s);
      const state = this.seen.get(key);
      if (state === undefined) this.seen.set(key, { s, last: sample.v, fills: 0 });
      else {
        state.last = sample.v;
        state.fills = 0;
      }
      out.set(key, { s, v: sample.v });
    }
    let limit = this.maxCount ?? Number.POSITIVE_INFINITY;
    if (this.durationMs !== undefined) limit = Math.min(limit, stepsOf(this.durationMs, this.R));
    for (const [key, state] of this.seen) {
      if (out.has(key) || state.fills >= limit) continue;
      state.fills += 1;
      out.set(key, { s: state.s, v: this.value ?? state.last });
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Selection, constants, conditions

/** Keeps, per group, the `count` series with the highest (top) or lowest (bottom) values; ties by series key. */
export class RankNode extends StreamNode {
  private unselected: SeriesInfo[] = [];

  constructor(
    input: StreamNode,
    private readonly highest: boolean,
    private readonly count: number | undefined,
    private readonly percentage: number | undefined,
    private readonly by: readonly string[] | undefined,
  ) {
    super([input]);
  }

  override membersWithoutValue(T: number): readonly SeriesInfo[] {
    this.at(T);
    return this.unselected;
  }

  protected compute(T: number): Frame {
    const groups = new Map<string, Sample[]>();
    for (const sample of (this.inputs[0] as StreamNode).at(T).values()) {
      let groupKey = '';
      if (this.by !== undefined) {
        const values: string[] = [];
        let missing = false;
        for (const name of this.by) {
          const value = sample.s.dims[name];
          if (value === undefined) missing = true;
          else values.push(value);
        }
        if (missing) continue;
        groupKey = JSON.stringify(values);
      }
      let group = groups.get(groupKey);
      if (group === undefined) {
        group = [];
        groups.set(groupKey, group);
      }
      group.push(sample);
    }
    const out: Frame = new Map();
    for (const group of groups.values()) {
      group.sort((a, b) => {
        const byValue = this.highest ? b.v - a.v : a.v - b.v;
        if (byValue !== 0) return byValue;
        return a.s.key < b.s.key ? -1 : a.s.key > b.s.key ? 1 : 0;
      });
      const keep =
        this.percentage !== undefined ? Math.ceil((this.percentage * group.length) / 100 - 1e-9) : (this.count ?? 5);
      for (const sample of group.slice(0, keep)) out.set(sample.s.key, sample);
    }
    this.unselected = [];
    for (const sample of (this.inputs[0] as StreamNode).at(T).values()) {
      if (!out.has(sample.s.key)) this.unselected.push(sample.s);
    }
    return out;
  }
}

/** Series with a constant value at every timestamp. */
export class ConstNode extends StreamNode {
  private readonly frame: Frame = new Map();

  constructor(series: Array<{ dims: Record<string, string>; value: number }>) {
    super([]);
    for (const { dims, value } of series) {
      const info = groupSeriesInfo(dims, undefined);
      this.frame.set(info.key, { s: info, v: value });
    }
  }

  protected compute(): Frame {
    return this.frame;
  }
}

/**
 * when(predicate, lasting, at_least): true (1) at T for a series when its predicate was true at no fewer than
 * ⌈at_least·N⌉ of the N timestamps in (T − lasting, T]; a timestamp without a value counts as not true. Every
 * series the predicate ever produced gets a value (1 or 0) at every later timestamp.
 */
export class WhenNode extends StreamNode {
  private steps = 1;
  private required = 1;
  private readonly history: Array<Set<string>> = [];
  private readonly trueCounts = new Map<string, number>();
  private readonly known = new Map<string, SeriesInfo>();
  /** Last timestamp at which the predicate had a value, by series key (for auto_resolve_after). */
  readonly lastSeen = new Map<string, number>();

  constructor(
    predicate: StreamNode,
    private readonly lastingMs: number | undefined,
    private readonly atLeast: number,
  ) {
    super([predicate]);
    this.boolean = true;
  }

  override prepare(ctx: EngineContext): void {
    super.prepare(ctx);
    this.steps = this.lastingMs === undefined ? 1 : stepsOf(this.lastingMs, ctx.resolutionMs);
    this.required = Math.max(1, Math.ceil(this.atLeast * this.steps - 1e-9));
  }

  override lookbackMs(): number {
    return (this.steps - 1) * this.R;
  }

  protected compute(T: number): Frame {
    const trueNow = new Set<string>();
    for (const [key, sample] of (this.inputs[0] as StreamNode).at(T)) {
      if (!this.known.has(key)) this.known.set(key, asComputed(sample.s));
      this.lastSeen.set(key, T);
      if (sample.v !== 0) {
        trueNow.add(key);
        this.trueCounts.set(key, (this.trueCounts.get(key) ?? 0) + 1);
      }
    }
    this.history.push(trueNow);
    if (this.history.length > this.steps) {
      for (const key of this.history.shift() as Set<string>) {
        const count = (this.trueCounts.get(key) ?? 1) - 1;
        if (count === 0) this.trueCounts.delete(key);
        else this.trueCounts.set(key, count);
      }
    }
    const out: Frame = new Map();
    for (const [key, s] of this.known) out.set(key, { s, v: (this.trueCounts.get(key) ?? 0) >= this.required ? 1 : 0 });
    return out;
  }
}

/** Looks up the value of `frame` that corresponds to the series `info` (same key, same dimensions, or broadcast). */
export function correlatedValue(frame: Frame, info: SeriesInfo): number | undefined {
  const same = frame.get(info.key);
  if (same !== undefined) return same.v;
  const single = singleDimensionless(frame);
  if (single !== undefined) return single.v;
  for (const sample of frame.values()) {
    if (sample.s.dimsKey === info.dimsKey) return sample.v;
  }
  for (const sample of frame.values()) {
    const names = Object.keys(sample.s.dims);
    if (names.length > 0 && names.every((name) => info.dims[name] === sample.s.dims[name])) return sample.v;
  }
  return undefined;
}
