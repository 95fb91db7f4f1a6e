/**
 * Lenient reading of execute parameters (signalflow.md §3): numbers, numeric strings, relative times
 * such as `-1h`, booleans as `true`/`"True"`, and `0`/`""` meaning "not set".
 */

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** Parses `'10s'`, `'1h30m'`, `'500ms'`; undefined when the text is not a duration. */
export function parseDurationMs(text: string): number | undefined {
  const compact = text.replace(/\s+/g, '');
  if (compact === '') return undefined;
  const pattern = /(\d+(?:\.\d+)?)(ms|min|s|m|h|d|w)/gy;
  let total = 0;
  let consumed = 0;
  for (let match = pattern.exec(compact); match; match = pattern.exec(compact)) {
    total += Number(match[1]) * UNIT_MS[match[2]!]!;
    consumed = pattern.lastIndex;
  }
  return consumed === compact.length ? total : undefined;
}

export class ParameterError extends Error {}

/** A number of ms from a number, a numeric string or a duration string; undefined for absent, 0 or "". */
export function readMs(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null || value === '' || value === 0 || value === '0') return undefined;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new ParameterError(`${name} must be a non-negative number of ms`);
    return Math.floor(value);
  }
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.floor(Number(trimmed));
    const duration = parseDurationMs(trimmed);
    if (duration !== undefined) return duration;
  }
  throw new ParameterError(`${name} must be a number of ms or a duration like '10s'; got ${JSON.stringify(value)}`);
}

/**
 * A point in time: epoch ms (number or numeric string), a relative time (`-1h`, `-15m`: before now),
 * or an ISO-8601 date. Undefined for absent, 0 or "".
 */
export function readTime(value: unknown, name: string, now: number): number | undefined {
  if (value === undefined || value === null || value === '' || value === 0 || value === '0') return undefined;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new ParameterError(`${name} must be a finite number`);
    return value < 0 ? now + value : Math.floor(value);
  }
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (/^-?\d+(\.\d+)?$/.test(trimmed)) {
      const number = Number(trimmed);
      return number < 0 ? now + number : Math.floor(number);
    }
    if (trimmed.startsWith('-')) {
      const duration = parseDurationMs(trimmed.slice(1));
      if (duration !== undefined) return now - duration;
    }
    if (trimmed.toLowerCase() === 'now') return now;
    const date = Date.parse(trimmed);
    if (!Number.isNaN(date)) return date;
  }
  throw new ParameterError(
    `${name} must be epoch ms, a relative time like '-1h', or an ISO date; got ${JSON.stringify(value)}`,
  );
}

export function readBoolean(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') return value.trim().toLowerCase() === 'true';
  if (typeof value === 'number') return value !== 0;
  return false;
}

export interface JobParameters {
  start: number;
  stop: number | undefined;
  resolutionMs: number | undefined;
  maxDelayMs: number | undefined;
  immediate: boolean;
  compress: boolean;
  /** Metric publish() blocks send neither data nor metadata; detect() events still flow. */
  disableAllMetricPublishes?: boolean;
}

const MAX_DELAY_LIMIT = 900_000;

/** Reads execute/preflight/start parameters from a request object (WebSocket JSON or SSE query). */
export function readJobParameters(source: Record<string, unknown>, now: number): JobParameters {
  const start = readTime(source.start, 'start', now) ?? now;
  let stop = readTime(source.stop, 'stop', now);
  const resolutionMs = readMs(source.resolution, 'resolution');
  const maxDelayMs = readMs(source.maxDelay, 'maxDelay');
  if (maxDelayMs !== undefined && maxDelayMs > MAX_DELAY_LIMIT) {
    throw new ParameterError(`maxDelay must be at most ${MAX_DELAY_LIMIT} ms`);
  }
  const immediate = readBoolean(source.immediate);
  if (immediate && (stop === undefined || stop > now)) stop = now;
  if (stop !== undefined && stop < start) throw new ParameterError('stop must not be before start');
  return {
    start,
    stop,
    resolutionMs,
    maxDelayMs,
    immediate,
    compress: readBoolean(source.compress),
    disableAllMetricPublishes: readBoolean(source.disableAllMetricPublishes),
  };
}
