import { UsageError } from './errors.js';

const UNITS_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** One or more `<number><unit>` parts, largest first or not: `1h30m`, `1m30s`, `10s`. */
const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/;
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;

/** `10s`, `5m`, `1h`, `250ms`, `2d`, `1w`, compounds such as `1h30m`, or a bare number of ms, to milliseconds. */
export function parseDuration(text: string, what = 'duration'): number {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  if (!DURATION.test(trimmed)) {
    throw new UsageError(`${what} must look like 10s, 5m, 1h30m or a number of ms, got ${JSON.stringify(text)}`);
  }
  let ms = 0;
  for (const match of trimmed.matchAll(DURATION_PART)) {
    ms += Number(match[1]) * (UNITS_MS[match[2] as string] as number);
  }
  return Math.round(ms);
}

/**
 * A point in time, as epoch milliseconds: `now`, a relative time (`-15m`, `-1h`, `+30s`), epoch
 * milliseconds, or an ISO 8601 date.
 */
export function parseTime(text: string, now: number = Date.now(), what = 'time'): number {
  const trimmed = text.trim();
  if (trimmed === 'now') return now;
  const relative = /^([+-])(.+)$/.exec(trimmed);
  if (relative) {
    let ms: number;
    try {
      ms = parseDuration(relative[2] as string, what);
    } catch {
      throw new UsageError(`${what} must be now, -15m, -1h30m, epoch ms or an ISO date, got ${JSON.stringify(text)}`);
    }
    return relative[1] === '-' ? now - ms : now + ms;
  }
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const parsed = Date.parse(trimmed);
  if (trimmed === '' || Number.isNaN(parsed)) {
    throw new UsageError(`${what} must be now, -15m, epoch ms or an ISO date, got ${JSON.stringify(text)}`);
  }
  return parsed;
}

/** `key=value` (the value may contain `=`), for `--dim` and `--prop`. */
export function parseKeyValue(text: string, flag = '--dim'): [string, string] {
  const at = text.indexOf('=');
  if (at <= 0) throw new UsageError(`${flag} must be key=value, got ${JSON.stringify(text)}`);
  return [text.slice(0, at).trim(), text.slice(at + 1)];
}

/** Adds `key=value` to the record collected so far (a repeated key keeps its last value). */
export function collectKeyValue(text: string, previous: Record<string, string> = {}, flag = '--dim') {
  const [key, value] = parseKeyValue(text, flag);
  return { ...previous, [key]: value };
}

/**
 * A property value as typed by the user: `true`/`false` become booleans, plain decimal numbers
 * become numbers, anything else stays a string. Quote it (`k="42"`) to force a string.
 */
export function parsePropertyValue(text: string): string | number | boolean {
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (/^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/.test(text)) return Number(text);
  const quoted = /^"(.*)"$/.exec(text);
  return quoted ? (quoted[1] as string) : text;
}

/** A datapoint value: an integer (bigint beyond 2^53), or a finite number. */
export function parseValue(text: string): number | bigint {
  const trimmed = text.trim();
  if (/^-?\d+$/.test(trimmed)) {
    const big = BigInt(trimmed);
    return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
  }
  const value = Number(trimmed);
  if (trimmed === '' || !Number.isFinite(value)) {
    throw new UsageError(`value must be a finite number, got ${JSON.stringify(text)}`);
  }
  return value;
}

/** A positive integer flag, e.g. `--limit 20`. */
export function parsePositiveInt(text: string, what: string): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) <= 0) {
    throw new UsageError(`${what} must be a positive integer, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/** The datapoint kinds `sfx send` accepts, with their spellings. */
export type MetricKind = 'gauge' | 'counter' | 'cumulative';

export function parseMetricKind(text: string): MetricKind {
  const normalized = text.trim().toLowerCase().replace(/[-_]/g, '');
  if (normalized === 'gauge' || normalized === 'gauges') return 'gauge';
  if (normalized === 'counter' || normalized === 'counters') return 'counter';
  if (normalized === 'cumulative' || normalized === 'cumulativecounter' || normalized === 'cumulativecounters') {
    return 'cumulative';
  }
  throw new UsageError(`metric type must be gauge, counter or cumulative, got ${JSON.stringify(text)}`);
}
