import { ValidationError } from '@sfx/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dropLeadingDatapoints } from '../src/codec/codec.js';
import {
  CONTENT_TYPES,
  decodeDatapoints,
  decodeEvents,
  encodeDatapoints,
  encodeEvents,
  validateDimensionKey,
  type WireDatapoint,
  type WireEvent,
} from '../src/index.js';
import { DataPointUploadMessage, EventUploadMessage } from './helpers/sink.js';

// The verified vectors of the protocol notes (§12).
const DATAPOINT_VECTOR =
  '0a2d12086370752e6c6f61641880d095ffbc31220911000000000000e83f2800320d0a04686f737412057765622d31' +
  '0a33120872657175657374731880d095ffbc312202182a2803320d0a04686f737412057765622d31320b0a03656e76' +
  '120470726f640a16120564656c7461220b18ffffffffffffffffff012801';
const VECTOR_POINTS: WireDatapoint[] = [
  { metric: 'cpu.load', metricType: 'gauge', value: 0.75, timestamp: 1700000000000, dimensions: { host: 'web-1' } },
  {
    metric: 'requests',
    metricType: 'cumulative_counter',
    value: 42,
    timestamp: 1700000000000,
    dimensions: { host: 'web-1', env: 'prod' },
  },
  { metric: 'delta', metricType: 'counter', value: -1 },
];
const EVENT_VECTOR =
  '0a520a066465706c6f79120e0a077365727669636512036170691a120a0776657273696f6e12070a05312e322e331a' +
  '0c0a0663616e617279120220011a0b0a056275696c641202181120c0843d2880d095ffbc31';
const VECTOR_EVENT: WireEvent = {
  eventType: 'deploy',
  category: 'USER_DEFINED',
  dimensions: { service: 'api' },
  properties: { version: '1.2.3', canary: true, build: 17 },
  timestamp: 1700000000000,
};

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');
const utf8 = (s: string) => Buffer.from(s, 'utf8');

function expectValidationError(fn: () => unknown, pattern?: RegExp): ValidationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    if (pattern) expect((error as Error).message).toMatch(pattern);
    return error as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

