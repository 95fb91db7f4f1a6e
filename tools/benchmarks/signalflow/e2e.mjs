// End to end over a loopback WebSocket: frames of 1,000 datapoints per second delivered to the
// consumer by @sfx/signalflow, by the peer client (npm `signalfx`) and by bare `ws` with the
// hand-written decoder. The server runs in a child process. Prints the median of ROUNDS runs.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { SignalFlowClient } from '@sfx/signalflow';
import WebSocket from 'ws';
import { FRAMES, handDecode, median, POINTS } from './frames.mjs';

const require = createRequire(import.meta.url);
const signalfx = require('signalfx');
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const TIMEOUT_MS = 120_000;

function withTimeout(promise, label) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${label} timed out`)), TIMEOUT_MS);
    }),
  ]);
}

async function ours(url, compress) {
  const flow = new SignalFlowClient({ token: 'bench-token', endpoint: url, compress, maxBufferedMessages: 256 });
  const started = performance.now();
  let frames = 0;
  let last;
  for await (const message of flow.execute('data("x").publish()')) {
    if (message.type === 'data') {
      frames++;
      last = message;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  await flow.close();
  // Like the peer's consumer below, which reads only `data.length`: check the size once, not per frame.
  const points = Object.keys(last.data).length;
  if (frames !== FRAMES || points !== POINTS) throw new Error(`ours: ${frames} frames, ${points} points in the last`);
  return FRAMES / seconds;
}

function peer(url) {
  return new Promise((resolve, reject) => {
    const flow = signalfx.SignalFlow('bench-token', { signalflowEndpoint: url });
    const started = performance.now();
    let points = 0;
    const handle = flow.execute({ program: 'data("x").publish()', start: 0, immediate: true });
    handle.stream((error, message) => {
      if (error) {
        reject(new Error(JSON.stringify(error)));
        return;
      }
      if (message.type === 'data') points += message.data.length;
      // The peer yields the final batch only at the end: count points, not batches.
      if (points === FRAMES * POINTS) {
        const seconds = (performance.now() - started) / 1000;
        flow.disconnect();
        resolve(FRAMES / seconds);
      }
    });
  });
}

function bare(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url}/v2/signalflow/connect`, { perMessageDeflate: false });
    const started = performance.now();
    let frames = 0;
    ws.on('open', () => {
      ws.send(JSON.stringify({ type: 'authenticate', token: 'bench-token' }));
      ws.send(JSON.stringify({ type: 'execute', channel: 'ch-1', program: 'x' }));
    });
    ws.on('message', (data, isBinary) => {
      if (!isBinary) return;
      if (handDecode(data).data.length === POINTS && ++frames === FRAMES) {
        const seconds = (performance.now() - started) / 1000;
        ws.close();
        resolve(FRAMES / seconds);
      }
    });
    ws.on('error', reject);
  });
}

async function run(compress) {
  const server = fork(new URL('./e2e-server.mjs', import.meta.url), [], {
    env: { ...process.env, COMPRESS: compress ? '1' : '0' },
  });
  try {
    const [{ port }] = await once(server, 'message');
    const url = `ws://127.0.0.1:${port}`;
    const contenders = [
      ['ours', () => ours(url, compress)],
      ['ws + hand decoder', () => bare(url)],
    ];
    if (!compress) contenders.push(['peer', () => peer(url)]);
    // Rounds are interleaved so that load from other processes hits every contender alike.
    const rates = Object.fromEntries(contenders.map(([name]) => [name, []]));
    for (let i = 0; i < ROUNDS; i++) {
      for (const [name, fn] of contenders) rates[name].push(await withTimeout(fn(), name));
    }
    const result = Object.fromEntries(Object.entries(rates).map(([name, list]) => [name, median(list)]));
    return result;
  } finally {
    server.disconnect();
    server.kill();
  }
}

const fmt = (r) =>
  `${Math.round(r).toLocaleString('en-US')} frames/s (${((r * POINTS) / 1e6).toFixed(2)}M datapoints/s)`;
for (const compress of [false, true]) {
  const result = await run(compress);
  const label = compress ? 'gzip frames' : 'raw frames';
  console.log(`end-to-end ${label}, ${FRAMES}x${POINTS} over loopback WebSocket:`);
  for (const [name, rate] of Object.entries(result)) console.log(`  ${name.padEnd(18)} ${fmt(rate)}`);
  if (result.peer) console.log(`  ours/peer ${(result.ours / result.peer).toFixed(1)}x`);
  console.log(`  ours/(ws + hand decoder) ${(result.ours / result['ws + hand decoder']).toFixed(2)}x`);
}
process.exit(0);
