import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import {
  type ComputationData,
  type ComputationMessage,
  encodeDataFrame,
  FrameDecodeError,
  SignalFlowClient,
  type SignalFlowClientOptions,
} from '../src/index.js';
import {
  FakeSignalFlowServer,
  GOOD_TOKEN,
  type Scenario,
  type Sink,
  TS_A,
  TS_B,
  TS_C,
  waitFor,
} from './helpers/fake-signalflow.js';

const T0 = 1_700_000_000_000;

let scenario: Scenario = () => {};
let server: FakeSignalFlowServer;
const clients: SignalFlowClient[] = [];

beforeAll(async () => {
  server = await FakeSignalFlowServer.start({ scenario: (sink) => scenario(sink) });
});
afterAll(async () => {
  await server.close();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

function client(options: SignalFlowClientOptions = {}): SignalFlowClient {
  const created = new SignalFlowClient({
    token: GOOD_TOKEN,
    endpoint: server.url.replace('http:', 'ws:'),
    compress: false,
    reconnect: { maxAttempts: 5, initialDelayMs: 20, maxDelayMs: 100 },
    ...options,
  });
  clients.push(created);
  return created;
}

async function collect(iterable: AsyncIterable<ComputationMessage>): Promise<ComputationMessage[]> {
  const out: ComputationMessage[] = [];
  for await (const message of iterable) out.push(message);
  return out;
}

const dataOf = (messages: ComputationMessage[]) => messages.filter((m): m is ComputationData => m.type === 'data');

function begin(sink: Sink): void {
  sink.control('STREAM_START');
  sink.control('JOB_START', { handle: server.registerHandle(sink) });
}

describe('WebSocket frames', () => {
  it.each([
    ['v1', { version: 1 }],
    ['v2 (16-bit header)', { version: 2 }],
    ['v3', { version: 3 }],
    ['v1 gzip', { version: 1, compress: true }],
    ['v2 gzip', { version: 2, compress: true }],
    ['v3 gzip', { version: 3, compress: true }],
    ['JSON text', { json: true }],
  ] as const)('decodes data frames: %s', async (_name, options) => {
    scenario = (sink) => {
      begin(sink);
      sink.data(
        {
          logicalTimestampMs: T0,
          maxDelayMs: 2000,
          data: [
            { tsId: TS_A, value: 3.5 },
            { tsId: TS_B, value: 1234567890123 },
            { tsId: TS_C, value: null },
          ],
        },
        options,
      );
      sink.control('END_OF_CHANNEL');
    };
    const batches = dataOf(await collect(client().execute('x')));
    const expected: ComputationData = {
      type: 'data',
      logicalTimestampMs: T0,
      data: { [TS_A]: 3.5, [TS_B]: 1234567890123, [TS_C]: null },
    };
    if ('version' in options && options.version !== 1) expected.maxDelayMs = 2000;
    if ('json' in options) expected.maxDelayMs = 2000;
    expect(batches).toEqual([expected]);
  });

  it('routes JSON-in-binary frames (gzip and plain) of every message type', async () => {
    scenario = (sink) => {
      const binary = { binary: true, compress: true };
      sink.message({ type: 'control-message', event: 'STREAM_START', timestampMs: 1 }, binary);
      sink.message({ type: 'control-message', event: 'JOB_START', handle: 'H1', timestampMs: 1 }, { binary: true });
      sink.message({ type: 'metadata', tsId: TS_A, properties: { sf_metric: 'm' } }, binary);
      sink.message({ type: 'data', logicalTimestampMs: T0, data: [{ tsId: TS_A, value: 1 }] }, binary);
      sink.message(
        {
          type: 'message',
          logicalTimestampMs: T0 + 1000,
          message: { messageCode: 'JOB_RUNNING_RESOLUTION', contents: { resolutionMs: 1000 } },
        },
        binary,
      );
      sink.message({ type: 'event', tsId: TS_A, timestampMs: 5, metadata: {}, properties: { is: 'ok' } }, binary);
      sink.message({ type: 'expired-tsid', tsId: TS_A }, binary);
      sink.message({ type: 'control-message', event: 'END_OF_CHANNEL', timestampMs: 1 }, binary);
    };
    const computation = client().execute('x');
    const messages = await collect(computation);
    expect(messages.map((m) => m.type)).toEqual(['job-start', 'metadata', 'data', 'info', 'event', 'expired-tsid']);
    expect(computation.handle).toBe('H1');
    expect(computation.resolution).toBe(1000);
    expect(dataOf(messages)[0]!.data).toEqual({ [TS_A]: 1 });
  });

  it('asks for compressed frames by default', async () => {
    scenario = (sink) => sink.control('END_OF_CHANNEL');
    const flow = new SignalFlowClient({ token: GOOD_TOKEN, endpoint: server.url });
    clients.push(flow);
    await collect(flow.execute('x'));
    expect(server.requests.at(-1)).toMatchObject({ type: 'execute', compress: true });
  });

  it('skips unknown frame versions with a warning and swallows KEEP_ALIVE; fails the channel on a malformed frame', async () => {
    scenario = (sink) => {
      begin(sink);
      sink.message({ type: 'control-message', event: 'KEEP_ALIVE', timestampMs: 1, channel: undefined });
      const unknown = encodeDataFrame({ channel: sink.channel, logicalTimestampMs: T0, data: [] });
      unknown[0] = 7;
      const unknownType = encodeDataFrame({ channel: sink.channel, logicalTimestampMs: T0, data: [] });
      unknownType[1] = 13;
      // Two data messages per timestamp.
      sink.data({ logicalTimestampMs: T0, data: [{ tsId: TS_A, value: 1 }] });
      sink.data({ logicalTimestampMs: T0, data: [] });
      sink.data({ logicalTimestampMs: T0 + 1000, data: [{ tsId: TS_A, value: 2 }] });
      sink.message({ type: 'raw', bytes: Array.from(unknown) });
      sink.message({ type: 'raw', bytes: Array.from(unknownType) });
      sink.data({ logicalTimestampMs: T0 + 1000, data: [] });
      sink.data({ logicalTimestampMs: T0 + 2000, data: [{ tsId: TS_A, value: 3 }] });
      // A second frame of T0+2000 whose second record has value type 9: T0+2000 must not be yielded half.
      const bad = encodeDataFrame({
        channel: sink.channel,
        logicalTimestampMs: T0 + 2000,
        data: [
          { tsId: TS_B, value: 4 },
          { tsId: TS_C, value: 5 },
        ],
      });
      bad[20 + 12 + 17] = 9;
      sink.message({ type: 'raw', bytes: Array.from(bad) });
      const truncated = encodeDataFrame({
        channel: sink.channel,
        logicalTimestampMs: T0 + 3000,
        data: [{ tsId: TS_A, value: 3 }],
      });
      sink.message({ type: 'raw', bytes: Array.from(truncated.subarray(0, truncated.length - 3)) });
    };
    const warnings: string[] = [];
    const computation = client({ logger: { warn: (_fields, message) => warnings.push(String(message)) } }).execute('x');
    const messages: ComputationMessage[] = [];
    const error = await (async () => {
      for await (const message of computation) messages.push(message);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FrameDecodeError);
    expect((error as FrameDecodeError).code).toBe('SFX_ERR_FRAME');
    expect((error as FrameDecodeError).message).toMatch(/value type 9/);
    expect((error as FrameDecodeError).channel).toBe(computation.channel);
    expect(dataOf(messages).map((m) => [m.logicalTimestampMs, m.data])).toEqual([
      [T0, { [TS_A]: 1 }],
      [T0 + 1000, { [TS_A]: 2 }],
    ]);
    expect(warnings.filter((w) => w === 'SignalFlow frame skipped').length).toBe(2);
    await waitFor(() => server.requests.some((r) => r.type === 'detach' && r.channel === computation.channel));
  });

  it('skips text frames that are not JSON objects, and never throws from the socket handler', async () => {
    scenario = (sink) => {
      begin(sink);
      sink.message({ type: 'raw-text', text: 'not json' });
      sink.message({ type: 'raw-text', text: '[1,2]' });
      sink.message({ type: 'raw-text', text: 'null' });
      sink.data({ logicalTimestampMs: T0, data: [{ tsId: TS_A, value: 1 }] });
      sink.control('END_OF_CHANNEL');
    };
    const batches = dataOf(await collect(client().execute('x')));
    expect(batches.map((m) => m.data)).toEqual([{ [TS_A]: 1 }]);
  });
});

describe('one socket, many computations', () => {
  it('multiplexes two computations on one connection with their own data', async () => {
    scenario = async (sink) => {
      begin(sink);
      const value = sink.request.program === 'a' ? 1 : 2;
      for (let i = 0; i < 20; i++) {
        sink.data({ logicalTimestampMs: T0 + i * 1000, data: [{ tsId: TS_A, value: value * 100 + i }] });
        await new Promise((r) => setImmediate(r));
      }
      sink.control('END_OF_CHANNEL');
    };
    const before = server.connections;
    const flow = client();
    const a = flow.execute('a');
    const b = flow.execute('b');
    expect(a.channel).not.toBe(b.channel);
    const [left, right] = await Promise.all([collect(a), collect(b)]);
    expect(dataOf(left).map((m) => m.data[TS_A])).toEqual(Array.from({ length: 20 }, (_, i) => 100 + i));
    expect(dataOf(right).map((m) => m.data[TS_A])).toEqual(Array.from({ length: 20 }, (_, i) => 200 + i));
    expect(server.connections).toBe(before + 1);
    const authentications = server.requests.filter((r) => r.type === 'authenticate');
    expect(authentications.at(-1)).toMatchObject({ token: GOOD_TOKEN });
  });

  it('a slow consumer pauses the shared socket: the other computation waits, and nothing is lost', async () => {
    const FRAMES = 2500;
    const points = Array.from({ length: 200 }, (_, i) => ({
      tsId: Buffer.from([0, 0, 0, 0, 0, 1, i >> 8, i & 255]).toString('base64url'),
      value: i,
    }));
    const sinks: Sink[] = [];
    scenario = async (sink) => {
      sinks.push(sink);
      begin(sink);
      for (let i = 0; i < FRAMES && !sink.closed; i++) {
        sink.data({ logicalTimestampMs: T0 + i * 1000, data: points });
        if (i % 20 === 0) await new Promise((r) => setImmediate(r));
      }
      sink.control('END_OF_CHANNEL');
    };
    const flow = client({ maxBufferedMessages: 5 });
    const slow = flow.execute('slow');
    const fast = flow.execute('fast');
    let fastDone = false;
    const fastResult = collect(fast).then((messages) => {
      fastDone = true;
      return messages;
    });
    // Nobody reads `slow`: once it holds 5 messages the socket stops reading, and the server's
    // writes pile up on its side.
    await waitFor(() => sinks.length === 2 && sinks[0]!.bufferedAmount() > 1_000_000, 10_000, 'server backlog');
    expect(fastDone).toBe(false);
    await slow.close();
    const batches = dataOf(await fastResult);
    expect(batches.map((b) => b.logicalTimestampMs)).toEqual(Array.from({ length: FRAMES }, (_, i) => T0 + i * 1000));
    expect(fast.state).toBe('completed');
  });

  it('sends keepalive and attach requests', async () => {
    scenario = (sink) => {
      begin(sink);
      sink.data({ logicalTimestampMs: T0, data: [{ tsId: TS_A, value: 9 }] });
      sink.control('END_OF_CHANNEL');
    };
    const flow = client();
    await flow.keepalive('JOB-9');
    await waitFor(() => server.requests.some((r) => r.type === 'keepalive' && r.handle === 'JOB-9'));
    const attached = dataOf(await collect(flow.attach('JOB-9', { filters: 'host:a', resolution: 5000 })));
    expect(attached.map((m) => m.data)).toEqual([{ [TS_A]: 9 }]);
    expect(server.requests.find((r) => r.type === 'attach')).toMatchObject({
      handle: 'JOB-9',
      filters: 'host:a',
      resolution: 5000,
    });
  });
});

describe('requests without a reply', () => {
  it('a keepalive sent while the socket is closing goes out on the next connection, not as a raw ws error', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/v2/signalflow/connect' });
    await once(wss, 'listening');
    const connections: WebSocket[] = [];
    const keepalives: number[] = [];
    wss.on('connection', (ws) => {
      const index = connections.push(ws) - 1;
      ws.on('error', () => {});
      ws.on('message', (raw) => {
        const request = JSON.parse(raw.toString()) as Record<string, unknown>;
        if (request.type === 'authenticate')
          ws.send(JSON.stringify({ type: 'authenticated', userId: 'u', orgId: 'o' }));
        if (request.type === 'keepalive') keepalives.push(index);
      });
    });
    const flow = new SignalFlowClient({
      token: GOOD_TOKEN,
      endpoint: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
      reconnect: { maxAttempts: 5, initialDelayMs: 5, maxDelayMs: 20 },
    });
    try {
      await flow.keepalive('J1');
      await waitFor(() => keepalives.length === 1);
      // The server starts the closing handshake and then reads nothing more: the client's socket
      // stays CLOSING (its close frame is never answered) until the server lets go.
      const raw = (connections[0] as unknown as { _socket: Socket })._socket;
      raw.write(Buffer.from([0x88, 0x02, 0x03, 0xe8]));
      raw.pause();
      let pending: Promise<unknown> | undefined;
      for (let i = 0; i < 100 && pending === undefined; i++) {
        // Back to the event loop, so that the client reads the close frame at some point.
        await new Promise((r) => setTimeout(r, 5));
        const attempt = flow.keepalive('J2').then(
          () => 'sent',
          (error: unknown) => error,
        );
        const outcome = await Promise.race([attempt, new Promise((r) => setTimeout(() => r('waiting'), 50))]);
        if (outcome !== 'sent') pending = attempt;
      }
      expect(pending).toBeDefined();
      raw.destroy();
      expect(await pending).toBe('sent');
      await waitFor(() => keepalives.at(-1) === 1, 5000, 'the keepalive on the second connection');
      expect(connections.length).toBe(2);
    } finally {
      await flow.close();
      for (const ws of connections) ws.terminate();
      await new Promise((r) => wss.close(r));
    }
  });
});

describe('HTTP CONNECT proxy', () => {
  let proxy: Server;
  const tunnels: string[] = [];
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    proxy = createServer((_req, res) => {
      res.writeHead(405);
      res.end();
    });
    proxy.on('connect', (req, clientSocket: Socket, head: Buffer) => {
      tunnels.push(String(req.url));
      const [host, port] = String(req.url).split(':');
      // `signalflow.test` exists only for this proxy: it is the loopback fake server.
      const upstream = connect(Number(port), host === 'signalflow.test' ? '127.0.0.1' : host!, () => {
        clientSocket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.length > 0) upstream.write(head);
        upstream.pipe(clientSocket);
        clientSocket.pipe(upstream);
      });
      for (const s of [upstream, clientSocket]) {
        sockets.add(s);
        s.on('error', () => {});
        s.on('close', () => sockets.delete(s));
      }
    });
    proxy.listen(0, '127.0.0.1');
    await once(proxy, 'listening');
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => proxy.close(r));
  });

  it.each(['websocket', 'sse'] as const)('%s goes through the proxy named by the option', async (transport) => {
    scenario = (sink) => {
      begin(sink);
      sink.data({ logicalTimestampMs: T0, data: [{ tsId: TS_A, value: 5 }] });
      sink.control('END_OF_CHANNEL');
      sink.end();
    };
    const before = tunnels.length;
    const flow = client({
      transport,
      endpoint: server.url,
      proxy: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    });
    const batches = dataOf(await collect(flow.execute('x')));
    expect(batches.map((b) => b.data)).toEqual([{ [TS_A]: 5 }]);
    expect(tunnels.slice(before)).toEqual([`127.0.0.1:${server.port}`]);
  });

  it.each(['websocket', 'sse'] as const)(
    '%s takes the proxy from HTTP_PROXY when NO_PROXY does not name the host',
    async (transport) => {
      scenario = (sink) => {
        begin(sink);
        sink.data({ logicalTimestampMs: T0, data: [{ tsId: TS_A, value: 6 }] });
        sink.control('END_OF_CHANNEL');
        sink.end();
      };
      const saved = { HTTP_PROXY: process.env.HTTP_PROXY, NO_PROXY: process.env.NO_PROXY };
      process.env.HTTP_PROXY = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      process.env.NO_PROXY = 'other.test,.example.invalid';
      try {
        const before = tunnels.length;
        const flow = client({ transport, endpoint: `http://signalflow.test:${server.port}` });
        const batches = dataOf(await collect(flow.execute('x')));
        expect(batches.map((b) => b.data)).toEqual([{ [TS_A]: 6 }]);
        expect(tunnels.slice(before)).toEqual([`signalflow.test:${server.port}`]);
      } finally {
        for (const [key, value] of Object.entries(saved)) {
          if (value === undefined) delete process.env[key];
          else process.env[key] = value;
        }
      }
    },
  );

  it('speaks TLS (wss) to an https endpoint: against a plain server it fails with ConnectionError', async () => {
    scenario = () => {};
    const before = tunnels.length;
    const flow = client({
      endpoint: `https://signalflow.test:${server.port}`,
      reconnect: false,
      proxy: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    });
    const error = await collect(flow.execute('x')).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SFX_ERR_CONNECTION' });
    expect(String((error as Error).message)).toMatch(/TLS/);
    expect(tunnels.slice(before)).toEqual([`signalflow.test:${server.port}`]);
  });

  it('fails with ConnectionError when the proxy refuses', async () => {
    const refusing = createServer();
    refusing.on('connect', (_req, socket: Socket) => socket.end('HTTP/1.1 403 Forbidden\r\n\r\n'));
    refusing.listen(0, '127.0.0.1');
    await once(refusing, 'listening');
    try {
      const flow = client({
        reconnect: false,
        proxy: `http://127.0.0.1:${(refusing.address() as AddressInfo).port}`,
      });
      await expect(collect(flow.execute('x'))).rejects.toMatchObject({ code: 'SFX_ERR_CONNECTION' });
    } finally {
      await new Promise((r) => refusing.close(r));
    }
  });

  it('fails the computation with ConnectionError for a malformed proxy URL instead of throwing from execute', async () => {
    const flow = client({ proxy: 'http://[not-a-host' });
    const controller = new AbortController();
    const computation = (() => {
      try {
        return flow.execute('x', { signal: controller.signal });
      } catch (error) {
        return error;
      }
    })();
    expect(computation).toHaveProperty('channel');
    const error = await collect(computation as AsyncIterable<ComputationMessage>).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SFX_ERR_CONNECTION' });
    expect(String((error as Error).message)).toMatch(/proxy/);
    expect((computation as { state: string }).state).toBe('failed');
  });
});
