import { ValidationError } from '@sfx/core';
import { METRIC_TYPE_NUMBERS, type MetricType } from '../types.js';
import {
  checkDimensionKey,
  checkDimensionValue,
  checkMetric,
  checkTimestamp,
  checkValue,
  MAX_DIMENSIONS,
  wantsDouble,
} from '../validation.js';
import {
  bigVarintSize,
  copyBytes,
  encodeDimensionField,
  int64Bits,
  isSmallUnsigned,
  skipRecords,
  varintSize,
  writeBigVarint,
  writeVarint,
} from './wire.js';

/** Encoded dimensions shared by every datapoint: the global dimensions of a client. */
export interface PreparedDimensions {
  readonly keys: readonly string[];
  readonly values: readonly string[];
  /** Each dimension as a complete `DataPoint.dimensions` protobuf field. */
  readonly fields: readonly Buffer[];
}

const NO_GLOBALS: PreparedDimensions = { keys: [], values: [], fields: [] };

/** Checks global dimensions and encodes them once. */
export function prepareDimensions(dimensions: Record<string, string>, field: string): PreparedDimensions {
  const keys: string[] = [];
  const values: string[] = [];
  const fields: Buffer[] = [];
  for (const key of Object.keys(dimensions)) {
    checkDimensionKey(key, field);
    const value = checkDimensionValue(dimensions[key], key, field);
    keys.push(key);
    values.push(value);
    fields.push(encodeDimensionField(0x32, key, value));
  }
  if (keys.length > MAX_DIMENSIONS) {
    throw new ValidationError(`${field} has ${keys.length} dimensions, more than the ${MAX_DIMENSIONS} allowed`, {
      field,
    });
  }
  return { keys, values, fields };
}

/** Where records of a pending batch start, to undo a `send()` that failed validation. */
export interface Mark {
  /** Bytes from `start`: stays right when the buffer compacts. */
  readonly offset: number;
  readonly count: number;
}

/** Caches are dropped whole past this many entries, so unbounded label sets cannot grow memory. */
const MAX_CACHE_ENTRIES = 50_000;

/**
 * Appends datapoints to a buffer as `DataPointUploadMessage.datapoints` fields (the upload
 * message is nothing but those fields, so any run of records is a valid body). Metric names
 * and dimension pairs are encoded once and then copied, which is where the speed comes from;
 * a cache hit also proves the name or pair was already validated.
 */
export class ProtobufDatapointEncoder {
  buf: Buffer;
  /** Start of the first record not yet taken. */
  start = 0;
  /** End of the last record. */
  pos = 0;
  /** Records between `start` and `pos`. */
  count = 0;
  readonly #metrics = new Map<string, Buffer>();
  readonly #dimensions = new Map<string, Map<string, Buffer>>();
  #cacheEntries = 0;
  readonly #pieces: Buffer[] = [];