describe('protobuf codec', () => {
  it('encodes the datapoint vector byte for byte', () => {
    expect(hex(encodeDatapoints(VECTOR_POINTS, 'protobuf'))).toBe(DATAPOINT_VECTOR);
  });

  it('decodes the datapoint vector', () => {
    expect(decodeDatapoints(Buffer.from(DATAPOINT_VECTOR, 'hex'), 'protobuf')).toEqual(VECTOR_POINTS);
  });

  it('encodes the event vector byte for byte and decodes it back', () => {
    expect(hex(encodeEvents([VECTOR_EVENT], 'protobuf'))).toBe(EVENT_VECTOR);
    expect(decodeEvents(Buffer.from(EVENT_VECTOR, 'hex'), 'protobuf')).toEqual([VECTOR_EVENT]);
  });

  it('agrees with an independent protobufjs decoder on every field', () => {
    const points: WireDatapoint[] = [
      { metric: 'm.int', metricType: 'counter', value: 2 ** 40, timestamp: 1, dimensions: { a: 'x', b: 'é✓' } },
      { metric: 'm.big', metricType: 'gauge', value: -(2n ** 63n) },
      { metric: 'm.max', metricType: 'cumulative_counter', value: 2n ** 63n - 1n, timestamp: 2 ** 50 },
      { metric: 'm.double', metricType: 'gauge', value: -1.5e-7 },
    ];
    const decoded = DataPointUploadMessage.toObject(
      DataPointUploadMessage.decode(encodeDatapoints(points, 'protobuf')),
      {
        longs: String,
        enums: String,
      },
    );
    expect(decoded.datapoints).toEqual([
      {
        metric: 'm.int',
        timestamp: '1',
        value: { intValue: String(2 ** 40) },
        metricType: 'COUNTER',
        dimensions: [
          { key: 'a', value: 'x' },
          { key: 'b', value: 'é✓' },
        ],
      },
      { metric: 'm.big', value: { intValue: String(-(2n ** 63n)) }, metricType: 'GAUGE' },
      {
        metric: 'm.max',
        timestamp: String(2 ** 50),
        value: { intValue: String(2n ** 63n - 1n) },
        metricType: 'CUMULATIVE_COUNTER',
      },
      { metric: 'm.double', value: { doubleValue: -1.5e-7 }, metricType: 'GAUGE' },
    ]);
    const events = EventUploadMessage.toObject(
      EventUploadMessage.decode(
        encodeEvents(
          [{ eventType: 'e', category: 'AGENT', properties: { big: 2n ** 60n, d: 0.5, f: false, s: '' } }],
          'protobuf',
        ),
      ),
      { longs: String, enums: String },
    );
    expect(events.events).toEqual([
      {
        eventType: 'e',
        category: 'AGENT',
        properties: [
          { key: 'big', value: { intValue: String(2n ** 60n) } },
          { key: 'd', value: { doubleValue: 0.5 } },
          { key: 'f', value: { boolValue: false } },
          { key: 's', value: { strValue: '' } },
        ],
      },
    ]);
  });

  it('reads what other clients send: source, string values, absent metric type, unknown category', () => {
    const body = DataPointUploadMessage.encode(
      DataPointUploadMessage.fromObject({
        datapoints: [
          { source: 'legacy-host', metric: 'a', value: { strValue: '12' } },
          { metric: 'b', value: { strValue: 'not a number' } },
          { metric: 'c' },
          { metric: 'd', value: { strValue: '2.5' }, metricType: 'COUNTER', timestamp: 0 },
        ],
      }),
    ).finish();
    const dropped: number[] = [];
    expect(decodeDatapoints(body, 'protobuf', { onDrop: ({ index }) => dropped.push(index) })).toEqual([
      { metric: 'a', metricType: 'gauge', value: 12, dimensions: { sf_source: 'legacy-host' } },
      { metric: 'd', metricType: 'counter', value: 2.5 },
    ]);
    expect(dropped).toEqual([1, 2]);
    const events = EventUploadMessage.encode(EventUploadMessage.fromObject({ events: [{ eventType: 'x' }] })).finish();
    expect(decodeEvents(events, 'protobuf')).toEqual([{ eventType: 'x', category: 'USER_DEFINED' }]);
  });

  it('rejects a datapoint without a metric and the ENUM metric type', () => {
    const noMetric = DataPointUploadMessage.encode(
      DataPointUploadMessage.fromObject({ datapoints: [{ value: { intValue: 1 } }] }),
    ).finish();
    expectValidationError(() => decodeDatapoints(noMetric, 'protobuf'), /datapoints\[0\]\.metric is missing/);
    const enumType = DataPointUploadMessage.encode(
      DataPointUploadMessage.fromObject({ datapoints: [{ metric: 'a', value: { intValue: 1 }, metricType: 'ENUM' }] }),
    ).finish();
    expectValidationError(() => decodeDatapoints(enumType, 'protobuf'), /metricType 2 is not supported/);
  });
});

