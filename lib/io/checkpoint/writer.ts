/**
 * Writing TensorFlow checkpoints: V2 (index + one data shard + the
 * `checkpoint` state file) and V1 single files, atomically: everything is
 * written under temporary names and renamed into place, the state file last,
 * so a crash never leaves a checkpoint that the state file points to.
 *
 * @module
 */
import { isOwnTemp, tempSibling, writeFileAtomic } from "../../util/mod.ts";
import { formatBytes, freeBytes } from "../../util/mod.ts";
import {
  DTYPE_BYTES,
  elementCount,
  type NumericArray,
  type WeightValue,
} from "../weight_source.ts";
import { lengthsCrc, shardPath, stringTensorCrc } from "./bundle_reader.ts";
import { parseCheckpointState } from "./checkpoint.ts";
import { crc32c, maskCrc } from "./crc32c.ts";
import { tfDtypeCode } from "./dtypes.ts";
import { encodeTensorNameSlice } from "./ordered_code.ts";
import { ProtoWriter } from "./protobuf.ts";
import { type ByteSink, fileSink, TableBuilder } from "./table_builder.ts";
import {
  encodeBundleEntry,
  encodeBundleHeader,
  encodeSlice,
  encodeSliceMeta,
  TENSOR_VALUE_FIELD,
} from "./tf_protos.ts";
import { compareBytes } from "./table.ts";

/** A tensor to write. */
export interface NamedTensor extends WeightValue {
  /** Variable name. */
  name: string;
}

/** Options of {@linkcode writeCheckpoint}. */
export interface WriteCheckpointOptions {
  /** `v2` (default) or `v1`. */
  format?: "v1" | "v2";
  /** Update `<dir>/checkpoint` to name this checkpoint (V2 default true, V1 false). */
  updateState?: boolean;
  /** Keep only this many checkpoints listed in the state file, deleting older files. */
  keep?: number;
}

