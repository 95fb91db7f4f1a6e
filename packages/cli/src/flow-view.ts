import type { Io } from './context.js';
import { println } from './context.js';
import { CSV_HEADER, csvLine, jsonLine } from './format.js';
import { addData, addMetadata, createHistoryTable, renderHistoryTable } from './history-table.js';
import { applyData, applyExpired, applyMetadata, createLiveState, redraw, renderLive } from './live-table.js';
import { type SeriesInfo, seriesInfo } from './series.js';

export type FlowOutput = 'live' | 'table' | 'json' | 'csv';

const REDRAW_INTERVAL_MS = 250;

/** A source of computation messages: what `runFlowView` needs of a computation. */
export interface FlowMessages extends AsyncIterable<FlowMessage> {
  readonly resolution?: number | undefined;
  close(): Promise<void>;
}

/** The messages the views use; other types are ignored. */
export type FlowMessage =
  | { type: 'data'; logicalTimestampMs: number; data: Record<string, number | null> }
  | { type: 'metadata'; tsId: string; properties: Record<string, unknown> }
  | { type: 'expired-tsid'; tsId: string }
  | { type: 'info'; logicalTimestampMs?: number; message: { messageCode?: string; messageLevel?: string } & object }
  | { type: string };

export interface FlowViewOptions {
  output: FlowOutput;
  /** Ends the view (e.g. on Ctrl-C): the computation is closed and the loop ends. */
  signal?: AbortSignal;
  /** Stop after this many logical timestamps. */
  count?: number;
}

export interface FlowSummary {
  timestamps: number;
  values: number;
  series: number;
  interrupted: boolean;
  /** The computation reached its end (stop time) by itself. */
  ended: boolean;
}

function isData(message: FlowMessage): message is Extract<FlowMessage, { type: 'data' }> {
  return message.type === 'data';
}

/**
 * Runs the chosen view over a computation's messages until it ends, `count` timestamps are seen, or
 * the signal fires (the computation is then closed, which detaches it from the server).
 */
export async function runFlowView(
  program: string,
  computation: FlowMessages,
  options: FlowViewOptions,
  io: Io,
): Promise<FlowSummary> {
  const summary: FlowSummary = { timestamps: 0, values: 0, series: 0, interrupted: false, ended: false };
  const series = new Map<string, SeriesInfo>();
  const live = createLiveState(program);
  const table = createHistoryTable();
  let drawnLines = 0;
  let lastDraw = 0;
  const width = () => io.stdout.columns || 120;
  // Redraws at most every REDRAW_INTERVAL_MS; a skipped redraw is made up at the end of the interval, so a
  // burst of history followed by a quiet wait for live data still shows the latest values.
  let trailingDraw: NodeJS.Timeout | undefined;
  const draw = (force: boolean) => {
    const now = Date.now();
    const wait = REDRAW_INTERVAL_MS - (now - lastDraw);
    if (!force && wait > 0) {
      trailingDraw ??= setTimeout(() => draw(true), wait);
      return;
    }
    clearTimeout(trailingDraw);
    trailingDraw = undefined;
    lastDraw = now;
    const lines = renderLive(live, { width: width() });
    io.stdout.write(redraw(drawnLines, lines));
    drawnLines = lines.length;
  };
  const onAbort = () => {
    summary.interrupted = true;
    computation.close().catch(() => {});
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.output === 'csv') println(io.stdout, CSV_HEADER);
  if (options.output === 'live') {
    io.stdout.write('\x1b[?25l');
    draw(true);
  }
  try {
    if (options.signal?.aborted) onAbort();
    for await (const message of computation) {
      if (message.type === 'metadata') {
        const { tsId, properties } = message as { tsId: string; properties: Record<string, unknown> };
        series.set(tsId, seriesInfo(tsId, properties));
        applyMetadata(live, tsId, properties);
        addMetadata(table, tsId, properties);
      } else if (message.type === 'expired-tsid') {
        applyExpired(live, (message as { tsId: string }).tsId);
      } else if (message.type === 'info') {
        const info = (message as { message?: { messageLevel?: string; messageCode?: string } }).message;
        if (info?.messageLevel === 'WARNING' || info?.messageLevel === 'ERROR') {
          live.notes.push(`${info.messageLevel.toLowerCase()}: ${info.messageCode ?? 'message'}`);
        }
      } else if (isData(message)) {
        summary.timestamps++;
        live.resolutionMs = computation.resolution ?? live.resolutionMs;
        const entries = Object.entries(message.data);
        summary.values += entries.length;
        if (options.output === 'json' || options.output === 'csv') {
          const format = options.output === 'json' ? jsonLine : csvLine;
          for (const [tsId, value] of entries) {
            const info = series.get(tsId) ?? seriesInfo(tsId, undefined);
            println(io.stdout, format({ timestampMs: message.logicalTimestampMs, series: info, value }));
          }
        }
        applyData(live, message.logicalTimestampMs, message.data);
        addData(table, message.logicalTimestampMs, message.data);
        if (options.output === 'live') draw(false);
        if (options.count !== undefined && summary.timestamps >= options.count) {
          await computation.close();
          break;
        }
      }
      if (summary.interrupted) break;
    }
    summary.ended = !summary.interrupted && (options.count === undefined || summary.timestamps < options.count);
  } catch (error) {
    if (!summary.interrupted) throw error;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    clearTimeout(trailingDraw);
    summary.series = live.series.size;
    if (options.output === 'live') {
      draw(true);
      io.stdout.write('\x1b[?25h');
    }
  }
  if (options.output === 'table') for (const line of renderHistoryTable(table)) println(io.stdout, line);
  return summary;
}
