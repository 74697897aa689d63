/**
 * The TensorFlow protobuf messages of checkpoints, decoded and encoded field
 * by field: TensorShapeProto, TensorSliceProto, BundleHeaderProto,
 * BundleEntryProto, SavedTensorSlices and TensorProto.
 *
 * @module
 */
import type { WeightDtype } from "../weight_source.ts";
import type { Extent } from "./ordered_code.ts";
import { decodeMessage, type ProtoField, ProtoWriter, varintNumber } from "./protobuf.ts";

function fieldsOf(fields: ProtoField[], n: number): ProtoField[] {
  return fields.filter((f) => f.field === n);
}

function firstNumber(fields: ProtoField[], n: number, what: string): number {
  const f = fields.find((x) => x.field === n);
  return f ? varintNumber(f.value, what) : 0;
}

/** TensorShapeProto → dims (an unknown dim is -1). */
export function decodeShape(bytes: Uint8Array | undefined, what: string): number[] {
  if (!bytes) return [];
  const fields = decodeMessage(bytes, what);
  if (fields.some((f) => f.field === 3 && f.value)) {
    throw new Error(`${what}: shape of unknown rank`);
  }
  return fieldsOf(fields, 2).map((d) => firstNumber(decodeMessage(d.bytes!, what), 1, what));
}

/** dims → TensorShapeProto bytes. */
export function encodeShape(shape: number[]): Uint8Array {
  const w = new ProtoWriter();
  for (const d of shape) w.bytes(2, new ProtoWriter().uint(1, d).finish());
  return w.finish();
}

/** TensorSliceProto → extents. */
export function decodeSlice(bytes: Uint8Array, what: string): Extent[] {
  return fieldsOf(decodeMessage(bytes, what), 1).map((e) => {
    const f = decodeMessage(e.bytes!, what);
    const len = f.find((x) => x.field === 2);
    return {
      start: firstNumber(f, 1, what),
      length: len ? varintNumber(len.value, what) : undefined,
    };
  });
}

/** extents → TensorSliceProto bytes (a full extent is an empty message). */
export function encodeSlice(extents: Extent[]): Uint8Array {
  const w = new ProtoWriter();
  for (const e of extents) {
    const x = new ProtoWriter();
    if (e.start) x.uint(1, e.start);
    if (e.length !== undefined) x.uint(2, e.length);
    w.bytes(1, x.finish());
  }
  return w.finish();
}

/** A V2 index entry. */
export interface BundleEntry {
  /** TF DataType code. */
  dtype: number;
  /** Dimensions. */
  shape: number[];
  /** Data shard holding the bytes. */
  shardId: number;
  /** Byte offset in the shard. */
  offset: number;
  /** Byte length. */
  size: number;
  /** Masked CRC32C of the bytes. */
  crc32c: number;
  /** Slices of a partitioned variable (empty when whole). */
  slices: Extent[][];
}

/** BundleEntryProto bytes → entry. */
export function decodeBundleEntry(bytes: Uint8Array, what: string): BundleEntry {
  const f = decodeMessage(bytes, what);
  const crc = f.find((x) => x.field === 6);
  return {
    dtype: firstNumber(f, 1, what),
    shape: decodeShape(f.find((x) => x.field === 2)?.bytes, what),
    shardId: firstNumber(f, 3, what),
    offset: firstNumber(f, 4, what),
    size: firstNumber(f, 5, what),
    crc32c: crc ? Number(crc.value) : 0,
    slices: fieldsOf(f, 7).map((s) => decodeSlice(s.bytes!, what)),
  };
}

/** Entry → BundleEntryProto bytes, field order and presence as TF writes them. */
export function encodeBundleEntry(e: BundleEntry): Uint8Array {
  const w = new ProtoWriter();
  if (e.dtype) w.uint(1, e.dtype);
  w.bytes(2, encodeShape(e.shape));
  if (e.shardId) w.uint(3, e.shardId);
  if (e.offset) w.uint(4, e.offset);
  if (e.size) w.uint(5, e.size);
  if (e.crc32c) w.fixed32(6, e.crc32c);
  for (const s of e.slices) w.bytes(7, encodeSlice(s));
  return w.finish();
}

/** The V2 header. */
export interface BundleHeader {
  /** Data shards written. */
  numShards: number;
  /** 0 little-endian, 1 big-endian. */
  endianness: number;
  /** The TF version that wrote the bundle. */
  producer: number;
}

