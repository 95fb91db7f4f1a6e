import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulatorWith } from '../../src/emulator.js';
import { FAKE_TS_ID, fakeEngine } from '../helpers/fake-engine.js';

const T0 = 1_700_000_000_000;
let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulatorWith({}, fakeEngine(['A']));
});
afterAll(() => emulator.close());

/** Parses an SSE body into { event, data } pairs. */
function parseSse(text: string): Array<{ event: string; data: Record<string, unknown> }> {
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '' && !block.startsWith(':'))
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((line) => line.startsWith('event: '))!.slice(7);
      const data = lines
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice(6))
        .join('\n');
      return { event, data: JSON.parse(data) as Record<string, unknown> };
    });
}

function post(path: string, body: string, token = 'dev-token', contentType = 'text/plain') {
  return fetch(`${emulator.streamUrl}${path}`, {
    method: 'POST',
    headers: { 'X-SF-Token': token, 'Content-Type': contentType },
    body,
  });
}

describe('SignalFlow over SSE', () => {
  it('streams execute as event/data pairs ending with END_OF_CHANNEL', async () => {
    const response = await post(`/v2/signalflow/execute?start=${T0}&stop=${T0 + 10_000}`, "data('cpu').publish()");
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const events = parseSse(await response.text());
    expect(events.map((e) => (e.event === 'control-message' ? e.data.event : e.event))).toEqual([
      'STREAM_START',
      'JOB_START',
      'metadata',
      'data',
      'message',
      'message',
      'message',
      'data',
      'END_OF_CHANNEL',
    ]);
    expect(events[3]!.data).toMatchObject({ logicalTimestampMs: T0, data: [{ tsId: FAKE_TS_ID, value: T0 / 1000 }] });
  });

  it('reads a JSON body with programText, and answers program errors with 400 JSON', async () => {
    const ok = await post(
      `/v2/signalflow/execute?start=${T0}&stop=${T0}&immediate=True`,
      JSON.stringify({ programText: 'p' }),
      'dev-token',
      'application/json',
    );
    expect(parseSse(await ok.text()).at(-1)!.data.event).toBe('END_OF_CHANNEL');
    const bad = await post(`/v2/signalflow/execute?start=${T0}&stop=${T0}`, 'syntax error');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      errorType: 'ANALYTICS_PROGRAM_SYNTAX_ERROR',
      context: { line: 2, column: 5 },
      errors: [{ code: 'ANALYTICS_PROGRAM_SYNTAX_ERROR' }],
    });
  });

  it('starts a background job, attaches to it, keeps it alive and stops it', async () => {
    const started = await post(`/v2/signalflow/start?start=${T0}&stop=${T0 + 10_000}`, 'p');
    const { handle } = (await started.json()) as { handle: string };
    expect(handle).toMatch(/^[A-Za-z0-9_-]{11}$/);
    const attached = parseSse(await (await post(`/v2/signalflow/${handle}/attach`, '')).text());
    expect(attached.filter((e) => e.event === 'data')).toHaveLength(2);
    expect((await post(`/v2/signalflow/${handle}/keepalive`, '')).status).toBe(200);
    expect((await post(`/v2/signalflow/${handle}/stop`, '')).status).toBe(200);
    const gone = await post(`/v2/signalflow/${handle}/stop`, '');
    expect(gone.status).toBe(404);
    expect(await gone.json()).toEqual({ message: 'HTTP 404 Not Found' });
  });

  it('refuses a bad token, bad parameters and a preflight without stop', async () => {
    expect((await post('/v2/signalflow/execute', 'p', 'wrong')).status).toBe(401);
    const badStart = await post('/v2/signalflow/execute?start=yesterday-ish', 'p');
    expect(badStart.status).toBe(400);
    expect(((await badStart.json()) as { message: string }).message).toContain('start');
    expect((await post(`/v2/signalflow/preflight?start=${T0}`, 'p')).status).toBe(400);
    expect((await post(`/v2/signalflow/execute?start=${T0}&stop=${T0}`, '   ')).status).toBe(400);
  });

  it('sends events but no data on preflight', async () => {
    const response = await post(`/v2/signalflow/preflight?start=${T0}&stop=${T0 + 20_000}`, 'detect');
    const events = parseSse(await response.text());
    expect(events.filter((e) => e.event === 'data')).toHaveLength(0);
    expect(events.filter((e) => e.event === 'event')).toEqual([
      { event: 'event', data: expect.objectContaining({ tsId: FAKE_TS_ID, timestampMs: T0, metadata: {} }) },
    ]);
  });
});
