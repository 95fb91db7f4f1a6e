import { type Api, pageQuery, segment } from '../internal/api.js';
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
  SearchResult,
  Tag,
  TagUpdate,
} from '../types.js';
import { deleteAt, splitParams } from './base.js';

/** Search and list shared by the four metadata families. */
class MetadataSearch<T, TParams extends MetadataSearchParams> {
  protected readonly api: Api;
  readonly path: string;

  constructor(api: Api, path: string) {
    this.api = api;
    this.path = path;
  }

  /** One page: `{ count, results }`. The query is encoded for you; pass it as you would type it. */
  async search(params?: TParams, options?: CallOptions): Promise<SearchResult<T>> {
    return this.api.search<T>(this.path, { ...splitParams(params), ...pageQuery(params) }, options?.signal);
  }

  /** Every match, page by page as you iterate. `limit` is the page size (default 100). */
  list(params?: TParams, options?: CallOptions): AsyncGenerator<T, void, undefined> {
    return this.api.paginate<T>(this.path, params, splitParams(params), options?.signal, 'envelope');
  }
}

/** `/v2/metric`: metric metadata. */
export class Metrics extends MetadataSearch<Metric, MetadataSearchParams> {
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
    const json = typeof body.type === 'string' ? { ...body, type: body.type.toUpperCase() } : body;
    const path = `${this.path}/${segment(name, 'name')}`;
    return (await this.api.send<Metric>('PUT', path, { json, signal: options?.signal })) as Metric;
  }
}

/** `/v2/dimension`: metadata of dimension values, addressed by key and value. */
export class Dimensions extends MetadataSearch<Dimension, MetadataSearchParams> {
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
    const json = { ...body, key, value };
    return (await this.api.send<Dimension>('PUT', this.#item(key, value), {
      json,
      signal: options?.signal,
    })) as Dimension;
  }
}

/** `/v2/metrictimeseries`: time series metadata. */
export class MetricTimeSeriesResource extends MetadataSearch<MetricTimeSeries, MetricTimeSeriesSearchParams> {
  constructor(api: Api) {
    super(api, '/v2/metrictimeseries');
  }

  async get(id: string, options?: CallOptions): Promise<MetricTimeSeries> {
    const path = `${this.path}/${segment(id, 'id')}`;
    return (await this.api.send<MetricTimeSeries>('GET', path, { signal: options?.signal })) as MetricTimeSeries;
  }
}

/** `/v2/tag`: tags and their metadata. */
export class Tags extends MetadataSearch<Tag, MetadataSearchParams> {
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
    return (await this.api.send<Tag>('PUT', this.#item(name), { json: body, signal: options?.signal })) as Tag;
  }

  /** Resolves with `true` once deleted, or `false` when absent and `ignoreNotFound` is set. */
  async delete(name: string, options?: DeleteOptions): Promise<boolean> {
    return deleteAt(this.api, this.#item(name), options);
  }
}
