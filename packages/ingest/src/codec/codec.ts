import { ValidationError } from '@sfx/core';
import protobuf from 'protobufjs/light.js';
import { INGEST_DESCRIPTOR } from '../proto/descriptor.generated.js';
import {
  type Encoding,
  EVENT_CATEGORY_NUMBERS,
  type EventCategory,
  METRIC_TYPES,
  type MetricType,
  type WireDatapoint,
  type WireEvent,
} from '../types.js';
import {
  checkCategory,
  checkDimensions,
  checkEventType,
  checkProperties,
  checkTimestamp,
  type PropertyValue,
} from '../validation.js';
import { ProtobufDatapointEncoder } from './datapoint-encoder.js';
import { jsonDatapoint, jsonDatapointBody, jsonEvent } from './json-encoder.js';
import { type JsonValue, parseJson } from './json-parse.js';
import { ByteWriter, skipRecords, writeNumberValue } from './wire.js';

/** Options of the decoders. */
export interface DecodeOptions {
  /**
   * Told of each datapoint or event the service would accept but silently drop (no value, a
   * non-numeric value, an unknown metric-type key); such items are left out of the result.
   */
  onDrop?: (info: { index: number; reason: string }) => void;
}

function checkEncoding(encoding: Encoding): void {
  if (encoding !== 'protobuf' && encoding !== 'json') {
    throw new ValidationError(`encoding must be "protobuf" or "json", got ${JSON.stringify(encoding)}`, {
      field: 'encoding',
    });
  }
}

function checkList(items: unknown, field: string): void {
  if (!Array.isArray(items)) throw new ValidationError(`${field} must be an array`, { field });
}

/** Encodes datapoints as an uncompressed `/v2/datapoint` body. Throws `ValidationError` on bad input. */
export function encodeDatapoints(points: readonly WireDatapoint[], encoding: Encoding): Uint8Array {
  checkEncoding(encoding);
  checkList(points, 'points');
  if (encoding === 'protobuf') {
    const encoder = new ProtobufDatapointEncoder(Math.max(256, points.length * 64));
    for (let i = 0; i < points.length; i++) {
      const point = points[i]!;
      const field = `points[${i}]`;
      const type = checkMetricType(point?.metricType, `${field}.metricType`);
      encoder.append(
        type,
        point.metric,
        point.value,
        point.timestamp,
        point.dimensions,
        undefined,
        'points',
        i,
        point.valueType,
      );
    }
    return encoder.take(encoder.count);
  }
  const types: MetricType[] = [];
  const records: string[] = [];
  for (let i = 0; i < points.length; i++) {
    const point = points[i]!;
    const field = `points[${i}]`;
    types.push(checkMetricType(point?.metricType, `${field}.metricType`));
    records.push(
      jsonDatapoint(point.metric, point.value, point.timestamp, point.dimensions, undefined, field, point.valueType),
    );
  }
  return jsonDatapointBody(types, records);
}

/**
 * Removes the first `records` datapoints of an uncompressed body this package encoded. Protobuf
 * bodies keep the order of `send()`; a JSON body groups datapoints by metric type, so there the
 * first are the gauges, then the counters, then the cumulative counters.
 */
export function dropLeadingDatapoints(body: Buffer, encoding: Encoding, records: number): Buffer {
  if (encoding === 'protobuf') return body.subarray(skipRecords(body, 0, records));
  // The records are kept as written, not decoded and encoded again: a double such as `3.0` or `1e+20`
  // must stay a double.
  const text = body.toString('utf8');
  const types: MetricType[] = [];
  const kept: string[] = [];
  let skipped = 0;
  let at = 1; // past the opening `{`
  while (text[at] === '"') {
    const nameEnd = text.indexOf('"', at + 1);
    const type = text.slice(at + 1, nameEnd) as MetricType;
    at = nameEnd + 3; // past `":[`
    while (text[at] === '{') {
      const end = endOfJsonObject(text, at);
      if (skipped < records) skipped++;
      else {
        types.push(type);
        kept.push(text.slice(at, end));
      }
      at = text[end] === ',' ? end + 1 : end;
    }
    at++; // past `]`
    if (text[at] === ',') at++;
  }
  return jsonDatapointBody(types, kept);
}

