/**
 * Reading the LevelDB table container that TensorFlow checkpoints use (V1
 * files and V2 `.index` files): footer, block handles, prefix-compressed
 * entries with restart arrays, snappy blocks, masked CRC32C on every block.
 * Blocks are read from the file on demand, never the whole file at once.
 *
 * @module
 */
import { crc32c, unmaskCrc } from "./crc32c.ts";
import { readVarint, varintNumber } from "./protobuf.ts";
import { snappyDecompress } from "./snappy.ts";
import { FileReader } from "../../util/mod.ts";

/** Where a block lives in the file (without its 5-byte trailer). */
export interface BlockHandle {
  offset: number;
  size: number;
}

/** One key/value of a block (views into the block bytes). */
export interface TableEntry {
  key: Uint8Array;
  value: Uint8Array;
}

/** LevelDB's table magic number, little-endian in the last 8 bytes. */
export const TABLE_MAGIC = [0x57, 0xfb, 0x80, 0x8b, 0x24, 0x75, 0x47, 0xdb];
/** Footer length: two handles padded to 40 bytes, then the magic. */
export const FOOTER_SIZE = 48;
/** Trailer after each block: type byte and masked CRC. */
export const BLOCK_TRAILER_SIZE = 5;

/** Parses a block handle (two varints) at `pos`. */
export function readHandle(buf: Uint8Array, pos: number, what: string): [BlockHandle, number] {
  let off: number | bigint, size: number | bigint;
  [off, pos] = readVarint(buf, pos, what);
  [size, pos] = readVarint(buf, pos, what);
  return [{ offset: varintNumber(off, what), size: varintNumber(size, what) }, pos];
}

/** Splits a block's contents into entries. */
export function parseBlock(block: Uint8Array, what: string): TableEntry[] {
  if (block.length < 4) throw new Error(`${what}: corrupt block (${block.length} bytes)`);
  const view = new DataView(block.buffer, block.byteOffset, block.byteLength);
  const restarts = view.getUint32(block.length - 4, true);
  const limit = block.length - 4 - 4 * restarts;
  if (limit < 0) throw new Error(`${what}: corrupt block (restart count ${restarts})`);
  const out: TableEntry[] = [];
  let pos = 0;
  let prev = new Uint8Array(0);
  while (pos < limit) {
    let shared: number | bigint, unshared: number | bigint, vlen: number | bigint;
    [shared, pos] = readVarint(block, pos, what);
    [unshared, pos] = readVarint(block, pos, what);
    [vlen, pos] = readVarint(block, pos, what);
    const s = varintNumber(shared, what),
      u = varintNumber(unshared, what),
      v = varintNumber(vlen, what);
    if (s > prev.length || pos + u + v > limit) {
      throw new Error(`${what}: corrupt block entry at ${pos}`);
    }
    const key = new Uint8Array(s + u);
    key.set(prev.subarray(0, s));
    key.set(block.subarray(pos, pos + u), s);
    pos += u;
    out.push({ key, value: block.subarray(pos, pos + v) });
    pos += v;
    prev = key;
  }
  return out;
}

/** Byte-wise comparison, as LevelDB's default comparator. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/** A LevelDB table opened for lookups and iteration. */
export class TableReader {
  readonly file: FileReader;
  /** Index entries: each key is ≥ every key of its block, in order. */
  readonly index: { key: Uint8Array; handle: BlockHandle }[];
  readonly footer: { metaindex: BlockHandle; index: BlockHandle };

  private constructor(
    file: FileReader,
    footer: { metaindex: BlockHandle; index: BlockHandle },
    index: { key: Uint8Array; handle: BlockHandle }[],
  ) {
    this.file = file;
    this.footer = footer;
    this.index = index;
  }

