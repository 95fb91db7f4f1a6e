// Decode throughput: @sfx/signalflow decodeFrame, the peer client's parser (npm `signalfx`) and
// a hand-written DataView loop, on the same frames in the same run. Prints datapoints/s (median
// of several rounds) and ratios.
import { createRequire } from 'node:module';
import { gunzipSync } from 'node:zlib';
import { decodeFrame } from '@sfx/signalflow';
import { buildFrames, FRAMES, median, POINTS } from './frames.mjs';

const require = createRequire(import.meta.url);
const peer = require('signalfx/lib/client/signalflow/websocket_message_parser.js');

const ROUNDS = Number(process.env.ROUNDS ?? 7);
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const PAIRS = Array.from({ length: 4096 }, (_, i) => ALPHABET[i >> 6] + ALPHABET[i & 63]);

// The tightest plain loop: one DataView per frame, a 12-bit table for tsIds, no validation.
function handDecode(frame) {
  let body = frame;
  let start = 20;
  if ((frame[2] & 1) !== 0) {
    body = gunzipSync(frame.subarray(20));
    start = 0;
  }
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const logicalTimestampMs = view.getInt32(start) * 4294967296 + view.getUint32(start + 4);
  const count = view.getUint32(start + 8);
  const data = [];
  let o = start + 12;
  for (let i = 0; i < count; i++) {
    const kind = body[o];
    const b1 = body[o + 1], b2 = body[o + 2], b3 = body[o + 3], b4 = body[o + 4];
    const b5 = body[o + 5], b6 = body[o + 6], b7 = body[o + 7], b8 = body[o + 8];
    const tsId =
      PAIRS[(b1 << 4) | (b2 >> 4)] + PAIRS[((b2 & 15) << 8) | b3] + PAIRS[(b4 << 4) | (b5 >> 4)] +
      PAIRS[((b5 & 15) << 8) | b6] + PAIRS[(b7 << 4) | (b8 >> 4)] + ALPHABET[(b8 & 15) << 2];
    const value =
      kind === 2 ? view.getFloat64(o + 9) : kind === 0 ? null : view.getInt32(o + 9) * 4294967296 + view.getUint32(o + 13);
    data.push({ tsId, value });
    o += 17;
  }
  return { channel: 'ch-1', logicalTimestampMs, data };
}

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
