// Decode throughput: @sfx/signalflow decodeFrame, the peer client's parser (npm `signalfx`) and
// a hand-written DataView loop, on the same frames in the same run. Prints datapoints/s (median
// of several rounds) and ratios.
import { createRequire } from 'node:module';
import { decodeFrame } from '@sfx/signalflow';
import { buildFrames, FRAMES, handDecode, median, POINTS } from './frames.mjs';

const require = createRequire(import.meta.url);
const peer = require('signalfx/lib/client/signalflow/websocket_message_parser.js');

const ROUNDS = Number(process.env.ROUNDS ?? 7);
// The peer parser wants a standalone ArrayBuffer per message, as a browser WebSocket gives it.
function peerDecode(arrayBuffer) {
  return peer.parseWebSocketMessage({ data: arrayBuffer, type: 'binary' }, {});
}

// Rounds of the three decoders are interleaved so that load from other processes hits them alike.
function measureAll(contenders) {
  const rates = contenders.map(() => []);
  const checks = contenders.map(() => 0);
  for (let round = 0; round < ROUNDS; round++) {
    contenders.forEach(({ frames, decode }, i) => {
      const started = process.hrtime.bigint();
      for (const frame of frames) checks[i] += decode(frame).data.length;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      rates[i].push((frames.length * POINTS) / seconds);
    });
  }
  contenders.forEach(({ name, frames }, i) => {
    if (checks[i] !== ROUNDS * frames.length * POINTS) throw new Error(`${name}: decoded ${checks[i]} points`);
  });
  return rates.map(median);
}

const fmt = (rate) => `${(rate / 1e6).toFixed(2)}M/s`;
const results = {};
for (const [name, options] of [
  ['raw', { compress: false }],
  ['gzip', { compress: true }],
  ['raw, every series new', { compress: false, distinct: true }],
]) {
  const frames = buildFrames(options);
  const buffers = frames.map((f) => f.buffer.slice(f.byteOffset, f.byteOffset + f.byteLength));
  const contenders = [
    { name: 'ours', frames, decode: (f) => decodeFrame(f) },
    { name: 'hand', frames, decode: handDecode },
  ];
  // The peer's tsIds would not differ from the raw case; its run is skipped to save time.
  if (!options.distinct) contenders.push({ name: 'peer', frames: buffers, decode: peerDecode });
  const [ours, hand, peerRate = Number.NaN] = measureAll(contenders);
  results[name] = { ours, hand, peer: peerRate };
  console.log(
    `decode ${name.padEnd(22)} ${FRAMES}x${POINTS}: ours ${fmt(ours)}  hand-written ${fmt(hand)}  peer ${
      Number.isNaN(peerRate) ? 'n/a' : fmt(peerRate)
    }  ours/hand ${(ours / hand).toFixed(2)}x  ours/peer ${Number.isNaN(peerRate) ? 'n/a' : `${(ours / peerRate).toFixed(1)}x`}`,
  );
}
if (process.env.JSON_OUT) console.log(JSON.stringify(results));
