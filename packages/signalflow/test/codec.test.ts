import { gunzipSync } from 'node:zlib';
import { isSfxError, ValidationError } from '@sfx/core';
import { describe, expect, it } from 'vitest';
import {
  type DataFrame,
  decodeFrame,
  encodeDataFrame,
  encodeJsonFrame,
  FrameDecodeError,
  tsIdFromBytes,
  tsIdToBigInt,
  tsIdToBytes,
  UnsupportedFrameError,
} from '../src/index.js';

function hex(text: string): Uint8Array {
  const clean = text
    .split('\n')
    .map((line) => line.replace(/^\s*[0-9a-f]{4}:/, ''))
    .join(' ')
    .replace(/\s+/g, '');
  return Uint8Array.from(Buffer.from(clean, 'hex'));
}

const A = 'AAAAAAobLD0';
const B = 'AAAAAfvv__8';

const V1 = hex(`
0000: 01 05 00 00 63 68 2d 31 00 00 00 00 00 00 00 00
0010: 00 00 00 00 00 00 01 8b cf e5 68 00 00 00 00 02
0020: 02 00 00 00 00 0a 1b 2c 3d 40 0c 00 00 00 00 00
0030: 00 01 00 00 00 01 fb ef ff ff 00 00 00 00 00 00
0040: 00 2a`);
const V2 = hex(`
0000: 02 00 05 00 63 68 2d 32 00 00 00 00 00 00 00 00
0010: 00 00 00 00 00 00 01 8b cf e5 68 00 00 00 00 00
0020: 00 00 07 d0 00 00 00 02 02 00 00 00 00 0a 1b 2c
0030: 3d 40 58 d0 00 00 00 00 00 01 00 00 00 01 fb ef
0040: ff ff ff ff ff ff ff ff ff f9`);
const V3 = hex(`
0000: 03 05 00 00 63 68 61 6e 6e 65 6c 2d 41 62 33 64
0010: 45 35 67 48 00 00 01 8b cf e5 68 00 00 00 00 00
0020: 00 00 07 d0 00 00 00 03 02 00 00 00 00 0a 1b 2c
0030: 3d bf e0 00 00 00 00 00 00 01 00 00 00 01 fb ef
0040: ff ff 00 00 01 1f 71 fb 04 cb 00 00 00 00 00 00
0050: 00 00 07 00 00 00 00 00 00 00 00`);
const V4 = hex(`
0000: 01 04 03 00 63 68 2d 34 00 00 00 00 00 00 00 00
0010: 00 00 00 00 1f 8b 08 00 00 00 00 00 02 03 2d 8e
0020: 41 0b 83 30 0c 85 ff 4b ce 3a 14 76 ea 6d b0 cb
0030: 60 c2 c6 76 1b 63 54 8d 58 56 db d2 a6 0c 15 ff
0040: fb 62 35 b7 7c 2f ef bd cc 40 a3 43 10 30 20 c9
0050: 56 92 84 0c 9a 5e 1a 83 9a 61 d3 e7 47 06 14 2e
0060: 2d 6f a7 34 b6 be 9e 0b 86 ce 5b 87 9e 14 06 10
0070: 33 84 ee c3 09 5e 35 ab cb c5 43 24 a5 d5 24 49
0080: 59 c3 b7 ac ee 35 55 3a 7a aa 01 1f e8 57 6f 12
0090: bf 38 82 78 41 6f 03 6d 60 cf 7a 67 1b 13 f0 c3
00a0: 3a 2f 37 cd 63 b0 3a ae c9 15 57 97 05 4f e2 2a
00b0: dc 3c de a3 34 a4 26 e4 7f 3b a9 03 2e cb 1f 5f
00c0: c8 1a 70 e2 00 00 00`);
const V5 = hex(`
0000: 01 05 01 00 63 68 2d 35 00 00 00 00 00 00 00 00
0010: 00 00 00 00 1f 8b 08 00 00 00 00 00 02 03 63 60
0020: 60 ec 3e ff 34 83 01 08 98 98 40 24 97 b4 8e ad
0030: 03 0f 03 18 30 82 f0 ef f7 ff ff 43 b8 0c 5a 00
0040: 2f e6 d6 ff 2e 00 00 00`);
const V6 = hex(`
0000: 01 05 00 00 63 68 2d 36 00 00 00 00 00 00 00 00
0010: 00 00 00 00 00 00 01 8b cf e5 68 00 00 00 00 01
0020: 03 00 00 00 00 0a 1b 2c 3d 00 00 00 00 00 00 00
0030: 11`);

const V1_DATA = [
  { tsId: A, value: 3.5, valueType: 'double' },
  { tsId: B, value: 42, valueType: 'long' },
];

