import { isSfxError } from '@sfx/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFrameInto } from '../src/codec.js';
import { type DataFrame, decodeFrame, encodeDataFrame, encodeJsonFrame } from '../src/index.js';

const tsId = fc.uint8Array({ minLength: 8, maxLength: 8 }).map((b) => Buffer.from(b).toString('base64url'));
const channel = fc.stringMatching(/^[A-Za-z0-9_-]{1,16}$/);
const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const point = fc.oneof(
  fc.record({ tsId, value: fc.constant(null), valueType: fc.constant('null' as const) }),
  fc.record({ tsId, value: fc.maxSafeInteger(), valueType: fc.constantFrom('long' as const, 'int' as const) }),
  fc.record({ tsId, value: fc.double(), valueType: fc.constant('double' as const) }),
);
const frame = fc.record({
  channel,
  logicalTimestampMs: int64
    .filter((v) => v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER))
    .map(Number),
  maxDelayMs: fc.nat({ max: 900_000 }),
  data: fc.array(point, { maxLength: 40 }),
});

function decodesOrThrowsSfxError(bytes: Uint8Array): void {
  let decoded: ReturnType<typeof decodeFrame> | undefined;
  try {
    decoded = decodeFrame(bytes);
    expect(['data', 'json']).toContain(decoded.type);
  } catch (error) {
    if (!isSfxError(error)) throw error;
  }
  // The streaming path must agree: same points merged, same failures.
  const merged: Record<string, number | null> = {};
  let closed = 0;
  try {
    const json = decodeFrameInto(
      bytes,
      () => merged,
      () => closed++,
    );
    expect(decoded).toBeDefined();
    if (json) expect(json).toEqual(decoded);
    else if (decoded?.type === 'data') {
      expect(closed).toBe(1);
      expect(merged).toEqual(Object.fromEntries(decoded.data.map((p) => [p.tsId, p.value])));
    }
  } catch (error) {
    if (!isSfxError(error)) throw error;
    expect(decoded).toBeUndefined();
  }
}

describe('decodeFrame on arbitrary input', () => {
  it('returns a message or throws an SfxError for any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => decodesOrThrowsSfxError(bytes)),
      {
        numRuns: 3000,
      },
    );
  });

  it('does the same for frames with a valid header and a random body, gzip or JSON flags', () => {
    const header = fc.tuple(
      fc.constantFrom(1, 2, 3),
      fc.integer({ min: 0, max: 13 }),
      fc.integer({ min: 0, max: 255 }),
      fc.boolean(),
    );
    fc.assert(
      fc.property(header, fc.uint8Array({ maxLength: 300 }), ([version, type, flags, legacy], body) => {
        const bytes = new Uint8Array(20 + body.length);
        if (legacy) bytes.set([2, 0, type, flags]);
        else bytes.set([version, type, flags, 0]);
        bytes.set([99, 104], 4);
        bytes.set(body, 20);
        decodesOrThrowsSfxError(bytes);
      }),
      { numRuns: 3000 },
    );
  });

  it('survives truncation and bit flips of valid frames', () => {
    fc.assert(
      fc.property(
        frame,
        fc.constantFrom(1, 2, 3),
        fc.boolean(),
        fc.nat(),
        fc.nat(),
        (f, version, compress, cut, flip) => {
          const bytes = encodeDataFrame(f, { version: version as 1, compress });
          decodesOrThrowsSfxError(bytes.subarray(0, cut % (bytes.length + 1)));
          const flipped = bytes.slice();
          flipped[flip % flipped.length]! ^= 1 << (flip % 8);
          decodesOrThrowsSfxError(flipped);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('round trip', () => {
  it('decodeFrame(encodeDataFrame(x)) equals x for every version, compressed or not', () => {
    fc.assert(
      fc.property(frame, fc.constantFrom(1, 2, 3), fc.boolean(), (f, version, compress) => {
        const decoded = decodeFrame(encodeDataFrame(f, { version: version as 1 | 2 | 3, compress })) as DataFrame;
        const expected: DataFrame = {
          type: 'data',
          channel: f.channel,
          logicalTimestampMs: f.logicalTimestampMs,
          data: f.data,
        };
        if (version !== 1) expected.maxDelayMs = f.maxDelayMs;
        expect(decoded).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('decodeFrame(encodeJsonFrame(x)) gives x back', () => {
    const message = fc.record({
      type: fc.constantFrom('metadata', 'event', 'message', 'control-message', 'error', 'expired-tsid'),
      tsId,
      properties: fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.boolean())),
    });
    fc.assert(
      fc.property(channel, message, fc.boolean(), (ch, m, compress) => {
        expect(decodeFrame(encodeJsonFrame(ch, m, { compress }))).toEqual({ type: 'json', channel: ch, message: m });
      }),
      { numRuns: 300 },
    );
  });
});

describe('computation message handling on arbitrary input', () => {
  it('never throws for any JSON message, whatever its fields hold', async () => {
    const { silentLogger } = await import('@sfx/core');
    const { Computation } = await import('../src/computation.js');
    const driver = { pause() {}, resume() {}, detach() {}, release() {} };
    const json = fc.jsonValue({ maxDepth: 3 });
    const message = fc.record(
      {
        type: fc.oneof(
          fc.constantFrom('data', 'metadata', 'event', 'message', 'control-message', 'error', 'expired-tsid'),
          json,
        ),
        event: fc.oneof(
          fc.constantFrom('STREAM_START', 'JOB_START', 'JOB_PROGRESS', 'CHANNEL_ABORT', 'END_OF_CHANNEL'),
          json,
        ),
        logicalTimestampMs: fc.oneof(fc.integer(), json),
        data: fc.oneof(fc.array(fc.record({ tsId: fc.oneof(tsId, json), value: fc.oneof(fc.double(), json) })), json),
        message: json,
        tsId: json,
        properties: json,
        metadata: json,
        handle: json,
        abortInfo: json,
        errors: json,
        contents: json,
      },
      { requiredKeys: ['type'] },
    );
    fc.assert(
      fc.property(fc.array(message, { maxLength: 12 }), (messages) => {
        const computation = new Computation('ch-1', driver, { maxBufferedMessages: 100, logger: silentLogger });
        for (const m of messages) computation._receive(m as never);
        computation._complete();
      }),
      { numRuns: 1500 },
    );
  });
});
