/**
 * Writing the LevelDB table container byte for byte as TensorFlow does:
 * 256 KiB data blocks with restarts every 16 keys, an index block with
 * shortened separator keys, an empty metaindex block, the 48-byte footer and
 * a masked CRC32C after every block. Blocks are written uncompressed (type
 * 0), which every reader accepts.
 *
 * @module
 */
import { crc32c, maskCrc } from "./crc32c.ts";
import { ProtoWriter } from "./protobuf.ts";
import { type BlockHandle, compareBytes, TABLE_MAGIC } from "./table.ts";

/** TensorFlow's table options (tensorflow/core/lib/io/table_options.h). */
export const TF_BLOCK_SIZE = 262144;
const RESTART_INTERVAL = 16;

class BlockBuilder {
  #chunks: Uint8Array[] = [];
  #size = 0;
  #restarts: number[] = [0];
  #counter = 0;
  #last = new Uint8Array(0);
  readonly interval: number;

  constructor(interval: number) {
    this.interval = interval;
  }

  get empty(): boolean {
    return this.#size === 0;
  }

  /** LevelDB's CurrentSizeEstimate. */
  get estimate(): number {
    return this.#size + this.#restarts.length * 4 + 4;
  }

  add(key: Uint8Array, value: Uint8Array) {
    let shared = 0;
    if (this.#counter < this.interval) {
      const n = Math.min(this.#last.length, key.length);
      while (shared < n && this.#last[shared] === key[shared]) shared++;
    } else {
      this.#restarts.push(this.#size);
      this.#counter = 0;
    }
    const head = new ProtoWriter().varint(shared).varint(key.length - shared).varint(value.length)
      .finish();
    this.#push(head);
    this.#push(key.subarray(shared));
    this.#push(value);
    this.#last = key.slice();
    this.#counter++;
  }

  #push(b: Uint8Array) {
    if (b.length === 0) return;
    this.#chunks.push(b);
    this.#size += b.length;
  }

  /** The finished block contents; the builder is reset. */
  finish(): Uint8Array[] {
    const tail = new Uint8Array(this.#restarts.length * 4 + 4);
    const v = new DataView(tail.buffer);
    this.#restarts.forEach((r, i) => v.setUint32(i * 4, r, true));
    v.setUint32(this.#restarts.length * 4, this.#restarts.length, true);
    const out = [...this.#chunks, tail];
    this.#chunks = [];
    this.#size = 0;
    this.#restarts = [0];
    this.#counter = 0;
    this.#last = new Uint8Array(0);
    return out;
  }
}

/** LevelDB BytewiseComparator::FindShortestSeparator. */
export function shortestSeparator(start: Uint8Array, limit: Uint8Array): Uint8Array {
  const n = Math.min(start.length, limit.length);
  let diff = 0;
  while (diff < n && start[diff] === limit[diff]) diff++;
  if (diff >= n) return start;
  const b = start[diff];
  if (b < 0xff && b + 1 < limit[diff]) {
    const out = start.slice(0, diff + 1);
    out[diff]++;
    return out;
  }
  return start;
}

/** LevelDB BytewiseComparator::FindShortSuccessor. */
export function shortSuccessor(key: Uint8Array): Uint8Array {
  for (let i = 0; i < key.length; i++) {
    if (key[i] !== 0xff) {
      const out = key.slice(0, i + 1);
      out[i]++;
      return out;
    }
  }
  return key;
}

/** Where table bytes go. */
export interface ByteSink {
  write(bytes: Uint8Array): Promise<void>;
}

/** Builds a table from keys added in strictly increasing order. */
export class TableBuilder {
  #sink: ByteSink;
  #offset = 0;
  #data = new BlockBuilder(RESTART_INTERVAL);
  #index = new BlockBuilder(1);
  #last: Uint8Array | undefined;
  #pending: BlockHandle | undefined;
  readonly blockSize: number;

  constructor(sink: ByteSink, options: { blockSize?: number } = {}) {
    this.#sink = sink;
    this.blockSize = options.blockSize ?? TF_BLOCK_SIZE;
  }

  /** Adds an entry; keys must increase. */
  async add(key: Uint8Array, value: Uint8Array): Promise<void> {
    if (this.#last && compareBytes(key, this.#last) <= 0) {
      throw new Error(`table keys must be added in increasing order`);
    }
    if (this.#pending) {
      this.#index.add(shortestSeparator(this.#last!, key), encodeHandle(this.#pending));
      this.#pending = undefined;
    }
    this.#data.add(key, value);
    this.#last = key.slice();
    if (this.#data.estimate >= this.blockSize) await this.#flush();
  }

  async #flush() {
    if (this.#data.empty) return;
    this.#pending = await this.#writeBlock(this.#data.finish());
  }

  async #writeBlock(parts: Uint8Array[]): Promise<BlockHandle> {
    const handle = { offset: this.#offset, size: parts.reduce((a, p) => a + p.length, 0) };
    let crc = 0;
    for (const p of parts) {
      crc = crc32c(p, crc);
      await this.#write(p);
    }
    const trailer = new Uint8Array(5); // type 0: uncompressed
    crc = crc32c(trailer.subarray(0, 1), crc);
    new DataView(trailer.buffer).setUint32(1, maskCrc(crc), true);
    await this.#write(trailer);
    return handle;
  }

  async #write(b: Uint8Array) {
    await this.#sink.write(b);
    this.#offset += b.length;
  }

  /** Writes the remaining blocks and the footer; returns the file size. */
  async finish(): Promise<number> {
    await this.#flush();
    const metaindex = await this.#writeBlock(new BlockBuilder(RESTART_INTERVAL).finish());
    if (this.#pending) {
      this.#index.add(shortSuccessor(this.#last!), encodeHandle(this.#pending));
      this.#pending = undefined;
    }
    const index = await this.#writeBlock(this.#index.finish());
    const footer = new Uint8Array(48);
    const handles = new ProtoWriter().raw(encodeHandle(metaindex)).raw(encodeHandle(index))
      .finish();
    footer.set(handles);
    footer.set(TABLE_MAGIC, 40);
    await this.#write(footer);
    return this.#offset;
  }
}

function encodeHandle(h: BlockHandle): Uint8Array {
  return new ProtoWriter().varint(h.offset).varint(h.size).finish();
}

/** A buffered sink over an open file; call `flush()` before closing. */
export function fileSink(file: Deno.FsFile): ByteSink & { flush(): Promise<void> } {
  const buf = new Uint8Array(1 << 20);
  let used = 0;
  const writeAll = async (b: Uint8Array) => {
    let off = 0;
    while (off < b.length) off += await file.write(b.subarray(off));
  };
  const flush = async () => {
    if (used > 0) await writeAll(buf.subarray(0, used));
    used = 0;
  };
  return {
    async write(bytes) {
      if (used + bytes.length > buf.length) await flush();
      if (bytes.length >= buf.length) await writeAll(bytes);
      else {
        buf.set(bytes, used);
        used += bytes.length;
      }
    },
    flush,
  };
}
