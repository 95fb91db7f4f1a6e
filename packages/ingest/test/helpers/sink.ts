import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import protobuf from 'protobufjs';

// The test's own decoder: protobufjs reflection parsed from the .proto text, independent of the
// package's hand-written encoder and of its precompiled descriptor.
const protoText = readFileSync(new URL('../../src/proto/signalfx-ingest.proto', import.meta.url), 'utf8');
const root = protobuf.parse(protoText, { keepCase: true }).root;
export const DataPointUploadMessage = root.lookupType('com.signalfx.metrics.protobuf.DataPointUploadMessage');
export const EventUploadMessage = root.lookupType('com.signalfx.metrics.protobuf.EventUploadMessage');

export interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  /** Uncompressed body. */
  body: Buffer;
  wireBytes: number;
}

/**
 * What the sink does with a request: answer with a status, cut the connection, or hold the answer
 * (then 200) until `release()`.
 */
export type Behaviour = number | 'reset' | 'ok' | 'hold';

export interface Sink {
  url: string;
  port: number;
  server: Server;
  received: Received[];
  /** Behaviours for the next requests, in order; afterwards every request gets 200 "OK". */
  script: Behaviour[];
  /** Every decoded datapoint (protobuf or JSON) of accepted requests. */
  datapoints(): Array<Record<string, unknown>>;
  events(): Array<Record<string, unknown>>;
  requests: number;
  /** Answers the requests held so far. */
  release(): void;
  close(): Promise<void>;
}

function toObject(message: protobuf.Message): Record<string, unknown> {
  return (message.constructor as typeof protobuf.Message).toObject(message, {
    longs: String,
    enums: String,
    defaults: false,
  }) as Record<string, unknown>;
}

export async function startSink(port = 0): Promise<Sink> {
  const received: Received[] = [];
  const accepted: Received[] = [];
  const held: Array<() => void> = [];
  const sink: Sink = {
    url: '',
    port: 0,
    server: undefined as unknown as Server,
    received,
    script: [],
    requests: 0,
    datapoints() {
      const out: Array<Record<string, unknown>> = [];
      for (const r of accepted.filter((a) => a.path === '/v2/datapoint')) {
        if (String(r.headers['content-type']).startsWith('application/json')) {
          const json = JSON.parse(r.body.toString('utf8')) as Record<string, Array<Record<string, unknown>>>;
          for (const [type, list] of Object.entries(json)) for (const p of list) out.push({ type, ...p });
        } else {
          const decoded = toObject(DataPointUploadMessage.decode(r.body));
          out.push(...((decoded.datapoints as Array<Record<string, unknown>>) ?? []));
        }
      }
      return out;
    },
    events() {
      const out: Array<Record<string, unknown>> = [];
      for (const r of accepted.filter((a) => a.path === '/v2/event')) {
        if (String(r.headers['content-type']).startsWith('application/json')) {
          out.push(...(JSON.parse(r.body.toString('utf8')) as Array<Record<string, unknown>>));
        } else {
          out.push(...((toObject(EventUploadMessage.decode(r.body)).events as Array<Record<string, unknown>>) ?? []));
        }
      }
      return out;
    },
    release() {
      for (const answer of held.splice(0)) answer();
    },
    async close() {
      sink.release();
      sink.server.closeAllConnections();
      await new Promise<void>((resolve) => sink.server.close(() => resolve()));
    },
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      sink.requests++;
      const behaviour = sink.script.shift() ?? 'ok';
      if (behaviour === 'reset') {
        req.socket.destroy();
        return;
      }
      const raw = Buffer.concat(chunks);
      const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
      const record: Received = { path: req.url ?? '', headers: req.headers, body, wireBytes: raw.length };
      received.push(record);
      const status = behaviour === 'ok' || behaviour === 'hold' ? 200 : behaviour;
      const answer = () => {
        if (status === 200) accepted.push(record);
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(status === 200 ? '"OK"' : `"error ${status}"`);
      };
      if (behaviour === 'hold') held.push(answer);
      else answer();
    });
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  sink.server = server;
  sink.port = (server.address() as AddressInfo).port;
  sink.url = `http://127.0.0.1:${sink.port}`;
  return sink;
}

/** Waits until `predicate` holds, polling, at most `timeoutMs`. */
export async function waitFor(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('waitFor: condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
