/**
 * TensorFlow V2 checkpoints (tensor bundles): `<prefix>.index`, a table of
 * BundleEntryProtos, and `<prefix>.data-NNNNN-of-MMMMM` shards of raw
 * little-endian tensor bytes, each tensor with a masked CRC32C.
 *
 * @module
 */
import type { WeightInfo, WeightSource, WeightValue } from "../weight_source.ts";
import { crc32c, maskCrc, unmaskCrc } from "./crc32c.ts";
import { tfDtype, typedView } from "./dtypes.ts";
import { readVarint, varintNumber } from "./protobuf.ts";
import { FileReader } from "../../util/mod.ts";
import { TableReader } from "./table.ts";
import {
  type BundleEntry,
  type BundleHeader,
  decodeBundleEntry,
  decodeBundleHeader,
} from "./tf_protos.ts";

/** The data shard file name TF uses. */
export function shardPath(prefix: string, shard: number, numShards: number): string {
  const pad = (n: number) => String(n).padStart(5, "0");
  return `${prefix}.data-${pad(shard)}-of-${pad(numShards)}`;
}

/** An opened V2 checkpoint. */
export class BundleReader implements WeightSource {
  /** Which checkpoint format this reader reads. */
  readonly format = "v2" as const;
  /** The V2 prefix (`<prefix>.index`, `<prefix>.data-*`). */
  readonly prefix: string;
  /** The bundle header (version, shard count, endianness). */
  readonly header: BundleHeader;
  /** Index entries by tensor name. */
  readonly entries: Map<string, BundleEntry>;
  readonly description: string;
  #shards = new Map<number, FileReader>();

  private constructor(prefix: string, header: BundleHeader, entries: Map<string, BundleEntry>) {
    this.prefix = prefix;
    this.header = header;
    this.entries = entries;
    this.description = `${prefix}.index`;
  }

  /** Opens `<prefix>.index` and reads every entry (names, dtypes, shapes; no tensor data). */
  static async open(prefix: string): Promise<BundleReader> {
    const indexPath = `${prefix}.index`;
    const table = await TableReader.open(indexPath);
    try {
      let header: BundleHeader | undefined;
      const entries = new Map<string, BundleEntry>();
      const decoder = new TextDecoder();
      for await (const e of table.entries()) {
        if (e.key.length === 0) {
          header = decodeBundleHeader(e.value, `${indexPath}: header`);
          continue;
        }
        if (e.key[0] === 0) continue; // slice entries of partitioned variables, keyed by OrderedCode
        const name = decoder.decode(e.key);
        entries.set(name, decodeBundleEntry(e.value, `${indexPath}: entry '${name}'`));
      }
      if (!header) throw new Error(`${indexPath}: no bundle header (empty key) in the index`);
      if (header.endianness !== 0) {
        throw new Error(`${indexPath}: big-endian checkpoints are not supported`);
      }
      for (const [name, entry] of entries) {
        if (entry.shardId >= header.numShards) {
          throw new Error(
            `${indexPath}: tensor '${name}' is in shard ${entry.shardId} of ${header.numShards}`,
          );
        }
      }
      return new BundleReader(prefix, header, entries);
    } finally {
      table.close();
    }
  }

  /** Every tensor with dtype and shape. */
  list(): WeightInfo[] {
    return [...this.entries].map(([name, e]) => ({
      name,
      dtype: tfDtype(e.dtype, `${this.description}: tensor '${name}'`).name,
      shape: e.shape,
    }));
  }

