/**
 * The in-memory image dataset every loader returns: raw uint8 pixels at their
 * native size (HWC), so 50,000 CIFAR images take 150 MB, not the 30 GB they
 * would take resized to 224×224 floats. Resizing happens per batch.
 *
 * @module
 */

/** Images of one size with integer labels. */
export interface ImageDataset {
  /** Pixels, `count × height × width × channels`, row-major HWC, 0–255. */
  images: Uint8Array;
  /** One label per image, in `[0, classNames.length)`. */
  labels: Int32Array;
  /** Image height in pixels. */
  height: number;
  /** Image width in pixels. */
  width: number;
  /** 1 (grayscale) or 3 (RGB). */
  channels: number;
  /** Human-readable class names; their count is the number of classes. */
  classNames: string[];
}

/** How a streamed image is brought to the model's square size. */
export type ResizeMode = "stretch" | "center-crop" | "random-crop";

/**
 * Images kept on disk and decoded per batch (an image folder streamed): only
 * the file list and the labels live in memory. Batches come from
 * `batchStream`, which decodes ahead of the training step in parallel.
 */
export interface ImageFiles {
  /** Image paths, index-aligned with `labels`. */
  files: string[];
  /** One label per file, in `[0, classNames.length)`. */
  labels: Int32Array;
  /** Class names (the sub-folder names). */
  classNames: string[];
  /** Decoded height (the model's input size). */
  height: number;
  /** Decoded width (the model's input size). */
  width: number;
  /** 3 (RGB) or 1 (grayscale). */
  channels: number;
  /**
   * `stretch` to the size; `center-crop` / `random-crop`: shorter side to
   * size / 0.875 (ImageNet's 256 for 224), then a centred or random square.
   */
  resize: ResizeMode;
  /** Drop undecodable images from their batch (and count them) instead of failing. */
  skipBadImages: boolean;
  /** The folder the files came from (for messages). */
  root: string;
  /** Decoded images kept in a file (`cacheDecoded`): `slot[i]` is file i's place in it. */
  cache?: { path: string; slot: Int32Array };
}

/** Any dataset the training loop and evaluation take. */
export type Dataset = ImageDataset | ImageFiles;

/** Whether `ds` is streamed from files. */
export function isImageFiles(ds: Dataset): ds is ImageFiles {
  return "files" in ds;
}

/** Number of images in a dataset. */
export function datasetSize(ds: Dataset): number {
  return ds.labels.length;
}

/** Bytes of one image. */
export function imageBytes(ds: ImageDataset): number {
  return ds.height * ds.width * ds.channels;
}

/**
 * Checks internal consistency; `source` names the file or folder in errors.
 */
export function validateDataset(ds: ImageDataset, source: string): ImageDataset {
  const n = ds.labels.length;
  for (const [dim, v] of [["height", ds.height], ["width", ds.width], ["channels", ds.channels]]) {
    if (!(Number.isInteger(v) && (v as number) >= 1)) {
      throw new Error(
        `${source}: images of ${ds.height}×${ds.width}×${ds.channels}: ${dim} must be at least 1`,
      );
    }
  }
  if (ds.images.length !== n * imageBytes(ds)) {
    throw new Error(
      `${source}: ${ds.images.length} pixel bytes for ${n} labels of ` +
        `${ds.height}×${ds.width}×${ds.channels}; expected ${n * imageBytes(ds)}`,
    );
  }
  const k = ds.classNames.length;
  for (let i = 0; i < n; i++) {
    const label = ds.labels[i];
    if (!(label >= 0 && label < k)) {
      throw new Error(
        `${source}: label ${label} of record ${i} is out of range: expected 0..${k - 1}`,
      );
    }
  }
  return ds;
}

/** A new dataset with the images at `indices`, in that order (streamed: the files). */
export function subset<T extends Dataset>(ds: T, indices: ArrayLike<number>): T {
  if (isImageFiles(ds)) {
    const files = Array.from(indices, (j) => ds.files[j]);
    const cache = ds.cache && {
      path: ds.cache.path,
      slot: Int32Array.from(indices, (j) => ds.cache!.slot[j]),
    };
    return { ...ds, files, labels: Int32Array.from(indices, (j) => ds.labels[j]), cache };
  }
  return subsetInMemory(ds as ImageDataset, indices) as T;
}

function subsetInMemory(ds: ImageDataset, indices: ArrayLike<number>): ImageDataset {
  const per = imageBytes(ds);
  const images = new Uint8Array(indices.length * per);
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i];
    images.set(ds.images.subarray(j * per, (j + 1) * per), i * per);
    labels[i] = ds.labels[j];
  }
  return { ...ds, images, labels };
}

/** Concatenates datasets of the same image shape and classes. */
export function concatDatasets(parts: ImageDataset[]): ImageDataset {
  if (parts.length === 0) throw new Error("concatDatasets needs at least one dataset");
  const first = parts[0];
  let total = 0;
  for (const p of parts) {
    if (p.height !== first.height || p.width !== first.width || p.channels !== first.channels) {
      throw new Error(
        `cannot concatenate ${p.height}×${p.width}×${p.channels} images with ` +
          `${first.height}×${first.width}×${first.channels}`,
      );
    }
    total += p.labels.length;
  }
  const images = new Uint8Array(total * imageBytes(first));
  const labels = new Int32Array(total);
  let at = 0;
  for (const p of parts) {
    images.set(p.images, at * imageBytes(first));
    labels.set(p.labels, at);
    at += p.labels.length;
  }
  return { ...first, images, labels };
}

/** Images per class, indexed by label. */
export function classCounts(ds: Dataset): number[] {
  const counts = new Array(ds.classNames.length).fill(0);
  for (const l of ds.labels) counts[l]++;
  return counts;
}
