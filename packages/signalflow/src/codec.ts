/**
 * The SignalFlow binary frame codec (spec §5): 20-byte headers in the 1-byte (v1, v3) and the
 * legacy 16-bit (v2) layouts, data bodies of v1/v2/v3, gzip and JSON-flagged frames.
 *
 * Decoding is the hot path of every stream, so it allocates nothing per datapoint beyond the
 * result object, reads values through one DataView per frame and builds tsId strings from a
 * lookup table, with a small cache since a stream repeats the same series every interval.
 */

import { gunzipSync, gzipSync } from 'node:zlib';
import { ValidationError } from '@sfx/core';
import { FrameDecodeError, UnsupportedFrameError } from './errors.js';
import { MessageTypeCode } from './messages.js';

/** A datapoint value: a number, or a `bigint` for int64 values beyond 2^53 when asked for. */
export type DataValue = number | bigint | null;

export type ValueType = 'null' | 'long' | 'double' | 'int';

export interface DataPoint<V extends DataValue = number | null> {
  /** base64url (no padding, 11 characters) of the series' 8-byte ID. */
  tsId: string;
  value: V;
  /** How the value was encoded: `long` and `int` are int64, `double` binary64. */
  valueType?: ValueType;
}

/** A decoded binary data message (type 5). */
export interface DataFrame<V extends DataValue = number | null> {
  type: 'data';
  channel: string;
  logicalTimestampMs: number;
  /** Only in v2 and v3 frames. */
  maxDelayMs?: number;
  data: Array<DataPoint<V>>;
}

/** A frame whose body is a JSON message (flag 0x02), any message type. */
export interface JsonFrame {
  type: 'json';
  channel: string;
  message: Record<string, unknown>;
}

export type DecodedFrame<V extends DataValue = number | null> = DataFrame<V> | JsonFrame;

export interface DecodeOptions {
  /**
   * Return int64 values (`long`, `int`) outside ±(2^53 − 1) as `bigint` instead of the nearest
   * double. Default false.
   */
  longAsBigInt?: boolean;
  /** Largest decompressed body accepted, in bytes. Default 64 MiB. */
  maxInflatedBytes?: number;
}

export interface EncodeDataOptions {
  /** Frame layout: 1 (default), 2 (legacy 16-bit version, with maxDelay) or 3 (with maxDelay). */
  version?: 1 | 2 | 3;
  /** Gzip the body and set flag 0x01. */
  compress?: boolean;
}

export interface EncodeJsonOptions {
  /** Gzip the body and set flag 0x01 besides the JSON flag 0x02. */
  compress?: boolean;
  /** Header layout; default 1. */
  version?: 1 | 2 | 3;
}

const HEADER_BYTES = 20;
const CHANNEL_BYTES = 16;
const RECORD_BYTES = 17;
const FLAG_GZIP = 0x01;
const FLAG_JSON = 0x02;
const TYPE_DATA = 5;
const MAX_TYPE_CODE = 12;
const TWO_POW_32 = 4294967296;
const DEFAULT_MAX_INFLATED = 64 * 1024 * 1024;
const VALUE_TYPES: readonly ValueType[] = ['null', 'long', 'double', 'int'];
const VALUE_TYPE_CODES: Record<ValueType, number> = { null: 0, long: 1, double: 2, int: 3 };

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** The 4,096 two-character strings of every 12-bit group. */
let pairTable: string[] | undefined;
/** base64url character code → 6-bit value, or -1. */
let reverseTable: Int8Array | undefined;

function pairs(): string[] {
  if (pairTable === undefined) {
    pairTable = new Array<string>(4096);
    for (let i = 0; i < 4096; i++) pairTable[i] = ALPHABET[i >> 6]! + ALPHABET[i & 63]!;
  }
  return pairTable;
}

function reverse(): Int8Array {
  if (reverseTable === undefined) {
    reverseTable = new Int8Array(128).fill(-1);
    for (let i = 0; i < 64; i++) reverseTable[ALPHABET.charCodeAt(i)] = i;
  }
  return reverseTable;
}

