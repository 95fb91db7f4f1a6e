export {
  collectKeyValue,
  type MetricKind,
  parseDuration,
  parseKeyValue,
  parseMetricKind,
  parsePropertyValue,
  parseTime,
  parseValue,
} from './args.js';
export type { Io } from './context.js';
export { describeError, ExitCode, exitCodeFor, UsageError } from './errors.js';
export {
  type FlowMessage,
  type FlowMessages,
  type FlowOutput,
  type FlowSummary,
  type FlowViewOptions,
  runFlowView,
} from './flow-view.js';
export { CSV_HEADER, csvLine, jsonLine, renderProgress, renderTable, type ValueRecord } from './format.js';
export {
  addData,
  addMetadata,
  createHistoryTable,
  type HistoryTable,
  renderHistoryTable,
} from './history-table.js';
export {
  applyData,
  applyExpired,
  applyMetadata,
  createLiveState,
  type LiveSeries,
  type LiveState,
  type RenderOptions,
  redraw,
  renderLive,
  sparkline,
} from './live-table.js';
export { csvReader, type FilePoint, formatOfFile, parseJsonLine, splitCsvLine } from './point-file.js';
export { createProgram, main } from './program.js';
export { formatNumber, formatTimestamp, type SeriesInfo, seriesInfo, seriesName } from './series.js';
export { CLI_VERSION } from './version.js';
