import * as core from '@sfx/core';
import * as ingest from '@sfx/ingest';
import * as rest from '@sfx/rest';
import * as signalflow from '@sfx/signalflow';
import { afterAll, afterEach, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import * as sdk from '../src/index.js';
import {
  AuthError,
  IngestClient,
  isSfxError,
  RestClient,
  SDK_VERSION,
  SfxError,
  SignalFlowClient,
  SignalFx,
  ValidationError,
} from '../src/index.js';
import { type Loopback, startLoopback } from './servers.js';

let loopback: Loopback;
const savedEnv = { ...process.env };

beforeAll(async () => {
  loopback = await startLoopback();
});
afterAll(async () => {
  await loopback.close();
});
afterEach(() => {
  for (const key of ['SFX_TOKEN', 'SFX_REALM', 'SFX_INGEST_URL', 'SFX_API_URL', 'SFX_STREAM_URL']) {
    if (savedEnv[key] === undefined) delete process.env[key];
    else process.env[key] = savedEnv[key];
  }
  loopback.requests.length = 0;
  loopback.wsMessages.length = 0;
});

function local(options: ConstructorParameters<typeof SignalFx>[0] = {}): SignalFx {
  return new SignalFx({ ingestUrl: loopback.url, apiUrl: loopback.url, streamUrl: loopback.url, ...options });
}

describe('endpoints', () => {
  it('derives every URL from the realm', () => {
    for (const key of ['SFX_REALM', 'SFX_INGEST_URL', 'SFX_API_URL', 'SFX_STREAM_URL']) delete process.env[key];
    expect(new SignalFx({ realm: 'eu0' }).endpoints).toEqual({
      ingest: 'https://ingest.eu0.signalfx.com',
      api: 'https://api.eu0.signalfx.com',
      stream: 'https://stream.eu0.signalfx.com',
    });
    expect(new SignalFx().endpoints.api).toBe('https://api.us0.signalfx.com');
  });

  it('takes URLs from the options, else from the environment', () => {
    process.env.SFX_API_URL = 'http://127.0.0.1:9/';
    const sfx = new SignalFx({ ingestUrl: 'http://127.0.0.1:8/' });
    expect(sfx.endpoints.ingest).toBe('http://127.0.0.1:8');
    expect(sfx.endpoints.api).toBe('http://127.0.0.1:9');
  });

  it('rejects a malformed realm, URL, timeout or compress flag with a ValidationError naming the field', () => {
    const field = (make: () => unknown) => {
      try {
        make();
      } catch (error) {
        expect(error).toBeInstanceOf(ValidationError);
        return (error as ValidationError).field;
      }
      throw new Error('expected a ValidationError');
    };
    expect(field(() => new SignalFx({ realm: 'not a realm' }))).toBe('realm');
    expect(field(() => new SignalFx({ apiUrl: 'ftp://x' }))).toBe('apiUrl');
    expect(field(() => new SignalFx({ timeoutMs: -1 }))).toBe('timeoutMs');
    expect(field(() => new SignalFx({ compress: 'yes' as unknown as boolean }))).toBe('compress');
  });
});

describe('clients', () => {
  it('sends datapoints to the ingest URL with the token, gzipped by default', async () => {
    const ingest = local().ingest('tok-1');
    expect(ingest).toBeInstanceOf(IngestClient);
    ingest.send({ gauges: [{ metric: 'cpu.utilization', value: 1.5, dimensions: { host: 'a' } }] });
    expect(await ingest.flush()).toEqual({ sent: 1, failed: 0, dropped: 0 });
    await ingest.close();
    const [request] = loopback.requests;
    expect(request?.path).toBe('/v2/datapoint');
    expect(request?.headers['x-sf-token']).toBe('tok-1');
    expect(request?.headers['content-encoding']).toBe('gzip');
  });

  it('passes compress: false and per-client options through', async () => {
    const ingest = local({ compress: false }).ingest('tok-2', { encoding: 'json', dimensions: { env: 'test' } });
    ingest.send({ counters: [{ metric: 'requests', value: 3 }] });
    await ingest.flush();
    await ingest.close();
    const [request] = loopback.requests;
    expect(request?.headers['content-encoding']).toBeUndefined();
    const body = JSON.parse(request?.body.toString() ?? '{}');
    expect(body.counter[0]).toMatchObject({ metric: 'requests', value: 3, dimensions: { env: 'test' } });
  });

  it('falls back to SFX_TOKEN and says so when there is no token', async () => {
    delete process.env.SFX_TOKEN;
    expect(() => local().ingest()).toThrow(/SFX_TOKEN/);
    process.env.SFX_TOKEN = 'env-token';
    const rest = local().rest();
    await rest.metrics.search({ query: 'name:cpu.*' });
    await rest.close();
    expect(loopback.requests[0]?.headers['x-sf-token']).toBe('env-token');
  });

  it('queries the REST API at the API URL', async () => {
    const rest = local({ timeoutMs: 5_000 }).rest('tok-3');
    expect(rest).toBeInstanceOf(RestClient);
    const result = await rest.metrics.search({ query: 'name:cpu.*' });
    await rest.close();
    expect(result.results[0]?.name).toBe('cpu.utilization');
    const url = new URL(loopback.requests[0]?.path ?? '', loopback.url);
    expect(url.pathname).toBe('/v2/metric');
    expect(url.searchParams.get('query')).toBe('name:cpu.*');
    expect(loopback.requests[0]?.headers['x-sf-token']).toBe('tok-3');
  });

  it('streams a computation from the stream URL', async () => {
    const flow = local().signalflow('tok-4');
    expect(flow).toBeInstanceOf(SignalFlowClient);
    const computation = flow.execute("data('cpu.utilization').publish()");
    const values: Array<[number, Record<string, number | null>]> = [];
    for await (const message of computation) {
      if (message.type === 'data') values.push([message.logicalTimestampMs, message.data]);
    }
    await flow.close();
    expect(values).toEqual([[1_700_000_000_000, { AAAAAAAAAAE: 42.5 }]]);
    expect(computation.getMetadata('AAAAAAAAAAE')).toMatchObject({ host: 'a' });
    expect(loopback.wsMessages[0]).toMatchObject({ type: 'authenticate', token: 'tok-4' });
    expect(loopback.wsMessages[1]).toMatchObject({ type: 'execute', program: "data('cpu.utilization').publish()" });
  });
});

describe('exports', () => {
  it('re-exports the errors of every package, usable with instanceof and isSfxError', () => {
    const error = new AuthError({ status: 401, method: 'GET', url: 'http://x' });
    expect(error).toBeInstanceOf(SfxError);
    expect(isSfxError(error)).toBe(true);
    expect(SDK_VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('re-exports', () => {
  const packages = { '@sfx/core': core, '@sfx/ingest': ingest, '@sfx/rest': rest, '@sfx/signalflow': signalflow };

  it.each(Object.entries(packages))('re-exports every runtime export of %s, as the same value', (_, module) => {
    const exported = sdk as Record<string, unknown>;
    const missing = Object.keys(module).filter((name) => exported[name] !== (module as Record<string, unknown>)[name]);
    expect(missing).toEqual([]);
  });

  it('exports nothing but the packages, the facade and its version', () => {
    const fromPackages = new Set(Object.values(packages).flatMap((module) => Object.keys(module)));
    const own = Object.keys(sdk).filter((name) => !fromPackages.has(name));
    expect(own.sort()).toEqual(['SDK_VERSION', 'SignalFx']);
  });
});

describe('clashing type names', () => {
  it('keeps the bare names for ingest and gives every clashing name a prefixed alias', () => {
    // Checked by `tsc` over the tests; vitest only runs the function.
    expectTypeOf<sdk.MetricType>().toEqualTypeOf<ingest.MetricType>();
    expectTypeOf<sdk.IngestMetricType>().toEqualTypeOf<ingest.MetricType>();
    expectTypeOf<sdk.RestMetricType>().toEqualTypeOf<rest.MetricType>();
    expectTypeOf<sdk.DecodeOptions>().toEqualTypeOf<ingest.DecodeOptions>();
    expectTypeOf<sdk.IngestDecodeOptions>().toEqualTypeOf<ingest.DecodeOptions>();
    expectTypeOf<sdk.FrameDecodeOptions>().toEqualTypeOf<signalflow.DecodeOptions>();
    expectTypeOf<sdk.Event>().toEqualTypeOf<rest.Event>();
    expectTypeOf<sdk.ComputationMessage>().toEqualTypeOf<signalflow.ComputationMessage>();
    expectTypeOf<sdk.Endpoints>().toEqualTypeOf<core.Endpoints>();
  });
});
