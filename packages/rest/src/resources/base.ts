import { type Api, pageQuery, type Query, segment } from '../internal/api.js';
import type { CallOptions, DeleteOptions, PageParams, SearchResult } from '../types.js';

/** Splits search parameters into paging and the resource's own filters. */
export function splitParams(params: PageParams | undefined): Query {
  if (!params) return {};
  const { offset: _offset, limit: _limit, ...filters } = params as PageParams & Query;
  return filters;
}

/** A collection at `/v2/<name>` with the usual search, get, create, update and delete. */
export class CrudResource<T, TInput, TParams extends PageParams> {
  protected readonly api: Api;
  /** e.g. `/v2/chart` */
  readonly path: string;
  protected readonly idName: string;

  constructor(api: Api, path: string, idName = 'id') {
    this.api = api;
    this.path = path;
    this.idName = idName;
  }

  protected item(id: string): string {
    return `${this.path}/${segment(id, this.idName)}`;
  }

  /** One page: `{ count, results }`. */
  async search(params?: TParams, options?: CallOptions): Promise<SearchResult<T>> {
    return this.api.search<T>(this.path, { ...splitParams(params), ...pageQuery(params) }, options?.signal);
  }

  /** Every object, page by page as you iterate. `limit` is the page size (default 100). */
  list(params?: TParams, options?: CallOptions): AsyncGenerator<T, void, undefined> {
    return this.api.paginate<T>(this.path, params, splitParams(params), options?.signal, 'envelope');
  }

  async get(id: string, options?: CallOptions): Promise<T> {
    return (await this.api.send<T>('GET', this.item(id), { signal: options?.signal })) as T;
  }

  /** POST: not retried, since a repeat would create a second object. */
  async create(body: TInput, options?: CallOptions): Promise<T> {
    return (await this.api.send<T>('POST', this.path, { json: body, signal: options?.signal })) as T;
  }

  /** PUT replaces the object: send its full desired state (get, modify, update). */
  async update(id: string, body: TInput, options?: CallOptions): Promise<T> {
    return (await this.api.send<T>('PUT', this.item(id), { json: body, signal: options?.signal })) as T;
  }

  /** Resolves with `true` once deleted, or `false` when absent and `ignoreNotFound` is set. */
  async delete(id: string, options?: DeleteOptions): Promise<boolean> {
    return deleteAt(this.api, this.item(id), options);
  }
}

export async function deleteAt(api: Api, path: string, options: DeleteOptions | undefined): Promise<boolean> {
  const { status } = await api.exchange('DELETE', path, {
    signal: options?.signal,
    ignoreNotFound: options?.ignoreNotFound,
  });
  return status !== 404;
}