// Direct-mapped cache of recent tsId strings, keyed by the 8 bytes as two int32.
const CACHE_SIZE = 1 << 14;
const CACHE_MASK = CACHE_SIZE - 1;
let cacheHigh: Int32Array | undefined;
let cacheLow: Int32Array | undefined;
let cacheText: string[] | undefined;
/** Misses in the frame being decoded. */
let cacheMisses = 0;
/** Consecutive frames that mostly missed. */
let missingFrames = 0;
/** Frames left to decode without the cache: when series never repeat, filling it only costs. */
let bypassFrames = 0;

function tsIdFromParts(
  p: string[],
  b1: number,
  b2: number,
  b3: number,
  b4: number,
  b5: number,
  b6: number,
  b7: number,
  b8: number,
): string {
  return (
    p[(b1 << 4) | (b2 >> 4)]! +
    p[((b2 & 15) << 8) | b3]! +
    p[(b4 << 4) | (b5 >> 4)]! +
    p[((b5 & 15) << 8) | b6]! +
    p[(b7 << 4) | (b8 >> 4)]! +
    ALPHABET[(b8 & 15) << 2]!
  );
}

/** The tsId string of the 8 bytes at `offset`. */
function tsIdAt(bytes: Uint8Array, offset: number): string {
  const b1 = bytes[offset]!;
  const b2 = bytes[offset + 1]!;
  const b3 = bytes[offset + 2]!;
  const b4 = bytes[offset + 3]!;
  const b5 = bytes[offset + 4]!;
  const b6 = bytes[offset + 5]!;
  const b7 = bytes[offset + 6]!;
  const b8 = bytes[offset + 7]!;
  const high = (b1 << 24) | (b2 << 16) | (b3 << 8) | b4;
  const low = (b5 << 24) | (b6 << 16) | (b7 << 8) | b8;
  const slot = (low ^ (low >>> 15) ^ Math.imul(high, 0x9e3779b1)) & CACHE_MASK;
  const text = cacheText![slot]!;
  if (cacheLow![slot] === low && cacheHigh![slot] === high && text !== '') return text;
  const built = tsIdFromParts(pairTable!, b1, b2, b3, b4, b5, b6, b7, b8);
  cacheMisses++;
  cacheHigh![slot] = high;
  cacheLow![slot] = low;
  cacheText![slot] = built;
  return built;
}

function ensureTables(): void {
  if (cacheText === undefined) {
    pairs();
    cacheHigh = new Int32Array(CACHE_SIZE);
    cacheLow = new Int32Array(CACHE_SIZE);
    cacheText = new Array<string>(CACHE_SIZE).fill('');
  }
}

/** The tsId string (base64url, no padding) of 8 raw bytes. */
export function tsIdFromBytes(bytes: Uint8Array): string {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 8) {
    throw new ValidationError('a tsId is exactly 8 bytes', { field: 'tsId' });
  }
  return tsIdFromParts(pairs(), bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!, bytes[4]!, bytes[5]!, bytes[6]!, bytes[7]!);
}

function writeTsId(tsId: string, target: Uint8Array, offset: number): void {
  if (typeof tsId !== 'string' || tsId.length !== 11) {
    throw new ValidationError(`tsId must be 11 base64url characters, got ${JSON.stringify(tsId)}`, { field: 'tsId' });
  }
  const table = reverse();
  let bits = 0;
  let count = 0;
  let out = offset;
  for (let i = 0; i < 11; i++) {
    const code = tsId.charCodeAt(i);
    const sextet = code < 128 ? table[code]! : -1;
    if (sextet < 0) {
      throw new ValidationError(`tsId has a character outside base64url: ${JSON.stringify(tsId)}`, { field: 'tsId' });
    }
    bits = (bits << 6) | sextet;
    count += 6;
    if (count >= 8) {
      count -= 8;
      target[out++] = (bits >> count) & 0xff;
      bits &= (1 << count) - 1;
    }
  }
  // 66 bits were read for 64: the last two must be zero for a canonical tsId.
  if (bits !== 0)
    throw new ValidationError(`tsId is not canonical base64url: ${JSON.stringify(tsId)}`, { field: 'tsId' });
}