  constructor(initialSize = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  mark(): Mark {
    return { offset: this.pos - this.start, count: this.count };
  }

  rollback(mark: Mark): void {
    this.pos = this.start + mark.offset;
    this.count = mark.count;
  }

  #ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    const live = this.pos - this.start;
    const target = live + extra;
    if (this.start > 0 && target <= this.buf.length) {
      this.buf.copy(this.buf, 0, this.start, this.pos);
    } else {
      const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, target));
      this.buf.copy(next, 0, this.start, this.pos);
      this.buf = next;
    }
    this.pos = live;
    this.start = 0;
  }

  #cacheMiss(): void {
    if (++this.#cacheEntries > MAX_CACHE_ENTRIES) {
      this.#metrics.clear();
      this.#dimensions.clear();
      this.#cacheEntries = 0;
    }
  }

  #metricField(metric: string, list: string, index: number): Buffer {
    let encoded = this.#metrics.get(metric);
    if (encoded === undefined) {
      checkMetric(metric, `${list}[${index}].metric`);
      const length = Buffer.byteLength(metric, 'utf8');
      encoded = Buffer.allocUnsafe(1 + varintSize(length) + length);
      encoded[0] = 0x12;
      const at = writeVarint(encoded, 1, length);
      encoded.write(metric, at, 'utf8');
      this.#cacheMiss();
      this.#metrics.set(metric, encoded);
    }
    return encoded;
  }

  #dimensionField(key: string, value: string, list: string, index: number): Buffer {
    let byValue = this.#dimensions.get(key);
    if (byValue === undefined) {
      checkDimensionKey(key, `${list}[${index}].dimensions`);
      byValue = new Map();
      this.#dimensions.set(key, byValue);
    }
    let encoded = byValue.get(value);
    if (encoded === undefined) {
      checkDimensionValue(value, key, `${list}[${index}].dimensions`);
      encoded = encodeDimensionField(0x32, key, value);
      this.#cacheMiss();
      byValue.set(value, encoded);
    }
    return encoded;
  }

  /**
   * Validates and appends one datapoint. On a `ValidationError` the buffer may hold part of
   * the record: callers roll back to a mark.
   */
  append(
    metricType: MetricType,
    metric: string,
    value: unknown,
    timestamp: unknown,
    dimensions: Record<string, string> | undefined,
    globals: PreparedDimensions = NO_GLOBALS,
    list = 'datapoints',
    index = 0,
    valueType: unknown = undefined,
  ): void {
    // Field paths such as `gauges[3].value` are built only on a cache miss or an error: per point they cost.
    const metricField =
      typeof metric === 'string'
        ? this.#metricField(metric, list, index)
        : checkMetric(metric, `${list}[${index}].metric`);
    // Datum: int64 for integers, double otherwise, unless `valueType` says which.
    const asDouble = valueType !== undefined && wantsDouble(valueType, value, `${list}[${index}]`);
    let datumSize: number;
    let intBits: bigint | undefined;
    if (typeof value === 'number' && Number.isFinite(value)) {
      if (Number.isInteger(value) && !asDouble) {
        if (isSmallUnsigned(value)) datumSize = 1 + varintSize(value);
        else {
          checkValue(value, `${list}[${index}].value`);
          intBits = int64Bits(value);
          datumSize = 1 + bigVarintSize(intBits);
        }
      } else datumSize = 9;
    } else {
      checkValue(value, `${list}[${index}].value`);
      intBits = int64Bits(value as bigint);
      datumSize = 1 + bigVarintSize(intBits);
    }
    let size = (metricField as Buffer).length + 2 + datumSize + 2;
    if (timestamp !== undefined) {
      if (typeof timestamp !== 'number' || !(timestamp >= 0) || !Number.isSafeInteger(timestamp)) {
        checkTimestamp(timestamp, `${list}[${index}].timestamp`);
      }
      size += 1 + varintSize(timestamp as number);
    }
    const pieces = this.#pieces;
    pieces.length = 0;
    if (dimensions !== undefined) {
      if (typeof dimensions !== 'object' || dimensions === null || Array.isArray(dimensions)) {
        const dimField = `${list}[${index}].dimensions`;
        throw new ValidationError(`${dimField} must be an object of strings`, { field: dimField });
      }
      for (const key in dimensions) {
        const piece = this.#dimensionField(key, dimensions[key] as string, list, index);
        pieces.push(piece);
        size += piece.length;
      }
    }
    const { keys, fields } = globals;
    for (let i = 0; i < keys.length; i++) {
      if (dimensions !== undefined && Object.hasOwn(dimensions, keys[i]!)) continue;
      const piece = fields[i]!;
      pieces.push(piece);
      size += piece.length;
    }
    if (pieces.length > MAX_DIMENSIONS) {
      const dimField = `${list}[${index}].dimensions`;
      throw new ValidationError(
        `${dimField} has ${pieces.length} dimensions, more than the ${MAX_DIMENSIONS} allowed`,
        {
          field: dimField,
        },
      );
    }

    this.#ensure(size + 6);
    const buf = this.buf;
    let pos = this.pos;
    buf[pos++] = 0x0a;
    pos = writeVarint(buf, pos, size);
    pos = copyBytes(buf, pos, metricField as Buffer);
    if (timestamp !== undefined) {
      buf[pos++] = 0x18;
      pos = writeVarint(buf, pos, timestamp as number);
    }
    buf[pos++] = 0x22;
    buf[pos++] = datumSize;
    if (intBits !== undefined) {
      buf[pos++] = 0x18;
      pos = writeBigVarint(buf, pos, intBits);
    } else if (datumSize === 9) {
      buf[pos++] = 0x11;
      buf.writeDoubleLE(value as number, pos);
      pos += 8;
    } else {
      buf[pos++] = 0x18;
      pos = writeVarint(buf, pos, value as number);
    }
    buf[pos++] = 0x28;
    buf[pos++] = METRIC_TYPE_NUMBERS[metricType];
    for (let i = 0; i < pieces.length; i++) pos = copyBytes(buf, pos, pieces[i]!);
    this.pos = pos;
    this.count++;
  }

  /**
   * Removes the first `records` records and returns them as an upload message body: a copy, or
   * with `copy` false a view that is valid only until the next append.
   */
  take(records: number, copy = true): Buffer {
    const n = Math.min(records, this.count);
    const end = skipRecords(this.buf, this.start, n);
    let body: Buffer;
    if (copy) {
      body = Buffer.allocUnsafeSlow(end - this.start);
      this.buf.copy(body, 0, this.start, end);
    } else body = this.buf.subarray(this.start, end);
    this.start = end;
    this.count -= n;
    if (this.count === 0) this.start = this.pos = 0;
    return body;
  }

  /** Keeps only the first `keep` records appended since `mark`, removing the newer ones. */
  truncate(mark: Mark, keep: number): void {
    this.pos = skipRecords(this.buf, this.start + mark.offset, keep);
    this.count = mark.count + keep;
  }

  /** Removes the `records` oldest records; returns how many were removed. */
  dropOldest(records: number): number {
    const n = Math.min(records, this.count);
    this.start = skipRecords(this.buf, this.start, n);
    this.count -= n;
    if (this.count === 0) this.start = this.pos = 0;
    return n;
  }

  /** Releases a large buffer once empty, so a burst does not pin memory. */
  shrink(maxIdleSize: number): void {
    if (this.count === 0 && this.buf.length > maxIdleSize) this.buf = Buffer.allocUnsafe(maxIdleSize);
  }
}