describe('JSON codec', () => {
  it('encodes datapoints grouped by metric type, bigints exact', () => {
    const body = encodeDatapoints(
      [
        ...VECTOR_POINTS,
        { metric: 'huge', metricType: 'gauge', value: 9223372036854775807n, dimensions: { 'a.b': 'c"d' } },
      ],
      'json',
    );
    expect(text(body)).toBe(
      '{"gauge":[{"metric":"cpu.load","value":0.75,"timestamp":1700000000000,"dimensions":{"host":"web-1"}},' +
        '{"metric":"huge","value":9223372036854775807,"dimensions":{"a.b":"c\\"d"}}],' +
        '"counter":[{"metric":"delta","value":-1}],' +
        '"cumulative_counter":[{"metric":"requests","value":42,"timestamp":1700000000000,"dimensions":{"host":"web-1","env":"prod"}}]}',
    );
    const decoded = decodeDatapoints(body, 'json');
    expect(decoded).toHaveLength(4);
    expect(decoded.find((p) => p.metric === 'huge')?.value).toBe(9223372036854775807n);
  });

  it('round-trips events', () => {
    const events: WireEvent[] = [VECTOR_EVENT, { eventType: 'x', category: 'ALERT', properties: { n: 2n ** 62n } }];
    expect(decodeEvents(encodeEvents(events, 'json'), 'json')).toEqual(events);
  });

  it('accepts the JSON of other clients: explicit nulls, numeric strings, unknown categories', () => {
    const pyStyle = '[{"eventType":"deploy","category":null,"dimensions":{"a":"b"},"properties":{},"timestamp":null}]';
    expect(decodeEvents(utf8(pyStyle), 'json')).toEqual([
      { eventType: 'deploy', category: 'USER_DEFINED', dimensions: { a: 'b' } },
    ]);
    expect(decodeEvents(utf8('[{"eventType":"x","category":"COLLECTED"}]'), 'json')[0]?.category).toBe('USER_DEFINED');
    const datapoints =
      '{"gauge":[{"metric":"a","value":"3"},{"metric":"b","value":"abc"},{"metric":"c","value":1.0,"timestamp":0}],' +
      '"mystery":[{"metric":"d","value":1}],"counter":[{"metric":"e","value":-2,"dimensions":{"n":5,"z":null}}]}';
    const drops: string[] = [];
    expect(decodeDatapoints(utf8(datapoints), 'json', { onDrop: ({ reason }) => drops.push(reason) })).toEqual([
      { metric: 'a', metricType: 'gauge', value: 3 },
      { metric: 'c', metricType: 'gauge', value: 1 },
      { metric: 'e', metricType: 'counter', value: -2, dimensions: { n: '5' } },
    ]);
    expect(drops).toEqual(['gauge[1] has no numeric value', 'unknown metric type "mystery"']);
  });

  it('rejects malformed JSON with a clear ValidationError', () => {
    expectValidationError(() => decodeDatapoints(utf8('{"gauge":[{"metric":"a",'), 'json'), /malformed JSON/);
    expectValidationError(() => decodeDatapoints(utf8('[]'), 'json'), /must be an object keyed by metric type/);
    expectValidationError(() => decodeDatapoints(utf8('{"gauge":{}}'), 'json'), /gauge must be an array/);
    expectValidationError(() => decodeDatapoints(utf8('{"gauge":[{"value":1}]}'), 'json'), /gauge\[0\]\.metric/);
    expectValidationError(() => decodeEvents(utf8('{}'), 'json'), /must be an array of events/);
    expectValidationError(() => decodeEvents(Buffer.from([0x5b, 0xff, 0x5d]), 'json'), /not valid UTF-8/);
  });
});

describe('decoders never throw anything but ValidationError', () => {
  it('on random bytes and on mutated valid bodies', () => {
    const valid = [Buffer.from(DATAPOINT_VECTOR, 'hex'), Buffer.from(EVENT_VECTOR, 'hex')];
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          fc.tuple(fc.constantFrom(...valid), fc.nat(), fc.integer({ min: 0, max: 255 })).map(([body, at, byte]) => {
            const copy = Buffer.from(body);
            copy[at % copy.length] = byte;
            return copy;
          }),
          fc.string({ maxLength: 80 }).map(utf8),
        ),
        (body) => {
          for (const encoding of ['protobuf', 'json'] as const) {
            for (const decode of [decodeDatapoints, decodeEvents]) {
              try {
                decode(body, encoding);
              } catch (error) {
                if (!(error instanceof ValidationError)) throw error;
              }
            }
          }
        },
      ),
      { numRuns: 400, seed: 42 },
    );
  });
});

