import type { SeriesRecord } from './types.js';

/** A filter expression over series dimensions, built by filter() and combined with and/or/not. */
export type Filter =
  | { kind: 'term'; field: string; terms: string[]; matchMissing: boolean }
  | { kind: 'and' | 'or'; left: Filter; right: Filter }
  | { kind: 'not'; operand: Filter };

const patternCache = new Map<string, RegExp>();

/** `*` matches any run of characters, including none; everything else is literal. */
export function wildcardMatch(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  let regex = patternCache.get(pattern);
  if (regex === undefined) {
    const body = pattern
      .split('*')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
    regex = new RegExp(`^${body}$`, 's');
    if (patternCache.size > 1000) patternCache.clear();
    patternCache.set(pattern, regex);
  }
  return regex.test(value);
}

export function matchesFilter(filter: Filter, series: SeriesRecord): boolean {
  switch (filter.kind) {
    case 'term': {
      const value = filter.field === 'sf_metric' ? series.metric : series.dimensions[filter.field];
      if (value === undefined) return filter.matchMissing;
      return filter.terms.some((term) => wildcardMatch(term, value));
    }
    case 'and':
      return matchesFilter(filter.left, series) && matchesFilter(filter.right, series);
    case 'or':
      return matchesFilter(filter.left, series) || matchesFilter(filter.right, series);
    case 'not':
      return !matchesFilter(filter.operand, series);
  }
}

/** The search string shown in FIND_MATCHED_NO_TIMESERIES, e.g. `sf_metric:cpu AND host:a`. */
export function filterQuery(filter: Filter): string {
  switch (filter.kind) {
    case 'term': {
      const parts = filter.terms.map((term) => `${filter.field}:${term}`);
      return parts.length === 1 ? (parts[0] as string) : `(${parts.join(' OR ')})`;
    }
    case 'and':
      return `(${filterQuery(filter.left)} AND ${filterQuery(filter.right)})`;
    case 'or':
      return `(${filterQuery(filter.left)} OR ${filterQuery(filter.right)})`;
    case 'not':
      return `NOT ${filterQuery(filter.operand)}`;
  }
}
