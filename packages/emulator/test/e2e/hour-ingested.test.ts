/**
 * Acceptance: a historical computation over 1 hour of INGESTED 10-second data returns every expected value for each
 * supported function. The fixture's data goes through `POST /v2/datapoint` (IngestClient: protobuf, gzip) into a
 * running emulator; each program runs over the SignalFlow WebSocket (SignalFlowClient) without a `resolution`, and
 * every value at every timestamp is compared with the fixture's hand computation.
 */
import { IngestClient } from '@sfx/ingest';
import { SignalFlowClient } from '@sfx/signalflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/index.js';
import {
  DETECT_PROGRAM,
  expectedDetectEvents,
  expectRowsClose,
  HOUR_CASES,
  hourSeries,
  N,
  outputIndices,
  R,
  type Row,
  seriesName,
  sortEvents,
} from '../hour-fixture.js';

const TOKEN = 'hour-token';
// The first output timestamp: the hour computed ends a minute ago, the hour before it is history.
const B = Math.floor(Date.now() / R) * R - N * R - 60_000;
const STOP = B + (N - 1) * R;

const KIND = { gauge: 'gauges', counter: 'counters', cumulative_counter: 'cumulativeCounters' } as const;

let emulator: Emulator;
let flow: SignalFlowClient;

beforeAll(async () => {
  emulator = await startEmulator({ tokens: [TOKEN] });
  const ingest = new IngestClient({ token: TOKEN, endpoint: emulator.ingestUrl, proxy: false, retry: false });
  let points = 0;
  try {
    for (const series of hourSeries(B)) {
      const key = KIND[series.metricType];
      for (const [timestamp, value] of series.points) {
        ingest.send({ [key]: [{ metric: series.metric, value, timestamp, dimensions: series.dimensions }] });
        points += 1;
      }
    }
    const result = await ingest.flush();
    expect(result).toMatchObject({ sent: points, failed: 0, dropped: 0 });
  } finally {
    await ingest.close();
  }
  expect(emulator.store.stats()).toMatchObject({ series: hourSeries(B).length, points, droppedPoints: 0 });
  flow = new SignalFlowClient({ token: TOKEN, endpoint: emulator.streamUrl, proxy: false, reconnect: false });
});
afterAll(async () => {
  await flow?.close();
  await emulator?.close();
});

interface Streamed {
  resolution: number | undefined;
  timestamps: number[];
  rows: Row[];
  events: string[];
}

/** Runs `program` over the hour on the WebSocket and collects its data (rows named by host/region) and events. */
async function stream(program: string, resolutionMs?: number): Promise<Streamed> {
  const computation = flow.execute(program, {
    start: B,
    stop: STOP,
    ...(resolutionMs ? { resolution: resolutionMs } : {}),
  });
  const timestamps: number[] = [];
  const rows: Row[] = [];
  const events: string[] = [];
  for await (const message of computation) {
    if (message.type === 'data') {
      timestamps.push(message.logicalTimestampMs);
      const row: Row = {};
      for (const [tsId, value] of Object.entries(message.data)) {
        const metadata = computation.getMetadata(tsId);
        if (metadata === undefined) throw new Error(`value before metadata for ${tsId}`);
        if (value === null) throw new Error(`null value for ${tsId}: absent values must be left out`);
        row[seriesName(metadata)] = value;
      }
      rows.push(row);
    } else if (message.type === 'event') {
      const host = String(message.metadata.host ?? computation.getMetadata(message.tsId)?.host);
      events.push(`${(message.timestampMs - B) / R}:${host}:${String(message.properties.is)}`);
    }
  }
  return { resolution: computation.resolution, timestamps, rows, events };
}

describe('one hour of ingested 10-second data, computed over the WebSocket, against hand computation', () => {
  it.each(HOUR_CASES.map((c) => [`${c.program}${c.resolutionMs ? ` at ${c.resolutionMs} ms` : ''}`, c]))(
    '%s',
    async (_title, { program, resolutionMs, expected }) => {
      const result = await stream(program, resolutionMs);
      expect(result.resolution).toBe(resolutionMs ?? R);
      expect(result.timestamps).toEqual(outputIndices(B, resolutionMs).map((i) => B + i * R));
      expectRowsClose(result.rows, expected(B));
    },
  );

  it('detect() streams exactly the events of a hand-run state machine', async () => {
    const result = await stream(DETECT_PROGRAM);
    const wanted = expectedDetectEvents();
    expect(wanted.length).toBeGreaterThan(20);
    expect(sortEvents(result.events)).toEqual(wanted);
  });
});
