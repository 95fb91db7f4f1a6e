import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulatorWith } from '../../src/emulator.js';
import type { TimeSeriesStore } from '../../src/store/time-series-store.js';
import { fakeEngine } from '../helpers/fake-engine.js';

const T0 = Date.now() - 60_000;
let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulatorWith(
    { tokens: ['dev-token'], users: [{ email: 'me@example.com', password: 'secret' }] },
    fakeEngine(['alert']),
  );
  const store = emulator.store as TimeSeriesStore;
  for (let i = 0; i < 60; i++) {
    store.addDatapoint({
      metric: i < 50 ? 'cpu.utilization' : 'memory.used',
      metricType: 'gauge',
      dimensions: { host: `web-${i}`, region: i % 2 === 0 ? 'emea' : 'us' },
      timestamp: T0,
      value: i,
    });
  }
  store.addDatapoint({
    metric: 'requests',
    metricType: 'counter',
    dimensions: { service: 'api' },
    timestamp: T0,
    value: 1,
  });
});
afterAll(() => emulator.close());

async function call(method: string, path: string, body?: unknown, token: string | null = 'dev-token') {
  const response = await fetch(`${emulator.apiUrl}${path}`, {
    method,
    headers: {
      ...(token ? { 'X-SF-Token': token } : {}),
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as any) };
}

describe('metrics, dimensions, MTS', () => {
  it('searches metrics with name: wildcards and pages with { count, results }', async () => {
    const all = await call('GET', '/v2/metric');
    expect(all.body.results.map((m: { name: string }) => m.name)).toEqual([
      'cpu.utilization',
      'memory.used',
      'requests',
    ]);
    const cpu = await call('GET', `/v2/metric?query=${encodeURIComponent('name:cpu.*')}`);
    expect(cpu.body).toMatchObject({ count: 1, results: [{ name: 'cpu.utilization', type: 'GAUGE' }] });
    const page = await call('GET', '/v2/metric?limit=1&offset=1&orderBy=-name');
    expect(page.body).toMatchObject({ count: 3, results: [{ name: 'memory.used' }] });
    expect((await call('GET', '/v2/metric?limit=5000')).status).toBe(400);
    expect((await call('GET', '/v2/metric?limit=-1')).body.message).toBe("limit can't be negative");
  });

  it('gets, updates and 404s a metric', async () => {
    expect((await call('GET', '/v2/metric/requests')).body).toMatchObject({ name: 'requests', type: 'COUNTER' });
    const put = await call('PUT', '/v2/metric/requests', {
      description: 'HTTP requests',
      tags: ['web'],
      customProperties: { team: 'a' },
    });
    expect(put.body).toMatchObject({
      name: 'requests',
      description: 'HTTP requests',
      tags: ['web'],
      customProperties: { team: 'a' },
    });
    expect((await call('GET', `/v2/metric?query=${encodeURIComponent('tags:web')}`)).body.count).toBe(1);
    expect((await call('GET', `/v2/metric?query=${encodeURIComponent('team:a AND name:req*')}`)).body.count).toBe(1);
    const missing = await call('GET', '/v2/metric/nope');
    expect(missing).toMatchObject({ status: 404, body: { code: 404 } });
    expect((await call('PUT', '/v2/metric/x', { type: 'HISTOGRAM' })).status).toBe(400);
    expect((await call('PUT', '/v2/metric/x', '{oops')).body.message).toMatch(/not valid JSON/);
  });

  it('searches dimensions by key, by key:value and with boolean operators', async () => {
    expect((await call('GET', `/v2/dimension?query=${encodeURIComponent('key:region')}&limit=100`)).body.count).toBe(2);
    const emea = await call('GET', `/v2/dimension?query=${encodeURIComponent('region:emea')}`);
    expect(emea.body).toMatchObject({ count: 1, results: [{ key: 'region', value: 'emea' }] });
    const hosts = await call('GET', `/v2/dimension?query=${encodeURIComponent('host:web-1* AND NOT host:web-1')}`);
    expect(hosts.body.count).toBe(10);
    const dimension = await call('PUT', '/v2/dimension/region/emea', { description: 'Europe', tags: ['eu'] });
    expect(dimension.body).toMatchObject({ key: 'region', value: 'emea', description: 'Europe' });
    expect((await call('GET', '/v2/dimension/region/emea')).body.tags).toEqual(['eu']);
    expect((await call('GET', '/v2/dimension/region/mars')).status).toBe(404);
    expect((await call('GET', `/v2/dimension?query=${encodeURIComponent('(region:emea')}`)).status).toBe(400);
  });

  it('searches metric time series and gets one by id', async () => {
    const query = encodeURIComponent('sf_metric:cpu.utilization AND region:emea AND _exists_:host');
    const found = await call('GET', `/v2/metrictimeseries?query=${query}&limit=100`);
    expect(found.body.count).toBe(25);
    const first = found.body.results[0];
    expect(first).toMatchObject({ metric: 'cpu.utilization', type: 'GAUGE', dimensions: { region: 'emea' } });
    expect((await call('GET', `/v2/metrictimeseries/${first.id}`)).body).toEqual(first);
    expect((await call('GET', '/v2/metrictimeseries/AAAAAAAAAAA')).status).toBe(404);
    const missing = encodeURIComponent('metric:requests OR _missing_:host');
    expect((await call('GET', `/v2/metrictimeseries?query=${missing}`)).body.count).toBe(1);
  });
});

describe('search query escapes', () => {
  it('a backslash-escaped * is a literal star, an unescaped one a wildcard', async () => {
    const own = await startEmulatorWith({ tokens: ['dev-token'] }, fakeEngine());
    try {
      for (const host of ['a*b', 'axb', 'a*']) {
        (own.store as TimeSeriesStore).addDatapoint({
          metric: 'm',
          metricType: 'gauge',
          dimensions: { host },
          timestamp: Date.now(),
          value: 1,
        });
      }
      const hosts = async (query: string) => {
        const response = await fetch(`${own.apiUrl}/v2/metrictimeseries?query=${encodeURIComponent(query)}`, {
          headers: { 'X-SF-Token': 'dev-token' },
        });
        const body = (await response.json()) as { results: Array<{ dimensions: { host: string } }> };
        return body.results.map((series) => series.dimensions.host).sort();
      };
      expect(await hosts('host:a*b')).toEqual(['a*b', 'axb']);
      expect(await hosts('host:a\\*b')).toEqual(['a*b']);
      expect(await hosts('host:a\\*')).toEqual(['a*']);
      expect(await hosts('host:a\\**')).toEqual(['a*', 'a*b']);
      expect(await hosts('host:\\*')).toEqual([]);
    } finally {
      await own.close();
    }
  });
});

describe('tags, organization, sessions', () => {
  it('creates, finds, gets and deletes tags', async () => {
    expect((await call('PUT', '/v2/tag/prod', { description: 'production' })).status).toBe(200);
    expect((await call('GET', '/v2/tag/prod')).body).toMatchObject({ name: 'prod', description: 'production' });
    expect((await call('GET', `/v2/tag?query=${encodeURIComponent('name:pro*')}`)).body.count).toBe(1);
    expect((await call('DELETE', '/v2/tag/prod')).status).toBe(204);
    expect((await call('DELETE', '/v2/tag/prod')).status).toBe(404);
    expect((await call('GET', '/v2/tag/prod')).status).toBe(404);
  });

  it('gives the organization and logs in with a session token usable on the API', async () => {
    expect((await call('GET', '/v2/organization')).body).toMatchObject({ id: expect.any(String) });
    expect((await call('POST', '/v2/session', { email: 'me@example.com', password: 'wrong' }, null)).status).toBe(401);
    const login = await call('POST', '/v2/session', { email: 'me@example.com', password: 'secret' }, null);
    expect(login.body).toMatchObject({ sessionType: 'ORG_USER', email: 'me@example.com' });
    const token = login.body.accessToken as string;
    expect((await call('GET', '/v2/organization', undefined, token)).status).toBe(200);
    // Session tokens are not accepted for ingest.
    const ingest = await fetch(`${emulator.ingestUrl}/v2/datapoint`, {
      method: 'POST',
      headers: { 'X-SF-Token': token },
      body: '{}',
    });
    expect(ingest.status).toBe(401);
    expect((await call('DELETE', '/v2/session', undefined, token)).status).toBe(204);
    expect((await call('GET', '/v2/organization', undefined, token)).status).toBe(401);
  });

  it('answers 401 without a token and 404 on unknown paths', async () => {
    expect(await call('GET', '/v2/metric', undefined, null)).toMatchObject({ status: 401, body: { code: 401 } });
    expect(await call('GET', '/v2/nothing-here')).toMatchObject({ status: 404, body: { code: 404 } });
    expect((await call('GET', '/elsewhere')).status).toBe(404);
    expect((await call('POST', '/v2/metric')).status).toBe(405);
  });
});

describe('detectors and incidents', () => {
  const detector = {
    name: 'CPU high',
    programText: "detect(when(data('cpu.utilization') > 90)).publish('alert')",
    rules: [{ detectLabel: 'alert', severity: 'Critical' }],
    tags: ['team-a'],
  };

  it('validates, creates, lists, updates, disables and deletes detectors', async () => {
    expect((await call('POST', '/v2/detector/validate', detector)).status).toBe(204);
    const badLabel = await call('POST', '/v2/detector/validate', { ...detector, rules: [{ detectLabel: 'other' }] });
    expect(badLabel.status).toBe(400);
    expect(badLabel.body.message).toContain("'other'");
    const badProgram = await call('POST', '/v2/detector/validate', { ...detector, programText: 'syntax error' });
    expect(badProgram.body).toMatchObject({
      errorType: 'ANALYTICS_PROGRAM_SYNTAX_ERROR',
      context: { line: 2, column: 5 },
    });
    expect((await call('POST', '/v2/detector', { ...detector, name: '' })).body.message).toBe('name is required');

    const created = await call('POST', '/v2/detector', detector);
    expect(created.body).toMatchObject({
      name: 'CPU high',
      id: expect.any(String),
      rules: [{ detectLabel: 'alert', disabled: false }],
    });
    const id = created.body.id as string;
    expect((await call('GET', `/v2/detector/${id}`)).body).toEqual(created.body);
    expect((await call('GET', '/v2/detector?name=cpu')).body.count).toBe(1);
    expect((await call('GET', '/v2/detector?tags=other')).body.count).toBe(0);
    const updated = await call('PUT', `/v2/detector/${id}`, { ...detector, description: 'v2' });
    expect(updated.body).toMatchObject({ id, description: 'v2', created: created.body.created });
    expect((await call('PUT', `/v2/detector/${id}/disable`, ['alert'])).status).toBe(204);
    expect((await call('GET', `/v2/detector/${id}`)).body.rules[0].disabled).toBe(true);
    expect((await call('GET', `/v2/detector/${id}/incidents`)).body).toEqual([]);
    expect((await call('GET', `/v2/detector/${id}/events`)).body).toEqual([]);
    expect((await call('DELETE', `/v2/detector/${id}`)).status).toBe(204);
    expect((await call('GET', `/v2/detector/${id}`)).status).toBe(404);
  });

  it('lists incidents as a bare array and 404s unknown ones', async () => {
    expect((await call('GET', '/v2/incident')).body).toEqual([]);
    expect((await call('GET', '/v2/incident/nope')).status).toBe(404);
    expect((await call('PUT', '/v2/incident/nope/clear')).status).toBe(404);
  });
});
