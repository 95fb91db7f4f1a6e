import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulatorWith } from '../../src/emulator.js';
import { FAKE_TS_ID, fakeEngine } from '../helpers/fake-engine.js';
import { endOf, type Message, RawClient } from '../helpers/ws-client.js';

const T0 = 1_700_000_000_000;

let emulator: Emulator;
let client: RawClient;
let engine: ReturnType<typeof fakeEngine>;

beforeEach(async () => {
  engine = fakeEngine(['A', 'B']);
  emulator = await startEmulatorWith({ tokens: ['dev-token'] }, engine);
  client = await RawClient.connect(emulator.streamUrl);
});

afterEach(async () => {
  client.close();
  await emulator.close();
});

const summary = (messages: Message[]) =>
  messages.map((m) =>
    m.type === 'control-message' ? m.event : m.type === 'message' ? (m.message as Message).messageCode : m.type,
  );

describe('SignalFlow over WebSocket', () => {
  it('authenticates and streams a historical job in the order clients rely on', async () => {
    await client.authenticate();
    expect(client.messages[0]).toMatchObject({
      type: 'authenticated',
      userId: expect.any(String),
      orgId: expect.any(String),
    });
    client.send({
      type: 'execute',
      channel: 'ch-1',
      program: "data('cpu').publish('A')",
      start: T0,
      stop: T0 + 20_000,
    });
    await client.waitFor(endOf('ch-1'));
    const messages = client.channel('ch-1');
    expect(summary(messages)).toEqual([
      'STREAM_START',
      'JOB_START',
      'metadata',
      'metadata',
      'data',
      'data',
      'JOB_RUNNING_RESOLUTION',
      'JOB_INITIAL_MAX_DELAY',
      'FETCH_NUM_TIMESERIES',
      'data',
      'data',
      'data',
      'data',
      'END_OF_CHANNEL',
    ]);
    expect(messages[1]!.handle).toMatch(/^[A-Za-z0-9_-]{11}$/);
    for (const control of messages.filter((m) => m.type === 'control-message')) {
      expect(control.timestampMs).toEqual(expect.any(Number));
    }
    const data = messages.filter((m) => m.type === 'data');
    expect(data.every((m) => m.binary === true)).toBe(true);
    expect(client.binaryFlags.every((flags) => flags === 0)).toBe(true);
    expect(data.map((m) => m.logicalTimestampMs)).toEqual([T0, T0, T0 + 10_000, T0 + 10_000, T0 + 20_000, T0 + 20_000]);
    expect(data[0]!.data).toEqual([{ tsId: FAKE_TS_ID, value: T0 / 1000, valueType: 'long' }]);
    const resolution = messages.find((m) => m.type === 'message')!;
    expect(resolution).toMatchObject({
      logicalTimestampMs: T0 + 10_000,
      message: { messageCode: 'JOB_RUNNING_RESOLUTION', contents: { resolutionMs: 10_000 } },
    });
    expect(engine.calls[0]).toMatchObject({ start: T0, stop: T0 + 20_000 });
  });

  it('sends gzip JSON frames and gzip data frames when compress is asked', async () => {
    await client.authenticate();
    client.send({ type: 'execute', channel: 'c', program: 'x', start: String(T0), stop: String(T0), compress: 'true' });
    await client.waitFor(endOf('c'));
    const messages = client.channel('c');
    expect(messages.every((m) => m.binary === true)).toBe(true);
    expect(client.binaryFlags.every((flags) => flags === 1 || flags === 3)).toBe(true);
    expect(client.binaryFlags).toContain(1);
    expect(client.binaryFlags).toContain(3);
    expect(summary(messages).at(-1)).toBe('END_OF_CHANNEL');
  });

  it('answers a bad program with the error shape carrying line and column', async () => {
    await client.authenticate();
    client.send({ type: 'execute', channel: 'bad', program: 'syntax error', start: T0, stop: T0 });
    await client.waitFor(endOf('bad'));
    expect(client.channel('bad')).toEqual([
      {
        type: 'error',
        channel: 'bad',
        error: 400,
        errorType: 'ANALYTICS_PROGRAM_SYNTAX_ERROR',
        message: "unexpected ')'",
        context: {
          bindingName: null,
          column: 5,
          line: 2,
          programText: 'syntax error',
          reference: null,
          traceback: null,
        },
      },
    ]);
  });

  it('refuses a bad token with an error and a close', async () => {
    client.send({ type: 'authenticate', token: 'wrong' });
    await client.waitFor(() => client.closeCode !== undefined);
    expect(client.messages[0]).toMatchObject({ type: 'error', message: 'Invalid auth token' });
    expect(client.closeCode).toBe(1008);
  });

  it('refuses requests before authenticate, bad JSON and unknown types without closing', async () => {
    client.send({ type: 'execute', channel: 'x', program: 'p' });
    client.socket.send('{not json');
    await client.authenticate();
    client.send({ type: 'nonsense', channel: 'y' });
    client.send({ type: 'execute', channel: 'this-name-is-too-long', program: 'p' });
    await client.waitFor((messages) => messages.filter((m) => m.type === 'error').length >= 4);
    const errors = client.messages.filter((m) => m.type === 'error');
    expect(errors.map((m) => m.error)).toEqual([401, 400, 400, 400]);
    expect(String(errors[1]!.message)).toContain('not valid JSON');
    expect(String(errors[3]!.message)).toContain('16 ASCII');
    expect(client.closeCode).toBeUndefined();
  });

  it('streams a live job, and stop ends it with CHANNEL_ABORT', async () => {
    await client.authenticate();
    client.send({
      type: 'execute',
      channel: 'live',
      program: 'p',
      start: Date.now() - 25_000,
      resolution: 1000,
      maxDelay: 1,
    });
    await client.waitFor((messages) => messages.some((m) => m.type === 'control-message' && m.event === 'JOB_START'));
    const handle = client.channel('live').find((m) => m.event === 'JOB_START')!.handle;
    await client.waitFor((messages) => messages.filter((m) => m.type === 'data' && m.channel === 'live').length >= 50);
    client.send({ type: 'stop', handle, reason: 'enough' });
    await client.waitFor(endOf('live'));
    expect(client.channel('live').at(-1)).toMatchObject({
      event: 'CHANNEL_ABORT',
      abortInfo: { sf_job_abortState: 'STOPPED', sf_job_abortReason: 'enough' },
    });
  });

  it('detaches a channel, and attaches another one to the same job with replay', async () => {
    await client.authenticate();
    client.send({ type: 'execute', channel: 'one', program: 'p', start: T0, stop: T0 + 10_000 });
    await client.waitFor(endOf('one'));
    const handle = client.channel('one').find((m) => m.event === 'JOB_START')!.handle;
    client.send({ type: 'attach', channel: 'two', handle });
    await client.waitFor(endOf('two'));
    const two = summary(client.channel('two'));
    expect(two.slice(0, 3)).toEqual(['STREAM_START', 'JOB_START', 'metadata']);
    expect(two.filter((s) => s === 'data')).toHaveLength(4);
    expect(two.at(-1)).toBe('END_OF_CHANNEL');

    client.send({ type: 'execute', channel: 'three', program: 'p', start: Date.now(), resolution: 1000 });
    await client.waitFor((messages) => messages.some((m) => m.channel === 'three' && m.event === 'JOB_START'));
    client.send({ type: 'detach', channel: 'three', reason: 'bye' });
    await client.waitFor(endOf('three'));
    expect(client.channel('three').at(-1)).toMatchObject({
      abortInfo: { sf_job_abortState: 'DETACHED', sf_job_abortReason: 'bye' },
    });
  });

  it('sends KEEP_ALIVE control messages without a channel', async () => {
    await emulator.close();
    emulator = await startEmulatorWith({ signalflow: { keepAliveIntervalMs: 20 } }, engine);
    client = await RawClient.connect(emulator.streamUrl);
    await client.authenticate();
    await client.waitFor((messages) => messages.some((m) => m.event === 'KEEP_ALIVE'));
    const keepAlive = client.messages.find((m) => m.event === 'KEEP_ALIVE')!;
    expect(keepAlive.channel).toBeUndefined();
    expect(keepAlive.timestampMs).toEqual(expect.any(Number));
  });
});

