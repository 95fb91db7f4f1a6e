// Loopback SignalFlow server for the end-to-end benchmark, run as a child process so it does not
// share the client's event loop. Every `execute` streams FRAMES data frames of POINTS datapoints
// (one frame per logical timestamp) as fast as the socket takes them, then END_OF_CHANNEL.
import { WebSocketServer } from 'ws';
import { buildFrames } from './frames.mjs';

const compress = process.env.COMPRESS === '1';
const frames = buildFrames({ compress }).map((frame) => Buffer.from(frame));
const wss = new WebSocketServer({
  host: '127.0.0.1',
  port: 0,
  path: '/v2/signalflow/connect',
  perMessageDeflate: false,
});

// Stamps the channel into every frame once per execute, before streaming, so the server's per-frame
// work is only the send: the benchmark measures the clients, not a copy on the server.
function stampChannel(channel) {
  for (const frame of frames) {
    frame.fill(0, 4, 20);
    frame.write(channel, 4, 'latin1');
  }
}

wss.on('connection', (ws) => {
  ws.on('message', async (raw) => {
    const request = JSON.parse(raw.toString());
    if (request.type === 'authenticate') {
      ws.send(JSON.stringify({ type: 'authenticated', userId: 'u', orgId: 'o' }));
      return;
    }
    if (request.type !== 'execute') return;
    const channel = request.channel;
    const control = (event, extra = {}) =>
      ws.send(JSON.stringify({ type: 'control-message', channel, event, timestampMs: Date.now(), ...extra }));
    stampChannel(channel);
    control('STREAM_START');
    control('JOB_START', { handle: 'BENCH' });
    for (const frame of frames) {
      if (ws.readyState !== ws.OPEN) return;
      ws.send(frame);
      while (ws.bufferedAmount > 4 * 1024 * 1024 && ws.readyState === ws.OPEN)
        await new Promise((r) => setTimeout(r, 1));
    }
    control('END_OF_CHANNEL');
  });
  ws.on('error', () => {});
});

wss.on('listening', () => process.send?.({ port: wss.address().port }));
process.on('disconnect', () => process.exit(0));
