/**
 * CIFAR's binary record format, written: one label byte (CIFAR-100: coarse
 * then fine) followed by the image as three 32×32 planes (R, G, B). The
 * lab's quick mode and the tests write stand-in CIFAR folders with it.
 *
 * @module
 */
import type { ImageDataset } from "./dataset.ts";

/** Options of {@linkcode encodeCifarBinary}. */
export interface CifarBinaryOptions {
  /** `cifar10` (default): 1 label byte; `cifar100`: coarse then fine label. */
  variant?: "cifar10" | "cifar100";
  /** CIFAR-100 coarse labels (default 0). */
  coarse?: ArrayLike<number>;
}

/** Encodes a 32×32 RGB (HWC) dataset as CIFAR binary records. */
export function encodeCifarBinary(ds: ImageDataset, options: CifarBinaryOptions = {}): Uint8Array {
  if (ds.height !== 32 || ds.width !== 32 || ds.channels !== 3) {
    throw new Error(
      `CIFAR records hold 32×32×3 images, got ${ds.height}×${ds.width}×${ds.channels}`,
    );
  }
  const lb = options.variant === "cifar100" ? 2 : 1;
  const n = ds.labels.length, rec = 3072 + lb;
  const out = new Uint8Array(n * rec);
  for (let i = 0; i < n; i++) {
    const at = i * rec;
    if (lb === 1) out[at] = ds.labels[i];
    else [out[at], out[at + 1]] = [options.coarse?.[i] ?? 0, ds.labels[i]];
    const img = ds.images.subarray(i * 3072, (i + 1) * 3072);
    for (let p = 0; p < 1024; p++) {
      for (let c = 0; c < 3; c++) out[at + lb + c * 1024 + p] = img[p * 3 + c];
    }
  }
  return out;
}
