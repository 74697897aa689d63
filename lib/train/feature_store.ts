/**
 * Per-image feature rows (a frozen prefix's output): the first rows that fit
 * a memory budget live in memory, the rest in a file. A complete store is
 * kept as one file, written to a temporary name and renamed, keyed (the
 * header holds the key) and checksummed, so a later run with the same key
 * reads it back and a damaged or truncated one is recomputed, never used.
 *
 * File layout: 64-byte header (`TLFEAT01`, rows u32, row floats u32, 32-byte
 * key), rows × row floats float32 (little-endian), then the bad-row count
 * u32, the bad rows u32 each, the CRC-32 of everything before it u32, `DONE`.
 *
 * @module
 */
import { crc32 } from "node:zlib";
import { tempSibling } from "../util/mod.ts";

const MAGIC = "TLFEAT01";
const HEADER = 64;
const CHUNK = 8 << 20;

/** Options of {@linkcode FeatureStore.open}. */
export interface FeatureStoreOptions {
  /** Rows (one per image). */
  rows: number;
  /** Floats per row. */
  rowFloats: number;
  /** 32 bytes that identify what the rows are features of. */
  key: Uint8Array;
  /** Bytes of rows kept in memory; the rest are read from the file. */
  memoryBytes: number;
  /** The complete file's path; without it the store lives in memory only (all rows must fit). */
  path?: string;
}

/** What {@linkcode FeatureStore.open} found at the path. */
export type StoreOrigin = "loaded" | "new" | { damaged: string };

function readFully(file: Deno.FsFile, at: number, into: Uint8Array): void {
  file.seekSync(at, Deno.SeekMode.Start);
  let done = 0;
  while (done < into.length) {
    const n = file.readSync(into.subarray(done));
    if (n === null) throw new Error(`unexpected end of file at byte ${at + done}`);
    done += n;
  }
}

function writeFully(file: Deno.FsFile, at: number, data: Uint8Array): void {
  file.seekSync(at, Deno.SeekMode.Start);
  let done = 0;
  while (done < data.length) done += file.writeSync(data.subarray(done));
}

