/**
 * Opens any supported weight file, detecting the format from its bytes:
 * HDF5 (Keras), safetensors, or a TensorFlow checkpoint (V1 or V2).
 *
 * @module
 */
import { openCheckpoint } from "./checkpoint/checkpoint.ts";
import { KerasH5Reader } from "./keras_h5.ts";
import { SafetensorsReader } from "./safetensors.ts";
import { TorchReader } from "./torch_pth.ts";
import { ZipReader } from "./zip.ts";
import type { WeightSource } from "./weight_source.ts";

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];
const HDF5_MAGIC = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** Any opened weight file. */
export type WeightFile = WeightSource & { format: string; close(): void };

async function head(path: string): Promise<Uint8Array | undefined> {
  // Only regular files are sniffed: opening a FIFO would block forever.
  if (!(await Deno.stat(path).catch(() => undefined))?.isFile) return undefined;
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

/** A zip: PyTorch's `torch.save` (`data.pkl`) or Keras 3's `.keras` (`model.weights.h5`). */
async function openZip(path: string): Promise<WeightFile> {
  const zip = await ZipReader.open(path);
  try {
    const names = [...zip.entries.keys()];
    if (names.some((n) => n.endsWith("data.pkl"))) return await TorchReader.open(path);
    if (names.includes("model.weights.h5")) return await KerasH5Reader.openArchive(path, zip);
    throw new Error(
      `${path}: a zip archive that is neither a torch.save file (data.pkl) nor a Keras ` +
        `.keras archive (model.weights.h5); it holds ${names.slice(0, 5).join(", ")}`,
    );
  } finally {
    zip.close();
  }
}

/**
 * Opens a weight file of any supported format: the one call for reading
 * weights. The format comes from the bytes (HDF5 magic → Keras, a zip →
 * PyTorch's `torch.save` or a Keras 3 `.keras` archive, a JSON header → safetensors, else a TF checkpoint: V2 prefix or any of its
 * files, V1 file, or a folder with a `checkpoint` state file).
 *
 * Which to call when:
 * - to put weights into a model: `restore(model, path, { exclude })` (weights
 *   layer), which calls this;
 * - to list or read tensors yourself: this, then `list()` / `read(name)` /
 *   `close()`;
 * - `openCheckpoint` only when you need a TF checkpoint's own reader
 *   (`BundleReader` / `SliceReader`, e.g. V2 shard details);
 * - to write: `saveModel` (a model) or `writeCheckpoint` / `writeSafetensors`
 *   (named tensors).
 *
 * @example
 * ```ts
 * const file = await openWeights("vgg_16.ckpt");
 * console.log(file.format, file.list().length);
 * file.close();
 * ```
 */
export async function openWeights(path: string): Promise<WeightFile> {
  const bytes = await head(path);
  if (bytes && ZIP_MAGIC.every((b, i) => bytes[i] === b)) return await openZip(path);
  if (bytes && bytes[0] === 0x80 && bytes[1] === 0x02 && bytes[2] === 0x8a) {
    // A pickle whose first value is torch's legacy magic number (a LONG1): torch < 1.6,
    // as torchvision's published VGG weights (vgg16-397923af.pth) are.
    return await TorchReader.openLegacy(path);
  }
  if (bytes && HDF5_MAGIC.every((b, i) => bytes[i] === b)) return await KerasH5Reader.open(path);
  if (path.endsWith(".safetensors") || (bytes && bytes.length >= 9 && bytes[8] === 0x7b)) {
    return await SafetensorsReader.open(path);
  }
  return await openCheckpoint(path);
}