  /** Opens a table file: checks the footer magic, reads the index block. */
  static async open(path: string): Promise<TableReader> {
    const file = await FileReader.open(path);
    try {
      if (file.size < FOOTER_SIZE) {
        throw new Error(
          `${path}: truncated: ${file.size} bytes, a checkpoint table needs at least a ${FOOTER_SIZE}-byte footer`,
        );
      }
      const footer = await file.read(file.size - FOOTER_SIZE, FOOTER_SIZE, "footer");
      if (!TABLE_MAGIC.every((b, i) => footer[40 + i] === b)) {
        throw new Error(
          `${path}: not a TensorFlow checkpoint table (footer magic ` +
            `${
              [...footer.subarray(40)].map((b) => b.toString(16).padStart(2, "0")).join("")
            }, expected 57fb808b247547db); ` +
            `truncated or not a checkpoint?`,
        );
      }
      const [metaindex, p] = readHandle(footer, 0, `${path}: footer`);
      const [indexHandle] = readHandle(footer, p, `${path}: footer`);
      const partial = new TableReader(file, { metaindex, index: indexHandle }, []);
      const indexBlock = await partial.readBlock(indexHandle, "index block");
      const index = parseBlock(indexBlock, `${path}: index block`).map((e) => ({
        key: e.key,
        handle: readHandle(e.value, 0, `${path}: index entry`)[0],
      }));
      return new TableReader(file, partial.footer, index);
    } catch (err) {
      file.close();
      throw err;
    }
  }

  /**
   * Reads a block, checks its CRC and decompresses it. `into` lets the
   * caller supply an (aligned) buffer for the raw bytes.
   */
  async readBlock(handle: BlockHandle, what: string): Promise<Uint8Array> {
    const { bytes: raw, crc: actual } = await this.file.readChecksummed(
      handle.offset,
      handle.size + 1,
      what,
      crc32c,
    );
    const type = raw[handle.size];
    const trailer = await this.file.read(handle.offset + handle.size + 1, 4, `${what} trailer`);
    const stored = new DataView(trailer.buffer).getUint32(0, true);
    if (unmaskCrc(stored) !== actual) {
      throw new Error(
        `${this.file.path}: CRC mismatch in ${what} at offset ${handle.offset} ` +
          `(stored ${unmaskCrc(stored).toString(16)}, computed ${
            actual.toString(16)
          }): the file is corrupted`,
      );
    }
    const body = raw.subarray(0, handle.size);
    if (type === 0) return body;
    if (type === 1) return snappyDecompress(body, `${this.file.path}: ${what}`);
    throw new Error(`${this.file.path}: ${what} has unknown compression type ${type}`);
  }

  /** Index of the block that may hold `key` (first index key ≥ key), or -1. */
  blockFor(key: Uint8Array): number {
    let lo = 0, hi = this.index.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareBytes(this.index[mid].key, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.index.length ? lo : -1;
  }

  #cache: { block: number; entries: TableEntry[] } | undefined;

  /**
   * Forgets the cached block. Callers that modify a returned value's bytes
   * in place (to align a large tensor) must call this first.
   */
  dropCache(): void {
    this.#cache = undefined;
  }

  /** Looks one key up, reading only its block (the last block read is cached). */
  async get(key: Uint8Array, what: string): Promise<Uint8Array | undefined> {
    const b = this.blockFor(key);
    if (b < 0) return undefined;
    if (this.#cache?.block !== b) {
      const block = await this.readBlock(this.index[b].handle, `data block ${b} (${what})`);
      this.#cache = { block: b, entries: parseBlock(block, `${this.file.path}: data block ${b}`) };
    }
    for (const e of this.#cache.entries) {
      if (compareBytes(e.key, key) === 0) return e.value;
    }
    return undefined;
  }

  /** Every entry of every data block, in key order. */
  async *entries(): AsyncGenerator<TableEntry> {
    for (const [b, { handle }] of this.index.entries()) {
      const block = await this.readBlock(handle, `data block ${b}`);
      yield* parseBlock(block, `${this.file.path}: data block ${b}`);
    }
  }

  /** Closes the file. */
  close(): void {
    this.file.close();
  }
}