describe('round trips', () => {
  it('protobuf and JSON decode what they encode', () => {
    const point = fc.record(
      {
        metric: fc.string({ minLength: 1, maxLength: 20 }),
        metricType: fc.constantFrom('gauge', 'counter', 'cumulative_counter' as const),
        value: fc.oneof(
          fc.integer(),
          fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Number.isInteger(d)),
          fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).filter((b) => !Number.isSafeInteger(Number(b))),
        ),
        timestamp: fc.integer({ min: 1, max: 2 ** 45 }),
        dimensions: fc.dictionary(fc.stringMatching(/^[h-r][a-z0-9_]{0,8}$/), fc.string({ maxLength: 10 }), {
          maxKeys: 4,
        }),
      },
      { requiredKeys: ['metric', 'metricType', 'value'] },
    );
    fc.assert(
      fc.property(fc.array(point, { maxLength: 8 }), (points) => {
        const expected = points.map((p) => {
          const copy: WireDatapoint = { ...(p as WireDatapoint) };
          if (copy.dimensions !== undefined && Object.keys(copy.dimensions).length === 0) delete copy.dimensions;
          if (Object.is(copy.value, -0)) copy.value = 0;
          return copy;
        });
        const byType = (list: WireDatapoint[]) =>
          ['gauge', 'counter', 'cumulative_counter'].flatMap((t) => list.filter((p) => p.metricType === t));
        expect(decodeDatapoints(encodeDatapoints(points as WireDatapoint[], 'protobuf'), 'protobuf')).toEqual(expected);
        expect(decodeDatapoints(encodeDatapoints(points as WireDatapoint[], 'json'), 'json')).toEqual(byType(expected));
      }),
      { numRuns: 150, seed: 7 },
    );
  });
});

describe('valueType', () => {
  const points: WireDatapoint[] = [
    { metric: 'count', metricType: 'cumulative_counter', value: 3, valueType: 'double' },
    { metric: 'big', metricType: 'gauge', value: 1e21, valueType: 'double' },
    { metric: 'plain', metricType: 'gauge', value: 3 },
    { metric: 'int', metricType: 'gauge', value: 4, valueType: 'int' },
  ];

  it("sends an integral number as a double when valueType is 'double' (protobuf)", () => {
    const decoded = DataPointUploadMessage.toObject(
      DataPointUploadMessage.decode(encodeDatapoints(points, 'protobuf')),
      {
        longs: String,
      },
    );
    expect(decoded.datapoints.map((p: { value: unknown }) => p.value)).toEqual([
      { doubleValue: 3 },
      { doubleValue: 1e21 },
      { intValue: '3' },
      { intValue: '4' },
    ]);
  });

  it('writes a double with a fraction or exponent in JSON, so it reads back as a double', () => {
    const body = Buffer.from(encodeDatapoints(points, 'json')).toString('utf8');
    expect(body).toContain('{"metric":"count","value":3.0}');
    expect(body).toContain('{"metric":"big","value":1e+21}');
    expect(body).toContain('{"metric":"plain","value":3}');
    // JSON groups by metric type: the gauges first, then the cumulative counter.
    expect(decodeDatapoints(Buffer.from(body), 'json').map((p) => p.value)).toEqual([1e21, 3, 4, 3]);
  });

  it('rejects an unknown valueType, a fraction for int and a bigint for double, naming the field', () => {
    const one = (point: Partial<WireDatapoint>) => [
      { metric: 'm', metricType: 'gauge', value: 1, ...point } as WireDatapoint,
    ];
    for (const encoding of ['protobuf', 'json'] as const) {
      expectValidationError(
        () => encodeDatapoints(one({ valueType: 'float' as 'int' }), encoding),
        /points\[0\]\.valueType must be 'int' or 'double'/,
      );
      expectValidationError(
        () => encodeDatapoints(one({ value: 1.5, valueType: 'int' }), encoding),
        /points\[0\]\.value must be an integer when valueType is 'int'/,
      );
      expectValidationError(
        () => encodeDatapoints(one({ value: 2n, valueType: 'double' }), encoding),
        /points\[0\]\.valueType is 'double', which takes a number/,
      );
    }
  });
});