  async #shard(id: number): Promise<FileReader> {
    let f = this.#shards.get(id);
    if (!f) {
      const path = shardPath(this.prefix, id, this.header.numShards);
      try {
        await Deno.lstat(path);
      } catch {
        throw new Error(
          `${path}: missing data shard ${id} of ${this.header.numShards} for ${this.description}`,
        );
      }
      f = await FileReader.open(path, `data shard of ${this.description}`);
      this.#shards.set(id, f);
    }
    return f;
  }

  /** Reads one tensor, checking its CRC. */
  async read(name: string): Promise<WeightValue> {
    const entry = this.entries.get(name);
    const what = `tensor '${name}'`;
    if (!entry) throw new Error(`${this.description}: no tensor named '${name}'`);
    if (entry.slices.length > 0) {
      throw new Error(
        `${this.description}: ${what} is partitioned into ${entry.slices.length} slices; sliced variables are not supported`,
      );
    }
    const info = tfDtype(entry.dtype, `${this.description}: ${what}`);
    const count = entry.shape.reduce((a, b) => a * b, 1);
    if (info.bytes > 0 && entry.size !== count * info.bytes) {
      throw new Error(
        `${this.description}: ${what} has ${entry.size} bytes for ${info.name}[${entry.shape}]: expected ${
          count * info.bytes
        }`,
      );
    }
    const shard = await this.#shard(entry.shardId);
    if (entry.offset + entry.size > shard.size) {
      // Checked before any buffer is allocated: a damaged index can claim terabytes.
      throw new Error(
        `${shard.path}: ${what} claims ${entry.size} bytes at offset ${entry.offset}, ` +
          `but the data shard has ${shard.size} bytes: the index or the shard is damaged or truncated`,
      );
    }
    // A fresh buffer starts at offset 0: aligned for any element size, no copy needed.
    const isString = info.name === "string";
    const { bytes, crc: plainCrc } = isString
      ? { bytes: await shard.read(entry.offset, entry.size, what), crc: 0 }
      : await shard.readChecksummed(entry.offset, entry.size, what, crc32c);
    const strings = isString ? decodeStrings(bytes, count, `${shard.path}: ${what}`) : undefined;
    const actual = strings ? stringTensorCrc(strings) : plainCrc;
    if (unmaskCrc(entry.crc32c) !== actual) {
      throw new Error(
        `${shard.path}: CRC mismatch in ${what} (stored ${unmaskCrc(entry.crc32c).toString(16)}, ` +
          `computed ${actual.toString(16)}): the data file is corrupted`,
      );
    }
    if (strings) return { dtype: "string", shape: entry.shape, data: strings };
    return { dtype: info.name, shape: entry.shape, data: typedView(info.name, bytes) };
  }

  /** Closes the data shards. */
  close(): void {
    for (const f of this.#shards.values()) f.close();
    this.#shards.clear();
  }
}

/** DT_STRING layout: varint64 lengths, a masked CRC32C of them, then the bytes. */
export function decodeStrings(bytes: Uint8Array, count: number, what: string): Uint8Array[] {
  let pos = 0;
  const lengths: number[] = [];
  for (let i = 0; i < count; i++) {
    let len: number | bigint;
    [len, pos] = readVarint(bytes, pos, what);
    lengths.push(varintNumber(len, what));
  }
  if (pos + 4 > bytes.length) throw new Error(`${what}: truncated string tensor`);
  const stored = new DataView(bytes.buffer, bytes.byteOffset + pos, 4).getUint32(0, true);
  if (unmaskCrc(stored) !== lengthsCrc(lengths)) {
    throw new Error(`${what}: CRC mismatch in string lengths`);
  }
  pos += 4;
  return lengths.map((n) => {
    if (pos + n > bytes.length) throw new Error(`${what}: truncated string tensor`);
    const s = bytes.subarray(pos, pos + n);
    pos += n;
    return s;
  });
}

/** CRC32C of string lengths as TF sums them: each as uint32 LE (uint64 past 2^32). */
export function lengthsCrc(lengths: number[]): number {
  let crc = 0;
  for (const n of lengths) {
    const wide = n > 0xffffffff;
    const b = new Uint8Array(wide ? 8 : 4);
    const v = new DataView(b.buffer);
    if (wide) v.setBigUint64(0, BigInt(n), true);
    else v.setUint32(0, n, true);
    crc = crc32c(b, crc);
  }
  return crc;
}

/**
 * The entry CRC of a DT_STRING tensor: the lengths (as {@linkcode lengthsCrc}),
 * the 4 masked length-checksum bytes, then the string bytes.
 */
export function stringTensorCrc(strings: Uint8Array[]): number {
  const lc = lengthsCrc(strings.map((s) => s.length));
  const masked = new Uint8Array(4);
  new DataView(masked.buffer).setUint32(0, maskCrc(lc), true);
  let crc = crc32c(masked, lc);
  for (const s of strings) crc = crc32c(s, crc);
  return crc;
}
