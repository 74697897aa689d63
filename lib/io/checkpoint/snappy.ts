/**
 * Snappy block decompression (the raw format LevelDB tables use for
 * compressed blocks; TensorFlow writes index blocks this way).
 *
 * @module
 */

/** Decompresses a raw snappy block; `what` names the block in errors. */
export function snappyDecompress(src: Uint8Array, what: string): Uint8Array {
  let pos = 0, length = 0, shift = 0;
  while (true) {
    if (pos >= src.length) throw new Error(`${what}: corrupt snappy block (length)`);
    const b = src[pos++];
    length += (b & 0x7f) * 2 ** shift;
    if (!(b & 0x80)) break;
    shift += 7;
    if (shift > 35) throw new Error(`${what}: corrupt snappy block (length varint)`);
  }
  const out = new Uint8Array(length);
  let o = 0;
  const bad = (why: string): never => {
    throw new Error(`${what}: corrupt snappy block (${why} at ${pos})`);
  };
  while (pos < src.length) {
    const tag = src[pos++];
    const type = tag & 3;
    if (type === 0) {
      let len = tag >>> 2;
      if (len >= 60) {
        const extra = len - 59;
        if (pos + extra > src.length) bad("literal length");
        len = 0;
        for (let i = 0; i < extra; i++) len |= src[pos + i] << (8 * i);
        len = len >>> 0;
        pos += extra;
      }
      len += 1;
      if (pos + len > src.length || o + len > length) bad("literal overrun");
      out.set(src.subarray(pos, pos + len), o);
      pos += len;
      o += len;
      continue;
    }
    let len: number, offset: number;
    if (type === 1) {
      len = ((tag >>> 2) & 7) + 4;
      if (pos >= src.length) bad("copy1");
      offset = ((tag >>> 5) << 8) | src[pos++];
    } else if (type === 2) {
      len = (tag >>> 2) + 1;
      if (pos + 2 > src.length) bad("copy2");
      offset = src[pos] | (src[pos + 1] << 8);
      pos += 2;
    } else {
      len = (tag >>> 2) + 1;
      if (pos + 4 > src.length) bad("copy4");
      offset = (src[pos] | (src[pos + 1] << 8) | (src[pos + 2] << 16) | (src[pos + 3] << 24)) >>> 0;
      pos += 4;
    }
    if (offset === 0 || offset > o || o + len > length) bad("copy out of range");
    for (let i = 0; i < len; i++, o++) out[o] = out[o - offset];
  }
  if (o !== length) bad(`decompressed ${o} of ${length} bytes`);
  return out;
}
