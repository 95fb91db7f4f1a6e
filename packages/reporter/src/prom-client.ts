import { ValidationError } from '@sfx/core';
import type { MetricSource, SourcePoint } from './source.js';

/** The part of a prom-client metric's JSON form that is read. */
interface PromMetricJson {
  name: string;
  /** `'counter'`, `'gauge'`, `'histogram'` or `'summary'` at run time (prom-client types it as an enum). */
  type: unknown;
  values: ReadonlyArray<{ value: number; labels?: object; metricName?: string }>;
}

/** The part of a prom-client `Registry` that is used: `getMetricsAsJSON()`. */
export interface PromRegistryLike {
  getMetricsAsJSON(): Promise<PromMetricJson[]> | PromMetricJson[];
}

function labelsToDimensions(labels: object | undefined): Record<string, string> {
  const dimensions: Record<string, string> = {};
  if (labels)
    for (const [key, value] of Object.entries(labels)) {
      if (value !== undefined) dimensions[key] = String(value);
    }
  return dimensions;
}

/**
 * Reports an existing prom-client registry (its `register` or any `Registry`) through a `SignalFxReporter`, its
 * labels as dimensions:
 *
 * | prom-client | datapoints |
 * |---|---|
 * | counter | cumulative counter `<name>` |
 * | gauge | gauge `<name>` |
 * | histogram | cumulative counters `<name>_bucket` (dimension `le`), `<name>_sum`, `<name>_count` |
 * | summary | gauge `<name>` (dimension `quantile`), cumulative counters `<name>_sum`, `<name>_count` |
 *
 * Values that are not finite are left out. prom-client is an optional peer
 * dependency: this module never imports it.
 */
export function fromPromClient(registry: PromRegistryLike): MetricSource {
  if (!registry || typeof registry.getMetricsAsJSON !== 'function') {
    throw new ValidationError('fromPromClient needs a prom-client Registry (with getMetricsAsJSON)', {
      field: 'registry',
    });
  }
  return {
    async collect(): Promise<SourcePoint[]> {
      const metrics = await registry.getMetricsAsJSON();
      const points: SourcePoint[] = [];
      for (const metric of metrics) {
        for (const sample of metric.values) {
          if (typeof sample.value !== 'number' || !Number.isFinite(sample.value)) continue;
          const dimensions = labelsToDimensions(sample.labels);
          const name = sample.metricName ?? metric.name;
          const kind = String(metric.type);
          let type: SourcePoint['type'];
          if (kind === 'gauge') type = 'gauge';
          else if (kind === 'counter') type = 'cumulative_counter';
          else if (kind === 'histogram') type = 'cumulative_counter';
          else if (kind === 'summary') type = sample.metricName === undefined ? 'gauge' : 'cumulative_counter';
          else type = 'gauge';
          points.push({ type, metric: name, value: sample.value, dimensions });
        }
      }
      return points;
    },
  };
}