describe('jsonDataFrames', () => {
  it('sends data messages as JSON text when asked', async () => {
    await emulator.close();
    emulator = await startEmulatorWith({ signalflow: { jsonDataFrames: true } }, engine);
    client = await RawClient.connect(emulator.streamUrl);
    await client.authenticate();
    client.send({ type: 'execute', channel: 'j', program: 'p', start: T0, stop: T0 });
    await client.waitFor(endOf('j'));
    const data = client.channel('j').filter((m) => m.type === 'data');
    expect(data).toEqual([
      {
        type: 'data',
        channel: 'j',
        logicalTimestampMs: T0,
        maxDelayMs: 1000,
        data: [{ tsId: FAKE_TS_ID, value: T0 / 1000 }],
      },
      expect.objectContaining({ type: 'data', channel: 'j', logicalTimestampMs: T0 }),
    ]);
    expect(client.binaryFlags).toEqual([]);
  });
});

describe('dropConnections', () => {
  it('drops every socket mid-stream without stopping the job', async () => {
    await client.authenticate();
    client.send({ type: 'execute', channel: 'd', program: 'p', start: Date.now() - 5_000, resolution: 1000 });
    await client.waitFor((messages) => messages.some((m) => m.channel === 'd' && m.event === 'JOB_START'));
    const handle = client.channel('d').find((m) => m.event === 'JOB_START')!.handle;
    expect(emulator.dropConnections()).toBe(1);
    await client.waitFor(() => client.closeCode !== undefined);
    expect(client.closeCode).toBe(1006);
    const again = await RawClient.connect(emulator.streamUrl);
    try {
      await again.authenticate();
      again.send({ type: 'attach', channel: 'back', handle });
      await again.waitFor((messages) => messages.some((m) => m.channel === 'back' && m.type === 'data'));
    } finally {
      again.close();
    }
  });
});