function rawBytes(t: NamedTensor): Uint8Array {
  if (Array.isArray(t.data)) throw new Error(`tensor '${t.name}': strings have no raw bytes`);
  const d = t.data as NumericArray;
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

/** DT_STRING layout: varint lengths, their masked CRC (as TF sums it), the bytes. */
function encodeStrings(strings: Uint8Array[]): Uint8Array {
  const out = new ProtoWriter();
  for (const s of strings) out.varint(s.length);
  const masked = new Uint8Array(4);
  new DataView(masked.buffer).setUint32(0, maskCrc(lengthsCrc(strings.map((s) => s.length))), true);
  out.raw(masked);
  for (const s of strings) out.raw(s);
  return out.finish();
}

function checkTensor(t: NamedTensor) {
  const n = elementCount(t.shape);
  if (t.data.length !== n) {
    throw new Error(
      `tensor '${t.name}': ${t.data.length} values for shape [${
        t.shape.join(",")
      }] (${n} elements)`,
    );
  }
  tfDtypeCode(t.dtype);
}

async function withTempFile(
  path: string,
  temps: string[],
  body: (sink: ByteSink) => Promise<void>,
): Promise<void> {
  const tmp = tempSibling(path);
  temps.push(tmp);
  let file: Deno.FsFile | undefined;
  try {
    file = await Deno.open(tmp, { write: true, create: true, truncate: true });
    const sink = fileSink(file);
    await body(sink);
    await sink.flush();
    await file.sync();
  } catch (err) {
    throw new WriteError(path, err as Error);
  } finally {
    file?.close();
  }
}

/** A failed write, naming the file it was for (the OS error names none). */
class WriteError extends Error {
  constructor(readonly path: string, override readonly cause: Error) {
    super(`${path}: cannot write (${cause.message})`);
  }
}

function totalBytes(tensors: NamedTensor[]): number {
  let n = 0;
  for (const t of tensors) {
    n += t.dtype === "string"
      ? (t.data as Uint8Array[]).reduce((a, s) => a + s.length + 10, 0)
      : elementCount(t.shape) * (DTYPE_BYTES[t.dtype] ?? 8);
  }
  return n;
}

/** Rewords a failed write: which file, and on a full disk how much was needed. */
function writeFailure(err: Error, prefix: string, tensors: NamedTensor[]): Error {
  if (!(err instanceof WriteError)) return err;
  if (!/os error 28|ENOSPC|No space left/i.test(err.cause.message)) return err;
  const dir = dirname(prefix);
  const free = freeBytes(dir);
  return new Error(
    `${err.path}: no space left on the device while writing the checkpoint ${prefix}: ` +
      `it needs about ${formatBytes(totalBytes(tensors))}` +
      (free === undefined ? "" : `, ${formatBytes(free)} free in ${dir}`) +
      `; nothing was kept (temporary files removed)`,
  );
}

async function writeV2(
  prefix: string,
  tensors: NamedTensor[],
  temps: string[],
): Promise<[string, string][]> {
  const data = shardPath(prefix, 0, 1);
  const entries: [string, Uint8Array][] = [];
  await withTempFile(data, temps, async (sink) => {
    let offset = 0;
    for (const t of tensors) {
      const bytes = t.dtype === "string" ? encodeStrings(t.data as Uint8Array[]) : rawBytes(t);
      const crc = t.dtype === "string" ? stringTensorCrc(t.data as Uint8Array[]) : crc32c(bytes);
      await sink.write(bytes);
      entries.push([
        t.name,
        encodeBundleEntry({
          dtype: tfDtypeCode(t.dtype),
          shape: t.shape,
          shardId: 0,
          offset,
          size: bytes.length,
          crc32c: maskCrc(crc),
          slices: [],
        }),
      ]);
      offset += bytes.length;
    }
  });
  await withTempFile(`${prefix}.index`, temps, async (sink) => {
    const table = new TableBuilder(sink);
    await table.add(
      new Uint8Array(0),
      encodeBundleHeader({ numShards: 1, endianness: 0, producer: 1 }),
    );
    const enc = new TextEncoder();
    for (const [name, entry] of entries) await table.add(enc.encode(name), entry);
    await table.finish();
  });
  // Data first, index last: the index is what makes the checkpoint exist.
  return [[temps[temps.length - 2], data], [temps[temps.length - 1], `${prefix}.index`]];
}

function tensorProto(t: NamedTensor): Uint8Array {
  const field = TENSOR_VALUE_FIELD[t.dtype]!;
  const w = new ProtoWriter();
  if (t.dtype === "string") {
    for (const s of t.data as Uint8Array[]) w.bytes(field, s);
  } else if (t.dtype === "float32" || t.dtype === "float64") {
    w.bytes(field, rawBytes(t));
  } else {
    const packed = new ProtoWriter();
    for (const v of t.data as Iterable<number | bigint>) packed.varint(v);
    w.bytes(field, packed.finish());
  }
  return w.finish();
}

async function writeV1(
  path: string,
  tensors: NamedTensor[],
  temps: string[],
): Promise<[string, string][]> {
  const enc = new TextEncoder();
  await withTempFile(path, temps, async (sink) => {
    const table = new TableBuilder(sink);
    const meta = tensors.map((t) => ({
      name: t.name,
      shape: t.shape,
      dtype: tfDtypeCode(t.dtype),
      slices: [t.shape.map(() => ({ start: 0 }))],
    }));
    await table.add(new Uint8Array(0), encodeSliceMeta(meta, 1));
    const full = (t: NamedTensor) => t.shape.map(() => ({ start: 0 }));
    const keyed = tensors.map((t) => ({ t, key: encodeTensorNameSlice(t.name, full(t)) }));
    keyed.sort((a, b) => compareBytes(a.key, b.key));
    for (const { t, key } of keyed) {
      const saved = new ProtoWriter().bytes(1, enc.encode(t.name)).bytes(2, encodeSlice(full(t)))
        .bytes(3, tensorProto(t)).finish();
      await table.add(key, new ProtoWriter().bytes(2, saved).finish());
    }
    await table.finish();
  });
  return [[temps[temps.length - 1], path]];
}

/** The text of a `checkpoint` state file. */
export function formatCheckpointState(latest: string, all: string[]): string {
  const q = (s: string) => `"${s.replace(/(["\\])/g, "\\$1")}"`;
  return `model_checkpoint_path: ${q(latest)}\n` +
    all.map((p) => `all_model_checkpoint_paths: ${q(p)}\n`).join("");
}

function dirname(p: string): string {
  const i = p.lastIndexOf("/");
  return i < 0 ? "." : i === 0 ? "/" : p.slice(0, i);
}

function basename(p: string): string {
  return p.slice(p.lastIndexOf("/") + 1);
}

async function updateState(prefix: string, keep: number | undefined): Promise<void> {
  const dir = dirname(prefix);
  const statePath = `${dir}/checkpoint`;
  let all: string[] = [];
  try {
    all = parseCheckpointState(await Deno.readTextFile(statePath), dir).all.map((p) =>
      p.startsWith(`${dir}/`) ? p.slice(dir.length + 1) : p
    );
  } catch { /* first checkpoint in this folder */ }
  const name = basename(prefix);
  all = [...all.filter((p) => p !== name), name];
  const dropped = keep !== undefined && keep > 0
    ? all.splice(0, Math.max(0, all.length - keep))
    : [];
  try {
    await writeFileAtomic(statePath, formatCheckpointState(name, all));
  } catch (err) {
    throw new Error(
      `${statePath}: cannot update the checkpoint state file (${(err as Error).message}); ` +
        `${prefix} was written but is not listed`,
    );
  }
  // Only after the state no longer lists them are old checkpoints deleted.
  for (const old of dropped) {
    const p = old.startsWith("/") ? old : `${dir}/${old}`;
    for await (const e of Deno.readDir(dir)) {
      if (e.name === basename(p) || e.name.startsWith(`${basename(p)}.`)) {
        await Deno.remove(`${dir}/${e.name}`).catch(() => {});
      }
    }
  }
}

/**
 * Writes `tensors` as a checkpoint at `prefix` (V2: `<prefix>.index` and
 * `<prefix>.data-00000-of-00001`; V1: the file `prefix`).
 */
export async function writeCheckpoint(
  prefix: string,
  tensors: NamedTensor[],
  options: WriteCheckpointOptions = {},
): Promise<void> {
  const format = options.format ?? "v2";
  const seen = new Set<string>();
  for (const t of tensors) {
    if (seen.has(t.name)) throw new Error(`tensor '${t.name}' given twice`);
    if (t.name === "") throw new Error("tensor names must not be empty");
    seen.add(t.name);
    checkTensor(t);
  }
  const sorted = [...tensors].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  await Deno.mkdir(dirname(prefix), { recursive: true });
  const temps: string[] = [];
  try {
    const renames = format === "v2"
      ? await writeV2(prefix, sorted, temps)
      : await writeV1(prefix, sorted, temps);
    for (const [from, to] of renames) await Deno.rename(from, to);
  } catch (err) {
    for (const t of temps) await Deno.remove(t).catch(() => {});
    throw writeFailure(err as Error, prefix, sorted);
  }
  if (options.updateState ?? format === "v2") await updateState(prefix, options.keep);
}

/**
 * Removes the temporary files a killed writer left in `dir` (`<name>.tmp-<pid>-<random>`,
 * from {@linkcode writeCheckpoint} and the state file update), only those
 * whose writing process is gone; returns their paths. Where processes cannot
 * be listed (no `/proc`), nothing is removed.
 */
export async function removeStaleTemps(dir: string): Promise<string[]> {
  if (!(await Deno.stat("/proc/self").catch(() => undefined))) return [];
  const removed: string[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch {
    return []; // no folder yet
  }
  for (const e of entries) {
    const m = /\.tmp-(\d+)-[0-9a-z]+$/.exec(e.name);
    if (!m || !e.isFile || isOwnTemp(e.name)) continue;
    // A live writer's temps stay; our own PID on a temp we did not make is a dead run's
    // (containers give every run the same PIDs).
    const live = Number(m[1]) !== Deno.pid &&
      await Deno.stat(`/proc/${m[1]}`).catch(() => undefined);
    if (live) continue;
    await Deno.remove(`${dir}/${e.name}`).then(() => removed.push(`${dir}/${e.name}`), () => {});
  }
  return removed;
}
