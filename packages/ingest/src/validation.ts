import { ValidationError } from '@sfx/core';
import { EVENT_CATEGORY_NUMBERS, type EventCategory } from './types.js';

export const MAX_DIMENSIONS = 36;
export const MAX_DIMENSION_KEY_LENGTH = 128;
export const MAX_DIMENSION_VALUE_LENGTH = 256;
export const MAX_METRIC_LENGTH = 256;
export const MAX_EVENT_TYPE_LENGTH = 256;

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;
const TWO_POW_63 = 2 ** 63;

/** Dimension names the service reserves but accepts from clients. */
const ALLOWED_RESERVED_KEYS = new Set(['sf_hires', 'sf_source']);
const RESERVED_PREFIXES = ['sf_', 'aws_', 'gcp_', 'azure_'];
const KEY_PATTERN = /^\p{L}[\p{L}\p{N}_.-]*$/u;

/**
 * Why a dimension name breaks the ingest rules, or `undefined` when it is valid: at most 128
 * characters, a letter first, then letters, digits, `_`, `-` or `.`, and no reserved prefix
 * (`sf_` except `sf_hires`, `aws_`, `gcp_`, `azure_`).
 */
export function validateDimensionKey(key: string): string | undefined {
  if (typeof key !== 'string') return `must be a string, got ${typeof key}`;
  if (key.length === 0) return 'must not be empty';
  if (key.length > MAX_DIMENSION_KEY_LENGTH) return `must be at most ${MAX_DIMENSION_KEY_LENGTH} characters`;
  if (!KEY_PATTERN.test(key)) {
    return 'must start with a letter and contain only letters, digits, "_", "-" and "."';
  }
  if (!ALLOWED_RESERVED_KEYS.has(key)) {
    for (const prefix of RESERVED_PREFIXES) {
      if (key.startsWith(prefix)) return `must not start with the reserved prefix "${prefix}"`;
    }
  }
  return undefined;
}

/** Where a value came from, for error messages: `gauges[3].value`. */
function fail(field: string, message: string): never {
  throw new ValidationError(`${field} ${message}`, { field });
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null) return 'null';
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  return typeof value === 'number' || typeof value === 'boolean' || value === undefined ? String(value) : typeof value;
}

export function checkMetric(metric: unknown, field: string): string {
  if (typeof metric !== 'string' || metric.length === 0)
    fail(field, `must be a non-empty string, got ${describe(metric)}`);
  if (metric.length > MAX_METRIC_LENGTH) fail(field, `must be at most ${MAX_METRIC_LENGTH} characters`);
  return metric;
}

/** A datapoint value: a finite number, or an integer (number or bigint) in int64 range. */
export function checkValue(value: unknown, field: string): number | bigint {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) fail(field, `must be a finite number, got ${describe(value)}`);
    if (Number.isInteger(value) && (value < -TWO_POW_63 || value >= TWO_POW_63)) {
      fail(field, `is an integer outside the int64 range: ${value}`);
    }
    return value;
  }
  if (typeof value === 'bigint') {
    if (value < INT64_MIN || value > INT64_MAX) fail(field, `is a bigint outside the int64 range: ${value}n`);
    return value;
  }
  return fail(field, `must be a number or a bigint, got ${describe(value)}`);
}

/**
 * Whether an explicit `valueType` asks for a double. `'double'` sends an integral number as a double
 * (`3.0`); `'int'` insists on an integer; absent, integers go as int64 and other numbers as doubles.
 */
export function wantsDouble(valueType: unknown, value: unknown, field: string): boolean {
  if (valueType === 'double') {
    if (typeof value === 'bigint') fail(`${field}.valueType`, "is 'double', which takes a number, not a bigint");
    return true;
  }
  if (valueType === 'int') {
    if (typeof value === 'number' && !Number.isInteger(value)) {
      fail(`${field}.value`, `must be an integer when valueType is 'int', got ${describe(value)}`);
    }
    return false;
  }
  return fail(`${field}.valueType`, `must be 'int' or 'double', got ${describe(valueType)}`);
}

/** A timestamp: `undefined`, or a non-negative integer of milliseconds since the epoch. */
export function checkTimestamp(timestamp: unknown, field: string): number | undefined {
  if (timestamp === undefined) return undefined;
  if (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp) || timestamp < 0) {
    fail(field, `must be a non-negative integer of milliseconds since the epoch, got ${describe(timestamp)}`);
  }
  return timestamp;
}

export function checkDimensionKey(key: string, field: string): void {
  const reason = validateDimensionKey(key);
  if (reason !== undefined) fail(`${field}[${JSON.stringify(key)}]`, `is not a valid dimension name: it ${reason}`);
}

export function checkDimensionValue(value: unknown, key: string, field: string): string {
  if (typeof value !== 'string') {
    fail(`${field}.${key}`, `must be a string, got ${describe(value)}`);
  }
  if (value.length > MAX_DIMENSION_VALUE_LENGTH) {
    fail(`${field}.${key}`, `must be at most ${MAX_DIMENSION_VALUE_LENGTH} characters`);
  }
  return value;
}

/** A dimensions object: `undefined`, or a plain object of valid names to strings. */
export function checkDimensions(dimensions: unknown, field: string): Record<string, string> | undefined {
  if (dimensions === undefined) return undefined;
  if (typeof dimensions !== 'object' || dimensions === null || Array.isArray(dimensions)) {
    fail(field, `must be an object of strings, got ${describe(dimensions)}`);
  }
  let count = 0;
  for (const key of Object.keys(dimensions)) {
    checkDimensionKey(key, field);
    checkDimensionValue((dimensions as Record<string, unknown>)[key], key, field);
    count++;
  }
  if (count > MAX_DIMENSIONS) fail(field, `has ${count} dimensions, more than the ${MAX_DIMENSIONS} allowed`);
  return dimensions as Record<string, string>;
}

export function checkEventType(eventType: unknown, field: string): string {
  if (typeof eventType !== 'string' || eventType.length === 0) {
    fail(field, `must be a non-empty string, got ${describe(eventType)}`);
  }
  if (eventType.length > MAX_EVENT_TYPE_LENGTH) fail(field, `must be at most ${MAX_EVENT_TYPE_LENGTH} characters`);
  if (!/^[\x21-\x7e]+$/.test(eventType)) fail(field, 'must be printable ASCII without blanks');
  return eventType;
}

export function checkCategory(category: unknown, field: string): EventCategory {
  if (typeof category !== 'string' || !Object.hasOwn(EVENT_CATEGORY_NUMBERS, category)) {
    fail(field, `must be one of ${Object.keys(EVENT_CATEGORY_NUMBERS).join(', ')}, got ${describe(category)}`);
  }
  return category as EventCategory;
}

export type PropertyValue = string | number | boolean | bigint;

export function checkProperties(properties: unknown, field: string): Record<string, PropertyValue> | undefined {
  if (properties === undefined) return undefined;
  if (typeof properties !== 'object' || properties === null || Array.isArray(properties)) {
    fail(field, `must be an object, got ${describe(properties)}`);
  }
  for (const [key, value] of Object.entries(properties)) {
    if (key.length === 0) fail(field, 'must not have an empty property name');
    const where = `${field}.${key}`;
    if (typeof value === 'string' || typeof value === 'boolean') continue;
    if (typeof value === 'number' || typeof value === 'bigint') {
      checkValue(value, where);
      continue;
    }
    fail(where, `must be a string, number, boolean or bigint, got ${describe(value)}`);
  }
  return properties as Record<string, PropertyValue>;
}