/** The 8 raw bytes of a tsId string. Throws `ValidationError` for anything but 11 canonical base64url characters. */
export function tsIdToBytes(tsId: string): Uint8Array {
  const bytes = new Uint8Array(8);
  writeTsId(tsId, bytes, 0);
  return bytes;
}

/** The numeric ID of a tsId: its 8 bytes as a big-endian signed int64. */
export function tsIdToBigInt(tsId: string): bigint {
  const bytes = tsIdToBytes(tsId);
  return new DataView(bytes.buffer).getBigInt64(0);
}

// The channel of consecutive frames is usually the same: reuse its string.
const lastChannelBytes = new Uint8Array(CHANNEL_BYTES);
let lastChannel = '';

function readChannel(bytes: Uint8Array): string {
  let same = true;
  for (let i = 0; i < CHANNEL_BYTES; i++) {
    if (bytes[4 + i] !== lastChannelBytes[i]) {
      same = false;
      break;
    }
  }
  if (same) return lastChannel;
  let text = '';
  for (let i = 4; i < HEADER_BYTES; i++) {
    const code = bytes[i]!;
    if (code === 0) break;
    text += String.fromCharCode(code);
  }
  lastChannelBytes.set(bytes.subarray(4, HEADER_BYTES));
  lastChannel = text;
  return text;
}

function readInt64(view: DataView, offset: number): number {
  return view.getInt32(offset) * TWO_POW_32 + view.getUint32(offset + 4);
}

/**
 * Decodes one binary frame. Returns a data frame (binary data body) or a JSON frame (JSON flag).
 * Throws `UnsupportedFrameError` (code `SFX_ERR_FRAME_UNSUPPORTED`) for an unknown version or
 * message type, `FrameDecodeError` (code `SFX_ERR_FRAME`) for a truncated or malformed frame, and
 * nothing else.
 *
 * `long` and `int` values are int64 and come back as the nearest double: exact up to ±2^53.
 * Pass `longAsBigInt` to get a `bigint` beyond that.
 */
export function decodeFrame(bytes: Uint8Array, options?: DecodeOptions & { longAsBigInt?: false }): DecodedFrame;
export function decodeFrame(bytes: Uint8Array, options: DecodeOptions): DecodedFrame<DataValue>;
export function decodeFrame(bytes: Uint8Array, options?: DecodeOptions): DecodedFrame<DataValue> {
  const header = readHeader(bytes, options?.maxInflatedBytes);
  if (header.json) return decodeJsonBody(header.body, header.start, header.channel);
  return decodeDataBody(header.body, header.start, header.version, header.channel, options?.longAsBigInt === true);
}

interface FrameHeader {
  version: number;
  channel: string;
  json: boolean;
  body: Uint8Array;
  start: number;
}

