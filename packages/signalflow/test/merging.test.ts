import { silentLogger } from '@sfx/core';
import { describe, expect, it } from 'vitest';
import type { ComputationDriver } from '../src/computation.js';
import { Computation, type ComputationData, type ComputationMessage, type ServerMessage } from '../src/index.js';
import { TS_A, TS_B, TS_C } from './helpers/fake-signalflow.js';

const T = [1000, 2000, 3000, 4000];

class RecordingDriver implements ComputationDriver {
  paused = 0;
  resumed = 0;
  detached: string[] = [];
  pause(): void {
    this.paused++;
  }
  resume(): void {
    this.resumed++;
  }
  detach(_c: Computation, reason: string): void {
    this.detached.push(reason);
  }
  release(): void {}
}

type Step =
  | ['data', number, Array<[string, number | null]>]
  | ['info', number | undefined]
  | ['meta', string]
  | ['end'];

function run(
  steps: Step[],
  options: { maxBufferedMessages?: number } = {},
): { computation: Computation; driver: RecordingDriver } {
  const driver = new RecordingDriver();
  const computation = new Computation('ch-1', driver, {
    maxBufferedMessages: options.maxBufferedMessages ?? 10_000,
    logger: silentLogger,
  });
  for (const step of steps) {
    if (step[0] === 'data') {
      computation._receiveData({
        logicalTimestampMs: step[1],
        data: step[2].map(([tsId, value]) => ({ tsId, value })),
      });
    } else if (step[0] === 'info') {
      const message = {
        type: 'message',
        channel: 'ch-1',
        message: { messageCode: 'JOB_RUNNING_RESOLUTION', contents: { resolutionMs: 1000 } },
      };
      computation._receive(
        (step[1] === undefined ? message : { ...message, logicalTimestampMs: step[1] }) as ServerMessage,
      );
    } else if (step[0] === 'meta') {
      computation._receive({ type: 'metadata', channel: 'ch-1', tsId: step[1], properties: { k: step[1] } });
    } else {
      computation._receive({ type: 'control-message', channel: 'ch-1', event: 'END_OF_CHANNEL', timestampMs: 0 });
    }
  }
  return { computation, driver };
}

async function drain(computation: Computation): Promise<ComputationMessage[]> {
  const out: ComputationMessage[] = [];
  for await (const message of computation) out.push(message);
  return out;
}

const batches = (messages: ComputationMessage[]) =>
  messages.filter((m): m is ComputationData => m.type === 'data').map((m) => [m.logicalTimestampMs, m.data]);

// Two publish blocks per timestamp: A in the first, B and C in the second.
function twoBlocks(ts: number): Step[] {
  return [
    ['data', ts, [[TS_A, ts]]],
    [
      'data',
      ts,
      [
        [TS_B, -ts],
        [TS_C, null],
      ],
    ],
  ];
}
const expected = (timestamps: number[]) => timestamps.map((ts) => [ts, { [TS_A]: ts, [TS_B]: -ts, [TS_C]: null }]);

