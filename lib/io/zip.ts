/**
 * Zip archives read lazily (PyTorch's `.pth`, Keras 3's `.keras`): the
 * central directory first, then only the members asked for, stored or
 * deflated, each checked against its CRC-32.
 *
 * @module
 */
import { crc32 as zlibCrc32 } from "node:zlib";
import { FileReader } from "../util/mod.ts";

/** One member of a zip archive. */
export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated. */
  method: number;
  compressedSize: number;
  size: number;
  crc32: number;
  /** Offset of the member's local header. */
  headerOffset: number;
}

/** CRC-32 (zip, gzip, PNG) of `bytes`: zlib's, not a byte-at-a-time table in JS. */
function crc32(bytes: Uint8Array): number {
  return zlibCrc32(bytes) >>> 0;
}

/** An opened zip archive. */
export class ZipReader {
  /** Members by name. */
  readonly entries: Map<string, ZipEntry>;
  readonly path: string;
  #file: FileReader;

  private constructor(file: FileReader, entries: Map<string, ZipEntry>) {
    this.#file = file;
    this.path = file.path;
    this.entries = entries;
  }

  /** Opens `path` and reads its central directory (`what` names the archive in errors). */
  static async open(path: string, what = "zip archive"): Promise<ZipReader> {
    const file = await FileReader.open(path, what);
    try {
      return new ZipReader(file, await centralDirectory(file, what));
    } catch (err) {
      file.close();
      throw err;
    }
  }

  /** The bytes of member `name`, inflated and CRC-checked. */
  async read(name: string): Promise<Uint8Array> {
    const e = this.entries.get(name);
    if (!e) throw new Error(`${this.path}: no member named '${name}'`);
    const local = await this.#file.read(e.headerOffset, 30, `local header of '${name}'`);
    const v = new DataView(local.buffer, local.byteOffset, 30);
    if (v.getUint32(0, true) !== 0x04034b50) {
      throw new Error(`${this.path}: member '${name}' has no local header: a damaged archive`);
    }
    const start = e.headerOffset + 30 + v.getUint16(26, true) + v.getUint16(28, true);
    const raw = await this.#file.read(start, e.compressedSize, `member '${name}'`);
    let data: Uint8Array;
    if (e.method === 0) data = raw;
    else if (e.method === 8) {
      const stream = new Blob([raw as BufferSource]).stream().pipeThrough(
        new DecompressionStream("deflate-raw"),
      );
      data = new Uint8Array(await new Response(stream).arrayBuffer());
    } else {
      throw new Error(
        `${this.path}: member '${name}' uses compression method ${e.method}: expected stored or deflate`,
      );
    }
    if (data.length !== e.size || crc32(data) !== e.crc32) {
      throw new Error(
        `${this.path}: member '${name}' fails its CRC-32 or size check: the archive is damaged`,
      );
    }
    return data;
  }

  /** Closes the file. */
  close(): void {
    this.#file.close();
  }
}

async function centralDirectory(file: FileReader, what: string): Promise<Map<string, ZipEntry>> {
  const tail = Math.min(file.size, 65557);
  const end = await file.read(file.size - tail, tail, "end of central directory");
  const ev = new DataView(end.buffer, end.byteOffset, end.byteLength);
  let at = -1;
  for (let i = end.length - 22; i >= 0; i--) {
    if (ev.getUint32(i, true) === 0x06054b50) {
      at = i;
      break;
    }
  }
  if (at < 0) throw new Error(`${file.path}: not a ${what} (no zip end-of-directory record)`);
  let count = ev.getUint16(at + 10, true);
  let size = ev.getUint32(at + 12, true);
  let offset = ev.getUint32(at + 16, true);
  if (offset === 0xffffffff || count === 0xffff) {
    // ZIP64: the locator sits right before the end record.
    const loc = at - 20;
    if (loc < 0 || ev.getUint32(loc, true) !== 0x07064b50) {
      throw new Error(`${file.path}: damaged ZIP64 directory`);
    }
    const z = await file.read(Number(ev.getBigUint64(loc + 8, true)), 56, "ZIP64 directory");
    const zv = new DataView(z.buffer, z.byteOffset, 56);
    count = Number(zv.getBigUint64(32, true));
    size = Number(zv.getBigUint64(40, true));
    offset = Number(zv.getBigUint64(48, true));
  }
  const dir = await file.read(offset, size, "central directory");
  const dv = new DataView(dir.buffer, dir.byteOffset, dir.byteLength);
  const entries = new Map<string, ZipEntry>();
  let p = 0;
  const decoder = new TextDecoder();
  for (let i = 0; i < count; i++) {
    if (p + 46 > dir.length || dv.getUint32(p, true) !== 0x02014b50) {
      throw new Error(`${file.path}: damaged central directory (entry ${i})`);
    }
    const nameLen = dv.getUint16(p + 28, true), extraLen = dv.getUint16(p + 30, true);
    const commentLen = dv.getUint16(p + 32, true);
    const e: ZipEntry = {
      name: decoder.decode(dir.subarray(p + 46, p + 46 + nameLen)),
      method: dv.getUint16(p + 10, true),
      crc32: dv.getUint32(p + 16, true),
      compressedSize: dv.getUint32(p + 20, true),
      size: dv.getUint32(p + 24, true),
      headerOffset: dv.getUint32(p + 42, true),
    };
    // ZIP64 extra field: the 64-bit values, in this order, for those saturated above.
    let x = p + 46 + nameLen;
    const xEnd = x + extraLen;
    while (x + 4 <= xEnd) {
      const id = dv.getUint16(x, true), len = dv.getUint16(x + 2, true);
      if (id === 0x0001) {
        let q = x + 4;
        const next = () => Number(dv.getBigUint64((q += 8) - 8, true));
        if (e.size === 0xffffffff) e.size = next();
        if (e.compressedSize === 0xffffffff) e.compressedSize = next();
        if (e.headerOffset === 0xffffffff) e.headerOffset = next();
      }
      x += 4 + len;
    }
    entries.set(e.name, e);
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}
