import { type MetricKind, parseMetricKind, parseTime, parseValue } from './args.js';
import { UsageError } from './errors.js';

/** One datapoint read from a file, with its kind. */
export interface FilePoint {
  kind: MetricKind;
  metric: string;
  value: number | bigint;
  timestamp?: number;
  dimensions?: Record<string, string>;
}

export type PointFileFormat = 'jsonl' | 'csv';

/** The format of a points file from its name: `.csv` is CSV, anything else JSON lines. */
export function formatOfFile(path: string): PointFileFormat {
  return /\.csv$/i.test(path) ? 'csv' : 'jsonl';
}

function toValue(raw: unknown): number | bigint {
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) throw new UsageError('value must be a finite number');
    return raw;
  }
  if (typeof raw === 'string') return parseValue(raw);
  throw new UsageError(`value must be a number, got ${JSON.stringify(raw)}`);
}

function toTimestamp(raw: unknown): number | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw === 'number' && Number.isInteger(raw) && raw >= 0) return raw;
  if (typeof raw === 'string') return parseTime(raw, Date.now(), 'timestamp');
  throw new UsageError(`timestamp must be epoch ms or a date, got ${JSON.stringify(raw)}`);
}

function toDimensions(raw: unknown): Record<string, string> | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new UsageError('dimensions must be an object');
  const dimensions: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new UsageError(`dimension ${JSON.stringify(key)} must be a string`);
    }
    dimensions[key] = String(value);
  }
  return dimensions;
}

function point(kind: MetricKind, metric: unknown, value: unknown, timestamp: unknown, dims: unknown): FilePoint {
  if (typeof metric !== 'string' || metric.trim() === '') throw new UsageError('metric must be a non-empty string');
  const result: FilePoint = { kind, metric, value: toValue(value) };
  const ts = toTimestamp(timestamp);
  if (ts !== undefined) result.timestamp = ts;
  const dimensions = toDimensions(dims);
  if (dimensions !== undefined && Object.keys(dimensions).length > 0) result.dimensions = dimensions;
  return result;
}

/**
 * One JSON line: `{"metric":"cpu","value":1.5,"type":"gauge","timestamp":1700000000000,"dimensions":{"host":"a"}}`.
 * `type` defaults to gauge. Returns `undefined` for a blank line.
 */
export function parseJsonLine(line: string): FilePoint | undefined {
  if (line.trim() === '') return undefined;
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    throw new UsageError('not valid JSON');
  }
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    throw new UsageError('each line must be a JSON object');
  }
  const r = record as Record<string, unknown>;
  const kind = r.type === undefined ? 'gauge' : parseMetricKind(String(r.type));
  return point(kind, r.metric, r.value, r.timestamp, r.dimensions);
}

/** Splits one CSV line (RFC 4180 quoting, `""` for a quote inside a quoted field). */
export function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (quoted) {
      if (char === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') {
        quoted = false;
      } else {
        field += char;
      }
    } else if (char === '"' && field === '') {
      quoted = true;
    } else if (char === ',') {
      fields.push(field);
      field = '';
    } else {
      field += char;
    }
  }
  if (quoted) throw new UsageError('unterminated quoted field');
  fields.push(field.replace(/\r$/, ''));
  return fields;
}

const RESERVED_COLUMNS = new Set(['type', 'metric', 'value', 'timestamp']);

/**
 * A CSV reader bound to its header line. Columns `metric` and `value` are required; `type` and
 * `timestamp` are optional; every other column is a dimension (empty cells are left out).
 */
export function csvReader(headerLine: string): (line: string) => FilePoint | undefined {
  const header = splitCsvLine(headerLine).map((name) => name.trim());
  const index = (name: string) => header.indexOf(name);
  if (index('metric') < 0 || index('value') < 0) {
    throw new UsageError('the CSV header must name at least the columns metric and value');
  }
  const dimensionColumns = header
    .map((name, column) => ({ name, column }))
    .filter(({ name }) => name !== '' && !RESERVED_COLUMNS.has(name));
  return (line) => {
    if (line.trim() === '') return undefined;
    const fields = splitCsvLine(line);
    if (fields.length !== header.length) {
      throw new UsageError(`expected ${header.length} fields, got ${fields.length}`);
    }
    const at = (name: string) => (index(name) < 0 ? undefined : fields[index(name)]);
    const type = at('type');
    const kind = type === undefined || type.trim() === '' ? 'gauge' : parseMetricKind(type);
    const dimensions: Record<string, string> = {};
    for (const { name, column } of dimensionColumns) {
      const value = fields[column];
      if (value !== undefined && value !== '') dimensions[name] = value;
    }
    return point(kind, at('metric'), at('value'), at('timestamp'), dimensions);
  };
}
