import { ValidationError } from '@sfx/core';
import { METRIC_TYPES, type MetricType, type WireEvent } from '../types.js';
import {
  checkDimensionKey,
  checkDimensionValue,
  checkMetric,
  checkTimestamp,
  checkValue,
  MAX_DIMENSIONS,
  wantsDouble,
} from '../validation.js';
import type { Mark, PreparedDimensions } from './datapoint-encoder.js';

/** A number as a JSON literal; bigints keep every digit. */
export function jsonNumber(value: number | bigint): string {
  return typeof value === 'bigint' ? value.toString() : String(value);
}

function jsonDimensions(
  dimensions: Record<string, string> | undefined,
  globals: PreparedDimensions | undefined,
  field: string,
): string | undefined {
  const parts: string[] = [];
  if (dimensions !== undefined) {
    if (typeof dimensions !== 'object' || dimensions === null || Array.isArray(dimensions)) {
      throw new ValidationError(`${field} must be an object of strings`, { field });
    }
    for (const key in dimensions) {
      checkDimensionKey(key, field);
      const value = checkDimensionValue(dimensions[key], key, field);
      parts.push(`${JSON.stringify(key)}:${JSON.stringify(value)}`);
    }
  }
  if (globals !== undefined) {
    for (let i = 0; i < globals.keys.length; i++) {
      const key = globals.keys[i]!;
      if (dimensions !== undefined && Object.hasOwn(dimensions, key)) continue;
      parts.push(`${JSON.stringify(key)}:${JSON.stringify(globals.values[i])}`);
    }
  }
  if (parts.length > MAX_DIMENSIONS) {
    throw new ValidationError(`${field} has ${parts.length} dimensions, more than the ${MAX_DIMENSIONS} allowed`, {
      field,
    });
  }
  return parts.length === 0 ? undefined : `{${parts.join(',')}}`;
}

/** One validated datapoint as a JSON object literal (without its metric type). */
export function jsonDatapoint(
  metric: unknown,
  value: unknown,
  timestamp: unknown,
  dimensions: Record<string, string> | undefined,
  globals: PreparedDimensions | undefined,
  field: string,
  valueType: unknown = undefined,
): string {
  checkMetric(metric, `${field}.metric`);
  const asDouble = valueType !== undefined && wantsDouble(valueType, value, field);
  // A double may hold an integral number beyond int64: only int values have that range.
  const checked =
    asDouble && typeof value === 'number' && Number.isFinite(value) ? value : checkValue(value, `${field}.value`);
  const time = checkTimestamp(timestamp, `${field}.timestamp`);
  const dims = jsonDimensions(dimensions, globals, `${field}.dimensions`);
  let number = jsonNumber(checked);
  // A JSON number without a fraction or exponent reads as an integer: `3.0` keeps a double a double.
  if (asDouble && !/[.eE]/.test(number)) number += '.0';
  let text = `{"metric":${JSON.stringify(metric)},"value":${number}`;
  if (time !== undefined) text += `,"timestamp":${time}`;
  if (dims !== undefined) text += `,"dimensions":${dims}`;
  return `${text}}`;
}

/** Builds a `/v2/datapoint` JSON body from per-type object literals. */
export function jsonDatapointBody(types: readonly MetricType[], records: readonly string[]): Buffer {
  const groups: Record<MetricType, string[]> = { gauge: [], counter: [], cumulative_counter: [] };
  for (let i = 0; i < records.length; i++) groups[types[i]!].push(records[i]!);
  const parts: string[] = [];
  for (const type of METRIC_TYPES) {
    if (groups[type].length > 0) parts.push(`"${type}":[${groups[type].join(',')}]`);
  }
  return Buffer.from(`{${parts.join(',')}}`, 'utf8');
}

/** The JSON counterpart of `ProtobufDatapointEncoder`: records kept as strings until taken. */
export class JsonDatapointEncoder {
  #types: MetricType[] = [];
  #records: string[] = [];
  #head = 0;

  get count(): number {
    return this.#records.length - this.#head;
  }

  mark(): Mark {
    return { offset: this.#records.length - this.#head, count: this.count };
  }

  rollback(mark: Mark): void {
    this.#records.length = this.#types.length = this.#head + mark.offset;
  }

  append(
    metricType: MetricType,
    metric: string,
    value: unknown,
    timestamp: unknown,
    dimensions: Record<string, string> | undefined,
    globals: PreparedDimensions | undefined,
    list: string,
    index: number,
    valueType: unknown = undefined,
  ): void {
    const record = jsonDatapoint(metric, value, timestamp, dimensions, globals, `${list}[${index}]`, valueType);
    this.#types.push(metricType);
    this.#records.push(record);
  }

  #compact(): void {
    if (this.#head === 0) return;
    this.#types = this.#types.slice(this.#head);
    this.#records = this.#records.slice(this.#head);
    this.#head = 0;
  }

  take(records: number, _copy = true): Buffer {
    const end = Math.min(this.#head + records, this.#records.length);
    const body = jsonDatapointBody(this.#types.slice(this.#head, end), this.#records.slice(this.#head, end));
    this.#head = end;
    if (this.#head > 1024 && this.#head * 2 > this.#records.length) this.#compact();
    return body;
  }

  truncate(mark: Mark, keep: number): void {
    this.#records.length = this.#types.length = this.#head + mark.offset + keep;
  }

  dropOldest(records: number): number {
    const n = Math.min(records, this.count);
    this.#head += n;
    if (this.#head > 1024 && this.#head * 2 > this.#records.length) this.#compact();
    return n;
  }

  shrink(): void {
    if (this.count === 0) this.#compact();
  }
}

/** One validated event as a JSON object literal. */
export function jsonEvent(event: WireEvent): string {
  let text = `{"eventType":${JSON.stringify(event.eventType)},"category":${JSON.stringify(event.category)}`;
  if (event.dimensions !== undefined) text += `,"dimensions":${JSON.stringify(event.dimensions)}`;
  if (event.properties !== undefined) {
    const parts: string[] = [];
    for (const [key, value] of Object.entries(event.properties)) {
      const literal =
        typeof value === 'string'
          ? JSON.stringify(value)
          : typeof value === 'boolean'
            ? String(value)
            : jsonNumber(value);
      parts.push(`${JSON.stringify(key)}:${literal}`);
    }
    text += `,"properties":{${parts.join(',')}}`;
  }
  if (event.timestamp !== undefined) text += `,"timestamp":${event.timestamp}`;
  return `${text}}`;
}
