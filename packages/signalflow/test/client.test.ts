import { AuthError, ConnectionError } from '@sfx/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ComputationAbortedError,
  type ComputationData,
  ComputationFailedError,
  type ComputationMessage,
  ProtocolError,
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
const RES = 1000;

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

function client(transport: 'websocket' | 'sse', options: SignalFlowClientOptions = {}): SignalFlowClient {
  const created = new SignalFlowClient({
    token: GOOD_TOKEN,
    endpoint: server.url,
    transport,
    compress: false,
    reconnect: { maxAttempts: 5, initialDelayMs: 20, maxDelayMs: 100 },
    ...options,
  });
  clients.push(created);
  return created;
}

async function collect(iterable: AsyncIterable<ComputationMessage>, limit = 10_000): Promise<ComputationMessage[]> {
  const out: ComputationMessage[] = [];
  for await (const message of iterable) {
    out.push(message);
    if (out.length >= limit) break;
  }
  return out;
}

function dataOf(messages: ComputationMessage[]): ComputationData[] {
  return messages.filter((m): m is ComputationData => m.type === 'data');
}

function start(sink: Sink): string {
  const handle = server.registerHandle(sink);
  sink.control('STREAM_START');
  sink.control('JOB_START', { handle });
  return handle;
}

/** The real message order (spec §7) with every message type, two publish blocks per timestamp. */
const fullStream: Scenario = (sink) => {
  start(sink);
  sink.message({ type: 'metadata', tsId: TS_A, properties: { sf_metric: 'cpu', host: 'a' } });
  sink.data({ logicalTimestampMs: T0, data: [{ tsId: TS_A, value: 1.5 }] });
  sink.message({ type: 'metadata', tsId: TS_B, properties: { sf_metric: 'mem' } });
  sink.message({ type: 'metadata', tsId: TS_C, properties: { sf_metric: 'disk' } });
  sink.data({
    logicalTimestampMs: T0,
    data: [
      { tsId: TS_B, value: 42 },
      { tsId: TS_C, value: null },
    ],
  });
  sink.info('JOB_RUNNING_RESOLUTION', T0 + RES, { contents: { resolutionMs: RES } });
  sink.info('FETCH_NUM_TIMESERIES', T0 + RES, { numInputTimeSeries: 7 });
  sink.info('FIND_LIMITED_RESULT_SET', T0 + RES, { contents: { matchedSize: 100, limitSize: 10 } });
  sink.info('GROUPBY_MISSING_PROPERTY', T0 + RES, { contents: { propertyNames: ['host'] } });
  sink.control('JOB_PROGRESS', { progress: 50 });
  sink.data({ logicalTimestampMs: T0 + RES, data: [{ tsId: TS_A, value: 2 }] });
  sink.data({ logicalTimestampMs: T0 + RES, data: [{ tsId: TS_B, value: -7 }] });
  sink.message({
    type: 'event',
    tsId: TS_A,
    timestampMs: T0 + RES,
    metadata: {},
    properties: { is: 'anomalous', was: 'ok', inputValues: '{"a":4}' },
  });
  sink.message({ type: 'expired-tsid', tsId: TS_C });
  sink.data({ logicalTimestampMs: T0 + 2 * RES, data: [] });
  sink.data({ logicalTimestampMs: T0 + 2 * RES, data: [] });
  sink.control('END_OF_CHANNEL');
  sink.end();
};

/** A stream that goes on (500 timestamps, 2 ms apart) until the client leaves. */
const longStream: Scenario = async (sink) => {
  start(sink);
  for (let i = 0; i < 500 && !sink.closed; i++) {
    sink.data({ logicalTimestampMs: T0 + i * RES, data: [{ tsId: TS_A, value: i }] });
    await new Promise((r) => setTimeout(r, 2));
  }
};

