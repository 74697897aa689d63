/**
 * Opens any supported weight file, detecting the format from its bytes:
 * HDF5 (Keras), safetensors, or a TensorFlow checkpoint (V1 or V2).
 *
 * @module
 */
import { openCheckpoint } from "../checkpoint/checkpoint.ts";
import { KerasH5Reader } from "./keras_h5.ts";
import { SafetensorsReader } from "./safetensors.ts";
import type { WeightSource } from "./source.ts";

const HDF5_MAGIC = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** Any opened weight file. */
export type WeightFile = WeightSource & { format: string; close(): void };

async function head(path: string): Promise<Uint8Array | undefined> {
  try {
    const f = await Deno.open(path);
    try {
      const buf = new Uint8Array(16);
      const n = await f.read(buf);
      return buf.subarray(0, n ?? 0);
    } finally {
      f.close();
    }
  } catch {
    return undefined;
  }
}

/** Opens a weight file of any supported format. */
export async function openWeights(path: string): Promise<WeightFile> {
  const bytes = await head(path);
  if (bytes && HDF5_MAGIC.every((b, i) => bytes[i] === b)) return await KerasH5Reader.open(path);
  if (path.endsWith(".safetensors") || (bytes && bytes.length >= 9 && bytes[8] === 0x7b)) {
    return await SafetensorsReader.open(path);
  }
  return await openCheckpoint(path);
}
