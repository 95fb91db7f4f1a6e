import { RestClient } from '@sfx/rest';
import { endpointsOf, type GlobalOptions, type Io, loggerOf, println, timeoutOf, tokenOf } from '../context.js';
import { renderTable } from '../format.js';

export interface SearchOptions extends GlobalOptions {
  limit?: number;
  offset?: number;
  output?: 'table' | 'json';
}

function restClient(options: GlobalOptions, io: Io): RestClient {
  const timeoutMs = timeoutOf(options);
  return new RestClient({
    token: tokenOf(options, io.env),
    endpoint: endpointsOf(options, io.env).api,
    logger: loggerOf(options, io),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });
}

function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number' && value > 1e12) return new Date(value).toISOString().replace('.000Z', 'Z');
  return String(value).replace(/\s+/g, ' ');
}

function print(
  io: Io,
  options: SearchOptions,
  result: { count: number; results: object[] },
  columns: string[],
  noun: string,
): void {
  if (options.output === 'json') {
    println(io.stdout, JSON.stringify(result));
    return;
  }
  if (result.results.length === 0) {
    println(io.stdout, `no ${noun} found`);
    return;
  }
  const rows = result.results.map((item) => columns.map((column) => text((item as Record<string, unknown>)[column])));
  for (const line of renderTable([columns, ...rows])) println(io.stdout, line);
  println(io.stdout, `${result.results.length} of ${result.count} ${noun}`);
}

/** A bare word searches names: `cpu.*` becomes `name:cpu.*`. */
export function metricQuery(query: string): string {
  return query.includes(':') ? query : `name:${query}`;
}

function page(options: SearchOptions): { limit?: number; offset?: number } {
  return {
    ...(options.limit === undefined ? {} : { limit: options.limit }),
    ...(options.offset === undefined ? {} : { offset: options.offset }),
  };
}

/** `sfx metrics search QUERY`. */
export async function runMetricsSearch(query: string, options: SearchOptions, io: Io): Promise<number> {
  const rest = restClient(options, io);
  try {
    const result = await rest.metrics.search({ query: metricQuery(query), ...page(options) });
    print(io, options, result, ['name', 'type', 'description'], 'metrics');
    return 0;
  } finally {
    await rest.close();
  }
}

/** `sfx dimensions search QUERY`. */
export async function runDimensionsSearch(query: string, options: SearchOptions, io: Io): Promise<number> {
  const rest = restClient(options, io);
  try {
    const result = await rest.dimensions.search({ query, ...page(options) });
    print(io, options, result, ['key', 'value', 'description'], 'dimensions');
    return 0;
  } finally {
    await rest.close();
  }
}

/** `sfx detectors list`. */
export async function runDetectorsList(options: SearchOptions & { name?: string }, io: Io): Promise<number> {
  const rest = restClient(options, io);
  try {
    const result = await rest.detectors.search({
      ...(options.name === undefined ? {} : { name: options.name }),
      ...page(options),
    });
    print(io, options, result, ['id', 'name', 'lastUpdated'], 'detectors');
    return 0;
  } finally {
    await rest.close();
  }
}