function bytesOf(a: Float32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Rows of features, in memory up to a budget and in a file beyond it. */
export class FeatureStore {
  /** Rows in all. */
  readonly rows: number;
  /** Floats per row. */
  readonly rowFloats: number;
  /** Rows held in memory (rows `0 … memoryRows-1`). */
  readonly memoryRows: number;
  /** The complete file's path, if the store is kept. */
  readonly path?: string;
  #memory: Float32Array;
  /** 0 missing, 1 present, 2 bad (an image that could not be decoded). */
  #state: Uint8Array;
  #missing: number;
  #key: Uint8Array;
  #file?: Deno.FsFile;
  #temp?: string;
  #complete = false;

  private constructor(options: FeatureStoreOptions) {
    this.rows = options.rows;
    this.rowFloats = options.rowFloats;
    this.path = options.path;
    const rowBytes = options.rowFloats * 4;
    this.memoryRows = Math.min(options.rows, Math.floor(options.memoryBytes / rowBytes));
    if (!options.path && this.memoryRows < options.rows) {
      throw new Error(
        `features of ${options.rows} images need ${options.rows * rowBytes} bytes: ` +
          `more than the ${options.memoryBytes}-byte memory budget, and no file to spill to`,
      );
    }
    this.#memory = new Float32Array(this.memoryRows * options.rowFloats);
    this.#state = new Uint8Array(options.rows);
    this.#missing = options.rows;
    this.#key = options.key;
  }

  /**
   * A store for `options.rows` rows: read back from `options.path` when a
   * complete file with the same key and shape is there (verified by its
   * checksum), otherwise empty. A file that does not verify is reported
   * (`damaged`) and replaced when the new store completes.
   */
  static open(options: FeatureStoreOptions): { store: FeatureStore; origin: StoreOrigin } {
    const store = new FeatureStore(options);
    if (!options.path) return { store, origin: "new" };
    let file: Deno.FsFile;
    try {
      file = Deno.openSync(options.path, { read: true });
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return { store, origin: "new" };
      throw err;
    }
    try {
      store.#load(file);
      store.#file = file;
      store.#complete = true;
      return { store, origin: "loaded" };
    } catch (err) {
      file.close();
      store.#state.fill(0);
      store.#missing = store.rows;
      return { store, origin: { damaged: (err as Error).message } };
    }
  }

  #header(): Uint8Array {
    const h = new Uint8Array(HEADER);
    h.set(new TextEncoder().encode(MAGIC));
    const view = new DataView(h.buffer);
    view.setUint32(8, this.rows, true);
    view.setUint32(12, this.rowFloats, true);
    h.set(this.#key, 16);
    return h;
  }

  #dataBytes(): number {
    return this.rows * this.rowFloats * 4;
  }

  /**
   * CRC-32 of `header` and the file's rows, read in chunks; `each` sees
   * every chunk with its offset into the rows.
   */
  #checksumRows(
    file: Deno.FsFile,
    header: Uint8Array,
    each?: (part: Uint8Array, offset: number) => void,
  ): number {
    const dataEnd = HEADER + this.#dataBytes();
    let crc = crc32(header);
    const chunk = new Uint8Array(CHUNK);
    for (let at = HEADER; at < dataEnd; at += CHUNK) {
      const part = chunk.subarray(0, Math.min(CHUNK, dataEnd - at));
      readFully(file, at, part);
      crc = crc32(part, crc);
      each?.(part, at - HEADER);
    }
    return crc;
  }

  #load(file: Deno.FsFile): void {
    const size = file.statSync().size;
    const header = new Uint8Array(HEADER);
    if (size < HEADER + 12) throw new Error(`${size} bytes: shorter than a header and trailer`);
    readFully(file, 0, header);
    const expected = this.#header();
    if (new TextDecoder().decode(header.subarray(0, 8)) !== MAGIC) {
      throw new Error("not a features file (no TLFEAT01 header)");
    }
    if (!header.every((b, i) => b === expected[i])) {
      throw new Error("its key or shape differs from this run's (other weights, data or sizes)");
    }
    const dataEnd = HEADER + this.#dataBytes();
    const countBytes = new Uint8Array(4);
    if (size < dataEnd + 12) throw new Error(`truncated: ${size} bytes, rows need ${dataEnd + 12}`);
    readFully(file, dataEnd, countBytes);
    const badCount = new DataView(countBytes.buffer).getUint32(0, true);
    const total = dataEnd + 4 + 4 * badCount + 8;
    if (size !== total) throw new Error(`${size} bytes where its header and trailer say ${total}`);
    const tail = new Uint8Array(4 * badCount + 8);
    readFully(file, dataEnd + 4, tail);
    if (new TextDecoder().decode(tail.subarray(tail.length - 4)) !== "DONE") {
      throw new Error("no DONE trailer (an unfinished write)");
    }
    // One pass over the file: checksum everything, keep the memory rows.
    const memoryBytes = new Uint8Array(this.#memory.buffer);
    let crc = this.#checksumRows(file, header, (part, offset) => {
      if (offset < memoryBytes.length) {
        memoryBytes.set(
          part.subarray(0, Math.min(part.length, memoryBytes.length - offset)),
          offset,
        );
      }
    });
    crc = crc32(countBytes, crc);
    crc = crc32(tail.subarray(0, 4 * badCount), crc);
    const stored = new DataView(tail.buffer).getUint32(4 * badCount, true);
    if (stored !== crc >>> 0) throw new Error("its checksum does not match (damaged)");
    this.#state.fill(1);
    const bad = new DataView(tail.buffer);
    for (let k = 0; k < badCount; k++) this.#state[bad.getUint32(4 * k, true)] = 2;
    this.#missing = 0;
  }

  /** Rows neither computed nor known bad. */
  get missing(): number {
    return this.#missing;
  }

  /** Whether every row is present or known bad. */
  get complete(): boolean {
    return this.#missing === 0;
  }

  /** Whether row `i` holds features. */
  has(i: number): boolean {
    return this.#state[i] === 1;
  }

  /** Whether row `i`'s image could not be decoded. */
  isBad(i: number): boolean {
    return this.#state[i] === 2;
  }

  /** Records that row `i`'s image could not be decoded. */
  markBad(i: number): void {
    if (this.#state[i] === 0) this.#missing--;
    this.#state[i] = 2;
  }

  #spillFile(): Deno.FsFile {
    if (!this.#file) {
      this.#temp = tempSibling(this.path!);
      this.#file = Deno.openSync(this.#temp, { read: true, write: true, create: true });
    }
    return this.#file;
  }

  /** Stores row `i` from `values` (`rowFloats` floats). */
  put(i: number, values: Float32Array): void {
    if (values.length !== this.rowFloats) {
      throw new Error(`feature row ${i}: ${values.length} floats, expected ${this.rowFloats}`);
    }
    if (this.#complete) throw new Error("the features store is complete and read-only");
    if (i < this.memoryRows) this.#memory.set(values, i * this.rowFloats);
    else writeFully(this.#spillFile(), HEADER + i * this.rowFloats * 4, bytesOf(values));
    if (this.#state[i] === 0) this.#missing--;
    this.#state[i] = 1;
  }

  /** Copies row `i` into `out` at `offset` (floats). */
  read(i: number, out: Float32Array, offset: number): void {
    if (this.#state[i] !== 1) throw new Error(`feature row ${i} has not been computed`);
    const n = this.rowFloats;
    if (i < this.memoryRows) {
      out.set(this.#memory.subarray(i * n, (i + 1) * n), offset);
    } else {
      readFully(this.#file!, HEADER + i * n * 4, bytesOf(out.subarray(offset, offset + n)));
    }
  }

  /**
   * Once every row is present or bad, writes the complete file (memory rows,
   * bad list, checksum) under its temporary name and renames it into place.
   * Returns whether it wrote one.
   */
  finish(): boolean {
    if (this.#complete || !this.complete || !this.path) return false;
    const file = this.#spillFile();
    const header = this.#header();
    writeFully(file, 0, header);
    writeFully(file, HEADER, new Uint8Array(this.#memory.buffer));
    const dataEnd = HEADER + this.#dataBytes();
    const bad = [...this.#state.keys()].filter((i) => this.#state[i] === 2);
    const list = new Uint8Array(4 + 4 * bad.length);
    const view = new DataView(list.buffer);
    view.setUint32(0, bad.length, true);
    bad.forEach((i, k) => view.setUint32(4 + 4 * k, i, true));
    writeFully(file, dataEnd, list);
    // The checksum reads the file back: spilled rows were written out of order.
    const crc = crc32(list, this.#checksumRows(file, header));
    const trailer = new Uint8Array(8);
    new DataView(trailer.buffer).setUint32(0, crc >>> 0, true);
    trailer.set(new TextEncoder().encode("DONE"), 4);
    writeFully(file, dataEnd + list.length, trailer);
    file.truncateSync(dataEnd + list.length + 8);
    file.syncSync();
    Deno.renameSync(this.#temp!, this.path);
    this.#temp = undefined;
    this.#complete = true;
    return true;
  }

  /** Closes the file; an unfinished temporary file is removed. */
  close(): void {
    this.#file?.close();
    this.#file = undefined;
    if (this.#temp) Deno.removeSync(this.#temp);
    this.#temp = undefined;
  }
}
