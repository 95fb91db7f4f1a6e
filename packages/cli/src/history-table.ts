import { renderTable } from './format.js';
import { formatNumber, formatTimestamp, type SeriesInfo, seriesInfo, seriesName } from './series.js';

/** Values of a computation collected for `--output table`: a row per logical timestamp, a column per series. */
export interface HistoryTable {
  series: Map<string, SeriesInfo>;
  rows: Map<number, Map<string, number | null>>;
}

export function createHistoryTable(): HistoryTable {
  return { series: new Map(), rows: new Map() };
}

export function addMetadata(table: HistoryTable, tsId: string, properties: Record<string, unknown>): void {
  table.series.set(tsId, seriesInfo(tsId, properties));
}

export function addData(table: HistoryTable, timestampMs: number, data: Record<string, number | null>): void {
  let row = table.rows.get(timestampMs);
  if (!row) {
    row = new Map();
    table.rows.set(timestampMs, row);
  }
  for (const [tsId, value] of Object.entries(data)) {
    if (!table.series.has(tsId)) table.series.set(tsId, seriesInfo(tsId, undefined));
    row.set(tsId, value);
  }
}

/** The table as lines: `time` then one column per series, named by its key dimensions. */
export function renderHistoryTable(table: HistoryTable): string[] {
  const columns = [...table.series.values()].sort((a, b) => seriesName(a).localeCompare(seriesName(b)));
  if (table.rows.size === 0) return ['(no data)'];
  const names = columns.map(seriesName);
  const labels = new Set(columns.map((column) => column.label));
  // With several published streams, a column says which one it is, unless its name is the label already.
  const header = [
    'time',
    ...columns.map((column, i) =>
      labels.size > 1 && column.label !== undefined && column.label !== names[i]
        ? `${column.label}:${names[i]}`
        : names[i],
    ),
  ];
  const body = [...table.rows.keys()]
    .sort((a, b) => a - b)
    .map((timestamp) => {
      const row = table.rows.get(timestamp) as Map<string, number | null>;
      return [formatTimestamp(timestamp), ...columns.map((column) => formatNumber(row.get(column.tsId)))];
    });
  return renderTable([header as string[], ...body], ['left', ...columns.map(() => 'right' as const)]);
}