function readHeader(bytes: Uint8Array, maxInflatedBytes: number | undefined): FrameHeader {
  if (!(bytes instanceof Uint8Array)) throw new FrameDecodeError('a frame must be a Uint8Array');
  const length = bytes.length;
  if (length < HEADER_BYTES) {
    throw new FrameDecodeError(`frame of ${length} bytes is shorter than the ${HEADER_BYTES}-byte header`);
  }
  const first = bytes[0]!;
  const second = bytes[1]!;
  let version: number;
  let typeCode: number;
  let flags: number;
  if (first === 2 && second === 0) {
    version = 2;
    typeCode = bytes[2]!;
    flags = bytes[3]!;
  } else if (first >= 1 && first <= 3) {
    version = first;
    typeCode = second;
    flags = bytes[2]!;
  } else {
    throw new UnsupportedFrameError(`unsupported frame version ${first}`);
  }
  const channel = readChannel(bytes);
  if (typeCode < 1 || typeCode > MAX_TYPE_CODE) {
    throw new UnsupportedFrameError(`unsupported message type ${typeCode}`, { channel });
  }
  let body: Uint8Array = bytes;
  let start = HEADER_BYTES;
  if ((flags & FLAG_GZIP) !== 0) {
    try {
      body = gunzipSync(bytes.subarray(HEADER_BYTES), { maxOutputLength: maxInflatedBytes ?? DEFAULT_MAX_INFLATED });
    } catch (cause) {
      throw new FrameDecodeError(`frame body does not inflate: ${(cause as Error).message}`, { channel, cause });
    }
    start = 0;
  }
  const json = (flags & FLAG_JSON) !== 0;
  if (!json && typeCode !== TYPE_DATA) {
    throw new UnsupportedFrameError(`message type ${typeCode} has no binary body format`, { channel });
  }
  return { version, channel, json, body, start };
}

interface DataLayout {
  view: DataView;
  /** Records announced, checked against the body's length. */
  count: number;
  /** Offset of the first record. */
  first: number;
}

/** Checks a data body's fixed part (v1: 12 bytes, v2/v3: 20) and its record count. */
function dataLayout(body: Uint8Array, start: number, version: number, channel: string): DataLayout {
  const available = body.length - start;
  const fixed = version === 1 ? 12 : 20;
  if (available < fixed) {
    throw new FrameDecodeError(`data body of ${available} bytes is shorter than its ${fixed}-byte header`, { channel });
  }
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const count = view.getUint32(start + fixed - 4);
  if (count > (available - fixed) / RECORD_BYTES) {
    throw new FrameDecodeError(`data body announces ${count} records but holds ${available - fixed} bytes of records`, {
      channel,
    });
  }
  return { view, count, first: start + fixed };
}

/** Starts a frame's records: whether to go through the tsId cache for this one. */
function beginFrame(): boolean {
  if (cacheText === undefined) ensureTables();
  if (bypassFrames === 0) {
    cacheMisses = 0;
    return true;
  }
  bypassFrames--;
  return false;
}

/** The tsId of the record at `offset` (its 8 ID bytes follow the value-type byte). */
function recordTsId(body: Uint8Array, offset: number, useCache: boolean): string {
  if (useCache) return tsIdAt(body, offset + 1);
  return tsIdFromParts(
    pairTable!,
    body[offset + 1]!,
    body[offset + 2]!,
    body[offset + 3]!,
    body[offset + 4]!,
    body[offset + 5]!,
    body[offset + 6]!,
    body[offset + 7]!,
    body[offset + 8]!,
  );
}

/**
 * @internal The streaming fast path: decodes a data frame's points straight into the record
 * `open` returns (merging without an intermediate array), then calls `close`. `open` returning
 * undefined skips the points. JSON frames are returned for the caller to route. Throws like
 * `decodeFrame`.
 */
export function decodeFrameInto(
  bytes: Uint8Array,
  open: (
    channel: string,
    logicalTimestampMs: number,
    maxDelayMs: number | undefined,
  ) => Record<string, number | null> | undefined,
  close: (channel: string) => void,
): JsonFrame | undefined {
  const { version, channel, json, body, start } = readHeader(bytes, undefined);
  if (json) return decodeJsonBody(body, start, channel);
  const { view, count, first } = dataLayout(body, start, version, channel);
  const target = open(channel, readInt64(view, start), version === 1 ? undefined : readInt64(view, start + 8));
  if (target === undefined) return undefined;
  const useCache = beginFrame();
  let offset = first;
  for (let i = 0; i < count; i++) {
    const kind = body[offset]!;
    const tsId = recordTsId(body, offset, useCache);
    const at = offset + 9;
    if (kind === 2) target[tsId] = view.getFloat64(at);
    else if (kind === 1 || kind === 3) target[tsId] = view.getInt32(at) * TWO_POW_32 + view.getUint32(at + 4);
    else if (kind === 0) target[tsId] = null;
    else throw new FrameDecodeError(`record ${i} has unknown value type ${kind}`, { channel });
    offset += RECORD_BYTES;
  }
  noteCacheUse(useCache, count);
  close(channel);
  return undefined;
}