describe.each(['websocket', 'sse'] as const)('%s transport', (transport) => {
  it('streams every message type, merges each timestamp and keeps the computation state', async () => {
    scenario = fullStream;
    const flow = client(transport);
    const computation = flow.execute('data("cpu").publish()', { start: T0, stop: T0 + 3 * RES, immediate: true });
    const messages = await collect(computation);
    expect(messages.map((m) => m.type)).toEqual([
      'job-start',
      'metadata',
      'metadata',
      'metadata',
      'data',
      'info',
      'info',
      'info',
      'info',
      'job-progress',
      'data',
      'event',
      'expired-tsid',
      'data',
    ]);
    expect(dataOf(messages)).toEqual([
      { type: 'data', logicalTimestampMs: T0, data: { [TS_A]: 1.5, [TS_B]: 42, [TS_C]: null } },
      { type: 'data', logicalTimestampMs: T0 + RES, data: { [TS_A]: 2, [TS_B]: -7 } },
      { type: 'data', logicalTimestampMs: T0 + 2 * RES, data: {} },
    ]);
    expect(computation.state).toBe('completed');
    expect(computation.handle).toMatch(/^JOB\d+$/);
    expect(computation.resolution).toBe(RES);
    expect(computation.inputTimeSeries).toBe(7);
    expect(computation.warnings.findLimitedResultSet).toEqual({ matchedSize: 100, limitSize: 10 });
    expect(computation.warnings.groupByMissingProperties).toEqual(['host']);
    expect(computation.getMetadata(TS_A)).toEqual({ sf_metric: 'cpu', host: 'a' });
    expect(computation.getMetadata(TS_C)).toBeUndefined();
    expect(computation.knownTsIds()).toEqual([TS_A, TS_B].sort());
    const request = server.requests.at(-1)!;
    expect(request).toMatchObject({ type: 'execute', program: 'data("cpu").publish()', start: T0, stop: T0 + 3 * RES });
  });

  it("keeps an expired series' metadata until the consumer has read the data sent before the expiry", async () => {
    scenario = (sink) => {
      start(sink);
      sink.message({ type: 'metadata', tsId: TS_A, properties: { host: 'a' } });
      sink.message({ type: 'metadata', tsId: TS_B, properties: { host: 'b' } });
      // The first timestamp is still open (nothing learned yet) when B expires.
      sink.data({
        logicalTimestampMs: T0,
        data: [
          { tsId: TS_A, value: 1 },
          { tsId: TS_B, value: 2 },
        ],
      });
      sink.message({ type: 'expired-tsid', tsId: TS_B });
      sink.data({ logicalTimestampMs: T0 + RES, data: [{ tsId: TS_A, value: 3 }] });
      sink.message({ type: 'expired-tsid', tsId: TS_A });
      sink.control('END_OF_CHANNEL');
      sink.end();
    };
    const computation = client(transport).execute('data("cpu").publish()');
    // A consumer that lags behind: everything has arrived before it reads the first message.
    await waitFor(() => computation.finished, 5000, 'the whole stream');
    const seen: string[] = [];
    for await (const message of computation) {
      if (message.type === 'data') {
        for (const tsId of Object.keys(message.data)) {
          seen.push(`${message.logicalTimestampMs - T0} ${String(computation.getMetadata(tsId)?.host)}`);
        }
      } else if (message.type !== 'job-start') {
        seen.push(`${message.type} ${(message as { tsId: string }).tsId === TS_A ? 'A' : 'B'}`);
      }
    }
    expect(seen).toEqual(['metadata A', 'metadata B', '0 a', '0 b', 'expired-tsid B', `${RES} a`, 'expired-tsid A']);
    expect(computation.getMetadata(TS_A)).toBeUndefined();
    expect(computation.knownTsIds()).toEqual([]);
  });

  it('rejects with ComputationFailedError on an error message', async () => {
    scenario = (sink) => {
      start(sink);
      if (sink.transport === 'websocket') {
        sink.message({
          type: 'error',
          error: 400,
          errorType: 'ANALYTICS_PROGRAM_NAME_ERROR',
          message: 'unknown function "dta"',
          context: { line: 1, column: 1 },
        });
      } else {
        sink.message({ type: 'error', errors: [{ code: 'ANALYTICS_ERROR', context: { line: 1 } }] });
      }
      sink.end();
    };
    const computation = client(transport).execute('dta("x").publish()');
    const error = await collect(computation).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ComputationFailedError);
    const failure = error as ComputationFailedError;
    expect(failure.code).toBe('SFX_ERR_COMPUTATION_FAILED');
    expect(failure.errors.length).toBe(1);
    if (transport === 'websocket') {
      expect(failure.status).toBe(400);
      expect(failure.errorType).toBe('ANALYTICS_PROGRAM_NAME_ERROR');
      expect(failure.message).toContain('unknown function');
    }
    expect(computation.state).toBe('failed');
  });

  it('rejects a refused token with AuthError and does not retry', async () => {
    scenario = fullStream;
    const before = server.connections;
    const computation = client(transport, { token: 'bad-token-xyz' }).execute('data("cpu").publish()');
    const error = await collect(computation).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).message).not.toContain('bad-token-xyz');
    if (transport === 'websocket') expect(server.connections).toBe(before + 1);
  });

  it('aborts with the signal: ComputationAbortedError carrying the reason, and the stream is released', async () => {
    scenario = longStream;
    const controller = new AbortController();
    const computation = client(transport).execute('data("cpu").publish()', { signal: controller.signal });
    const seen: number[] = [];
    const error = await (async () => {
      for await (const message of computation) {
        if (message.type === 'data') seen.push(message.logicalTimestampMs);
        if (seen.length === 3) controller.abort(new Error('enough'));
      }
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ComputationAbortedError);
    const aborted = error as ComputationAbortedError;
    expect(aborted.code).toBe('SFX_ERR_COMPUTATION_ABORTED');
    expect(aborted.abortInfo).toEqual({ sf_job_abortState: 'ABORTED', sf_job_abortReason: 'enough' });
    expect((aborted.cause as Error).message).toBe('enough');
    expect(computation.state).toBe('aborted');
    // Nothing queued is delivered after the abort.
    expect(seen.length).toBe(3);
    expect(await computation.next()).toEqual({ done: true, value: undefined });
    if (transport === 'websocket') {
      await waitFor(() => server.requests.some((r) => r.type === 'detach' && r.channel === computation.channel));
    }
  });

  it('rejects at once for a signal that already fired', async () => {
    scenario = fullStream;
    const computation = client(transport).execute('x', { signal: AbortSignal.abort('too late') });
    const error = await collect(computation).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ComputationAbortedError);
    expect((error as ComputationAbortedError).reason).toBe('too late');
  });

  it('fails only the channel of a malformed data message, with ProtocolError, and keeps complete batches', async () => {
    scenario = (sink) => {
      start(sink);
      if (sink.request.program === 'good') {
        for (let i = 0; i < 3; i++) sink.data({ logicalTimestampMs: T0 + i * RES, data: [{ tsId: TS_A, value: i }] });
        sink.control('END_OF_CHANNEL');
        sink.end();
        return;
      }
      // Two data messages per timestamp.
      sink.data({ logicalTimestampMs: T0, data: [{ tsId: TS_A, value: 1 }] });
      sink.data({ logicalTimestampMs: T0, data: [{ tsId: TS_B, value: 1 }] });
      sink.data({ logicalTimestampMs: T0 + RES, data: [{ tsId: TS_A, value: 2 }] });
      // The second message of T0+RES is broken: that timestamp must not be yielded half.
      sink.message({ type: 'data', logicalTimestampMs: T0 + RES, data: [null, { tsId: TS_B, value: 'x' }] });
      sink.data({ logicalTimestampMs: T0 + 2 * RES, data: [{ tsId: TS_A, value: 3 }] });
    };
    const flow = client(transport);
    const bad = flow.execute('bad');
    const good = flow.execute('good');
    const messages: ComputationMessage[] = [];
    const error = await (async () => {
      for await (const message of bad) messages.push(message);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).code).toBe('SFX_ERR_PROTOCOL');
    expect(bad.state).toBe('failed');
    expect(dataOf(messages)).toEqual([{ type: 'data', logicalTimestampMs: T0, data: { [TS_A]: 1, [TS_B]: 1 } }]);
    expect(dataOf(await collect(good)).map((m) => m.data[TS_A])).toEqual([0, 1, 2]);
    expect(good.state).toBe('completed');
  });

  it('stops a job: the computation ends with ComputationAbortedError', async () => {
    scenario = longStream;
    const flow = client(transport);
    const computation = flow.execute('data("cpu").publish()');
    const error = await (async () => {
      for await (const message of computation) {
        if (message.type === 'job-start') await flow.stop(message.handle, 'done testing');
      }
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ComputationAbortedError);
    expect((error as ComputationAbortedError).state).toBe('STOPPED');
    expect((error as ComputationAbortedError).reason).toBe('done testing');
    expect(computation.state).toBe('aborted');
  });

  it('closes a computation with break (detach), the client stays usable', async () => {
    scenario = longStream;
    const flow = client(transport);
    const first = flow.execute('data("cpu").publish()');
    let count = 0;
    for await (const message of first) {
      if (message.type === 'data' && ++count === 2) break;
    }
    expect(first.state).toBe('closed');
    if (transport === 'websocket') {
      await waitFor(() => server.requests.some((r) => r.type === 'detach' && r.channel === first.channel));
    }
    scenario = fullStream;
    expect(dataOf(await collect(flow.execute('data("cpu").publish()'))).length).toBe(3);
  });

  it.each([
    ['in the middle of a timestamp', 25, 'mid'],
    ['between two timestamps', 25, 'after'],
    ['inside the first timestamp, before anything was yielded', 0, 'mid'],
  ] as const)('resumes after the server dies %s: no duplicate and no gap', async (_where, killAt, position) => {
    const TOTAL = 60;
    let killed = false;
    const kill = async () => {
      killed = true;
      // The server process dies: every socket is destroyed and nothing listens for a while.
      await server.stop();
      await new Promise((r) => setTimeout(r, 50));
      await server.restart();
    };
    scenario = async (sink) => {
      start(sink);
      const from = typeof sink.request.start === 'number' ? sink.request.start : T0;
      for (let ts = from, i = 0; ts < T0 + TOTAL * RES && !sink.closed; ts += RES, i++) {
        const dies = !killed && ts === T0 + killAt * RES;
        sink.data({ logicalTimestampMs: ts, data: [{ tsId: TS_A, value: ts }] });
        if (dies && position === 'mid') {
          // Let the half timestamp reach the client before dying.
          await new Promise((r) => setTimeout(r, 20));
          return kill();
        }
        sink.data({ logicalTimestampMs: ts, data: [{ tsId: TS_B, value: -ts }] });
        if (dies) return kill();
        if (ts === from) sink.info('JOB_RUNNING_RESOLUTION', ts + RES, { contents: { resolutionMs: RES } });
        if (i % 5 === 0) await new Promise((r) => setTimeout(r, 1));
      }
      sink.control('END_OF_CHANNEL');
      sink.end();
    };
    const computation = client(transport, {
      reconnect: { maxAttempts: 50, initialDelayMs: 10, maxDelayMs: 40 },
    }).execute('data("cpu").publish()', { start: T0 });
    const batches = dataOf(await collect(computation));
    expect(killed).toBe(true);
    const timestamps = batches.map((b) => b.logicalTimestampMs);
    expect(timestamps).toEqual(Array.from({ length: TOTAL }, (_, i) => T0 + i * RES));
    for (const batch of batches) {
      expect(batch.data).toEqual({ [TS_A]: batch.logicalTimestampMs, [TS_B]: -batch.logicalTimestampMs });
    }
    const executes = server.requests.filter((r) => r.type === 'execute');
    const resumed = executes.at(-1)!;
    expect(executes.at(-2)!.start).toBe(T0);
    if (killAt === 0) {
      // Nothing was complete: the same request again.
      expect(resumed.start).toBe(T0);
    } else {
      // From the last complete timestamp (or shortly before it, when the kill overtook the last frames).
      expect(resumed.start).toBeLessThanOrEqual(T0 + killAt * RES);
      expect(resumed.start).toBeGreaterThanOrEqual(T0 + (killAt - 5) * RES);
    }
  });

  it('close() ends every running computation cleanly', async () => {
    scenario = longStream;
    const flow = client(transport);
    const a = flow.execute('a');
    const b = flow.execute('b');
    const done = Promise.all([collect(a), collect(b)]);
    await waitFor(() => a.state === 'data-received' && b.state === 'data-received');
    await flow.close();
    const [left, right] = await done;
    expect(dataOf(left).length).toBeGreaterThan(0);
    expect(dataOf(right).length).toBeGreaterThan(0);
    expect(a.state).toBe('closed');
    expect(b.state).toBe('closed');
    await expect(flow.keepalive('JOB1')).rejects.toThrow(/closed/);
    const late = flow.execute('c');
    await expect(collect(late)).rejects.toMatchObject({ code: 'SFX_ERR_CLOSED' });
  });

  it('treats a silent connection as dropped and resumes', async () => {
    let connection = 0;
    scenario = async (sink) => {
      connection++;
      start(sink);
      const from = typeof sink.request.start === 'number' ? sink.request.start : T0;
      for (let ts = from; ts < T0 + 10 * RES; ts += RES) {
        sink.data({ logicalTimestampMs: ts, data: [{ tsId: TS_A, value: ts }] });
        // The first connection goes silent (no data, no KEEP_ALIVE) after T0+4s, but stays open.
        if (connection === 1 && ts === T0 + 4 * RES) return;
      }
      sink.control('END_OF_CHANNEL');
      sink.end();
    };
    const computation = client(transport, { idleTimeoutMs: 100 }).execute('x', { start: T0 });
    const batches = dataOf(await collect(computation));
    expect(batches.map((b) => b.logicalTimestampMs)).toEqual(Array.from({ length: 10 }, (_, i) => T0 + i * RES));
    expect(connection).toBe(2);
  });

  it('fails with ConnectionError when reconnection attempts run out', async () => {
    scenario = async (sink) => {
      start(sink);
      sink.data({ logicalTimestampMs: T0, data: [{ tsId: TS_A, value: 1 }] });
      await new Promise((r) => setTimeout(r, 5));
      await server.stop();
    };
    const computation = client(transport, { reconnect: { maxAttempts: 2, initialDelayMs: 5, maxDelayMs: 10 } }).execute(
      'data("cpu").publish()',
    );
    try {
      const messages: ComputationMessage[] = [];
      const error = await (async () => {
        for await (const message of computation) messages.push(message);
      })().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectionError);
      expect(dataOf(messages)).toEqual([]);
      expect(computation.state).toBe('failed');
    } finally {
      await server.restart();
    }
  });

  it('gives up on a server that accepts and drops at once: ConnectionError after maxAttempts', async () => {
    scenario = (sink) => {
      start(sink);
      sink.data({ logicalTimestampMs: T0, data: [{ tsId: TS_A, value: 1 }] });
      setImmediate(() => server.killConnections());
    };
    const executes = () => server.requests.filter((r) => r.type === 'execute').length;
    const before = executes();
    const computation = client(transport, { reconnect: { maxAttempts: 3, initialDelayMs: 5, maxDelayMs: 10 } }).execute(
      'data("cpu").publish()',
      { start: T0 },
    );
    const messages: ComputationMessage[] = [];
    const error = await (async () => {
      for await (const message of computation) messages.push(message);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(computation.state).toBe('failed');
    // The first connection and exactly three reconnections, each of which authenticated and executed.
    expect(executes() - before).toBe(4);
    const timestamps = dataOf(messages).map((m) => m.logicalTimestampMs);
    expect(new Set(timestamps).size).toBe(timestamps.length);
  });

  it('pauses the connection for a slow consumer instead of buffering without bound', async () => {
    const FRAMES = 3000;
    const points = Array.from({ length: 200 }, (_, i) => ({
      tsId: Buffer.from([0, 0, 0, 0, 0, 0, i >> 8, i & 255]).toString('base64url'),
      value: i,
    }));
    let sinkRef: Sink | undefined;
    let sent = 0;
    scenario = async (sink) => {
      sinkRef = sink;
      start(sink);
      for (let i = 0; i < FRAMES && !sink.closed; i++) {
        sink.data({ logicalTimestampMs: T0 + i * RES, data: points });
        sent++;
        if (sink.transport === 'sse' && i % 50 === 0) await new Promise((r) => setImmediate(r));
      }
      sink.control('END_OF_CHANNEL');
      sink.end();
    };
    const computation = client(transport, { maxBufferedMessages: 20 }).execute('data("x").publish()');
    const iterator = computation[Symbol.asyncIterator]();
    await iterator.next();
    // The server has written everything it could; the client stopped reading once its buffer was full.
    await waitFor(() => sent === FRAMES || (sinkRef?.bufferedAmount() ?? 0) > 2_000_000, 10_000, 'server backlog');
    await waitFor(() => (sinkRef?.bufferedAmount() ?? 0) > 1_000_000, 10_000, 'server-side backlog');
    await new Promise((r) => setTimeout(r, 50));
    const backlog = sinkRef!.bufferedAmount();
    await new Promise((r) => setTimeout(r, 50));
    expect(sinkRef!.bufferedAmount()).toBeGreaterThan(1_000_000);
    expect(sinkRef!.bufferedAmount()).toBeGreaterThanOrEqual(backlog - 600_000);
    let timestamps = 0;
    let last = -1;
    for (let result = await iterator.next(); !result.done; result = await iterator.next()) {
      if (result.value.type === 'data') {
        expect(result.value.logicalTimestampMs).toBeGreaterThan(last);
        last = result.value.logicalTimestampMs;
        timestamps++;
      }
    }
    expect(timestamps).toBe(FRAMES);
  });
});
