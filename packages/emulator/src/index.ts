export type { IngestRequestRecord, SignalFlowServerOptions } from './context.js';
export { type Emulator, EmulatorError, type EmulatorOptions } from './emulator.js';
export type {
  MetricType,
  SeriesRecord,
  SeriesSource,
  StoredPoint,
} from './engine/types.js';
export type { Fault } from './http/faults.js';
export { startEmulator } from './start.js';
export {
  DEFAULT_RETENTION,
  type EmulatorStore,
  type RetentionOptions,
  type StoredEvent,
  type StoredSeries,
  type StoreStats,
} from './store/time-series-store.js';
