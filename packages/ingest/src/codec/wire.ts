// Low-level protobuf wire writing: varints, doubles and length-delimited fields on a growable Buffer.

const TWO_POW_53 = 2 ** 53;

/** Bytes a varint of a non-negative safe integer takes. */
export function varintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  let size = 4;
  let rest = Math.floor(value / 0x10000000);
  while (rest > 0) {
    size++;
    rest = Math.floor(rest / 128);
  }
  return size;
}

/** Writes a non-negative safe integer as a varint; returns the next position. */
export function writeVarint(buf: Uint8Array, pos: number, value: number): number {
  let v = value;
  while (v > 127) {
    // `& 127` sees the low 32 bits, which hold the low 7 bits exactly for any safe integer.
    buf[pos++] = (v & 127) | 128;
    v = Math.floor(v / 128);
  }
  buf[pos++] = v;
  return pos;
}

/** The unsigned 64-bit form of an int64 (negative numbers take 10 bytes). */
export function int64Bits(value: number | bigint): bigint {
  return BigInt.asUintN(64, typeof value === 'bigint' ? value : BigInt(value));
}

export function bigVarintSize(bits: bigint): number {
  let size = 1;
  let v = bits >> 7n;
  while (v > 0n) {
    size++;
    v >>= 7n;
  }
  return size;
}

export function writeBigVarint(buf: Uint8Array, pos: number, bits: bigint): number {
  let v = bits;
  while (v > 127n) {
    buf[pos++] = Number(v & 127n) | 128;
    v >>= 7n;
  }
  buf[pos++] = Number(v);
  return pos;
}

/** True when an int64 value fits the fast varint path (non-negative and safe). */
export function isSmallUnsigned(value: number): boolean {
  return value >= 0 && value < TWO_POW_53;
}

/** Copies a small byte run; a plain loop beats `set` for the few bytes of a field. */
export function copyBytes(dst: Uint8Array, pos: number, src: Uint8Array): number {
  const n = src.length;
  if (n > 48) {
    dst.set(src, pos);
    return pos + n;
  }
  for (let i = 0; i < n; i++) dst[pos + i] = src[i]!;
  return pos + n;
}

/**
 * The end of the record that lies `records` length-delimited records after `from`: each record is
 * a one-byte tag, a varint length and that many bytes (as `DataPointUploadMessage.datapoints` are).
 */
export function skipRecords(buf: Uint8Array, from: number, records: number): number {
  let pos = from;
  for (let i = 0; i < records; i++) {
    pos++; // the tag
    let length = 0;
    let shift = 1;
    let byte: number;
    do {
      byte = buf[pos++]!;
      length += (byte & 127) * shift;
      shift *= 128;
    } while (byte & 128);
    pos += length;
  }
  return pos;
}

/** A growable output buffer. */
export class ByteWriter {
  buf: Buffer;
  pos = 0;

  constructor(initialSize = 1024) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  ensure(extra: number): void {
    if (this.pos + extra > this.buf.length) this.grow(extra);
  }

  grow(extra: number): void {
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + extra));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  byte(value: number): void {
    this.ensure(1);
    this.buf[this.pos++] = value;
  }

  varint(value: number): void {
    this.ensure(10);
    this.pos = writeVarint(this.buf, this.pos, value);
  }

  int64(value: number | bigint): void {
    this.ensure(10);
    if (typeof value === 'number' && isSmallUnsigned(value)) this.pos = writeVarint(this.buf, this.pos, value);
    else this.pos = writeBigVarint(this.buf, this.pos, int64Bits(value));
  }

  double(value: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(value, this.pos);
    this.pos += 8;
  }

  bytes(value: Uint8Array): void {
    this.ensure(value.length);
    this.pos = copyBytes(this.buf, this.pos, value);
  }

  /** A length-delimited field: tag, length, then the bytes. */
  delimited(tag: number, value: Uint8Array): void {
    this.ensure(value.length + 6);
    this.buf[this.pos++] = tag;
    this.pos = writeVarint(this.buf, this.pos, value.length);
    this.pos = copyBytes(this.buf, this.pos, value);
  }

  string(tag: number, value: string): void {
    const length = Buffer.byteLength(value, 'utf8');
    this.ensure(length + 6);
    this.buf[this.pos++] = tag;
    this.pos = writeVarint(this.buf, this.pos, length);
    this.pos += this.buf.write(value, this.pos, 'utf8');
  }

  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

/** Encodes one `Datum`/`PropertyValue` numeric value: int64 for integers, double otherwise. */
export function writeNumberValue(out: ByteWriter, value: number | bigint): void {
  if (typeof value === 'bigint' || Number.isInteger(value)) {
    out.byte(0x18);
    out.int64(value);
  } else {
    out.byte(0x11);
    out.double(value);
  }
}

/** Encodes a `Dimension` (key 1, value 2) as a complete field with the given tag. */
export function encodeDimensionField(tag: number, key: string, value: string): Buffer {
  const inner = new ByteWriter(key.length * 3 + value.length * 3 + 8);
  inner.string(0x0a, key);
  inner.string(0x12, value);
  const body = inner.finish();
  const out = new ByteWriter(body.length + 6);
  out.delimited(tag, body);
  return Buffer.from(out.finish());
}
