import { formatTimestamp, type SeriesInfo } from './series.js';

/** One value of a computation, as written by `--output json` and `--output csv`. */
export interface ValueRecord {
  timestampMs: number;
  series: SeriesInfo;
  value: number | null;
}

/** One JSON object per value, on one line. */
export function jsonLine(record: ValueRecord): string {
  return JSON.stringify({
    timestamp: record.timestampMs,
    time: formatTimestamp(record.timestampMs),
    tsId: record.series.tsId,
    ...(record.series.label === undefined ? {} : { label: record.series.label }),
    ...(record.series.metric === undefined ? {} : { metric: record.series.metric }),
    dimensions: record.series.dimensions,
    value: record.value,
  });
}

/** A CSV field, quoted when it holds a comma, quote or line break. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export const CSV_HEADER = 'timestamp,time,tsId,label,metric,dimensions,value';

/** One CSV row per value; dimensions as `k=v;k=v` in one field. */
export function csvLine(record: ValueRecord): string {
  const dims = Object.entries(record.series.dimensions)
    .map(([key, value]) => `${key}=${value}`)
    .join(';');
  return [
    String(record.timestampMs),
    formatTimestamp(record.timestampMs),
    record.series.tsId,
    record.series.label ?? '',
    record.series.metric ?? '',
    dims,
    record.value === null ? '' : String(record.value),
  ]
    .map(csvField)
    .join(',');
}

/** Pads cells to a common width per column; the first row is the header, underlined. */
export function renderTable(rows: string[][], align: Array<'left' | 'right'> = []): string[] {
  if (rows.length === 0) return [];
  const columns = Math.max(...rows.map((row) => row.length));
  const widths = Array.from({ length: columns }, (_, column) =>
    Math.max(...rows.map((row) => [...(row[column] ?? '')].length)),
  );
  const line = (row: string[]) =>
    widths
      .map((width, column) => {
        const cell = row[column] ?? '';
        const pad = ' '.repeat(width - [...cell].length);
        return align[column] === 'right' ? pad + cell : cell + pad;
      })
      .join('  ')
      .trimEnd();
  const [header, ...body] = rows;
  return [line(header as string[]), widths.map((width) => '-'.repeat(width)).join('  '), ...body.map(line)];
}

/** A progress bar: `[#######.............]  35%  3,500/10,000`. */
export function renderProgress(done: number, total: number, width = 30, suffix = ''): string {
  const fraction = total > 0 ? Math.min(1, Math.max(0, done / total)) : 1;
  const filled = Math.round(fraction * width);
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${percent}${suffix ? `  ${suffix}` : ''}`;
}
