/**
 * One hour of 10-second data over 12 MTS in an in-memory source (the fixture in ../hour-fixture.ts). Every supported
 * function is checked at every timestamp against values computed with plain loops over the raw data. The same cases
 * run end to end, ingested over HTTP and computed over the WebSocket, in ../e2e/hour-ingested.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  DETECT_PROGRAM,
  expectedDetectEvents,
  expectRowsClose,
  HOSTS,
  HOUR_CASES,
  type HourCase,
  hourSeries,
  N,
  outputIndices,
  R,
  type Row,
  seriesName,
  sortEvents,
} from '../hour-fixture.js';
import { MemorySource, run } from './helpers.js';

const B = 1_700_000_000_000; // a multiple of R: the first output timestamp
const source = new MemorySource();
for (const series of hourSeries(B)) source.add(series.metric, series.dimensions, series.points, series.metricType);
const options = { start: B, stop: B + (N - 1) * R };

/** Engine output of one case: the rows at its output timestamps, series name → value. */
function engine({ program, resolutionMs }: HourCase): Row[] {
  const result = run(program, source, { ...options, ...(resolutionMs ? { resolutionMs } : {}) });
  expect(result.computation.resolutionMs).toBe(resolutionMs ?? R);
  const timestamps = outputIndices(B, resolutionMs).map((i) => B + i * R);
  expect(result.outputs.map((output) => output.logicalTimestampMs)).toEqual(timestamps);
  const table = result.table('X', seriesName);
  return timestamps.map((timestamp) => table.get(timestamp) as Row);
}

describe('one hour of 10-second data, every function against hand computation', () => {
  it.each(HOUR_CASES.map((c) => [`${c.program}${c.resolutionMs ? ` at ${c.resolutionMs} ms` : ''}`, c]))(
    '%s',
    (_title, hourCase) => {
      expectRowsClose(engine(hourCase), hourCase.expected(B));
    },
  );

  it('detect(when(A > 10, lasting=20s), off=when(A < 0)) events per host, checked against a hand-run state machine', () => {
    const result = run(DETECT_PROGRAM, source, options);
    const actual = result.outputs.flatMap((o) =>
      o.events.map((e) => `${(e.timestampMs - B) / R}:${String(e.metadata.host)}:${String(e.properties.is)}`),
    );
    const wanted = expectedDetectEvents();
    expect(sortEvents(actual)).toEqual(wanted);
    expect(wanted.length).toBeGreaterThan(20);
  });

  it('reads each series once per advance, not once per timestamp', () => {
    source.reads = 0;
    run("data('cpu').mean(over='5m').publish('X')", source, options);
    // Resolution probe + one batch read per series; a per-timestamp read would be 360 per series.
    expect(source.reads).toBeLessThanOrEqual(HOSTS.length * 3);
  });
});