function noteCacheUse(useCache: boolean, count: number): void {
  if (useCache && count >= 64) {
    missingFrames = cacheMisses * 2 > count ? missingFrames + 1 : 0;
    if (missingFrames >= 2) {
      missingFrames = 0;
      bypassFrames = 32;
    }
  }
}

function decodeJsonBody(body: Uint8Array, start: number, channel: string): JsonFrame {
  let message: unknown;
  try {
    message = JSON.parse(Buffer.from(body.buffer, body.byteOffset + start, body.length - start).toString('utf8'));
  } catch (cause) {
    throw new FrameDecodeError('JSON frame body is not valid JSON', { channel, cause });
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    throw new FrameDecodeError('JSON frame body is not a JSON object', { channel });
  }
  const record = message as Record<string, unknown>;
  const named = channel !== '' ? channel : typeof record.channel === 'string' ? record.channel : '';
  return { type: 'json', channel: named, message: record };
}

function decodeDataBody(
  body: Uint8Array,
  start: number,
  version: number,
  channel: string,
  longAsBigInt: boolean,
): DataFrame<DataValue> {
  const { view, count, first } = dataLayout(body, start, version, channel);
  const logicalTimestampMs = readInt64(view, start);
  const useCache = beginFrame();
  const data: Array<DataPoint<DataValue>> = [];
  let offset = first;
  for (let i = 0; i < count; i++) {
    const kind = body[offset]!;
    const tsId = recordTsId(body, offset, useCache);
    const at = offset + 9;
    let value: DataValue;
    if (kind === 2) {
      value = view.getFloat64(at);
    } else if (kind === 1 || kind === 3) {
      value = view.getInt32(at) * TWO_POW_32 + view.getUint32(at + 4);
      if (longAsBigInt && !Number.isSafeInteger(value)) value = view.getBigInt64(at);
    } else if (kind === 0) {
      value = null;
    } else {
      throw new FrameDecodeError(`record ${i} has unknown value type ${kind}`, { channel });
    }
    data.push({ tsId, value, valueType: VALUE_TYPES[kind]! });
    offset += RECORD_BYTES;
  }
  noteCacheUse(useCache, count);
  const frame: DataFrame<DataValue> = { type: 'data', channel, logicalTimestampMs, data };
  if (version !== 1) frame.maxDelayMs = readInt64(view, start + 8);
  return frame;
}

function writeHeader(frame: Uint8Array, version: number, typeCode: number, flags: number, channel: string): void {
  if (typeof channel !== 'string' || channel.length > CHANNEL_BYTES) {
    throw new ValidationError(`channel must be a string of at most ${CHANNEL_BYTES} ASCII characters`, {
      field: 'channel',
    });
  }
  if (version === 2) {
    frame[0] = 2;
    frame[1] = 0;
    frame[2] = typeCode;
    frame[3] = flags;
  } else {
    frame[0] = version;
    frame[1] = typeCode;
    frame[2] = flags;
    frame[3] = 0;
  }
  for (let i = 0; i < channel.length; i++) {
    const code = channel.charCodeAt(i);
    if (code === 0 || code > 127) {
      throw new ValidationError(`channel must be ASCII without NUL, got ${JSON.stringify(channel)}`, {
        field: 'channel',
      });
    }
    frame[4 + i] = code;
  }
}

function checkVersion(version: unknown): 1 | 2 | 3 {
  if (version !== 1 && version !== 2 && version !== 3) {
    throw new ValidationError(`frame version must be 1, 2 or 3, got ${String(version)}`, { field: 'version' });
  }
  return version;
}

