import { ValidationError } from '@sfx/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RestClient } from '../src/index.js';
import { type Recorder, startRecorder } from './recorder.js';

describe('paging and id edge cases', () => {
  let server: Recorder;
  let rest: RestClient;

  beforeAll(async () => {
    server = await startRecorder();
    rest = new RestClient({ token: 'edge-token', endpoint: server.url, retry: false });
  });
  afterAll(async () => {
    await rest.close();
    await server.close();
  });
  beforeEach(() => {
    server.requests.length = 0;
  });

  it('list() goes on past a full page when the envelope carries no count', async () => {
    server.handle((req) => {
      const offset = Number(req.query.get('offset'));
      const limit = Number(req.query.get('limit'));
      const results = [];
      for (let i = offset; i < Math.min(25, offset + limit); i++) results.push({ name: `m${i}` });
      return { body: { results } };
    });
    const names: string[] = [];
    for await (const metric of rest.metrics.list({ limit: 10 })) names.push(metric.name);
    expect(names).toHaveLength(25);
    expect(server.requests.map((r) => r.query.get('offset'))).toEqual(['0', '10', '20']);
  });

  it('refuses an id that is not well-formed UTF-16 with a ValidationError, before any request', async () => {
    await expect(rest.charts.get('abc\uD800')).rejects.toBeInstanceOf(ValidationError);
    expect(server.requests).toHaveLength(0);
  });
});