describe('job lifetime', () => {
  /** Attaches to `handle` on a fresh channel and returns the first answer: JOB_START or an error. */
  async function attachAnswer(socket: RawClient | undefined, handle: string, channel: string): Promise<Message> {
    if (!socket) throw new Error('not connected');
    socket.send({ type: 'attach', channel, handle });
    const messages = await socket.waitFor((all) =>
      all.some((m) => m.channel === channel && (m.event === 'JOB_START' || m.type === 'error')),
    );
    return messages.find((m) => m.channel === channel && (m.event === 'JOB_START' || m.type === 'error'))!;
  }

  /** Requests are handled in order: once the answer to this one is back, the earlier ones were handled. */
  async function settled(socket: RawClient, channel: string): Promise<void> {
    socket.send({ type: 'detach', channel });
    await socket.waitFor((all) => all.some((m) => m.channel === channel && m.type === 'error'));
  }

  it('keeps the jobs of a dropped socket running (spec §2) until idle for idleJobTimeoutMs; keepalive holds one', async () => {
    let clock = T0 + 3_600_000;
    const swept: string[] = [];
    const lifetime = await startEmulatorWith(
      {
        now: () => clock,
        signalflow: { idleJobTimeoutMs: 100 },
        logger: { debug: (fields: object | string) => swept.push(String((fields as { handle?: string }).handle)) },
      },
      fakeEngine(),
    );
    const first = await RawClient.connect(lifetime.streamUrl);
    let second: RawClient | undefined;
    try {
      await first.authenticate();
      for (const channel of ['idle', 'kept']) first.send({ type: 'execute', channel, program: 'p', start: T0 });
      await first.waitFor((all) => all.filter((m) => m.event === 'JOB_START').length === 2);
      const handleOf = (channel: string) => String(first.channel(channel).find((m) => m.event === 'JOB_START')!.handle);
      expect(lifetime.dropConnections()).toBe(1);
      await first.waitFor(() => first.closeCode !== undefined);

      second = await RawClient.connect(lifetime.streamUrl);
      await second.authenticate();
      // Both jobs outlive their socket: they can be attached again. The clock stands still, so nothing expires yet.
      expect(await attachAnswer(second, handleOf('idle'), 'a1')).toMatchObject({ event: 'JOB_START' });
      expect(await attachAnswer(second, handleOf('kept'), 'a2')).toMatchObject({ event: 'JOB_START' });
      second.send({ type: 'detach', channel: 'a1' });
      second.send({ type: 'detach', channel: 'a2' });
      await settled(second, 's1');
      clock += 60;
      second.send({ type: 'keepalive', handle: handleOf('kept') });
      await settled(second, 's2');
      clock += 60; // 'idle' has been alone for 120 ms, 'kept' for 60 ms since its keepalive
      await second.waitFor(() => swept.length > 0);
      expect(swept).toEqual([handleOf('idle')]);
      expect(await attachAnswer(second, handleOf('idle'), 'b1')).toMatchObject({ type: 'error', error: 404 });
      expect(await attachAnswer(second, handleOf('kept'), 'b2')).toMatchObject({ event: 'JOB_START' });
    } finally {
      first.close();
      second?.close();
      await lifetime.close();
    }
  });

  it('an invalid re-authentication closes the socket and stops its jobs', async () => {
    await client.authenticate();
    client.send({ type: 'execute', channel: 'live', program: 'p', start: Date.now() - 5_000, resolution: 1000 });
    await client.waitFor((all) => all.some((m) => m.channel === 'live' && m.event === 'JOB_START'));
    const handle = String(client.channel('live').find((m) => m.event === 'JOB_START')!.handle);
    client.send({ type: 'authenticate', token: 'stolen' });
    await client.waitFor(() => client.closeCode !== undefined);
    const other = await RawClient.connect(emulator.streamUrl);
    try {
      await other.authenticate();
      expect(await attachAnswer(other, handle, 'x')).toMatchObject({ type: 'error', error: 404 });
    } finally {
      other.close();
    }
  });

  it('counts only running jobs towards maxJobs: completed ones make room', async () => {
    const limited = await startEmulatorWith({ signalflow: { maxJobs: 2 } }, fakeEngine());
    const socket = await RawClient.connect(limited.streamUrl);
    try {
      await socket.authenticate();
      for (let index = 0; index < 5; index++) {
        socket.send({ type: 'execute', channel: `h${index}`, program: 'p', start: T0, stop: T0 + 20_000 });
        await socket.waitFor(endOf(`h${index}`));
        expect(socket.channel(`h${index}`).at(-1)).toMatchObject({ event: 'END_OF_CHANNEL' });
      }
      for (const channel of ['l1', 'l2', 'l3']) {
        socket.send({ type: 'execute', channel, program: 'p', start: Date.now() - 5_000, resolution: 1000 });
      }
      await socket.waitFor((all) => all.some((m) => m.channel === 'l3' && (m.type === 'error' || m.event)));
      expect(socket.channel('l3')[0]).toMatchObject({
        type: 'error',
        message: expect.stringContaining('too many jobs'),
      });
      expect(socket.channel('l2')[0]).toMatchObject({ event: 'STREAM_START' });
    } finally {
      socket.close();
      await limited.close();
    }
  });
});