function writeInt64(view: DataView, offset: number, value: number, field: string): void {
  if (!Number.isInteger(value) || Math.abs(value) >= 2 ** 63) {
    throw new ValidationError(`${field} must be an integer within int64, got ${String(value)}`, { field });
  }
  const high = Math.floor(value / TWO_POW_32);
  view.setInt32(offset, high);
  view.setUint32(offset + 4, value - high * TWO_POW_32);
}

function inferValueType(value: number | null): ValueType {
  if (value === null) return 'null';
  return Number.isSafeInteger(value) && !Object.is(value, -0) ? 'long' : 'double';
}

function assemble(version: number, typeCode: number, flags: number, channel: string, body: Uint8Array): Uint8Array {
  const payload = (flags & FLAG_GZIP) !== 0 ? gzipSync(body) : body;
  const frame = new Uint8Array(HEADER_BYTES + payload.length);
  writeHeader(frame, version, typeCode, flags, channel);
  frame.set(payload, HEADER_BYTES);
  return frame;
}

/**
 * Encodes a data message as a binary frame (type 5). A point's `valueType` defaults to `null`
 * for null, `long` for safe integers and `double` otherwise. Throws `ValidationError` for a
 * channel longer than 16 ASCII characters, a malformed tsId or a value its type cannot hold.
 */
export function encodeDataFrame(frame: Omit<DataFrame, 'type'>, options: EncodeDataOptions = {}): Uint8Array {
  const version = checkVersion(options.version ?? 1);
  const points = frame.data;
  const fixed = version === 1 ? 12 : 20;
  const body = new Uint8Array(fixed + points.length * RECORD_BYTES);
  const view = new DataView(body.buffer);
  writeInt64(view, 0, frame.logicalTimestampMs, 'logicalTimestampMs');
  if (version !== 1) writeInt64(view, 8, frame.maxDelayMs ?? 0, 'maxDelayMs');
  view.setUint32(fixed - 4, points.length);
  let offset = fixed;
  for (let i = 0; i < points.length; i++) {
    const point = points[i]!;
    const valueType = point.valueType ?? inferValueType(point.value);
    const code = VALUE_TYPE_CODES[valueType];
    if (code === undefined) {
      throw new ValidationError(`data[${i}].valueType is not one of null, long, double, int`, {
        field: `data[${i}].valueType`,
      });
    }
    body[offset] = code;
    writeTsId(point.tsId, body, offset + 1);
    const value = point.value;
    if (code !== 0) {
      if (typeof value !== 'number') {
        throw new ValidationError(`data[${i}].value must be a number for type ${valueType}`, {
          field: `data[${i}].value`,
        });
      }
      if (code === 2) view.setFloat64(offset + 9, value);
      else writeInt64(view, offset + 9, value, `data[${i}].value`);
    }
    offset += RECORD_BYTES;
  }
  return assemble(version, TYPE_DATA, options.compress ? FLAG_GZIP : 0, frame.channel, body);
}

/**
 * Encodes a JSON message as a JSON-flagged binary frame. The type byte comes from
 * `message.type`, which must be a known server message type.
 */
export function encodeJsonFrame(
  channel: string,
  message: Record<string, unknown>,
  options: EncodeJsonOptions = {},
): Uint8Array {
  const version = checkVersion(options.version ?? 1);
  const type = message.type;
  const typeCode =
    typeof type === 'string' && Object.hasOwn(MessageTypeCode, type)
      ? MessageTypeCode[type as keyof typeof MessageTypeCode]
      : undefined;
  if (typeCode === undefined) {
    throw new ValidationError(`message.type ${JSON.stringify(message.type)} is not a SignalFlow message type`, {
      field: 'message.type',
    });
  }
  const body = Buffer.from(JSON.stringify(message), 'utf8');
  return assemble(version, typeCode, FLAG_JSON | (options.compress ? FLAG_GZIP : 0), channel, body);
}
