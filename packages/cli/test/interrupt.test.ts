import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { cleanEnv, startCli } from './helpers.js';

// A SignalFlow server that holds JOB_START back, so Ctrl-C can come before the job's handle is known.
let server: Server;
let wss: WebSocketServer;
let url: string;
const requests: Array<Record<string, unknown>> = [];
let onExecute: ((socket: WebSocket, channel: string) => void) | undefined;

beforeAll(async () => {
  server = createServer();
  wss = new WebSocketServer({ server, path: '/v2/signalflow/connect' });
  wss.on('connection', (socket) => {
    socket.on('message', (data) => {
      const request = JSON.parse(String(data)) as Record<string, unknown>;
      requests.push(request);
      if (request.type === 'authenticate')
        socket.send(JSON.stringify({ type: 'authenticated', orgId: 'o', userId: 'u' }));
      if (request.type === 'execute') onExecute?.(socket, request.channel as string);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const client of wss.clients) client.terminate();
  await new Promise<void>((resolve) => wss.close(() => resolve()));
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('sfx flow, Ctrl-C before the job has started', () => {
  it('waits for the handle, then stops the job and exits 0', async () => {
    const executed = new Promise<{ socket: WebSocket; channel: string }>((resolve) => {
      onExecute = (socket, channel) => resolve({ socket, channel });
    });
    const cli = startCli(
      ['flow', "data('m').publish()", '-o', 'json'],
      cleanEnv({ SFX_TOKEN: 't', SFX_STREAM_URL: url }),
    );
    const { socket, channel } = await executed;
    cli.child.kill('SIGINT');
    // Give the CLI time to act on Ctrl-C before the server names the job: a CLI that left at once is gone by now.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const timestampMs = Date.now();
    socket.send(JSON.stringify({ type: 'control-message', channel, event: 'STREAM_START', timestampMs }));
    socket.send(JSON.stringify({ type: 'control-message', channel, event: 'JOB_START', handle: 'HELD', timestampMs }));
    const result = await cli.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('detached: 0 timestamps, 0 series, 0 values (job HELD stopped)\n');
    expect(requests).toContainEqual(expect.objectContaining({ type: 'stop', handle: 'HELD' }));
  });
});
