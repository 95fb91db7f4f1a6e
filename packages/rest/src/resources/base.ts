import { type Api, objectBody, searchQuery, segment } from '../internal/api.js';
import type { CallOptions, DeleteOptions, PageParams, SearchResult } from '../types.js';

/** A collection at `/v2/<name>` searched with `{ count, results }` pages. */
export class SearchableResource<T, TParams extends PageParams> {
  protected readonly api: Api;
  /** e.g. `/v2/chart` */
  readonly path: string;

  constructor(api: Api, path: string) {
    this.api = api;
    this.path = path;
  }

  /** One page: `{ count, results }`. Parameters are encoded for you; pass them as you would type them. */
  async search(params?: TParams, options?: CallOptions): Promise<SearchResult<T>> {
    return this.api.search<T>(this.path, searchQuery(params), options?.signal);
  }

  /** Every object, page by page as you iterate. `limit` is the page size (default 100). */
  list(params?: TParams, options?: CallOptions): AsyncGenerator<T, void, undefined> {
    return this.api.paginate<T>(this.path, params, options?.signal, 'envelope');
  }
}

/** A searchable collection with the usual get, create, update and delete by id. */
export class CrudResource<T, TInput, TParams extends PageParams> extends SearchableResource<T, TParams> {
  protected readonly idName: string;

  constructor(api: Api, path: string, idName = 'id') {
    super(api, path);
    this.idName = idName;
  }

  protected item(id: string): string {
    return `${this.path}/${segment(id, this.idName)}`;
  }

  async get(id: string, options?: CallOptions): Promise<T> {
    return (await this.api.send<T>('GET', this.item(id), { signal: options?.signal })) as T;
  }

  /** POST: not retried, since a repeat would create a second object. */
  async create(body: TInput, options?: CallOptions): Promise<T> {
    return (await this.api.send<T>('POST', this.path, { json: objectBody(body), signal: options?.signal })) as T;
  }

  /** PUT replaces the object: send its full desired state (get, modify, update). */
  async update(id: string, body: TInput, options?: CallOptions): Promise<T> {
    return (await this.api.send<T>('PUT', this.item(id), { json: objectBody(body), signal: options?.signal })) as T;
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
    ignoreBody: true,
  });
  return status !== 404;
}
