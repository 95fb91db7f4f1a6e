// The whole SDK from one import: the facade, and the public API of every client package.
export * from '@sfx/core';
// Names two packages both export: the bare name is the ingest one, each also has an unambiguous alias.
export type {
  DecodeOptions,
  DecodeOptions as IngestDecodeOptions,
  MetricType,
  MetricType as IngestMetricType,
} from '@sfx/ingest';
export * from '@sfx/ingest';
export type { MetricType as RestMetricType } from '@sfx/rest';
export * from '@sfx/rest';
export type { DecodeOptions as FrameDecodeOptions } from '@sfx/signalflow';
export * from '@sfx/signalflow';
export {
  type FacadeIngestOptions,
  type FacadeRestOptions,
  type FacadeSignalFlowOptions,
  SignalFx,
  type SignalFxOptions,
} from './signalfx.js';
export { SDK_VERSION } from './version.js';
