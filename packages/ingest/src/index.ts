export {
  type DecodeOptions,
  decodeDatapoints,
  decodeEvents,
  encodeDatapoints,
  encodeEvents,
} from './codec/codec.js';
export {
  CONTENT_TYPES,
  type Encoding,
  EVENT_CATEGORIES,
  type EventCategory,
  METRIC_TYPES,
  type MetricType,
  type WireDatapoint,
  type WireEvent,
} from './types.js';
export { validateDimensionKey } from './validation.js';