/** The index just past the JSON object that starts at `from`, strings and their escapes skipped. */
function endOfJsonObject(text: string, from: number): number {
  let depth = 0;
  for (let at = from; at < text.length; at++) {
    const c = text[at];
    if (c === '"') {
      for (at++; text[at] !== '"'; at++) if (text[at] === '\\') at++;
    } else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return at + 1;
  }
  throw new ValidationError('malformed JSON datapoint body: an object does not end', { field: 'body' });
}

function checkMetricType(type: unknown, field: string): MetricType {
  if (typeof type !== 'string' || !METRIC_TYPES.includes(type as MetricType)) {
    throw new ValidationError(`${field} must be one of ${METRIC_TYPES.join(', ')}, got ${JSON.stringify(type)}`, {
      field,
    });
  }
  return type as MetricType;
}

/** Checks an event and returns a clean copy (unset fields absent). */
export function checkEvent(event: WireEvent, field: string): WireEvent {
  if (typeof event !== 'object' || event === null) {
    throw new ValidationError(`${field} must be an object`, { field });
  }
  const checked: WireEvent = {
    eventType: checkEventType(event.eventType, `${field}.eventType`),
    category: checkCategory(event.category, `${field}.category`),
  };
  const dimensions = checkDimensions(event.dimensions, `${field}.dimensions`);
  if (dimensions !== undefined) checked.dimensions = dimensions;
  const properties = checkProperties(event.properties, `${field}.properties`);
  if (properties !== undefined) checked.properties = properties;
  const timestamp = checkTimestamp(event.timestamp, `${field}.timestamp`);
  if (timestamp !== undefined) checked.timestamp = timestamp;
  return checked;
}

function writeEvent(out: ByteWriter, event: WireEvent): void {
  const inner = new ByteWriter(256);
  inner.string(0x0a, event.eventType);
  for (const [key, value] of Object.entries(event.dimensions ?? {})) {
    const dimension = new ByteWriter(key.length + value.length + 8);
    dimension.string(0x0a, key);
    dimension.string(0x12, value);
    inner.delimited(0x12, dimension.finish());
  }
  for (const [key, value] of Object.entries(event.properties ?? {})) {
    const propertyValue = new ByteWriter(32);
    if (typeof value === 'string') propertyValue.string(0x0a, value);
    else if (typeof value === 'boolean') {
      propertyValue.byte(0x20);
      propertyValue.byte(value ? 1 : 0);
    } else writeNumberValue(propertyValue, value);
    const property = new ByteWriter(key.length + 48);
    property.string(0x0a, key);
    property.delimited(0x12, propertyValue.finish());
    inner.delimited(0x1a, property.finish());
  }
  inner.byte(0x20);
  inner.varint(EVENT_CATEGORY_NUMBERS[event.category]);
  if (event.timestamp !== undefined) {
    inner.byte(0x28);
    inner.varint(event.timestamp);
  }
  out.delimited(0x0a, inner.finish());
}

/** Encodes events as an uncompressed `/v2/event` body. Throws `ValidationError` on bad input. */
export function encodeEvents(events: readonly WireEvent[], encoding: Encoding): Uint8Array {
  checkEncoding(encoding);
  checkList(events, 'events');
  const checked = events.map((event, i) => checkEvent(event, `events[${i}]`));
  if (encoding === 'json') return Buffer.from(`[${checked.map(jsonEvent).join(',')}]`, 'utf8');
  const out = new ByteWriter(256 * Math.max(1, checked.length));
  for (const event of checked) writeEvent(out, event);
  return out.finish();
}

// ---- decoding ----

interface LongLike {
  low: number;
  high: number;
  unsigned: boolean;
  toString(): string;
}

let root: protobuf.Root | undefined;
function messageType(name: string): protobuf.Type {
  root ??= protobuf.Root.fromJSON(INGEST_DESCRIPTOR as unknown as protobuf.INamespace);
  return root.lookupType(`com.signalfx.metrics.protobuf.${name}`);
}

