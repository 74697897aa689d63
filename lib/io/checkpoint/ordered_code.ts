/**
 * TensorFlow's OrderedCode, used for V1 checkpoint keys and V2 slice keys:
 * `EncodeTensorNameSlice(name, slice)`.
 *
 * @module
 */

/** A slice extent: `length` undefined means the full dimension. */
export interface Extent {
  /** First index on this axis. */
  start: number;
  /** Indices on this axis; undefined = all (`-`). */
  length?: number;
}

function writeString(out: number[], s: string) {
  for (const b of new TextEncoder().encode(s)) {
    if (b === 0x00) out.push(0x00, 0xff);
    else if (b === 0xff) out.push(0xff, 0x00);
    else out.push(b);
  }
  out.push(0x00, 0x01);
}

function writeNumIncreasing(out: number[], v: number) {
  const bytes: number[] = [];
  let x = BigInt(v);
  while (x > 0n) {
    bytes.unshift(Number(x & 0xffn));
    x >>= 8n;
  }
  out.push(bytes.length, ...bytes);
}

const HEADER: [number, number][] = [
  [0, 0],
  [0x80, 0],
  [0xc0, 0],
  [0xe0, 0],
  [0xf0, 0],
  [0xf8, 0],
  [0xfc, 0],
  [0xfe, 0],
  [0xff, 0],
  [0xff, 0x80],
  [0xff, 0xc0],
];

function writeSignedNumIncreasing(out: number[], v: number) {
  const val = BigInt(v);
  const x = val < 0n ? ~val : val;
  if (x < 64n) {
    out.push((0x80 ^ Number(BigInt.asUintN(8, val))) & 0xff);
    return;
  }
  const bits = x.toString(2).length;
  const len = Math.min(10, Math.floor(bits / 7) + 1);
  const buf = new Array(10).fill(val < 0n ? 0xff : 0);
  const u = BigInt.asUintN(64, val);
  for (let i = 0; i < 8; i++) buf[9 - i] = Number((u >> BigInt(8 * i)) & 0xffn);
  const begin = buf.slice(10 - len);
  begin[0] ^= HEADER[len][0];
  begin[1] ^= HEADER[len][1];
  out.push(...begin);
}

/** The table key of one slice of a tensor (`extents` empty for a scalar). */
export function encodeTensorNameSlice(name: string, extents: Extent[]): Uint8Array {
  const out: number[] = [0x00];
  writeString(out, name);
  writeNumIncreasing(out, extents.length);
  for (const e of extents) {
    writeSignedNumIncreasing(out, e.start);
    writeSignedNumIncreasing(out, e.length ?? -1);
  }
  return new Uint8Array(out);
}
