// Builds the benchmark workload: frames of 1,000 datapoints from a fixed set of series, as a
// real stream repeats its series every interval. `distinct` gives every frame new series.
import { gunzipSync } from 'node:zlib';
import { encodeDataFrame } from '@sfx/signalflow';

export const FRAMES = Number(process.env.FRAMES ?? 2000);
export const POINTS = Number(process.env.POINTS ?? 1000);

function tsIdOf(n) {
  const bytes = Buffer.alloc(8);
  bytes.writeBigInt64BE(BigInt(n) * 7919n + 1_000_003n);
  return bytes.toString('base64url');
}

export function buildFrames({ compress = false, distinct = false, frames = FRAMES, points = POINTS } = {}) {
  const out = [];
  for (let f = 0; f < frames; f++) {
    const data = [];
    for (let p = 0; p < points; p++) {
      const series = distinct ? f * points + p : p;
      // Nine doubles to one long, like a typical mix of gauges and counters.
      const value = p % 10 === 9 ? f * 1000 + p : Math.sin(f + p) * 100;
      data.push({ tsId: tsIdOf(series), value, valueType: p % 10 === 9 ? 'long' : 'double' });
    }
    out.push(
      encodeDataFrame({ channel: 'ch-1', logicalTimestampMs: 1_700_000_000_000 + f * 1000, data }, { compress }),
    );
  }
  return out;
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const PAIRS = Array.from({ length: 4096 }, (_, i) => ALPHABET[i >> 6] + ALPHABET[i & 63]);

// The tightest plain loop: one DataView per frame, a 12-bit table for tsIds, no validation.
export function handDecode(frame) {
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
    const b1 = body[o + 1],
      b2 = body[o + 2],
      b3 = body[o + 3],
      b4 = body[o + 4];
    const b5 = body[o + 5],
      b6 = body[o + 6],
      b7 = body[o + 7],
      b8 = body[o + 8];
    const tsId =
      PAIRS[(b1 << 4) | (b2 >> 4)] +
      PAIRS[((b2 & 15) << 8) | b3] +
      PAIRS[(b4 << 4) | (b5 >> 4)] +
      PAIRS[((b5 & 15) << 8) | b6] +
      PAIRS[(b7 << 4) | (b8 >> 4)] +
      ALPHABET[(b8 & 15) << 2];
    const value =
      kind === 2
        ? view.getFloat64(o + 9)
        : kind === 0
          ? null
          : view.getInt32(o + 9) * 4294967296 + view.getUint32(o + 13);
    data.push({ tsId, value });
    o += 17;
  }
  return { channel: 'ch-1', logicalTimestampMs, data };
}
