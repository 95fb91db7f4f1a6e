import { afterAll, beforeAll, beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import { type Detector, type Metric, RestClient, type SearchResult } from '../src/index.js';
import { type Recorder, type Reply, startRecorder } from './recorder.js';

const TOKEN = 'test-token-abcdef';

interface Case {
  name: string;
  call: (rest: RestClient) => Promise<unknown>;
  method: string;
  path: string;
  query?: Record<string, string | string[]>;
  body?: unknown;
  reply?: Reply;
  result?: unknown;
}

const page = (results: object[], count = results.length): Reply => ({ body: { count, results } });

async function first<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

const metric = { name: 'cpu.utilization', type: 'GAUGE', futureField: { nested: true } };
const detectorBody = { name: 'High CPU', programText: "detect(when(data('cpu') > 90)).publish('cpu')", rules: [] };

const metadataCases: Case[] = [
  {
    name: 'metrics.search',
    call: (r) => r.metrics.search({ query: 'name:cpu.*', orderBy: '-name', offset: 10, limit: 5 }),
    method: 'GET',
    path: '/v2/metric',
    query: { query: 'name:cpu.*', orderBy: '-name', offset: '10', limit: '5' },
    reply: page([metric], 11),
    result: { count: 11, results: [metric] },
  },
  {
    name: 'metrics.list',
    call: (r) => first(r.metrics.list({ query: 'name:cpu.*' })),
    method: 'GET',
    path: '/v2/metric',
    query: { query: 'name:cpu.*', offset: '0', limit: '100' },
    reply: page([metric]),
    result: [metric],
  },
  {
    name: 'metrics.get',
    call: (r) => r.metrics.get('cpu.utilization'),
    method: 'GET',
    path: '/v2/metric/cpu.utilization',
    reply: { body: metric },
    result: metric,
  },
  {
    name: 'metrics.update',
    call: (r) => r.metrics.update('cpu.utilization', { type: 'GAUGE', description: 'CPU', tags: ['infra'] }),
    method: 'PUT',
    path: '/v2/metric/cpu.utilization',
    body: { type: 'GAUGE', description: 'CPU', tags: ['infra'] },
    reply: { body: metric },
    result: metric,
  },
  {
    name: 'dimensions.search',
    call: (r) => r.dimensions.search({ query: 'key:host' }),
    method: 'GET',
    path: '/v2/dimension',
    query: { query: 'key:host' },
    reply: page([{ key: 'host', value: 'a' }]),
  },
  {
    name: 'dimensions.list',
    call: (r) => first(r.dimensions.list({ query: 'key:host', limit: 7 })),
    method: 'GET',
    path: '/v2/dimension',
    query: { query: 'key:host', offset: '0', limit: '7' },
    reply: page([{ key: 'host', value: 'a' }]),
    result: [{ key: 'host', value: 'a' }],
  },
  {
    name: 'dimensions.get',
    call: (r) => r.dimensions.get('host', 'web-1'),
    method: 'GET',
    path: '/v2/dimension/host/web-1',
    reply: { body: { key: 'host', value: 'web-1' } },
  },
  {
    name: 'dimensions.update',
    call: (r) => r.dimensions.update('host', 'web-1', { description: 'front', tags: ['web'] }),
    method: 'PUT',
    path: '/v2/dimension/host/web-1',
    body: { description: 'front', tags: ['web'], key: 'host', value: 'web-1' },
    reply: { body: { key: 'host', value: 'web-1' } },
  },
  {
    name: 'metricTimeSeries.search',
    call: (r) => r.metricTimeSeries.search({ query: 'sf_metric:cpu', searchInactive: true }),
    method: 'GET',
    path: '/v2/metrictimeseries',
    query: { query: 'sf_metric:cpu', searchInactive: 'true' },
    reply: page([{ id: 'AAA', metric: 'cpu' }]),
  },
  {
    name: 'metricTimeSeries.list',
    call: (r) => first(r.metricTimeSeries.list({ query: 'sf_metric:cpu' })),
    method: 'GET',
    path: '/v2/metrictimeseries',
    query: { query: 'sf_metric:cpu', offset: '0', limit: '100' },
    reply: page([{ id: 'AAA', metric: 'cpu' }]),
  },
  {
    name: 'metricTimeSeries.get',
    call: (r) => r.metricTimeSeries.get('AAA'),
    method: 'GET',
    path: '/v2/metrictimeseries/AAA',
    reply: { body: { id: 'AAA', metric: 'cpu' } },
  },
  {
    name: 'tags.search',
    call: (r) => r.tags.search({ query: 'name:env*' }),
    method: 'GET',
    path: '/v2/tag',
    query: { query: 'name:env*' },
    reply: page([{ name: 'env' }]),
  },
  {
    name: 'tags.list',
    call: (r) => first(r.tags.list()),
    method: 'GET',
    path: '/v2/tag',
    query: { offset: '0', limit: '100' },
    reply: page([{ name: 'env' }]),
  },
  {
    name: 'tags.get',
    call: (r) => r.tags.get('env'),
    method: 'GET',
    path: '/v2/tag/env',
    reply: { body: { name: 'env' } },
  },
  {
    name: 'tags.update',
    call: (r) => r.tags.update('env', { description: 'environment', customProperties: { a: 'b' } }),
    method: 'PUT',
    path: '/v2/tag/env',
    body: { description: 'environment', customProperties: { a: 'b' } },
    reply: { body: { name: 'env' } },
  },
  {
    name: 'tags.delete',
    call: (r) => r.tags.delete('env'),
    method: 'DELETE',
    path: '/v2/tag/env',
    reply: { status: 204 },
    result: true,
  },
  {
    name: 'organization.get',
    call: (r) => r.organization.get(),
    method: 'GET',
    path: '/v2/organization',
    reply: { body: { id: 'ORG', organizationName: 'Acme' } },
    result: { id: 'ORG', organizationName: 'Acme' },
  },
];

const alertingCases: Case[] = [
  {
    name: 'detectors.search with its own parameters',
    call: (r) => r.detectors.search({ name: 'cpu', tags: ['a', 'b'], orderBy: 'name', limit: 2 }),
    method: 'GET',
    path: '/v2/detector',
    query: { name: 'cpu', tags: ['a', 'b'], orderBy: 'name', limit: '2' },
    reply: page([]),
  },
  {
    name: 'detectors.list with its own parameters',
    call: (r) => first(r.detectors.list({ tags: 'prod' })),
    method: 'GET',
    path: '/v2/detector',
    query: { tags: 'prod', offset: '0', limit: '100' },
    reply: page([{ id: 'D1', ...detectorBody }]),
  },
  {
    name: 'detectors.get with its own parameters',
    call: (r) => r.detectors.get('D1'),
    method: 'GET',
    path: '/v2/detector/D1',
    reply: { body: { id: 'D1', ...detectorBody } },
  },
  {
    name: 'detectors.create with its own parameters',
    call: (r) => r.detectors.create(detectorBody),
    method: 'POST',
    path: '/v2/detector',
    body: detectorBody,
    reply: { body: { id: 'D1', ...detectorBody } },
    result: { id: 'D1', ...detectorBody },
  },
  {
    name: 'detectors.update with its own parameters',
    call: (r) => r.detectors.update('D1', detectorBody),
    method: 'PUT',
    path: '/v2/detector/D1',
    body: detectorBody,
    reply: { body: { id: 'D1', ...detectorBody } },
  },
  {
    name: 'detectors.delete with its own parameters',
    call: (r) => r.detectors.delete('D1'),
    method: 'DELETE',
    path: '/v2/detector/D1',
    reply: { status: 204 },
    result: true,
  },
  {
    name: 'detectors.validate',
    call: (r) => r.detectors.validate(detectorBody),
    method: 'POST',
    path: '/v2/detector/validate',
    body: detectorBody,
    reply: { status: 204 },
    result: undefined,
  },
  {
    name: 'detectors.events',
    call: (r) => r.detectors.events('D1', { from: 1000, to: 2000, limit: 10 }),
    method: 'GET',
    path: '/v2/detector/D1/events',
    query: { from: '1000', to: '2000', limit: '10' },
    reply: { body: [{ id: 'E1', anomalyState: 'ANOMALOUS' }] },
    result: [{ id: 'E1', anomalyState: 'ANOMALOUS' }],
  },
  {
    name: 'detectors.incidents',
    call: (r) => r.detectors.incidents('D1'),
    method: 'GET',
    path: '/v2/detector/D1/incidents',
    reply: { body: [{ incidentId: 'I1' }] },
    result: [{ incidentId: 'I1' }],
  },
  {
    name: 'detectors.enable',
    call: (r) => r.detectors.enable('D1', ['cpu']),
    method: 'PUT',
    path: '/v2/detector/D1/enable',
    body: ['cpu'],
    reply: { status: 204 },
  },
  {
    name: 'detectors.disable',
    call: (r) => r.detectors.disable('D1', ['cpu', 'mem']),
    method: 'PUT',
    path: '/v2/detector/D1/disable',
    body: ['cpu', 'mem'],
    reply: { status: 204 },
  },
  {
    name: 'incidents.search',
    call: (r) => r.incidents.search({ includeResolved: true, query: 'teamId:T1', limit: 3 }),
    method: 'GET',
    path: '/v2/incident',
    query: { includeResolved: 'true', query: 'teamId:T1', limit: '3' },
    reply: { body: [{ incidentId: 'I1' }] },
    result: [{ incidentId: 'I1' }],
  },
  {
    name: 'incidents.list',
    call: (r) => first(r.incidents.list({ includeResolved: false })),
    method: 'GET',
    path: '/v2/incident',
    query: { includeResolved: 'false', offset: '0', limit: '100' },
    reply: { body: [{ incidentId: 'I1' }] },
    result: [{ incidentId: 'I1' }],
  },
  {
    name: 'incidents.get',
    call: (r) => r.incidents.get('I1'),
    method: 'GET',
    path: '/v2/incident/I1',
    reply: { body: { incidentId: 'I1', active: true } },
  },
  {
    name: 'incidents.clear',
    call: (r) => r.incidents.clear('I1'),
    method: 'PUT',
    path: '/v2/incident/I1/clear',
    reply: { status: 200, body: '' },
  },
  {
    name: 'alertMutingRules.create with its own parameters',
    call: (r) => r.alertMutingRules.create({ description: 'maint' }, { resolveMatchingActiveAlerts: true }),
    method: 'POST',
    path: '/v2/alertmuting',
    query: { resolveMatchingActiveAlerts: 'true' },
    body: { description: 'maint' },
    reply: { status: 201, body: { id: 'M1', description: 'maint' } },
    result: { id: 'M1', description: 'maint' },
  },
  {
    name: 'alertMutingRules.search with its own parameters',
    call: (r) => r.alertMutingRules.search({ query: 'description:maint', include: 'Past', orderBy: '-startTime' }),
    method: 'GET',
    path: '/v2/alertmuting',
    query: { query: 'description:maint', include: 'Past', orderBy: '-startTime' },
    reply: page([]),
  },
  {
    name: 'alertMutingRules.unmute',
    call: (r) => r.alertMutingRules.unmute('M1'),
    method: 'PUT',
    path: '/v2/alertmuting/M1/unmute',
    reply: { status: 200, body: '' },
  },
];

const contentCases: Case[] = [
  {
    name: 'charts.validate',
    call: (r) => r.charts.validate({ name: 'c' }),
    method: 'POST',
    path: '/v2/chart/validate',
    body: { name: 'c' },
    reply: { status: 204 },
  },
  {
    name: 'dashboards.search with its own parameters',
    call: (r) => r.dashboards.search({ name: 'ops', tags: 'prod', chartId: 'C1' }),
    method: 'GET',
    path: '/v2/dashboard',
    query: { name: 'ops', tags: 'prod', chartId: 'C1' },
    reply: page([]),
  },
  {
    name: 'dashboards.validate',
    call: (r) => r.dashboards.validate({ name: 'd' }, { validationMode: 'TERRAFORM' }),
    method: 'POST',
    path: '/v2/dashboard/validate',
    query: { validationMode: 'TERRAFORM' },
    body: { name: 'd' },
    reply: { status: 204 },
  },
  {
    name: 'dashboardGroups.create with its own parameters',
    call: (r) => r.dashboardGroups.create({ name: 'g' }, { empty: true }),
    method: 'POST',
    path: '/v2/dashboardgroup',
    query: { empty: 'true' },
    body: { name: 'g' },
    reply: { body: { id: 'G1', name: 'g' } },
  },
  {
    name: 'dashboardGroups.search with its own parameters',
    call: (r) => r.dashboardGroups.search({ excludeCustom: true, teamId: 'T1' }),
    method: 'GET',
    path: '/v2/dashboardgroup',
    query: { excludeCustom: 'true', teamId: 'T1' },
    reply: page([]),
  },
  {
    name: 'dashboardGroups.validate',
    call: (r) => r.dashboardGroups.validate({ name: 'g' }),
    method: 'POST',
    path: '/v2/dashboardgroup/validate',
    body: { name: 'g' },
    reply: { status: 204 },
  },
  {
    name: 'dataLinks.search with its own parameters',
    call: (r) => r.dataLinks.search({ context: 'ctx', propertyName: 'host', propertyValue: 'a', orderBy: 'name' }),
    method: 'GET',
    path: '/v2/crosslink',
    query: { context: 'ctx', propertyName: 'host', propertyValue: 'a', orderBy: 'name' },
    reply: page([]),
  },
  {
    name: 'teams.linkDetector',
    call: (r) => r.teams.linkDetector('T1', 'D1'),
    method: 'POST',
    path: '/v2/team/T1/detector/D1',
    reply: { status: 204 },
  },
  {
    name: 'teams.unlinkDetector',
    call: (r) => r.teams.unlinkDetector('T1', 'D1'),
    method: 'DELETE',
    path: '/v2/team/T1/detector/D1',
    reply: { status: 204 },
  },
  {
    name: 'teams.linkDashboardGroup',
    call: (r) => r.teams.linkDashboardGroup('T1', 'G1'),
    method: 'POST',
    path: '/v2/team/T1/dashboardgroup/G1',
    reply: { status: 204 },
  },
  {
    name: 'teams.unlinkDashboardGroup',
    call: (r) => r.teams.unlinkDashboardGroup('T1', 'G1'),
    method: 'DELETE',
    path: '/v2/team/T1/dashboardgroup/G1',
    reply: { status: 204 },
  },
  {
    name: 'orgTokens.rotate',
    call: (r) => r.orgTokens.rotate('ci token', { graceful: 60, secondsUntilExpiry: 3600 }),
    method: 'POST',
    path: '/v2/token/ci%20token/rotate',
    query: { graceful: '60', secondsUntilExpiry: '3600' },
    reply: { body: { name: 'ci token', secret: 's' } },
  },
  {
    name: 'orgTokens.search with its own parameters',
    call: (r) => r.orgTokens.search({ name: 'ci' }),
    method: 'GET',
    path: '/v2/token',
    query: { name: 'ci' },
    reply: page([]),
  },
  {
    name: 'logout',
    call: (r) => r.logout(),
    method: 'DELETE',
    path: '/v2/session',
    reply: { status: 204 },
  },
  {
    name: 'request',
    call: (r) => r.request('POST', '/v2/slo/search', { query: { limit: 5 }, body: { q: 1 } }),
    method: 'POST',
    path: '/v2/slo/search',
    query: { limit: '5' },
    body: { q: 1 },
    reply: { body: { ok: true } },
    result: { ok: true },
  },
];

// The plain collections share one shape: search, list, get, create, update and delete, answered with the
// success statuses of the spec (the GO column where sources disagree).
const crudCollections: Array<{ name: keyof RestClient & string; path: string; created: number; deleted: number }> = [
  { name: 'detectors', path: '/v2/detector', created: 200, deleted: 204 },
  { name: 'charts', path: '/v2/chart', created: 200, deleted: 200 },
  { name: 'dashboards', path: '/v2/dashboard', created: 200, deleted: 200 },
  { name: 'dashboardGroups', path: '/v2/dashboardgroup', created: 200, deleted: 204 },
  { name: 'dataLinks', path: '/v2/crosslink', created: 200, deleted: 204 },
  { name: 'teams', path: '/v2/team', created: 200, deleted: 204 },
  { name: 'orgTokens', path: '/v2/token', created: 200, deleted: 204 },
  { name: 'alertMutingRules', path: '/v2/alertmuting', created: 201, deleted: 204 },
];

type Crud = {
  search(p?: object): Promise<unknown>;
  list(p?: object): AsyncIterable<unknown>;
  get(id: string): Promise<unknown>;
  create(b: object): Promise<unknown>;
  update(id: string, b: object): Promise<unknown>;
  delete(id: string): Promise<boolean>;
};
const crud = (r: RestClient, name: string) => (r as unknown as Record<string, Crud>)[name] as Crud;

const crudCases: Case[] = crudCollections.flatMap(({ name, path, created, deleted }): Case[] => [
  {
    name: `${name}.search`,
    call: (r) => crud(r, name).search({ offset: 0, limit: 1 }),
    method: 'GET',
    path,
    query: { offset: '0', limit: '1' },
    reply: page([{ id: 'X1' }], 9),
    result: { count: 9, results: [{ id: 'X1' }] },
  },
  {
    name: `${name}.list`,
    call: (r) => first(crud(r, name).list()),
    method: 'GET',
    path,
    query: { offset: '0', limit: '100' },
    reply: page([{ id: 'X1' }]),
    result: [{ id: 'X1' }],
  },
  {
    name: `${name}.get`,
    call: (r) => crud(r, name).get('X/1'),
    method: 'GET',
    path: `${path}/X%2F1`,
    reply: { body: { id: 'X/1', extra: [1, 2] } },
    result: { id: 'X/1', extra: [1, 2] },
  },
  {
    name: `${name}.create`,
    call: (r) => crud(r, name).create({ name: 'new' }),
    method: 'POST',
    path,
    body: { name: 'new' },
    reply: { status: created, body: { id: 'X1', name: 'new' } },
    result: { id: 'X1', name: 'new' },
  },
  {
    name: `${name}.update`,
    call: (r) => crud(r, name).update('X1', { name: 'renamed' }),
    method: 'PUT',
    path: `${path}/X1`,
    body: { name: 'renamed' },
    reply: { body: { id: 'X1', name: 'renamed' } },
    result: { id: 'X1', name: 'renamed' },
  },
  {
    name: `${name}.delete`,
    call: (r) => crud(r, name).delete('X1'),
    method: 'DELETE',
    path: `${path}/X1`,
    reply: deleted === 204 ? { status: 204 } : { status: deleted, body: {} },
    result: true,
  },
]);

describe('every resource method', () => {
  let server: Recorder;
  let rest: RestClient;

  beforeAll(async () => {
    server = await startRecorder();
    rest = new RestClient({ token: TOKEN, endpoint: server.url, retry: false });
  });
  afterAll(async () => {
    await rest.close();
    await server.close();
  });
  beforeEach(() => {
    server.requests.length = 0;
  });

  const cases = [...metadataCases, ...alertingCases, ...contentCases, ...crudCases];

  it('covers each case name once', () => {
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    server.handle(() => c.reply);
    const result = await c.call(rest);
    expect(server.requests).toHaveLength(1);
    const seen = server.requests[0]!;
    expect(seen.method).toBe(c.method);
    expect(seen.rawPath).toBe(c.path);
    const query: Record<string, string | string[]> = {};
    for (const key of new Set(seen.query.keys())) {
      const values = seen.query.getAll(key);
      query[key] = values.length === 1 ? values[0]! : values;
    }
    expect(query).toEqual(c.query ?? {});
    expect(seen.body).toEqual(c.body);
    expect(seen.headers['x-sf-token']).toBe(TOKEN);
    expect(seen.headers['user-agent']).toMatch(/^@sfx\/rest\/\d+\.\d+\.\d+ @sfx\/core\//);
    if (c.body !== undefined) expect(seen.headers['content-type']).toBe('application/json');
    if ('result' in c) expect(result).toEqual(c.result);
  });

  it.each(crudCollections.map((c) => c.name))('%s.delete accepts the other success status too', async (name) => {
    const { deleted } = crudCollections.find((c) => c.name === name)!;
    server.handle(() => (deleted === 204 ? { status: 200, body: { id: 'X1' } } : { status: 204 }));
    await expect(crud(rest, name).delete('X1')).resolves.toBe(true);
  });

  it('keeps fields the types do not name', async () => {
    server.handle(() => ({ body: { ...metric, addedLater: 'yes' } }));
    const got = await rest.metrics.get('cpu.utilization');
    expect(got.addedLater).toBe('yes');
    expect(got.futureField).toEqual({ nested: true });
    expectTypeOf(got).toMatchTypeOf<Metric>();
    expectTypeOf(got.name).toEqualTypeOf<string>();
    expectTypeOf(got.addedLater).toEqualTypeOf<unknown>();
    expectTypeOf(rest.detectors.search).returns.resolves.toEqualTypeOf<SearchResult<Detector>>();
    expectTypeOf(rest.tags.delete).returns.resolves.toEqualTypeOf<boolean>();
  });

  it('rejects an empty or dot path segment before sending anything', async () => {
    await expect(rest.metrics.get('')).rejects.toMatchObject({ code: 'SFX_ERR_VALIDATION', field: 'name' });
    await expect(rest.dimensions.get('host', '..')).rejects.toMatchObject({
      code: 'SFX_ERR_VALIDATION',
      field: 'value',
    });
    await expect(rest.request('GET', 'v2/metric')).rejects.toMatchObject({ code: 'SFX_ERR_VALIDATION' });
    await expect(rest.teams.linkDetector('T1', '')).rejects.toMatchObject({ field: 'detectorId' });
    await expect(rest.teams.unlinkDashboardGroup('', 'G1')).rejects.toMatchObject({ field: 'id' });
    expect(server.requests).toHaveLength(0);
  });

  it('upper-cases a metric type given in lower case', async () => {
    server.handle(() => ({ body: metric }));
    await rest.metrics.update('m', { type: 'gauge' as 'GAUGE' });
    expect(server.requests[0]!.body).toEqual({ type: 'GAUGE' });
  });
});
