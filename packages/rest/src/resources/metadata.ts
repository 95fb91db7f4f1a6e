import { type Api, objectBody, segment } from '../internal/api.js';
import type {
  CallOptions,
  DeleteOptions,
  Dimension,
  DimensionUpdate,
  MetadataSearchParams,
  Metric,
  MetricTimeSeries,
  MetricTimeSeriesSearchParams,
  MetricUpdate,
  Tag,
  TagUpdate,
} from '../types.js';
import { deleteAt, SearchableResource } from './base.js';

/** `/v2/metric`: metric metadata. */
export class Metrics extends SearchableResource<Metric, MetadataSearchParams> {
  constructor(api: Api) {
    super(api, '/v2/metric');
  }

  async get(name: string, options?: CallOptions): Promise<Metric> {
    return (await this.api.send<Metric>('GET', `${this.path}/${segment(name, 'name')}`, {
      signal: options?.signal,
    })) as Metric;
  }

  /** Creates or replaces the metric's metadata (PUT): fields left out are cleared. */
  async update(name: string, body: MetricUpdate, options?: CallOptions): Promise<Metric> {
    objectBody(body);
    const json = typeof body.type === 'string' ? { ...body, type: body.type.toUpperCase() } : body;
    const path = `${this.path}/${segment(name, 'name')}`;
    return (await this.api.send<Metric>('PUT', path, { json, signal: options?.signal })) as Metric;
  }
}

/** `/v2/dimension`: metadata of dimension values, addressed by key and value. */
export class Dimensions extends SearchableResource<Dimension, MetadataSearchParams> {
  constructor(api: Api) {
    super(api, '/v2/dimension');
  }

  #item(key: string, value: string): string {
    return `${this.path}/${segment(key, 'key')}/${segment(value, 'value')}`;
  }

  async get(key: string, value: string, options?: CallOptions): Promise<Dimension> {
    return (await this.api.send<Dimension>('GET', this.#item(key, value), { signal: options?.signal })) as Dimension;
  }

  /** Creates or replaces the dimension's metadata (PUT); `key` and `value` go in the body too. */
  async update(key: string, value: string, body: DimensionUpdate, options?: CallOptions): Promise<Dimension> {
    const json = { ...objectBody(body), key, value };
    return (await this.api.send<Dimension>('PUT', this.#item(key, value), {
      json,
      signal: options?.signal,
    })) as Dimension;
  }
}

/** `/v2/metrictimeseries`: time series metadata. */
export class MetricTimeSeriesResource extends SearchableResource<MetricTimeSeries, MetricTimeSeriesSearchParams> {
  constructor(api: Api) {
    super(api, '/v2/metrictimeseries');
  }

  async get(id: string, options?: CallOptions): Promise<MetricTimeSeries> {
    const path = `${this.path}/${segment(id, 'id')}`;
    return (await this.api.send<MetricTimeSeries>('GET', path, { signal: options?.signal })) as MetricTimeSeries;
  }
}

/** `/v2/tag`: tags and their metadata. */
export class Tags extends SearchableResource<Tag, MetadataSearchParams> {
  constructor(api: Api) {
    super(api, '/v2/tag');
  }

  #item(name: string): string {
    return `${this.path}/${segment(name, 'name')}`;
  }

  async get(name: string, options?: CallOptions): Promise<Tag> {
    return (await this.api.send<Tag>('GET', this.#item(name), { signal: options?.signal })) as Tag;
  }

  /** Creates or replaces the tag (PUT). */
  async update(name: string, body: TagUpdate, options?: CallOptions): Promise<Tag> {
    return (await this.api.send<Tag>('PUT', this.#item(name), {
      json: objectBody(body),
      signal: options?.signal,
    })) as Tag;
  }

  /** Resolves with `true` once deleted, or `false` when absent and `ignoreNotFound` is set. */
  async delete(name: string, options?: DeleteOptions): Promise<boolean> {
    return deleteAt(this.api, this.#item(name), options);
  }
}