function int64Of(value: number | LongLike): number | bigint {
  if (typeof value === 'number') return value;
  const big = BigInt(value.toString());
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}

function timestampOf(value: number | LongLike | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = int64Of(value);
  if (typeof ms === 'bigint') throw new ValidationError(`${field} is out of range: ${ms}`, { field });
  return ms === 0 ? undefined : ms;
}

/** A numeric string as a value (the service accepts those), else `undefined`. */
function numericString(text: string): number | bigint | undefined {
  const trimmed = text.trim();
  if (/^[+-]?\d+$/.test(trimmed)) {
    const big = BigInt(trimmed);
    return Number.isSafeInteger(Number(big)) ? Number(big) : big;
  }
  if (trimmed === '' || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(trimmed)) return undefined;
  const number = Number(trimmed);
  return Number.isFinite(number) ? number : undefined;
}

function decodeProtobuf(name: string, body: Uint8Array): Record<string, unknown> {
  try {
    return messageType(name).decode(body) as unknown as Record<string, unknown>;
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw new ValidationError(`malformed protobuf ${name}: ${detail}`, { field: 'body', cause });
  }
}

function decodeUtf8(body: Uint8Array, what: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(body);
  } catch (cause) {
    throw new ValidationError(`malformed JSON ${what}: not valid UTF-8`, { field: 'body', cause });
  }
}

const has = (object: object, key: string): boolean => Object.hasOwn(object, key);

const METRIC_TYPE_BY_NUMBER: Record<number, MetricType> = { 0: 'gauge', 1: 'counter', 3: 'cumulative_counter' };
const CATEGORY_BY_NUMBER = new Map<number, EventCategory>(
  Object.entries(EVENT_CATEGORY_NUMBERS).map(([name, number]) => [number, name as EventCategory]),
);

function protobufDimensions(list: unknown, extra?: Record<string, string>): Record<string, string> | undefined {
  const dims = list as Array<{ key?: string; value?: string }> | undefined;
  if ((dims === undefined || dims.length === 0) && extra === undefined) return undefined;
  const out: Record<string, string> = { ...extra };
  for (const dim of dims ?? []) {
    if (!has(dim, 'key') || dim.key === '') continue;
    out[dim.key as string] = has(dim, 'value') ? (dim.value as string) : '';
  }
  return out;
}

/**
 * Decodes a `/v2/datapoint` body (uncompressed) as the service reads it. Throws `ValidationError`
 * with a clear message on malformed input, and only that.
 */
export function decodeDatapoints(body: Uint8Array, encoding: Encoding, options: DecodeOptions = {}): WireDatapoint[] {
  checkEncoding(encoding);
  try {
    return encoding === 'json' ? decodeJsonDatapoints(body, options) : decodeProtobufDatapoints(body, options);
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    throw new ValidationError(`malformed datapoint body: ${error instanceof Error ? error.message : String(error)}`, {
      field: 'body',
      cause: error,
    });
  }
}

function decodeProtobufDatapoints(body: Uint8Array, options: DecodeOptions): WireDatapoint[] {
  const message = decodeProtobuf('DataPointUploadMessage', body);
  const points: WireDatapoint[] = [];
  const list = (message.datapoints ?? []) as Array<Record<string, unknown>>;
  for (let i = 0; i < list.length; i++) {
    const raw = list[i]!;
    const field = `datapoints[${i}]`;
    if (!has(raw, 'metric') || raw.metric === '') {
      throw new ValidationError(`${field}.metric is missing`, { field: `${field}.metric` });
    }
    const typeNumber = has(raw, 'metricType') ? (raw.metricType as number) : 0;
    const metricType = METRIC_TYPE_BY_NUMBER[typeNumber];
    if (metricType === undefined) {
      throw new ValidationError(`${field}.metricType ${typeNumber} is not supported`, { field: `${field}.metricType` });
    }
    const datum = raw.value as Record<string, unknown> | undefined;
    let value: number | bigint | undefined;
    if (datum !== undefined && has(raw, 'value')) {
      if (has(datum, 'doubleValue')) value = datum.doubleValue as number;
      else if (has(datum, 'intValue')) value = int64Of(datum.intValue as number | LongLike);
      else if (has(datum, 'strValue')) value = numericString(datum.strValue as string);
    }
    if (value === undefined) {
      options.onDrop?.({ index: i, reason: `${field} has no numeric value` });
      continue;
    }
    const point: WireDatapoint = { metric: raw.metric as string, metricType, value };
    const timestamp = timestampOf(raw.timestamp as number | LongLike | undefined, `${field}.timestamp`);
    if (timestamp !== undefined) point.timestamp = timestamp;
    const source = has(raw, 'source') && raw.source !== '' ? { sf_source: raw.source as string } : undefined;
    const dimensions = protobufDimensions(raw.dimensions, source);
    if (dimensions !== undefined) point.dimensions = dimensions;
    points.push(point);
  }
  return points;
}

