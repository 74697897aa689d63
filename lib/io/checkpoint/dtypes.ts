/**
 * TensorFlow's DataType enum (types.proto) and how each is laid out.
 *
 * @module
 */
import type { NumericArray, WeightDtype } from "../weight_source.ts";

interface DtypeInfo {
  name: WeightDtype;
  /** Bytes per element; 0 for strings. */
  bytes: number;
}

/** TF DataType numbers we read, with their element sizes. */
export const TF_DTYPES: Record<number, DtypeInfo> = {
  1: { name: "float32", bytes: 4 },
  2: { name: "float64", bytes: 8 },
  3: { name: "int32", bytes: 4 },
  4: { name: "uint8", bytes: 1 },
  5: { name: "int16", bytes: 2 },
  6: { name: "int8", bytes: 1 },
  7: { name: "string", bytes: 0 },
  9: { name: "int64", bytes: 8 },
  10: { name: "bool", bytes: 1 },
  14: { name: "bfloat16", bytes: 2 },
  17: { name: "uint16", bytes: 2 },
  19: { name: "float16", bytes: 2 },
};

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
