/** What the terminal shows of one output series of a computation, from its metadata. */
export interface SeriesInfo {
  tsId: string;
  /** The input metric (computed series carry a generated `sf_metric`; the originating one is shown). */
  metric: string | undefined;
  /** The `publish(label=...)` of the stream, if any. */
  label: string | undefined;
  /** The key dimensions of the series (from `sf_key`), in key order. */
  dimensions: Record<string, string>;
}

const SYSTEM_KEYS = new Set(['sf_metric', 'sf_originatingMetric', 'sf_streamLabel', 'sf_type']);

function isGeneratedMetric(name: string): boolean {
  return /^_+sf_/i.test(name);
}

/** Reads the parts of a SignalFlow metadata message's `properties` the CLI shows. */
export function seriesInfo(tsId: string, properties: Record<string, unknown> | undefined): SeriesInfo {
  const props = properties ?? {};
  const str = (key: string) => (typeof props[key] === 'string' ? (props[key] as string) : undefined);
  const own = str('sf_metric');
  const originating = str('sf_originatingMetric');
  const metric = own !== undefined && !isGeneratedMetric(own) ? own : (originating ?? own);
  const keys = Array.isArray(props.sf_key)
    ? (props.sf_key as unknown[]).filter((key): key is string => typeof key === 'string')
    : Object.keys(props).filter((key) => !key.startsWith('sf_'));
  const dimensions: Record<string, string> = {};
  for (const key of [...keys].sort()) {
    if (SYSTEM_KEYS.has(key)) continue;
    const value = props[key];
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      dimensions[key] = String(value);
    }
  }
  return { tsId, metric, label: str('sf_streamLabel'), dimensions };
}

/** `host=a,region=b`, or the metric name when the series has no key dimensions. */
export function seriesName(info: SeriesInfo): string {
  const dims = Object.entries(info.dimensions).map(([key, value]) => `${key}=${value}`);
  if (dims.length > 0) return dims.join(',');
  return info.label ?? info.metric ?? info.tsId;
}

/** Numbers as a person reads them: up to 6 significant digits, no float noise; `null` as a dash. */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined) return '-';
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs >= 1e15 || abs < 1e-4)) return value.toExponential(3);
  return String(Number(value.toPrecision(6)));
}

/** An ISO timestamp without milliseconds when they are zero. */
export function formatTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}