describe('merging the data messages of one logical timestamp (spec §8.3)', () => {
  it('info after the first timestamp (the real order)', async () => {
    const { computation } = run([
      ...twoBlocks(T[0]!),
      ['info', T[1]],
      ...twoBlocks(T[1]!),
      ...twoBlocks(T[2]!),
      ['end'],
    ]);
    const messages = await drain(computation);
    expect(batches(messages)).toEqual(expected([T[0]!, T[1]!, T[2]!]));
    expect(messages.map((m) => m.type)).toEqual(['data', 'info', 'data', 'data']);
  });

  it('info before any data', async () => {
    const { computation } = run([['info', T[0]], ...twoBlocks(T[0]!), ...twoBlocks(T[1]!), ['end']]);
    expect(batches(await drain(computation))).toEqual(expected([T[0]!, T[1]!]));
  });

  it('info between timestamps and after all data', async () => {
    const { computation } = run([
      ...twoBlocks(T[0]!),
      ...twoBlocks(T[1]!),
      ['info', T[2]],
      ...twoBlocks(T[2]!),
      ['info', T[3]],
      ['end'],
    ]);
    expect(batches(await drain(computation))).toEqual(expected([T[0]!, T[1]!, T[2]!]));
  });

  it('info of the same timestamp (or none) inside one timestamp does not split it', async () => {
    const { computation } = run([
      ['data', T[0]!, [[TS_A, T[0]!]]],
      ['info', T[0]],
      ['info', undefined],
      [
        'data',
        T[0]!,
        [
          [TS_B, -T[0]!],
          [TS_C, null],
        ],
      ],
      ...twoBlocks(T[1]!),
      ['end'],
    ]);
    expect(batches(await drain(computation))).toEqual(expected([T[0]!, T[1]!]));
  });

  it('no info message at all', async () => {
    const { computation } = run([...twoBlocks(T[0]!), ...twoBlocks(T[1]!), ...twoBlocks(T[2]!), ['end']]);
    expect(batches(await drain(computation))).toEqual(expected([T[0]!, T[1]!, T[2]!]));
  });

  it('metadata between the messages of one timestamp does not flush', async () => {
    const { computation } = run([
      ['data', T[0]!, [[TS_A, T[0]!]]],
      ['meta', TS_B],
      [
        'data',
        T[0]!,
        [
          [TS_B, -T[0]!],
          [TS_C, null],
        ],
      ],
      ...twoBlocks(T[1]!),
      ['end'],
    ]);
    const messages = await drain(computation);
    expect(batches(messages)).toEqual(expected([T[0]!, T[1]!]));
    expect(messages.map((m) => m.type)).toEqual(['metadata', 'data', 'data']);
  });

  it('empty batches are yielded as empty data', async () => {
    const { computation } = run([
      ['data', T[0]!, []],
      ['data', T[0]!, []],
      ['data', T[1]!, [[TS_A, 1]]],
      ['data', T[1]!, []],
      ['data', T[2]!, []],
      ['data', T[2]!, []],
      ['end'],
    ]);
    expect(batches(await drain(computation))).toEqual([
      [T[0], {}],
      [T[1], { [TS_A]: 1 }],
      [T[2], {}],
    ]);
  });

  it('yields a timestamp as soon as its learned message count is reached', async () => {
    const { computation } = run([...twoBlocks(T[0]!), ['info', T[1]], ...twoBlocks(T[1]!)]);
    const iterator = computation[Symbol.asyncIterator]();
    const seen: ComputationMessage[] = [];
    for (let i = 0; i < 3; i++) seen.push((await iterator.next()).value as ComputationMessage);
    expect(batches(seen)).toEqual(expected([T[0]!, T[1]!]));
  });

  it('a timestamp with more messages than learned is not lost', async () => {
    const { computation } = run([
      ...twoBlocks(T[0]!),
      ...twoBlocks(T[1]!),
      ['data', T[2]!, [[TS_A, 1]]],
      ['data', T[2]!, [[TS_B, 2]]],
      ['data', T[2]!, [[TS_C, 3]]],
      ...twoBlocks(T[3]!),
      ['end'],
    ]);
    const merged = new Map<number, Record<string, number | null>>();
    for (const [ts, data] of batches(await drain(computation)) as Array<[number, Record<string, number | null>]>) {
      merged.set(ts, { ...merged.get(ts), ...data });
    }
    expect(merged.get(T[2]!)).toEqual({ [TS_A]: 1, [TS_B]: 2, [TS_C]: 3 });
    expect([...merged.keys()]).toEqual(T);
  });

  it('after an interruption, drops what was yielded and the partial batch', async () => {
    const { computation } = run([...twoBlocks(T[0]!), ...twoBlocks(T[1]!), ['data', T[2]!, [[TS_A, 0]]]]);
    computation._interrupted();
    for (const step of [...twoBlocks(T[1]!), ...twoBlocks(T[2]!), ...twoBlocks(T[3]!)] as Step[]) {
      if (step[0] === 'data')
        computation._receiveData({
          logicalTimestampMs: step[1],
          data: step[2].map(([tsId, value]) => ({ tsId, value })),
        });
    }
    computation._complete();
    expect(batches(await drain(computation))).toEqual(expected(T));
  });
});

describe('bounded buffer', () => {
  it('pauses the driver at the cap and resumes below half of it', async () => {
    const steps: Step[] = [];
    for (let i = 0; i < 30; i++) steps.push(['data', 1000 * (i + 1), [[TS_A, i]]]);
    const { computation, driver } = run(steps, { maxBufferedMessages: 10 });
    expect(driver.paused).toBe(1);
    const iterator = computation[Symbol.asyncIterator]();
    for (let i = 0; i < 24; i++) await iterator.next();
    expect(driver.resumed).toBe(0);
    await iterator.next();
    expect(driver.resumed).toBe(1);
    await computation.close();
    expect(driver.detached).toEqual(['Stopped by client request.']);
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });
});
