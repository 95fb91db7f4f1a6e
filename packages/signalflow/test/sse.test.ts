import { AuthError } from '@sfx/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ComputationFailedError, type ComputationMessage, SignalFlowClient, SseParser } from '../src/index.js';
import { FakeSignalFlowServer, GOOD_TOKEN, type Scenario, TS_A } from './helpers/fake-signalflow.js';

describe('SseParser', () => {
  it('parses events split at any point, CRLF, comments and multi-line data', () => {
    const stream =
      ': comment\r\nevent: control-message\r\ndata: {"event":"STREAM_START"}\r\n\r\n' +
      'event: data\ndata: {"a":\ndata: 1}\nid: 7\nretry: 10\n\n' +
      'data: {"plain":true}\n\n' +
      'event: metadata\ndata:{"x":2}\n\n';
    for (let split = 0; split < stream.length; split++) {
      const events: Array<[string, string]> = [];
      const parser = new SseParser((event, data) => events.push([event, data]));
      parser.push(stream.slice(0, split));
      parser.push(stream.slice(split));
      expect(events).toEqual([
        ['control-message', '{"event":"STREAM_START"}'],
        ['data', '{"a":\n1}'],
        ['message', '{"plain":true}'],
        ['metadata', '{"x":2}'],
      ]);
    }
  });

  it('ends lines at a lone CR too, also when a CRLF is split across chunks', () => {
    const stream =
      'event: control-message\rdata: {"event":"STREAM_START"}\r\r' +
      ': comment\revent: data\r\ndata: {"a":\rdata: 1}\r\n\r\n' +
      'retry: 5\rdata\rdata: x\n\n';
    for (let split = 0; split <= stream.length; split++) {
      const events: Array<[string, string]> = [];
      const parser = new SseParser((event, data) => events.push([event, data]));
      parser.push(stream.slice(0, split));
      parser.push('');
      parser.push(stream.slice(split));
      expect(events).toEqual([
        ['control-message', '{"event":"STREAM_START"}'],
        ['data', '{"a":\n1}'],
        ['message', '\nx'],
      ]);
    }
  });

  it('parses a stream fed one character at a time', () => {
    const stream =
      'event: metadata\r\ndata: {"tsId":"AAAAAAobLD0","properties":{"host":"h\u00e9\u{1F600}"}}\r\n\r\n' +
      ': keep\n\nevent: data\ndata: {"logicalTimestampMs":1,\ndata: "data":[]}\n\n';
    const events: Array<[string, string]> = [];
    const parser = new SseParser((event, data) => events.push([event, data]));
    for (const character of stream) parser.push(character);
    expect(events).toEqual([
      ['metadata', '{"tsId":"AAAAAAobLD0","properties":{"host":"h\u00e9\u{1F600}"}}'],
      ['data', '{"logicalTimestampMs":1,\n"data":[]}'],
    ]);
  });
});

describe('SSE requests', () => {
  let scenario: Scenario = () => {};
  let server: FakeSignalFlowServer;
  const clients: SignalFlowClient[] = [];
  beforeAll(async () => {
    server = await FakeSignalFlowServer.start({ scenario: (sink) => scenario(sink) });
  });
  afterAll(() => server.close());
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  const client = (token = GOOD_TOKEN) => {
    const created = new SignalFlowClient({ token, endpoint: server.url, transport: 'sse', reconnect: false });
    clients.push(created);
    return created;
  };

  it('posts the program as text/plain with the parameters as query', async () => {
    scenario = (sink) => {
      sink.data({ logicalTimestampMs: 5, data: [{ tsId: TS_A, value: 1 }] });
      sink.control('END_OF_CHANNEL');
      sink.end();
    };
    const messages: ComputationMessage[] = [];
    for await (const m of client().preflight('detect(when(data("x") > 1)).publish()', {
      start: 1,
      stop: 9,
      immediate: true,
    })) {
      messages.push(m);
    }
    expect(messages).toEqual([{ type: 'data', logicalTimestampMs: 5, data: { [TS_A]: 1 } }]);
    const request = server.httpRequests.at(-1)!;
    expect(request.url).toBe('/v2/signalflow/preflight?start=1&stop=9&immediate=true');
    expect(request.body).toBe('detect(when(data("x") > 1)).publish()');
    expect(request.headers['content-type']).toMatch(/^text\/plain/);
    expect(request.headers['x-sf-token']).toBe(GOOD_TOKEN);
  });

  it('reads an event stream that arrives one byte per write, multi-byte characters split', async () => {
    const host = 'h\u00e9\u{1F600}';
    scenario = async (sink) => {
      await sink.writeBytewise(
        `event: control-message\ndata: {"event":"JOB_START","handle":"J1","timestampMs":1}\n\n` +
          `event: metadata\r\ndata: {"tsId":"${TS_A}","properties":{"host":"${host}"}}\r\n\r\n` +
          `: comment\n\nevent: data\ndata: {"logicalTimestampMs":5,\ndata: "data":[{"tsId":"${TS_A}","value":2.5}]}\n\n` +
          `event: control-message\ndata: {"event":"END_OF_CHANNEL","timestampMs":2}\n\n`,
      );
      sink.end();
    };
    const computation = client().execute('x');
    const messages: ComputationMessage[] = [];
    for await (const m of computation) messages.push(m);
    expect(messages).toEqual([
      { type: 'job-start', handle: 'J1' },
      { type: 'metadata', tsId: TS_A, properties: { host } },
      { type: 'data', logicalTimestampMs: 5, data: { [TS_A]: 2.5 } },
    ]);
    expect(computation.state).toBe('completed');
  });

  it('turns an HTTP 400 into ComputationFailedError', async () => {
    const error = await (async () => {
      for await (const _ of client().execute('http-400')) {
        // no message expected
      }
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ComputationFailedError);
    expect((error as ComputationFailedError).errorType).toBe('ANALYTICS_PROGRAM_NAME_ERROR');
    expect((error as ComputationFailedError).status).toBe(400);
  });

  it('starts, keeps alive and stops background jobs over HTTP', async () => {
    const flow = client();
    const handle = await flow.start('data("x").publish()', { start: 100 });
    expect(handle).toMatch(/^JOB-\d+$/);
    expect(server.httpRequests.at(-1)!.url).toBe('/v2/signalflow/start?start=100');
    await flow.keepalive(handle);
    expect(server.httpRequests.at(-1)!.url).toBe(`/v2/signalflow/${handle}/keepalive`);
    await expect(flow.stop('nope', 'x')).rejects.toMatchObject({ code: 'SFX_ERR_NOT_FOUND' });
    await expect(client('bad-token-000').start('x')).rejects.toBeInstanceOf(AuthError);
  });
});
