/**
 * TensorFlow V1 checkpoints (TensorSliceWriter files, as in the 2016 TF-Slim
 * tarballs): one table whose `""` entry lists tensors and their slices, and
 * one entry per slice holding a TensorProto. Large float tensors are viewed
 * in place in the block buffer, never copied element by element.
 *
 * @module
 */
import type {
  NumericArray,
  WeightDtype,
  WeightInfo,
  WeightSource,
  WeightValue,
} from "../weight_source.ts";
import { dtypeBytes, tfDtype, typedView } from "./dtypes.ts";
import { encodeTensorNameSlice, type Extent } from "./ordered_code.ts";
import { type ProtoField, repeatedVarints, varintNumber } from "./protobuf.ts";
import { TableReader } from "./table.ts";
import {
  decodeSavedSlice,
  decodeSliceMeta,
  type SliceMeta,
  TENSOR_VALUE_FIELD,
} from "./tf_protos.ts";

/** An opened V1 checkpoint file. */
export class SliceReader implements WeightSource {
  /** Which checkpoint format this reader reads. */
  readonly format = "v1" as const;
  /** The V1 file. */
  readonly path: string;
  readonly description: string;
  /** Saved-slice metadata by tensor name. */
  readonly tensors: Map<string, SliceMeta>;
  /** The TF version that wrote the file. */
  readonly producer: number;
  #table: TableReader;

  private constructor(path: string, table: TableReader, tensors: SliceMeta[], producer: number) {
    this.path = path;
    this.description = path;
    this.#table = table;
    this.tensors = new Map(tensors.map((t) => [t.name, t]));
    this.producer = producer;
  }

  /** Opens the file and reads only its metadata entry. */
  static async open(path: string): Promise<SliceReader> {
    const table = await TableReader.open(path);
    try {
      const meta = await table.get(new Uint8Array(0), "metadata");
      if (!meta) throw new Error(`${path}: no metadata entry: not a V1 checkpoint`);
      const { tensors, producer } = decodeSliceMeta(meta, `${path}: metadata`);
      return new SliceReader(path, table, tensors, producer);
    } catch (err) {
      table.close();
      throw err;
    }
  }

  /** Every tensor with dtype and shape. */
  list(): WeightInfo[] {
    return [...this.tensors.values()].map((t) => ({
      name: t.name,
      dtype: tfDtype(t.dtype, `${this.path}: tensor '${t.name}'`).name,
      shape: t.shape,
    }));
  }

