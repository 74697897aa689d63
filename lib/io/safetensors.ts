/**
 * safetensors files: an 8-byte little-endian header length, a JSON header
 * of `{name: {dtype, shape, data_offsets}}`, then raw little-endian data.
 * Offsets are validated (inside the file, matching the shape, no overlaps)
 * before anything is read.
 *
 * @module
 */
import { FileReader } from "../util/mod.ts";
import { typedView } from "./checkpoint/dtypes.ts";
import { writeFileAtomic } from "../util/mod.ts";
import {
  elementCount,
  type NumericArray,
  type WeightDtype,
  type WeightInfo,
  type WeightSource,
  type WeightValue,
} from "./weight_source.ts";

const DTYPES: Record<string, [WeightDtype, number]> = {
  F32: ["float32", 4],
  F64: ["float64", 8],
  F16: ["float16", 2],
  BF16: ["bfloat16", 2],
  I64: ["int64", 8],
  I32: ["int32", 4],
  I16: ["int16", 2],
  I8: ["int8", 1],
  U8: ["uint8", 1],
  U16: ["uint16", 2],
  BOOL: ["bool", 1],
};

interface Entry extends WeightInfo {
  begin: number;
  end: number;
}

type Fail = (why: string) => never;

/** `__metadata__` is a string-to-string map in the format's definition. */
function checkMetadata(raw: unknown, fail: Fail): Record<string, string> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    fail(`__metadata__ is ${JSON.stringify(raw)}: expected an object of strings`);
  }
  for (const [k, v] of Object.entries(raw as object)) {
    if (typeof v !== "string") {
      fail(`__metadata__ '${k}' is ${JSON.stringify(v)}: expected a string`);
    }
  }
  return raw as Record<string, string>;
}

/**
 * Validates one tensor's header entry against the schema
 * `{dtype: string, shape: int[], data_offsets: [int, int]}` and the data
 * section, before any field is used.
 */
function checkEntry(name: string, raw: unknown, dataSize: number, fail: Fail) {
  const tensor = `tensor '${name}'`;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    fail(`${tensor} is ${JSON.stringify(raw)}: expected {dtype, shape, data_offsets}`);
  }
  const e = raw as Record<string, unknown>;
  const dt = typeof e.dtype === "string" ? DTYPES[e.dtype] : undefined;
  if (!dt) {
    fail(
      `${tensor} has dtype ${JSON.stringify(e.dtype)}: expected one of ${Object.keys(DTYPES)}`,
    );
  }
  const shape = e.shape;
  if (
    !Array.isArray(shape) ||
    shape.some((d) => !Number.isSafeInteger(d) || (d as number) < 0)
  ) {
    fail(`${tensor} has shape ${JSON.stringify(shape)}: expected a list of integers ≥ 0`);
  }
  const offsets = e.data_offsets;
  if (
    !Array.isArray(offsets) || offsets.length !== 2 ||
    !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)
  ) {
    fail(
      `${tensor} has data_offsets ${
        JSON.stringify(offsets)
      }: expected [begin, end], two integers ≥ 0`,
    );
  }
  const [begin, end] = offsets as number[];
  if (end < begin || end > dataSize) {
    fail(`${tensor} has data_offsets [${offsets}] outside the ${dataSize}-byte data section`);
  }
  const bytes = elementCount(shape as number[]) * dt![1];
  if (end - begin !== bytes) {
    fail(`${tensor} spans ${end - begin} bytes for ${e.dtype}[${shape}]: expected ${bytes}`);
  }
  return { dt: dt!, shape: shape as number[], begin, end };
}

/** An opened safetensors file. */
/** Offset of the first byte sequence that is not UTF-8 in `b` (its length when none). */
function firstInvalidUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length;) {
    const c = b[i];
    // Lead byte → sequence length and the allowed range of the second byte (RFC 3629).
    const [n, lo, hi] = c < 0x80
      ? [1, 0, 0]
      : c >= 0xc2 && c <= 0xdf
      ? [2, 0x80, 0xbf]
      : c === 0xe0
      ? [3, 0xa0, 0xbf]
      : c >= 0xe1 && c <= 0xef && c !== 0xed
      ? [3, 0x80, 0xbf]
      : c === 0xed
      ? [3, 0x80, 0x9f]
      : c === 0xf0
      ? [4, 0x90, 0xbf]
      : c >= 0xf1 && c <= 0xf3
      ? [4, 0x80, 0xbf]
      : c === 0xf4
      ? [4, 0x80, 0x8f]
      : [0, 0, 0];
    if (n === 0 || i + n > b.length) return i;
    if (n > 1 && (b[i + 1] < lo || b[i + 1] > hi)) return i;
    for (let k = 2; k < n; k++) if ((b[i + k] & 0xc0) !== 0x80) return i;
    i += n;
  }
  return b.length;
}

