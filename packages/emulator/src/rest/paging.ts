import { RequestError } from '../http/util.js';

/** The service never lets a search reach past this many objects. */
export const SEARCH_CEILING = 10_000;
const MAX_LIMIT = 1000;

export interface Page {
  offset: number;
  limit: number;
}

export function parsePage(params: URLSearchParams, defaultLimit = 50): Page {
  const limitText = params.get('limit');
  const offsetText = params.get('offset');
  let limit = defaultLimit;
  if (limitText !== null && limitText !== '') {
    const parsed = Number(limitText);
    if (Number.isInteger(parsed)) {
      if (parsed < 0) throw new RequestError(400, "limit can't be negative");
      if (parsed > MAX_LIMIT) throw new RequestError(400, `limit can't be larger than ${MAX_LIMIT}`);
      limit = parsed === 0 ? defaultLimit : parsed;
    }
  }
  let offset = 0;
  if (offsetText !== null && offsetText !== '') {
    const parsed = Number(offsetText);
    if (Number.isInteger(parsed)) {
      if (parsed < 0) throw new RequestError(400, "offset can't be negative");
      offset = parsed;
    }
  }
  return { offset, limit };
}

function sortValue(item: unknown, property: string): unknown {
  if (typeof item !== 'object' || item === null) return undefined;
  const record = item as Record<string, unknown>;
  if (property in record) return record[property];
  // `sf_metric` and friends name system fields the objects carry without the prefix.
  const bare = property.startsWith('sf_') ? property.slice(3) : property;
  return record[bare];
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === undefined || a === null) return 1;
  if (b === undefined || b === null) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

/** Sorts by `orderBy` (or `order_by`), `-` prefix for descending; otherwise by `defaultOrder`. */
export function sortItems<T>(items: T[], params: URLSearchParams, defaultOrder: string): T[] {
  const orderBy = params.get('orderBy') || params.get('order_by') || defaultOrder;
  const descending = orderBy.startsWith('-');
  const property = descending ? orderBy.slice(1) : orderBy;
  const sorted = [...items].sort((a, b) => compare(sortValue(a, property), sortValue(b, property)));
  return descending ? sorted.reverse() : sorted;
}

/** The `{ count, results }` envelope over at most the first 10,000 items. */
export function envelope<T>(items: T[], page: Page): { count: number; results: T[] } {
  const reachable = items.slice(0, SEARCH_CEILING);
  return { count: items.length, results: reachable.slice(page.offset, page.offset + page.limit) };
}
