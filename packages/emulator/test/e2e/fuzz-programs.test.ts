/**
 * Random SignalFlow programs (text and real fragments) and parameters sent over the WebSocket to the real engine:
 * each execute ends in a program error with line and column, or a well-formed stream ending in END_OF_CHANNEL;
 * nothing fails inside the emulator, and the connection keeps serving.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/index.js';
import type { TimeSeriesStore } from '../../src/store/time-series-store.js';
import { chainProgram, fragmentProgram } from '../helpers/program-fragments.js';
import { endOf, type Message, RawClient } from '../helpers/ws-client.js';

const R = 10_000;
const BASE = Math.floor((Date.now() - 600_000) / R) * R;
const internalErrors: unknown[] = [];

let emulator: Emulator;
let client: RawClient;

beforeAll(async () => {
  emulator = await startEmulator({ logger: { error: (fields: object | string) => internalErrors.push(fields) } });
  const store = emulator.store as TimeSeriesStore;
  for (let i = 0; i < 30; i++) {
    for (const [host, value] of [
      ['a', i],
      ['b', 10 - i],
    ] as const) {
      store.addDatapoint({ metric: 'cpu', metricType: 'gauge', dimensions: { host }, timestamp: BASE + i * R, value });
    }
  }
  client = await RawClient.connect(emulator.streamUrl);
  await client.authenticate();
});
afterAll(async () => {
  client?.close();
  await emulator?.close();
});

let channelNumber = 0;
const outcomes = { streams: 0, programErrors: 0, requestErrors: 0 };

describe('random programs through the WebSocket to the real engine', () => {
  it('each execute ends in a program error with a position, or a complete stream', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fragmentProgram, chainProgram, fc.string({ maxLength: 60 })),
        fc.oneof(fc.constant(undefined), fc.constantFrom(1_000, 10_000, 60_000), fc.integer()),
        async (program, resolution) => {
          channelNumber += 1;
          const channel = `f${channelNumber}`;
          client.send({
            type: 'execute',
            channel,
            program: program.trim() === '' ? 'x' : program,
            start: BASE,
            stop: BASE + 20 * R,
            ...(resolution === undefined ? {} : { resolution }),
          });
          await client.waitFor(endOf(channel), 10_000);
          const messages = client.channel(channel);
          const last = messages.at(-1) as Message;
          if (last.type === 'error') {
            expect(last.errorType).toMatch(/^(ANALYTICS_PROGRAM_|REQUEST_ERROR)/);
            if (last.errorType === 'REQUEST_ERROR') outcomes.requestErrors += 1;
            else {
              outcomes.programErrors += 1;
              const context = last.context as { line: number; column: number };
              expect(context.line).toBeGreaterThanOrEqual(1);
              expect(context.column).toBeGreaterThanOrEqual(1);
            }
          } else {
            outcomes.streams += 1;
            expect(last).toMatchObject({ type: 'control-message', event: 'END_OF_CHANNEL' });
            expect(messages.slice(0, 2).map((m) => m.event)).toEqual(['STREAM_START', 'JOB_START']);
            const known = new Set<string>();
            for (const message of messages) {
              if (message.type === 'metadata') known.add(String(message.tsId));
              if (message.type === 'data') {
                for (const point of message.data as Array<{ tsId: string; value: unknown }>) {
                  expect(known.has(point.tsId)).toBe(true);
                  expect(Number.isFinite(point.value)).toBe(true);
                }
              }
            }
          }
        },
      ),
      { numRuns: 200 },
    );
    expect(internalErrors).toEqual([]);
    // Both outcomes were exercised, so the checks above ran.
    expect(outcomes.streams).toBeGreaterThan(20);
    expect(outcomes.programErrors).toBeGreaterThan(10);
    // The connection still computes.
    client.send({ type: 'execute', channel: 'after', program: "data('cpu').sum().publish()", start: BASE, stop: BASE });
    await client.waitFor(endOf('after'));
    const data = client.channel('after').filter((m) => m.type === 'data');
    expect(data.map((m) => (m.data as Array<{ value: number }>).map((point) => point.value))).toEqual([[10]]);
  });
});
