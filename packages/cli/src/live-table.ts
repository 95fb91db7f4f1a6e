import { renderTable } from './format.js';
import { formatNumber, formatTimestamp, type SeriesInfo, seriesInfo } from './series.js';

const SPARK_CHARS = '▁▂▃▄▅▆▇█';

/** A sparkline of the last `width` values: one bar per value, scaled between their min and max; gaps blank. */
export function sparkline(values: ReadonlyArray<number | null>, width = 20): string {
  const window = values.slice(-width);
  const present = window.filter((value): value is number => value !== null && Number.isFinite(value));
  if (present.length === 0) return ' '.repeat(window.length);
  const min = Math.min(...present);
  const max = Math.max(...present);
  const top = SPARK_CHARS.length - 1;
  return window
    .map((value) => {
      if (value === null || !Number.isFinite(value)) return ' ';
      const level = max === min ? Math.floor(top / 2) : Math.round(((value - min) / (max - min)) * top);
      return SPARK_CHARS[level];
    })
    .join('');
}

/** One row of the live view. */
export interface LiveSeries {
  info: SeriesInfo;
  /** Values at the last logical timestamps, oldest first, `null` where the series had none. */
  history: Array<number | null>;
}

/** Everything the live view shows. `renderLive` is a pure function of it. */
export interface LiveState {
  program: string;
  resolutionMs: number | undefined;
  lastTimestampMs: number | undefined;
  /** Logical timestamps received. */
  timestamps: number;
  series: Map<string, LiveSeries>;
  /** Messages worth showing under the table (warnings, the end of the stream). */
  notes: string[];
  /** How many values each sparkline keeps. */
  historyLength: number;
}

export function createLiveState(program: string, historyLength = 30): LiveState {
  return {
    program,
    resolutionMs: undefined,
    lastTimestampMs: undefined,
    timestamps: 0,
    series: new Map(),
    notes: [],
    historyLength,
  };
}

/** Records the metadata of a series (it arrives before the series' first value). */
export function applyMetadata(state: LiveState, tsId: string, properties: Record<string, unknown>): void {
  const existing = state.series.get(tsId);
  const info = seriesInfo(tsId, properties);
  if (existing) existing.info = info;
  else state.series.set(tsId, { info, history: [] });
}

/** Records the values of one logical timestamp; every known series gets a slot (null when absent). */
export function applyData(state: LiveState, timestampMs: number, data: Record<string, number | null>): void {
  for (const tsId of Object.keys(data)) {
    if (!state.series.has(tsId)) state.series.set(tsId, { info: seriesInfo(tsId, undefined), history: [] });
  }
  for (const [tsId, series] of state.series) {
    const value = data[tsId];
    series.history.push(value === undefined ? null : value);
    if (series.history.length > state.historyLength)
      series.history.splice(0, series.history.length - state.historyLength);
  }
  state.lastTimestampMs = timestampMs;
  state.timestamps++;
}

/** Forgets a series that left the computation. */
export function applyExpired(state: LiveState, tsId: string): void {
  state.series.delete(tsId);
}

function lastValue(series: LiveSeries): number | null {
  return series.history.length === 0 ? null : (series.history[series.history.length - 1] ?? null);
}

function truncate(line: string, width: number): string {
  const chars = [...line];
  return chars.length <= width ? line : `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}

export interface RenderOptions {
  /** Terminal columns; lines are cut to fit. */
  width?: number;
  /** Most rows shown; the rest are summarised in one line. */
  maxRows?: number;
  sparkWidth?: number;
}

/** The lines of the live view for a state: a header, a table of series, then notes. */
export function renderLive(state: LiveState, options: RenderOptions = {}): string[] {
  const width = options.width ?? 120;
  const maxRows = options.maxRows ?? 40;
  const sparkWidth = options.sparkWidth ?? Math.min(state.historyLength, 20);
  const at = state.lastTimestampMs === undefined ? 'waiting for data' : formatTimestamp(state.lastTimestampMs);
  const resolution =
    state.resolutionMs === undefined ? '' : ` · resolution ${formatNumber(state.resolutionMs / 1000)}s`;
  const lines = [
    truncate(`sfx flow · ${state.program.replace(/\s+/g, ' ')}`, width),
    truncate(`${at}${resolution} · ${state.series.size} series`, width),
    '',
  ];
  const rows = [...state.series.values()].sort((a, b) =>
    `${a.info.label ?? ''}\u0000${a.info.metric ?? ''}\u0000${JSON.stringify(a.info.dimensions)}`.localeCompare(
      `${b.info.label ?? ''}\u0000${b.info.metric ?? ''}\u0000${JSON.stringify(b.info.dimensions)}`,
    ),
  );
  if (rows.length > 0) {
    const dimensionKeys = [...new Set(rows.flatMap((row) => Object.keys(row.info.dimensions)))].sort();
    const withLabel = rows.some((row) => row.info.label !== undefined);
    const header = [...(withLabel ? ['label'] : []), 'metric', ...dimensionKeys, 'value', 'trend'];
    const shown = rows.slice(0, maxRows);
    const body = shown.map((row) => [
      ...(withLabel ? [row.info.label ?? ''] : []),
      row.info.metric ?? '',
      ...dimensionKeys.map((key) => row.info.dimensions[key] ?? ''),
      formatNumber(lastValue(row)),
      sparkline(row.history, sparkWidth),
    ]);
    const align: Array<'left' | 'right'> = header.map((name) => (name === 'value' ? 'right' : 'left'));
    lines.push(...renderTable([header, ...body], align).map((line) => truncate(line, width)));
    if (rows.length > shown.length) lines.push(`… and ${rows.length - shown.length} more series`);
  }
  if (state.notes.length > 0) lines.push('', ...state.notes.slice(-5).map((note) => truncate(note, width)));
  return lines;
}

/**
 * The escape sequence that replaces the previously drawn `previousLines` lines with `lines`: cursor
 * up, clear to the end of the screen, redraw.
 */
export function redraw(previousLines: number, lines: string[]): string {
  const up = previousLines > 0 ? `\x1b[${previousLines}A\r` : '';
  return `${up}\x1b[J${lines.join('\n')}\n`;
}