  /** Reads a tensor, assembling it from its slices. */
  async read(name: string): Promise<WeightValue> {
    const meta = this.tensors.get(name);
    if (!meta) throw new Error(`${this.path}: no tensor named '${name}'`);
    const what = `${this.path}: tensor '${name}'`;
    const dtype = tfDtype(meta.dtype, what).name;
    const count = meta.shape.reduce((a, b) => a * b, 1);
    const parts: { extents: Extent[]; data: WeightValue["data"] }[] = [];
    for (const slice of meta.slices) {
      const key = encodeTensorNameSlice(name, slice);
      const entry = await this.#table.get(key, `tensor '${name}'`);
      if (!entry) {
        throw new Error(`${what}: slice ${JSON.stringify(slice)} is missing from the file`);
      }
      const saved = decodeSavedSlice(entry, what);
      const n = sliceShape(meta.shape, slice).reduce((a, b) => a * b, 1);
      parts.push({
        extents: slice,
        data: tensorValues(saved.tensor, dtype, n, what, () => this.#table.dropCache()),
      });
    }
    if (parts.length === 1 && parts[0].extents.every((e) => e.length === undefined)) {
      return { dtype, shape: meta.shape, data: parts[0].data };
    }
    return { dtype, shape: meta.shape, data: assemble(meta.shape, dtype, count, parts, what) };
  }

  /** Closes the file. */
  close(): void {
    this.#table.close();
  }
}

function sliceShape(shape: number[], extents: Extent[]): number[] {
  if (extents.length === 0) return shape;
  return shape.map((d, i) => extents[i].length ?? d);
}

/**
 * Views packed fixed-width bytes of a TensorProto as typed values. When the
 * payload is most of its block, it is shifted in place to an aligned offset
 * and viewed (no copy: fc6 of VGG-16 is 411 MB), after `beforeShift` (the
 * block must not be reused then); small ones are copied so a view does not
 * keep a whole block alive.
 */
function fixedWidth(
  payload: Uint8Array,
  dtype: WeightDtype,
  size: number,
  beforeShift: () => void,
): NumericArray {
  const buffer = payload.buffer as ArrayBuffer;
  let bytes = payload;
  if (payload.byteLength * 2 < buffer.byteLength) bytes = payload.slice();
  else if (payload.byteOffset % size !== 0) {
    beforeShift();
    const to = payload.byteOffset - (payload.byteOffset % size);
    new Uint8Array(buffer).copyWithin(
      to,
      payload.byteOffset,
      payload.byteOffset + payload.byteLength,
    );
    bytes = new Uint8Array(buffer, to, payload.byteLength);
  }
  return typedView(dtype, bytes) as NumericArray;
}

/** Extracts `count` values of `dtype` from a TensorProto's fields. */
export function tensorValues(
  fields: ProtoField[],
  dtype: WeightDtype,
  count: number,
  what: string,
  beforeShift: () => void = () => {},
): WeightValue["data"] {
  const content = fields.find((f) => f.field === 4)?.bytes;
  const elem = Math.max(1, dtypeBytes(dtype));
  if (content && content.length > 0) {
    if (content.length !== count * elem) {
      throw new Error(
        `${what}: tensor_content has ${content.length} bytes: expected ${count * elem}`,
      );
    }
    return elem > 1
      ? fixedWidth(content, dtype, elem, beforeShift)
      : typedView(dtype, content.slice()) as NumericArray;
  }
  const field = TENSOR_VALUE_FIELD[dtype];
  if (field === undefined) {
    throw new Error(`${what}: dtype ${dtype} has no TensorProto value field`);
  }
  if (dtype === "string") {
    const strings = fields.filter((f) => f.field === 8).map((f) => f.bytes!.slice());
    if (strings.length !== count) {
      throw new Error(`${what}: ${strings.length} strings for ${count} elements`);
    }
    return strings;
  }
  // float_val and double_val are the only fixed-width value fields.
  const size = dtype === "float32" || dtype === "float64" ? dtypeBytes(dtype) : 0;
  let values: NumericArray;
  if (size) {
    const packed = fields.filter((f) => f.field === field && f.wire === 2);
    if (packed.length === 1) values = fixedWidth(packed[0].bytes!, dtype, size, beforeShift);
    else {
      // Unpacked (one field per value) or several packed runs: gather them.
      const nums: number[] = [];
      for (const f of fields) {
        if (f.field !== field) continue;
        if (f.wire === 2) nums.push(...typedView(dtype, f.bytes!.slice()) as Float32Array);
        else if (f.wire === 5) {
          nums.push(new Float32Array(new Uint32Array([Number(f.value)]).buffer)[0]);
        } else if (f.wire === 1) {
          nums.push(new Float64Array(new BigUint64Array([BigInt(f.value!)]).buffer)[0]);
        }
      }
      values = dtype === "float64" ? Float64Array.from(nums) : Float32Array.from(nums);
    }
  } else {
    const nums = repeatedVarints(fields, field, what);
    values = dtype === "int64"
      ? BigInt64Array.from(nums, (v) => BigInt(v))
      : typedFrom(dtype, nums.map((v) => varintNumber(v, what)));
  }
  if (values.length === count) return values;
  if (values.length === 0) return typedFrom(dtype, new Array(count).fill(0));
  if (values.length < count) {
    // TensorProto semantics: the last value repeats to fill the shape.
    const out = typedFrom(dtype, new Array(count).fill(0)) as NumericArray;
    (out as Float32Array).set(values as Float32Array);
    (out as Float32Array).fill((values as Float32Array)[values.length - 1], values.length);
    return out;
  }
  throw new Error(`${what}: ${values.length} values for ${count} elements`);
}

function typedFrom(dtype: WeightDtype, nums: number[]): NumericArray {
  switch (dtype) {
    case "float32":
      return Float32Array.from(nums);
    case "float64":
      return Float64Array.from(nums);
    case "int32":
      return Int32Array.from(nums);
    case "int64":
      return BigInt64Array.from(nums, (v) => BigInt(v));
    case "int16":
      return Int16Array.from(nums);
    case "int8":
      return Int8Array.from(nums);
    case "uint16":
    case "float16":
    case "bfloat16":
      return Uint16Array.from(nums);
    default:
      return Uint8Array.from(nums);
  }
}

/** Copies each slice's values into the full tensor (row-major). */
function assemble(
  shape: number[],
  dtype: WeightDtype,
  count: number,
  parts: { extents: Extent[]; data: WeightValue["data"] }[],
  what: string,
): NumericArray {
  if (dtype === "string") throw new Error(`${what}: sliced string tensors are not supported`);
  const out = typedFrom(dtype, []);
  const full = new (out.constructor as { new (n: number): NumericArray })(count);
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  for (const { extents, data } of parts) {
    const sub = sliceShape(shape, extents);
    const src = data as NumericArray;
    const idx = new Array(shape.length).fill(0);
    for (let k = 0; k < src.length; k++) {
      let dst = 0;
      for (let d = 0; d < shape.length; d++) {
        dst += (idx[d] + (extents[d]?.start ?? 0)) * strides[d];
      }
      (full as Float32Array)[dst] = (src as Float32Array)[k];
      for (let d = shape.length - 1; d >= 0; d--) {
        if (++idx[d] < sub[d]) break;
        idx[d] = 0;
      }
    }
  }
  return full;
}
