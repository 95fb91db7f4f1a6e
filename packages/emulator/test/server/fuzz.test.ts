import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Emulator, startEmulatorWith } from '../../src/emulator.js';
import { fakeEngine } from '../helpers/fake-engine.js';

let emulator: Emulator;
const errors: unknown[] = [];

beforeAll(async () => {
  emulator = await startEmulatorWith(
    { logger: { error: (fields: object | string) => errors.push(fields) }, signalflow: { authTimeoutMs: 2_000 } },
    fakeEngine(),
  );
});
afterAll(() => emulator.close());

const PATHS = [
  '/v2/datapoint',
  '/v2/event',
  '/v2/metric',
  '/v2/metric/x',
  '/v2/dimension/a/b',
  '/v2/metrictimeseries',
  '/v2/tag/t',
  '/v2/detector',
  '/v2/detector/validate',
  '/v2/incident',
  '/v2/session',
  '/v2/signalflow/execute',
  '/v2/signalflow/preflight',
  '/v2/signalflow/abc/attach',
  '/v2/%E0%A4%A',
];

const bodyArb = fc.oneof(
  fc.uint8Array({ maxLength: 512 }),
  fc.json().map((text) => new TextEncoder().encode(text)),
  fc.jsonValue().map((value) => new TextEncoder().encode(JSON.stringify({ gauge: [value], programText: value }))),
  fc.uint8Array({ maxLength: 256 }).map((bytes) => new Uint8Array(gzipSync(bytes))),
);

/** Printable ASCII only: what fetch lets through in a header value. */
function headerSafe(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '').trim();
}

async function alive(): Promise<void> {
  const response = await fetch(`${emulator.apiUrl}/v2/organization`, { headers: { 'X-SF-Token': 'dev-token' } });
  expect(response.status).toBe(200);
  await response.text();
}

