import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RestClient } from '../src/index.js';
import { type Recorder, startRecorder } from './recorder.js';

const HOSTILE_QUERIES = [
  'region:"US East" AND host:web-*',
  "name:it's & orderBy=-name",
  'sf_metric:cpu.* AND NOT (env:prod OR env:"a&b=c")',
  'host:café-東京-😀 AND path:/var/log?x=1#frag',
  'a+b %20 %2F 100% \\ ; , = ~ ! @ $',
  '  leading and trailing spaces  ',
];

describe('encoding', () => {
  let server: Recorder;
  let rest: RestClient;

  beforeAll(async () => {
    server = await startRecorder();
    rest = new RestClient({ token: 'encoding-token', endpoint: server.url, retry: false });
  });
  afterAll(async () => {
    await rest.close();
    await server.close();
  });
  beforeEach(() => {
    server.requests.length = 0;
    server.handle(() => ({ body: { count: 0, results: [] } }));
  });

  it.each(HOSTILE_QUERIES)('round-trips the query %j exactly', async (query) => {
    await rest.metricTimeSeries.search({ query, orderBy: '-sf_createdOnMs' });
    const seen = server.requests[0]!;
    expect(seen.query.getAll('query')).toEqual([query]);
    expect(seen.query.get('orderBy')).toBe('-sf_createdOnMs');
    expect([...seen.query.keys()].sort()).toEqual(['orderBy', 'query']);
    // Encoded once: only unreserved characters and percent escapes on the wire, spaces as %20.
    expect(seen.rawQuery).toMatch(/^[A-Za-z0-9%*._\-=&]+$/);
    expect(decodeURIComponent(seen.rawQuery.split('&')[0]!.slice('query='.length))).toBe(query);
  });

  it('encodes each path segment once, a slash included', async () => {
    server.handle(() => ({ body: { key: 'k', value: 'v' } }));
    const key = 'service/name';
    const value = 'a b/c?d#e%f "g" 東京';
    await rest.dimensions.get(key, value);
    const seen = server.requests[0]!;
    const segments = seen.rawPath.split('/');
    expect(segments).toHaveLength(5);
    expect(segments.slice(0, 3)).toEqual(['', 'v2', 'dimension']);
    expect(decodeURIComponent(segments[3]!)).toBe(key);
    expect(decodeURIComponent(segments[4]!)).toBe(value);
    expect(seen.rawQuery).toBe('');
  });

  it('encodes an org token name once', async () => {
    server.handle(() => ({ body: { name: 'a b' } }));
    await rest.orgTokens.get('a b');
    expect(server.requests[0]!.rawPath).toBe('/v2/token/a%20b');
  });

  it('repeats array parameters and leaves unset ones out', async () => {
    await rest.detectors.search({ tags: ['prod env', 'team&a'], name: undefined });
    const seen = server.requests[0]!;
    expect(seen.query.getAll('tags')).toEqual(['prod env', 'team&a']);
    expect(seen.query.has('name')).toBe(false);
    expect(seen.query.has('offset')).toBe(false);
    expect(seen.query.has('limit')).toBe(false);
  });

  it('sends non-ASCII JSON bodies intact', async () => {
    server.handle(() => ({ body: { name: 'ünïcødé' } }));
    const description = 'Größe — 東京 😀 "quoted" & <tag>';
    await rest.tags.update('ünïcødé', { description });
    const seen = server.requests[0]!;
    expect(seen.body).toEqual({ description });
    expect(decodeURIComponent(seen.rawPath)).toBe('/v2/tag/ünïcødé');
  });
});