function isObject(value: JsonValue | undefined): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function jsonDimensions(value: JsonValue | undefined, field: string): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw new ValidationError(`${field} must be an object`, { field });
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item === null) continue;
    if (typeof item === 'object')
      throw new ValidationError(`${field}.${key} must be a string`, { field: `${field}.${key}` });
    out[key] = String(item);
  }
  return out;
}

function jsonTimestamp(value: JsonValue | undefined, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new ValidationError(`${field} must be an integer of milliseconds`, { field });
  }
  return value === 0 ? undefined : value;
}

function decodeJsonDatapoints(body: Uint8Array, options: DecodeOptions): WireDatapoint[] {
  const parsed = parseJson(decodeUtf8(body, 'datapoint body'), 'datapoint body');
  if (!isObject(parsed)) {
    throw new ValidationError('a JSON datapoint body must be an object keyed by metric type', { field: 'body' });
  }
  const points: WireDatapoint[] = [];
  let index = 0;
  for (const [key, list] of Object.entries(parsed)) {
    if (!METRIC_TYPES.includes(key as MetricType)) {
      const count = Array.isArray(list) ? list.length : 1;
      for (let i = 0; i < count; i++) options.onDrop?.({ index: index++, reason: `unknown metric type "${key}"` });
      continue;
    }
    if (list === null) continue;
    if (!Array.isArray(list)) throw new ValidationError(`${key} must be an array of datapoints`, { field: key });
    for (let i = 0; i < list.length; i++, index++) {
      const raw = list[i];
      const field = `${key}[${i}]`;
      if (!isObject(raw)) throw new ValidationError(`${field} must be an object`, { field });
      if (typeof raw.metric !== 'string' || raw.metric === '') {
        throw new ValidationError(`${field}.metric is missing or not a string`, { field: `${field}.metric` });
      }
      const rawValue = raw.value;
      const value =
        typeof rawValue === 'bigint' || (typeof rawValue === 'number' && Number.isFinite(rawValue))
          ? rawValue
          : typeof rawValue === 'string'
            ? numericString(rawValue)
            : undefined;
      if (value === undefined) {
        options.onDrop?.({ index, reason: `${field} has no numeric value` });
        continue;
      }
      const point: WireDatapoint = { metric: raw.metric, metricType: key as MetricType, value };
      const timestamp = jsonTimestamp(raw.timestamp, `${field}.timestamp`);
      if (timestamp !== undefined) point.timestamp = timestamp;
      const dimensions = jsonDimensions(raw.dimensions, `${field}.dimensions`);
      if (dimensions !== undefined) point.dimensions = dimensions;
      points.push(point);
    }
  }
  return points;
}

/**
 * Decodes a `/v2/event` body (uncompressed) as the service reads it. Throws `ValidationError`
 * with a clear message on malformed input, and only that.
 */
export function decodeEvents(body: Uint8Array, encoding: Encoding, options: DecodeOptions = {}): WireEvent[] {
  checkEncoding(encoding);
  try {
    return encoding === 'json' ? decodeJsonEvents(body, options) : decodeProtobufEvents(body);
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    throw new ValidationError(`malformed event body: ${error instanceof Error ? error.message : String(error)}`, {
      field: 'body',
      cause: error,
    });
  }
}

