import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { encodeDataFrame } from '@sfx/signalflow';
import { WebSocketServer } from 'ws';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export interface Loopback {
  url: string;
  requests: RecordedRequest[];
  /** Client messages received over WebSockets, parsed. */
  wsMessages: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

const TSID = 'AAAAAAAAAAE';

/**
 * One loopback server playing the three services: ingest answers `"OK"`, the API answers every GET with
 * one metric, and `/v2/signalflow/connect` runs a one-timestamp computation.
 */
export async function startLoopback(): Promise<Loopback> {
  const requests: RecordedRequest[] = [];
  const wsMessages: Array<Record<string, unknown>> = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
      requests.push({ method: request.method ?? '', path: request.url ?? '', headers: request.headers, body });
      if (request.url?.startsWith('/v2/datapoint') || request.url?.startsWith('/v2/event')) {
        response.writeHead(200, { 'content-type': 'application/json' }).end('"OK"');
      } else {
        response
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ count: 1, results: [{ name: 'cpu.utilization', type: 'GAUGE' }] }));
      }
    });
  });
  const wss = new WebSocketServer({ server, path: '/v2/signalflow/connect' });
  wss.on('connection', (socket) => {
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as Record<string, unknown>;
      wsMessages.push(message);
      const channel = message.channel as string;
      const send = (payload: Record<string, unknown>) => socket.send(JSON.stringify({ channel, ...payload }));
      if (message.type === 'authenticate') {
        socket.send(JSON.stringify({ type: 'authenticated', orgId: 'org', userId: 'user' }));
      } else if (message.type === 'execute') {
        const timestampMs = 1_700_000_000_000;
        send({ type: 'control-message', event: 'STREAM_START', timestampMs });
        send({ type: 'control-message', event: 'JOB_START', handle: 'JOB1', timestampMs });
        send({
          type: 'metadata',
          tsId: TSID,
          properties: { sf_metric: 'cpu.utilization', host: 'a', sf_key: ['host'] },
        });
        socket.send(encodeDataFrame({ channel, logicalTimestampMs: timestampMs, data: [{ tsId: TSID, value: 42.5 }] }));
        send({
          type: 'message',
          logicalTimestampMs: timestampMs,
          message: { messageCode: 'JOB_RUNNING_RESOLUTION', timestampMs, contents: { resolutionMs: 1000 } },
        });
        send({ type: 'control-message', event: 'END_OF_CHANNEL', timestampMs });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    wsMessages,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