export class SafetensorsReader implements WeightSource {
  /** The format, as `openWeights` reports it. */
  readonly format = "safetensors" as const;
  readonly description: string;
  /** The header's `__metadata__` strings. */
  readonly metadata: Record<string, string>;
  #file: FileReader;
  #entries: Map<string, Entry>;
  #dataStart: number;

  private constructor(
    file: FileReader,
    entries: Map<string, Entry>,
    dataStart: number,
    metadata: Record<string, string>,
  ) {
    this.#file = file;
    this.description = file.path;
    this.#entries = entries;
    this.#dataStart = dataStart;
    this.metadata = metadata;
  }

  /** Opens a file and validates its header. */
  static async open(path: string): Promise<SafetensorsReader> {
    const file = await FileReader.open(path, "safetensors file");
    try {
      const fail = (why: string): never => {
        throw new Error(`${path}: invalid safetensors header: ${why}`);
      };
      if (file.size < 8) fail(`file has ${file.size} bytes, fewer than the 8-byte header length`);
      const n = Number(
        new DataView((await file.read(0, 8, "header length")).buffer).getBigUint64(0, true),
      );
      if (n > file.size - 8) fail(`header length ${n} exceeds the file (${file.size} bytes)`);
      const bytes = await file.read(8, n, "header");
      let text: string;
      try {
        // The format requires UTF-8: a lenient decode would turn bad bytes into U+FFFD in names.
        text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
      } catch {
        return fail(`not valid UTF-8 at byte ${8 + firstInvalidUtf8(bytes)} of the file`);
      }
      let header: Record<string, unknown>;
      try {
        header = JSON.parse(text);
      } catch (err) {
        return fail(`not JSON (${(err as Error).message})`);
      }
      if (typeof header !== "object" || header === null || Array.isArray(header)) {
        fail("not a JSON object");
      }
      const dataSize = file.size - 8 - n;
      const entries = new Map<string, Entry>();
      let metadata: Record<string, string> = {};
      for (const [name, raw] of Object.entries(header)) {
        if (name === "__metadata__") {
          metadata = checkMetadata(raw, fail);
          continue;
        }
        const { dt, shape, begin, end } = checkEntry(name, raw, dataSize, fail);
        entries.set(name, { name, dtype: dt[0], shape, begin, end });
      }
      const sorted = [...entries.values()].sort((a, b) => a.begin - b.begin);
      for (let i = 1; i < sorted.length; i++) {
        if (sorted[i].begin < sorted[i - 1].end) {
          fail(
            `tensors '${sorted[i - 1].name}' and '${sorted[i].name}' overlap (offsets ${
              sorted[i - 1].begin
            }..${sorted[i - 1].end} and ${sorted[i].begin}..${sorted[i].end})`,
          );
        }
      }
      return new SafetensorsReader(file, entries, 8 + n, metadata);
    } catch (err) {
      file.close();
      throw err;
    }
  }

  /** Every tensor with dtype and shape. */
  list(): WeightInfo[] {
    return [...this.#entries.values()].map(({ name, dtype, shape }) => ({ name, dtype, shape }));
  }

  /** Reads one tensor. */
  async read(name: string): Promise<WeightValue> {
    const e = this.#entries.get(name);
    if (!e) throw new Error(`${this.description}: no tensor named '${name}'`);
    const bytes = await this.#file.read(
      this.#dataStart + e.begin,
      e.end - e.begin,
      `tensor '${name}'`,
    );
    return { dtype: e.dtype, shape: e.shape, data: typedView(e.dtype, bytes) };
  }

  /** Closes the file. */
  close(): void {
    this.#file.close();
  }
}

/** Writes tensors as a safetensors file (for tests and exports). */
export async function writeSafetensors(
  path: string,
  tensors: (WeightValue & { name: string })[],
): Promise<void> {
  const codes = Object.fromEntries(Object.entries(DTYPES).map(([k, [d]]) => [d, k]));
  const header: Record<string, unknown> = {};
  let offset = 0;
  const parts: Uint8Array[] = [];
  for (const t of tensors) {
    const d = t.data as NumericArray;
    const bytes = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
    header[t.name] = {
      dtype: codes[t.dtype],
      shape: t.shape,
      data_offsets: [offset, offset + bytes.length],
    };
    parts.push(bytes);
    offset += bytes.length;
  }
  const text = JSON.stringify(header);
  const pad = (8 - (new TextEncoder().encode(text).length % 8)) % 8; // data 8-byte aligned, as the reference writer
  const json = new TextEncoder().encode(text + " ".repeat(pad));
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  await writeFileAtomic(path, out);
}
