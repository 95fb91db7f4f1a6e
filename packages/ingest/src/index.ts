export {
  type Datapoint,
  type FlushResult,
  IngestClient,
  type IngestClientOptions,
  type IngestEvent,
  type IngestFailure,
  type IngestStats,
  type OverflowPolicy,
  type SendInput,
} from './client.js';
export {
  type DecodeOptions,
  decodeDatapoints,
  decodeEvents,
  encodeDatapoints,
  encodeEvents,
} from './codec/codec.js';
export { IngestErrorCode, QueueFullError } from './errors.js';
export {
  CONTENT_TYPES,
  type Encoding,
  EVENT_CATEGORIES,
  type EventCategory,
  METRIC_TYPES,
  type MetricType,
  type ValueType,
  type WireDatapoint,
  type WireEvent,
} from './types.js';
export { validateDimensionKey } from './validation.js';
