// Builds the benchmark workload: frames of 1,000 datapoints from a fixed set of series, as a
// real stream repeats its series every interval. `distinct` gives every frame new series.
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
    out.push(encodeDataFrame({ channel: 'ch-1', logicalTimestampMs: 1_700_000_000_000 + f * 1000, data }, { compress }));
  }
  return out;
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