function decodeProtobufEvents(body: Uint8Array): WireEvent[] {
  const message = decodeProtobuf('EventUploadMessage', body);
  const list = (message.events ?? []) as Array<Record<string, unknown>>;
  return list.map((raw, i) => {
    const field = `events[${i}]`;
    if (typeof raw.eventType !== 'string' || raw.eventType === '') {
      throw new ValidationError(`${field}.eventType is missing`, { field: `${field}.eventType` });
    }
    const category = has(raw, 'category') ? CATEGORY_BY_NUMBER.get(raw.category as number) : undefined;
    const event: WireEvent = { eventType: raw.eventType, category: category ?? 'USER_DEFINED' };
    const dimensions = protobufDimensions(raw.dimensions);
    if (dimensions !== undefined) event.dimensions = dimensions;
    const properties: Record<string, PropertyValue> = {};
    let any = false;
    for (const property of (raw.properties ?? []) as Array<Record<string, unknown>>) {
      const value = property.value as Record<string, unknown> | undefined;
      if (!has(property, 'key') || value === undefined || !has(property, 'value')) continue;
      // The service's precedence when several are set: string, bool, double, int.
      let decoded: PropertyValue | undefined;
      if (has(value, 'strValue')) decoded = value.strValue as string;
      else if (has(value, 'boolValue')) decoded = value.boolValue as boolean;
      else if (has(value, 'doubleValue')) decoded = value.doubleValue as number;
      else if (has(value, 'intValue')) decoded = int64Of(value.intValue as number | LongLike);
      if (decoded === undefined) continue;
      properties[property.key as string] = decoded;
      any = true;
    }
    if (any) event.properties = properties;
    const timestamp = timestampOf(raw.timestamp as number | LongLike | undefined, `${field}.timestamp`);
    if (timestamp !== undefined) event.timestamp = timestamp;
    return event;
  });
}

function decodeJsonEvents(body: Uint8Array, options: DecodeOptions): WireEvent[] {
  const parsed = parseJson(decodeUtf8(body, 'event body'), 'event body');
  if (!Array.isArray(parsed))
    throw new ValidationError('a JSON event body must be an array of events', { field: 'body' });
  const events: WireEvent[] = [];
  for (let i = 0; i < parsed.length; i++) {
    const raw = parsed[i];
    const field = `events[${i}]`;
    if (!isObject(raw)) throw new ValidationError(`${field} must be an object`, { field });
    if (typeof raw.eventType !== 'string' || raw.eventType === '') {
      throw new ValidationError(`${field}.eventType is missing or not a string`, { field: `${field}.eventType` });
    }
    // A missing or unknown category reads as USER_DEFINED, as the service does.
    const category =
      typeof raw.category === 'string' && Object.hasOwn(EVENT_CATEGORY_NUMBERS, raw.category)
        ? (raw.category as EventCategory)
        : 'USER_DEFINED';
    const event: WireEvent = { eventType: raw.eventType, category };
    const dimensions = jsonDimensions(raw.dimensions, `${field}.dimensions`);
    if (dimensions !== undefined) event.dimensions = dimensions;
    if (raw.properties !== undefined && raw.properties !== null) {
      if (!isObject(raw.properties)) {
        throw new ValidationError(`${field}.properties must be an object`, { field: `${field}.properties` });
      }
      const properties: Record<string, PropertyValue> = {};
      let any = false;
      for (const [key, value] of Object.entries(raw.properties)) {
        if (typeof value === 'string' || typeof value === 'boolean' || typeof value === 'bigint') {
          properties[key] = value;
        } else if (typeof value === 'number') {
          properties[key] = value;
        } else {
          options.onDrop?.({ index: i, reason: `${field}.properties.${key} has an unsupported type` });
          continue;
        }
        any = true;
      }
      if (any) event.properties = properties;
    }
    const timestamp = jsonTimestamp(raw.timestamp, `${field}.timestamp`);
    if (timestamp !== undefined) event.timestamp = timestamp;
    events.push(event);
  }
  return events;
}