/** BundleHeaderProto bytes → header. */
export function decodeBundleHeader(bytes: Uint8Array, what: string): BundleHeader {
  const f = decodeMessage(bytes, what);
  const version = f.find((x) => x.field === 3)?.bytes;
  return {
    numShards: firstNumber(f, 1, what),
    endianness: firstNumber(f, 2, what),
    producer: version ? firstNumber(decodeMessage(version, what), 1, what) : 0,
  };
}

/** Header → BundleHeaderProto bytes. */
export function encodeBundleHeader(h: BundleHeader): Uint8Array {
  const w = new ProtoWriter();
  if (h.numShards) w.uint(1, h.numShards);
  if (h.endianness) w.uint(2, h.endianness);
  w.bytes(3, new ProtoWriter().uint(1, h.producer).finish());
  return w.finish();
}

/** One tensor of a V1 checkpoint's metadata. */
export interface SliceMeta {
  /** Tensor name. */
  name: string;
  /** Full dimensions. */
  shape: number[];
  /** TF DataType code. */
  dtype: number;
  /** The saved slices of the tensor. */
  slices: Extent[][];
}

/** The `""` entry of a V1 file: SavedTensorSlices.meta. */
export function decodeSliceMeta(
  bytes: Uint8Array,
  what: string,
): { tensors: SliceMeta[]; producer: number } {
  const outer = decodeMessage(bytes, what);
  const meta = outer.find((x) => x.field === 1)?.bytes;
  if (!meta) throw new Error(`${what}: no SavedTensorSliceMeta in the metadata entry`);
  const f = decodeMessage(meta, what);
  const versions = f.find((x) => x.field === 2)?.bytes;
  const decoder = new TextDecoder();
  return {
    producer: versions ? firstNumber(decodeMessage(versions, what), 1, what) : 0,
    tensors: fieldsOf(f, 1).map((t) => {
      const m = decodeMessage(t.bytes!, what);
      return {
        name: decoder.decode(m.find((x) => x.field === 1)?.bytes ?? new Uint8Array()),
        shape: decodeShape(m.find((x) => x.field === 2)?.bytes, what),
        dtype: firstNumber(m, 3, what),
        slices: fieldsOf(m, 4).map((s) => decodeSlice(s.bytes!, what)),
      };
    }),
  };
}

/** Metadata → the `""` entry bytes of a V1 file. */
export function encodeSliceMeta(tensors: SliceMeta[], producer: number): Uint8Array {
  const meta = new ProtoWriter();
  const enc = new TextEncoder();
  for (const t of tensors) {
    const m = new ProtoWriter().bytes(1, enc.encode(t.name)).bytes(2, encodeShape(t.shape)).uint(
      3,
      t.dtype,
    );
    for (const s of t.slices) m.bytes(4, encodeSlice(s));
    meta.bytes(1, m.finish());
  }
  meta.bytes(2, new ProtoWriter().uint(1, producer).finish());
  return new ProtoWriter().bytes(1, meta.finish()).finish();
}

/** Where a V1 slice's values sit within its entry. */
export interface SliceData {
  name: string;
  extents: Extent[];
  /** The TensorProto's fields, with offsets relative to `tensorProto`. */
  tensor: ProtoField[];
  tensorProto: Uint8Array;
}

/** A V1 data entry: SavedTensorSlices.data (SavedSlice). */
export function decodeSavedSlice(bytes: Uint8Array, what: string): SliceData {
  const outer = decodeMessage(bytes, what);
  const data = outer.find((x) => x.field === 2)?.bytes;
  if (!data) throw new Error(`${what}: entry holds no SavedSlice`);
  const f = decodeMessage(data, what);
  const tensorProto = f.find((x) => x.field === 3)?.bytes ?? new Uint8Array();
  const slice = f.find((x) => x.field === 2)?.bytes;
  return {
    name: new TextDecoder().decode(f.find((x) => x.field === 1)?.bytes ?? new Uint8Array()),
    extents: slice ? decodeSlice(slice, what) : [],
    tensor: decodeMessage(tensorProto, what),
    tensorProto,
  };
}

/** TensorProto field numbers holding values, by dtype. */
export const TENSOR_VALUE_FIELD: Partial<Record<WeightDtype, number>> = {
  float32: 5,
  float64: 6,
  int32: 7,
  uint8: 7,
  int16: 7,
  int8: 7,
  uint16: 7,
  string: 8,
  int64: 10,
  bool: 11,
  float16: 13,
  bfloat16: 13,
};