describe('encoder validation', () => {
  it('names the field and index', () => {
    const bad = (value: unknown) => [{ metric: 'ok', metricType: 'gauge', value } as WireDatapoint];
    expectValidationError(() => encodeDatapoints(bad(Number.NaN), 'protobuf'), /points\[0\]\.value must be a finite/);
    expectValidationError(() => encodeDatapoints(bad(2 ** 64), 'json'), /points\[0\]\.value is an integer outside/);
    expectValidationError(() => encodeDatapoints(bad(2n ** 63n), 'protobuf'), /outside the int64 range/);
    expectValidationError(() => encodeDatapoints(bad(true), 'protobuf'), /must be a number or a bigint, got true/);
    expectValidationError(
      () => encodeEvents([{ eventType: 'a b', category: 'USER_DEFINED' }], 'protobuf'),
      /events\[0\]\.eventType must be printable ASCII/,
    );
    expectValidationError(
      () => encodeEvents([{ eventType: 'x', category: 'NOPE' as 'ALERT' }], 'json'),
      /events\[0\]\.category must be one of/,
    );
    expectValidationError(
      () => encodeEvents([{ eventType: 'x', category: 'ALERT', properties: { o: {} as string } }], 'json'),
      /events\[0\]\.properties\.o must be a string, number, boolean or bigint/,
    );
  });

  it('exposes the content types', () => {
    expect(CONTENT_TYPES).toEqual({ protobuf: 'application/x-protobuf', json: 'application/json' });
  });
});

describe('validateDimensionKey', () => {
  it.each([
    ['host', undefined],
    ['k8s.pod.name', undefined],
    ['Région-1_x', undefined],
    ['sf_hires', undefined],
  ])('accepts %s', (key, reason) => {
    expect(validateDimensionKey(key)).toBe(reason);
  });

  it.each([
    ['', /empty/],
    ['1abc', /start with a letter/],
    ['_x', /start with a letter/],
    ['a b', /only letters/],
    ['sf_metric', /reserved prefix "sf_"/],
    ['aws_region', /reserved prefix "aws_"/],
    ['gcp_x', /reserved prefix/],
    ['azure_x', /reserved prefix/],
    ['a'.repeat(129), /at most 128/],
  ])('rejects %j', (key, reason) => {
    expect(validateDimensionKey(key)).toMatch(reason);
  });
});

describe('dropping the leading datapoints of a body (drop-oldest)', () => {
  const points: WireDatapoint[] = [
    { metric: 'a', metricType: 'gauge', value: 1 },
    { metric: 'b', metricType: 'counter', value: 2n ** 60n },
    { metric: 'c', metricType: 'gauge', value: 0.5, timestamp: 1_700_000_000_000, dimensions: { host: 'h' } },
  ];
  it('protobuf keeps the order of send()', () => {
    const body = Buffer.from(encodeDatapoints(points, 'protobuf'));
    expect(decodeDatapoints(dropLeadingDatapoints(body, 'protobuf', 1), 'protobuf')).toEqual(points.slice(1));
    expect(decodeDatapoints(dropLeadingDatapoints(body, 'protobuf', 3), 'protobuf')).toEqual([]);
  });
  it('JSON groups by metric type, so the gauges go first; values stay exact', () => {
    const body = Buffer.from(encodeDatapoints(points, 'json'));
    expect(decodeDatapoints(dropLeadingDatapoints(body, 'json', 1), 'json')).toEqual([points[2], points[1]]);
    expect(decodeDatapoints(dropLeadingDatapoints(body, 'json', 2), 'json')).toEqual([points[1]]);
  });
});