describe('nothing a client sends crashes the emulator', () => {
  it('survives random HTTP requests with a 4xx or a success, never a 5xx; 400s say why; bad tokens never succeed', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...PATHS),
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
        fc.constantFrom('application/json', 'application/x-protobuf', 'text/plain', 'garbage/\u00e9', ''),
        fc.constantFrom('', 'gzip', 'br'),
        fc.oneof(fc.constant('dev-token'), fc.constant('dev-token'), fc.string({ maxLength: 20 }).map(headerSafe)),
        fc.dictionary(fc.stringMatching(/^x-[a-z0-9-]{1,12}$/), fc.string({ maxLength: 40 }).map(headerSafe), {
          maxKeys: 4,
        }),
        fc.string({ maxLength: 40 }),
        bodyArb,
        async (path, method, contentType, encoding, token, extraHeaders, query, body) => {
          const headers: Record<string, string> = { ...extraHeaders, 'X-SF-Token': token };
          if (contentType) headers['Content-Type'] = contentType;
          if (encoding) headers['Content-Encoding'] = encoding;
          const url = `${emulator.apiUrl}${path}?query=${encodeURIComponent(query)}&start=${encodeURIComponent(query)}`;
          const response = await fetch(url, {
            method,
            headers,
            ...(method === 'GET' ? {} : { body }),
            signal: AbortSignal.timeout(5_000),
          });
          // Streams that started are cut here; the point is the status and the server staying up.
          expect(response.status).toBeLessThan(500);
          if (token !== 'dev-token' && path !== '/v2/session') expect(response.status).toBeGreaterThanOrEqual(400);
          if (response.status === 400) expect((await response.text()).trim()).not.toBe('');
          else await response.body?.cancel();
        },
      ),
      { numRuns: 300 },
    );
    await alive();
    expect(errors).toEqual([]);
  });

  it('survives random raw HTTP/1.1 requests (request lines, headers, lengths, bodies)', async () => {
    const net = await import('node:net');
    const line = fc.string({ maxLength: 30 }).map((text) => text.replace(/[\r\n]/g, ''));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'X'),
        fc.oneof(fc.constantFrom(...PATHS), line),
        fc.array(
          fc.oneof(
            fc.tuple(line, line).map(([name, value]) => `${name}: ${value}`),
            line,
          ),
          { maxLength: 6 },
        ),
        fc.oneof(fc.constant(undefined), fc.integer({ min: -5, max: 600 }), line),
        fc.uint8Array({ maxLength: 300 }),
        async (method, path, headerLines, contentLength, body) => {
          const head = [
            `${method} ${path} HTTP/1.1`,
            'Host: 127.0.0.1',
            'X-SF-Token: dev-token',
            'Connection: close',
            ...(contentLength === undefined ? [] : [`Content-Length: ${contentLength}`]),
            ...headerLines,
          ].join('\r\n');
          const reply = await new Promise<string>((resolve) => {
            const socket = net.connect(emulator.port, '127.0.0.1', () => {
              socket.write(`${head}\r\n\r\n`);
              socket.end(body);
            });
            let text = '';
            socket.setTimeout(2_000, () => socket.destroy());
            socket.on('data', (chunk) => {
              text += chunk.toString('latin1');
            });
            socket.on('error', () => undefined);
            socket.on('close', () => resolve(text));
          });
          const status = /^HTTP\/1\.1 (\d{3})/.exec(reply)?.[1];
          if (status !== undefined) expect(Number(status)).toBeLessThan(500);
        },
      ),
      { numRuns: 150 },
    );
    await alive();
    expect(errors).toEqual([]);
  });

  it('survives random WebSocket frames', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.uint8Array({ maxLength: 128 }),
            fc.json(),
            fc
              .record({
                type: fc.constantFrom(
                  'authenticate',
                  'execute',
                  'attach',
                  'detach',
                  'stop',
                  'keepalive',
                  'preflight',
                  'start',
                ),
                token: fc.constantFrom('dev-token', 'x', ''),
                channel: fc.oneof(fc.string({ maxLength: 20 }), fc.integer()),
                program: fc.oneof(fc.string(), fc.constant('syntax error'), fc.constant('p')),
                start: fc.oneof(fc.integer(), fc.string({ maxLength: 6 }), fc.constant('-1m')),
                stop: fc.oneof(fc.integer(), fc.string({ maxLength: 6 })),
                resolution: fc.oneof(fc.integer(), fc.string({ maxLength: 4 })),
                handle: fc.string({ maxLength: 12 }),
                compress: fc.oneof(fc.boolean(), fc.string({ maxLength: 5 })),
              })
              .map((request) => JSON.stringify(request)),
          ),
          { maxLength: 8 },
        ),
        async (frames) => {
          const socket = new WebSocket(`${emulator.streamUrl.replace('http', 'ws')}/v2/signalflow/connect`);
          await new Promise<void>((resolve, reject) => {
            socket.once('open', () => resolve());
            socket.once('error', reject);
          });
          for (const frame of frames) socket.send(frame);
          await new Promise<void>((resolve) => {
            socket.once('close', () => resolve());
            setTimeout(() => socket.close(), 30);
          });
        },
      ),
      { numRuns: 100 },
    );
    await alive();
    expect(errors).toEqual([]);
  });

  it('answers a non-SignalFlow upgrade with 404 and a broken request line with 400', async () => {
    const socket = new WebSocket(`${emulator.streamUrl.replace('http', 'ws')}/v2/other`);
    const status = await new Promise<number | undefined>((resolve) => {
      socket.once('unexpected-response', (_request, response) => resolve(response.statusCode));
      socket.once('error', () => resolve(undefined));
    });
    expect(status).toBe(404);
    const net = await import('node:net');
    const reply = await new Promise<string>((resolve) => {
      const raw = net.connect(emulator.port, '127.0.0.1', () => raw.write('NONSENSE\r\n\r\n'));
      let text = '';
      raw.on('data', (chunk) => {
        text += chunk.toString();
      });
      raw.on('close', () => resolve(text));
    });
    expect(reply).toContain('400');
    await alive();
  });
});