describe('test vectors (spec §6)', () => {
  it('has the byte lengths the spec gives', () => {
    expect([V1.length, V2.length, V3.length, V4.length, V5.length, V6.length]).toEqual([66, 74, 91, 199, 72, 49]);
  });

  it('V1: version 1, uncompressed data', () => {
    expect(decodeFrame(V1)).toEqual({
      type: 'data',
      channel: 'ch-1',
      logicalTimestampMs: 1700000000000,
      data: V1_DATA,
    });
  });

  it('V2: legacy 16-bit version with maxDelay and a negative long', () => {
    expect(decodeFrame(V2)).toEqual({
      type: 'data',
      channel: 'ch-2',
      logicalTimestampMs: 1700000000000,
      maxDelayMs: 2000,
      data: [
        { tsId: A, value: 99.25, valueType: 'double' },
        { tsId: B, value: -7, valueType: 'long' },
      ],
    });
  });

  it('V3: version 3, 16-character channel, a null', () => {
    expect(decodeFrame(V3)).toEqual({
      type: 'data',
      channel: 'channel-Ab3dE5gH',
      logicalTimestampMs: 1700000000000,
      maxDelayMs: 2000,
      data: [
        { tsId: A, value: -0.5, valueType: 'double' },
        { tsId: B, value: 1234567890123, valueType: 'long' },
        { tsId: 'AAAAAAAAAAc', value: null, valueType: 'null' },
      ],
    });
  });

  it('V4: gzip JSON metadata frame', () => {
    expect(decodeFrame(V4)).toEqual({
      type: 'json',
      channel: 'ch-4',
      message: {
        type: 'metadata',
        channel: 'ch-4',
        tsId: A,
        properties: {
          sf_metric: 'cpu.utilization',
          sf_type: 'MetricTimeSeries',
          sf_key: ['host', 'sf_metric'],
          host: 'web-1',
          sf_resolutionMs: 10000,
          sf_isPreQuantized: false,
        },
      },
    });
  });

  it('V5: gzip binary data gives the V1 payload', () => {
    expect(decodeFrame(V5)).toEqual({
      type: 'data',
      channel: 'ch-5',
      logicalTimestampMs: 1700000000000,
      data: V1_DATA,
    });
  });

  it('V6: value type int holding a sign-extended 17 decodes as int64', () => {
    expect(decodeFrame(V6)).toEqual({
      type: 'data',
      channel: 'ch-6',
      logicalTimestampMs: 1700000000000,
      data: [{ tsId: A, value: 17, valueType: 'int' }],
    });
  });

  it('encodes V1, V2, V3 and V6 byte for byte', () => {
    const v1 = decodeFrame(V1) as DataFrame;
    expect(Buffer.from(encodeDataFrame(v1))).toEqual(Buffer.from(V1));
    expect(Buffer.from(encodeDataFrame(decodeFrame(V2) as DataFrame, { version: 2 }))).toEqual(Buffer.from(V2));
    expect(Buffer.from(encodeDataFrame(decodeFrame(V3) as DataFrame, { version: 3 }))).toEqual(Buffer.from(V3));
    expect(Buffer.from(encodeDataFrame(decodeFrame(V6) as DataFrame))).toEqual(Buffer.from(V6));
  });

  it('encodes compressed frames that decode to the same message', () => {
    const v1 = decodeFrame(V1) as DataFrame;
    const compressed = encodeDataFrame({ ...v1, channel: 'ch-5' }, { compress: true });
    expect(compressed[2]).toBe(1);
    expect(Buffer.from(gunzipSync(compressed.subarray(20)))).toEqual(Buffer.from(V1.subarray(20)));
    expect(decodeFrame(compressed)).toEqual(decodeFrame(V5));
    const json = decodeFrame(V4);
    if (json.type !== 'json') throw new Error('expected json');
    const reencoded = encodeJsonFrame('ch-4', json.message, { compress: true });
    expect(Array.from(reencoded.subarray(0, 4))).toEqual([1, 4, 3, 0]);
    expect(decodeFrame(reencoded)).toEqual(json);
  });
});

describe('tsIds', () => {
  it('matches the spec examples', () => {
    expect(tsIdFromBytes(Uint8Array.from([0, 0, 0, 0, 0xe4, 0x04, 0x94, 0x63]))).toBe('AAAAAOQElGM');
    expect(tsIdFromBytes(Uint8Array.from([0, 0, 0, 0, 0xe4, 0x04, 0xf8, 0x63]))).toBe('AAAAAOQE-GM');
    expect(tsIdToBigInt('AAAAAAAAAAE')).toBe(1n);
    expect(tsIdToBigInt('AAAAAEtEqw4')).toBe(1262791438n);
    expect(Array.from(tsIdToBytes(B))).toEqual([0, 0, 0, 1, 0xfb, 0xef, 0xff, 0xff]);
  });

  it('agrees with Buffer base64url for many byte patterns', () => {
    for (let i = 0; i < 2000; i++) {
      const bytes = Uint8Array.from({ length: 8 }, (_, j) => (i * 37 + j * 101 + ((i * j) % 251)) & 0xff);
      const text = Buffer.from(bytes).toString('base64url');
      expect(tsIdFromBytes(bytes)).toBe(text);
      expect(Array.from(tsIdToBytes(text))).toEqual(Array.from(bytes));
    }
  });

  it('rejects malformed tsIds with ValidationError', () => {
    for (const bad of ['', 'AAAAAAobLD', 'AAAAAAobLD0=', 'AAAAAAobLD+', 'AAAAAAobLD1', 'AAAAAAobLDé']) {
      expect(() => tsIdToBytes(bad)).toThrow(ValidationError);
    }
    expect(() => tsIdFromBytes(new Uint8Array(7))).toThrow(ValidationError);
  });
});

