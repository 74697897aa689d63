/**
 * The protobuf wire format, just enough for TensorFlow's checkpoint messages
 * (BundleHeaderProto, BundleEntryProto, SavedTensorSlices, TensorProto).
 *
 * @module
 */

/** One decoded field: varints as numbers (or bigint past 2^53), others as bytes. */
export interface ProtoField {
  field: number;
  wire: number;
  /** Varint or fixed value. */
  value?: number | bigint;
  /** Length-delimited payload (a view into the message). */
  bytes?: Uint8Array;
  /** Offset of `bytes` within the decoded message. */
  offset?: number;
}

/** Reads a varint at `pos`; returns [value, next position]. Past 2^53 it is a signed bigint. */
export function readVarint(buf: Uint8Array, pos: number, what: string): [number | bigint, number] {
  const start = pos;
  let result = 0, mul = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) throw new Error(`${what}: truncated varint`);
    const b = buf[pos++];
    result += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) {
      return result <= Number.MAX_SAFE_INTEGER ? [result, pos] : readVarintBig(buf, start, what);
    }
    mul *= 128;
  }
  throw new Error(`${what}: varint longer than 10 bytes`);
}

function readVarintBig(buf: Uint8Array, pos: number, what: string): [bigint, number] {
  let result = 0n, shift = 0n;
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) throw new Error(`${what}: truncated varint`);
    const b = buf[pos++];
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [BigInt.asIntN(64, result), pos];
    shift += 7n;
  }
  throw new Error(`${what}: varint longer than 10 bytes`);
}

/** A varint as a JS number, failing on values past 2^53. */
export function varintNumber(v: number | bigint | undefined, what: string): number {
  if (v === undefined) return 0;
  if (typeof v === "number") return v;
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new Error(`${what}: value ${v} out of range`);
  }
  return Number(v);
}

/** Decodes every field of a message. */
export function decodeMessage(buf: Uint8Array, what: string): ProtoField[] {
  const out: ProtoField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    let key: number | bigint;
    [key, pos] = readVarint(buf, pos, what);
    const k = varintNumber(key, what);
    const field = Math.floor(k / 8), wire = k & 7;
    if (field === 0) throw new Error(`${what}: corrupt protobuf (field number 0)`);
    switch (wire) {
      case 0: {
        let v: number | bigint;
        [v, pos] = readVarint(buf, pos, what);
        out.push({ field, wire, value: v });
        break;
      }
      case 1:
        if (pos + 8 > buf.length) throw new Error(`${what}: truncated protobuf`);
        out.push({
          field,
          wire,
          value: new DataView(buf.buffer, buf.byteOffset + pos, 8).getBigUint64(0, true),
        });
        pos += 8;
        break;
      case 2: {
        let len: number | bigint;
        [len, pos] = readVarint(buf, pos, what);
        const n = varintNumber(len, what);
        if (pos + n > buf.length) {
          throw new Error(
            `${what}: truncated protobuf (field ${field} needs ${n} bytes, ${
              buf.length - pos
            } left)`,
          );
        }
        out.push({ field, wire, bytes: buf.subarray(pos, pos + n), offset: pos });
        pos += n;
        break;
      }
      case 5:
        if (pos + 4 > buf.length) throw new Error(`${what}: truncated protobuf`);
        out.push({
          field,
          wire,
          value: new DataView(buf.buffer, buf.byteOffset + pos, 4).getUint32(0, true),
        });
        pos += 4;
        break;
      default:
        throw new Error(`${what}: corrupt protobuf (wire type ${wire})`);
    }
  }
  return out;
}

/** Decodes a packed (or repeated unpacked) varint field into numbers. */
export function repeatedVarints(
  fields: ProtoField[],
  field: number,
  what: string,
): (number | bigint)[] {
  const out: (number | bigint)[] = [];
  for (const f of fields) {
    if (f.field !== field) continue;
    if (f.wire === 0) out.push(f.value!);
    else if (f.wire === 2) {
      let pos = 0;
      while (pos < f.bytes!.length) {
        let v: number | bigint;
        [v, pos] = readVarint(f.bytes!, pos, what);
        out.push(v);
      }
    }
  }
  return out;
}

/** Growable byte buffer for encoding. */
export class ProtoWriter {
  #buf = new Uint8Array(64);
  #len = 0;

  #ensure(n: number) {
    if (this.#len + n <= this.#buf.length) return;
    const next = new Uint8Array(Math.max(this.#buf.length * 2, this.#len + n));
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
  }

  /** Appends raw bytes. */
  raw(bytes: Uint8Array): this {
    this.#ensure(bytes.length);
    this.#buf.set(bytes, this.#len);
    this.#len += bytes.length;
    return this;
  }

  /** Appends a varint (negative numbers as 64-bit two's complement, like int64). */
  varint(v: number | bigint): this {
    let x = BigInt.asUintN(64, BigInt(v));
    this.#ensure(10);
    while (x >= 0x80n) {
      this.#buf[this.#len++] = Number(x & 0x7fn) | 0x80;
      x >>= 7n;
    }
    this.#buf[this.#len++] = Number(x);
    return this;
  }

  /** Field key. */
  key(field: number, wire: number): this {
    return this.varint(field * 8 + wire);
  }

  /** A varint field. */
  uint(field: number, v: number | bigint): this {
    return this.key(field, 0).varint(v);
  }

  /** A length-delimited field. */
  bytes(field: number, b: Uint8Array): this {
    return this.key(field, 2).varint(b.length).raw(b);
  }

  /** A fixed32 field. */
  fixed32(field: number, v: number): this {
    this.key(field, 5);
    this.#ensure(4);
    new DataView(this.#buf.buffer).setUint32(this.#len, v >>> 0, true);
    this.#len += 4;
    return this;
  }

  /** The encoded bytes. */
  finish(): Uint8Array {
    return this.#buf.slice(0, this.#len);
  }
}
