/**
 * What every weight source offers (TF checkpoints V1/V2, Keras HDF5,
 * safetensors, a live model): names with shapes, and values read on demand.
 *
 * @module
 */

/** Element types a source can hold. */
export type WeightDtype =
  | "float32"
  | "float64"
  | "float16"
  | "bfloat16"
  | "int32"
  | "int64"
  | "uint8"
  | "int8"
  | "int16"
  | "uint16"
  | "uint32"
  | "uint64"
  | "bool"
  | "string";

/** Bytes per element of each dtype (strings: 0, their size is per value). */
export const DTYPE_BYTES: Record<WeightDtype, number> = {
  float32: 4,
  float64: 8,
  float16: 2,
  bfloat16: 2,
  int32: 4,
  int64: 8,
  uint8: 1,
  int8: 1,
  int16: 2,
  uint16: 2,
  uint32: 4,
  uint64: 8,
  bool: 1,
  string: 0,
};

/** A variable as listed by a source, before reading its values. */
export interface WeightInfo {
  /** Variable name (TF-Slim style, e.g. `vgg_16/fc8/weights`). */
  name: string;
  /** Element type. */
  dtype: WeightDtype;
  /** Dimensions. */
  shape: number[];
}

/** The typed arrays numeric weights come in (half and bfloat16 as raw Uint16 bits). */
export type NumericArray =
  | Float32Array
  | Float64Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Int8Array
  | Int16Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array;

/** Values of one variable. */
export interface WeightValue {
  /** Element type. */
  dtype: WeightDtype;
  /** Dimensions. */
  shape: number[];
  /** Typed values; strings come as an array of byte strings. */
  data: NumericArray | Uint8Array[];
}

/** A lazily read collection of named weights. */
export interface WeightSource {
  /** Human-readable origin (file path). */
  readonly description: string;
  /** Every variable with dtype and shape, without reading values. */
  list(): WeightInfo[];
  /** Reads one variable's values; throws naming the file and tensor on failure. */
  read(name: string): Promise<WeightValue>;
}

/** Number of elements of a shape. */
export function elementCount(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Converts numeric values to float32 (half, bfloat16 and integers included). */
export function toFloat32(value: WeightValue, what: string): Float32Array {
  const d = value.data;
  if (d instanceof Float32Array) return d;
  if (Array.isArray(d)) throw new Error(`${what}: string tensor cannot be converted to float32`);
  if (value.dtype === "float16") return halfToFloat(d as Uint16Array);
  if (value.dtype === "bfloat16") return bfloat16ToFloat(d as Uint16Array);
  if (d instanceof BigInt64Array) return Float32Array.from(d, (v) => Number(v));
  return Float32Array.from(d as ArrayLike<number>);
}

/** IEEE half (binary16) bits to float32. */
export function halfToFloat(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i];
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    out[i] = exp === 0
      ? sign * 2 ** -14 * (frac / 1024)
      : exp === 31
      ? (frac ? NaN : sign * Infinity)
      : sign * 2 ** (exp - 15) * (1 + frac / 1024);
  }
  return out;
}

/** bfloat16 bits (the top half of a float32) to float32. */
export function bfloat16ToFloat(bits: Uint16Array): Float32Array {
  const wide = new Uint32Array(bits.length);
  for (let i = 0; i < bits.length; i++) wide[i] = bits[i] << 16;
  return new Float32Array(wide.buffer);
}