describe('decodeFrame errors', () => {
  it('rejects a short frame, a truncated body and an unknown value type', () => {
    expect(() => decodeFrame(V1.subarray(0, 19))).toThrow(FrameDecodeError);
    expect(() => decodeFrame(V1.subarray(0, 65))).toThrow(/announces 2 records/);
    expect(() => decodeFrame(V2.subarray(0, 39))).toThrow(/shorter than its 20-byte header/);
    const badValue = V1.slice();
    badValue[32] = 9;
    expect(() => decodeFrame(badValue)).toThrow(/unknown value type 9/);
  });

  it('reports unknown versions and types as UnsupportedFrameError', () => {
    const v9 = V1.slice();
    v9[0] = 9;
    expect(() => decodeFrame(v9)).toThrow(UnsupportedFrameError);
    const type13 = V1.slice();
    type13[1] = 13;
    const error = (() => {
      try {
        decodeFrame(type13);
      } catch (e) {
        return e;
      }
    })() as UnsupportedFrameError;
    expect(error.code).toBe('SFX_ERR_FRAME_UNSUPPORTED');
    expect(error.channel).toBe('ch-1');
    const binaryControl = V1.slice();
    binaryControl[1] = 1;
    expect(() => decodeFrame(binaryControl)).toThrow(/no binary body/);
  });

  it('rejects bad gzip and bad JSON with FrameDecodeError carrying the channel', () => {
    const badGzip = V5.slice();
    badGzip[30] = 0x00;
    badGzip[40] = 0xff;
    try {
      decodeFrame(badGzip);
      expect.unreachable();
    } catch (error) {
      expect(isSfxError(error)).toBe(true);
      expect((error as FrameDecodeError).code).toBe('SFX_ERR_FRAME');
      expect((error as FrameDecodeError).channel).toBe('ch-5');
    }
    const notJson = encodeJsonFrame('c', { type: 'metadata' });
    notJson[notJson.length - 1] = 0x20;
    expect(() => decodeFrame(notJson)).toThrow(/not valid JSON/);
  });

  it('returns int64 values beyond 2^53 as bigint when asked', () => {
    const frame = V1.slice();
    frame.set([0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 58);
    expect((decodeFrame(frame) as DataFrame).data[1]!.value).toBe(2 ** 63);
    const exact = decodeFrame(frame, { longAsBigInt: true });
    expect(exact.type === 'data' && exact.data[1]!.value).toBe(9223372036854775807n);
    expect(exact.type === 'data' && exact.data[0]!.value).toBe(3.5);
  });
});

describe('encode validation', () => {
  it('rejects long channels, non-integer longs and unknown JSON types', () => {
    const base = { channel: 'c', logicalTimestampMs: 1, data: [] };
    expect(() => encodeDataFrame({ ...base, channel: 'x'.repeat(17) })).toThrow(ValidationError);
    expect(() => encodeDataFrame({ ...base, data: [{ tsId: A, value: 1.5, valueType: 'long' }] })).toThrow(
      ValidationError,
    );
    expect(() => encodeDataFrame({ ...base, logicalTimestampMs: 1.5 })).toThrow(ValidationError);
    expect(() => encodeJsonFrame('c', { type: 'toString' })).toThrow(ValidationError);
    expect(() => encodeDataFrame(base, { version: 4 as 1 })).toThrow(ValidationError);
  });

  it('infers value types', () => {
    const frame = encodeDataFrame({
      channel: 'c',
      logicalTimestampMs: -5,
      data: [
        { tsId: A, value: null },
        { tsId: A, value: 7 },
        { tsId: A, value: 0.25 },
        { tsId: A, value: -0 },
      ],
    });
    const decoded = decodeFrame(frame) as DataFrame;
    expect(decoded.logicalTimestampMs).toBe(-5);
    expect(decoded.data.map((p) => [p.valueType, p.value])).toEqual([
      ['null', null],
      ['long', 7],
      ['double', 0.25],
      ['double', -0],
    ]);
  });
});
