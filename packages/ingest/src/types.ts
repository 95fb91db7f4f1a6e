/** The metric types of `/v2/datapoint`, as the JSON body names them. */
export type MetricType = 'gauge' | 'counter' | 'cumulative_counter';

/** Event categories, by their protobuf enum names. */
export type EventCategory =
  | 'USER_DEFINED'
  | 'ALERT'
  | 'AUDIT'
  | 'JOB'
  | 'COLLECTD'
  | 'SERVICE_DISCOVERY'
  | 'EXCEPTION'
  | 'AGENT';

/** The body encodings of the ingest API. */
export type Encoding = 'protobuf' | 'json';

/** One datapoint as it travels on the wire. */
/** How a datapoint's value travels: int64 or double. */
export type ValueType = 'int' | 'double';

export interface WireDatapoint {
  metric: string;
  metricType: MetricType;
  /** Integers (and bigints) travel as int64, other finite numbers as doubles, unless `valueType` says which. */
  value: number | bigint;
  /** `'double'` sends an integral number as a double (`3.0`); `'int'` insists on an integer. Not set by the decoders. */
  valueType?: ValueType;
  /** Milliseconds since the epoch; absent means "when the server receives it". */
  timestamp?: number;
  dimensions?: Record<string, string>;
}

/** One event as it travels on the wire. */
export interface WireEvent {
  eventType: string;
  category: EventCategory;
  dimensions?: Record<string, string>;
  properties?: Record<string, string | number | boolean | bigint>;
  /** Milliseconds since the epoch; absent means "when the server receives it". */
  timestamp?: number;
}

/** The `Content-Type` of each encoding. */
export const CONTENT_TYPES: Readonly<Record<Encoding, string>> = Object.freeze({
  protobuf: 'application/x-protobuf',
  json: 'application/json',
});

/** Protobuf numbers of the metric types. */
export const METRIC_TYPE_NUMBERS: Readonly<Record<MetricType, number>> = Object.freeze({
  gauge: 0,
  counter: 1,
  cumulative_counter: 3,
});

/** Protobuf numbers of the event categories. */
export const EVENT_CATEGORY_NUMBERS: Readonly<Record<EventCategory, number>> = Object.freeze({
  USER_DEFINED: 1_000_000,
  ALERT: 100_000,
  AUDIT: 200_000,
  JOB: 300_000,
  COLLECTD: 400_000,
  SERVICE_DISCOVERY: 500_000,
  EXCEPTION: 700_000,
  AGENT: 2_000_000,
});

export const EVENT_CATEGORIES: readonly EventCategory[] = Object.freeze(
  Object.keys(EVENT_CATEGORY_NUMBERS) as EventCategory[],
);

export const METRIC_TYPES: readonly MetricType[] = Object.freeze(['gauge', 'counter', 'cumulative_counter']);
