/**
 * TensorFlow's DataType enum (types.proto) and how each is laid out.
 *
 * @module
 */
import { DTYPE_BYTES, type NumericArray, type WeightDtype } from "../weight_source.ts";

interface DtypeInfo {
  name: WeightDtype;
  /** Bytes per element; 0 for strings. */
  bytes: number;
}

const TF_NAMES: Record<number, WeightDtype> = {
  1: "float32",
  2: "float64",
  3: "int32",
  4: "uint8",
  5: "int16",
  6: "int8",
  7: "string",
  9: "int64",
  10: "bool",
  14: "bfloat16",
  17: "uint16",
  19: "float16",
};

/** TF DataType numbers we read, with their element sizes. */
export const TF_DTYPES: Record<number, DtypeInfo> = Object.fromEntries(
  Object.entries(TF_NAMES).map(([code, name]) => [code, { name, bytes: DTYPE_BYTES[name] }]),
);

/** Looks a TF dtype number up; `what` names the tensor in the error. */
export function tfDtype(code: number, what: string): DtypeInfo {
  const info = TF_DTYPES[code];
  if (!info) {
    throw new Error(
      `${what}: unknown or unsupported dtype ${code} (supported: ${
        Object.entries(TF_DTYPES).map(([k, v]) => `${v.name}=${k}`).join(", ")
      })`,
    );
  }
  return info;
}

/** Bytes per element of a dtype (0 for strings). */
export function dtypeBytes(name: WeightDtype): number {
  for (const info of Object.values(TF_DTYPES)) if (info.name === name) return info.bytes;
  throw new Error(`dtype ${name} has no TensorFlow DataType`);
}

/** The TF DataType number of a dtype name. */
export function tfDtypeCode(name: WeightDtype): number {
  for (const [code, info] of Object.entries(TF_DTYPES)) if (info.name === name) return Number(code);
  throw new Error(`dtype ${name} has no TensorFlow DataType`);
}

/**
 * Views little-endian element bytes as a typed array. `bytes` must start at a
 * multiple of the element size within its buffer (the readers ensure it).
 */
export function typedView(
  name: WeightDtype,
  bytes: Uint8Array,
): NumericArray {
  const { buffer, byteOffset, byteLength } = bytes;
  switch (name) {
    case "float32":
      return new Float32Array(buffer, byteOffset, byteLength / 4);
    case "float64":
      return new Float64Array(buffer, byteOffset, byteLength / 8);
    case "int32":
      return new Int32Array(buffer, byteOffset, byteLength / 4);
    case "int64":
      return new BigInt64Array(buffer, byteOffset, byteLength / 8);
    case "int16":
      return new Int16Array(buffer, byteOffset, byteLength / 2);
    case "uint16":
    case "float16":
    case "bfloat16":
      return new Uint16Array(buffer, byteOffset, byteLength / 2);
    case "int8":
      return new Int8Array(buffer, byteOffset, byteLength);
    default:
      return new Uint8Array(buffer, byteOffset, byteLength);
  }
}
