/**
 * Batches that stream from an in-memory dataset: shuffled by seed and epoch
 * (so a resumed run sees the same order), optionally class-balanced, with
 * augmentation, resized and normalised per batch.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { permutation, seededRandom } from "../util/mod.ts";
import {
  classCounts,
  type Dataset,
  datasetSize,
  imageBytes,
  type ImageDataset,
} from "./dataset.ts";
import { type Augmentation, augmentImage, type Preprocessing, toModelInput } from "./preprocess.ts";

/** How images are drawn for an epoch. */
export type Sampler = "sequential" | "shuffle" | "balanced";

/** Options of {@linkcode batches} and {@linkcode epochOrder}. */
export interface BatchOptions {
  /** Images per batch. */
  batchSize: number;
  /** Default `shuffle`. `balanced` draws classes uniformly, then an image of the class. */
  sampler?: Sampler;
  /** Base seed; default 0. */
  seed?: number;
  /** Epoch number: with the seed it fixes the order. Default 0. */
  epoch?: number;
  /** Skip this many batches (resuming mid-epoch). */
  skipBatches?: number;
  /** Drop a last incomplete batch; default false. */
  dropRemainder?: boolean;
  /** Square model input size; default: native. */
  size?: number;
  /** Normalisation; default VGG means. */
  preprocessing?: Preprocessing;
  /** Augmentation; default none. */
  augment?: Augmentation;
}

/** One batch, ready for a model. The caller disposes the tensors. */
export interface Batch {
  /** Images as the model takes them: [batch, size, size, channels], preprocessed. */
  images: tf.Tensor4D;
  /** Integer class labels [batch]. */
  labels: tf.Tensor1D;
  /** Dataset indices of the images. */
  indices: Int32Array;
}

/** The dataset indices of one epoch, in the order batches will use them. */
export function epochOrder(ds: Dataset, options: BatchOptions): Int32Array {
  const n = datasetSize(ds);
  const sampler = options.sampler ?? "shuffle";
  const random = seededRandom(((options.seed ?? 0) * 1_000_003 + (options.epoch ?? 0)) >>> 0);
  if (sampler === "sequential") return Int32Array.from({ length: n }, (_, i) => i);
  if (sampler === "shuffle") return permutation(n, random);
  const byClass: number[][] = classCounts(ds).map(() => []);
  ds.labels.forEach((l, i) => byClass[l].push(i));
  const present = byClass.filter((list) => list.length > 0);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const list = present[Math.floor(random() * present.length)];
    out[i] = list[Math.floor(random() * list.length)];
  }
  return out;
}

/** Number of batches an epoch yields. */
export function batchesPerEpoch(ds: Dataset, options: BatchOptions): number {
  const n = datasetSize(ds);
  return options.dropRemainder
    ? Math.floor(n / options.batchSize)
    : Math.ceil(n / options.batchSize);
}

/**
 * Yields the batches of one epoch. Only one batch of float tensors exists at a
 * time (per caller), whatever the model input size.
 */
export function* batches(ds: ImageDataset, options: BatchOptions): Generator<Batch> {
  if (!(options.batchSize > 0)) {
    throw new Error(`batch size must be positive, got ${options.batchSize}`);
  }
  const order = epochOrder(ds, options);
  const per = imageBytes(ds);
  const shape: [number, number, number] = [ds.height, ds.width, ds.channels];
  const augRandom = seededRandom(((options.seed ?? 0) * 7919 + (options.epoch ?? 0) + 1) >>> 0);
  const total = batchesPerEpoch(ds, options);
  for (let b = 0; b < total; b++) {
    const indices = order.subarray(b * options.batchSize, (b + 1) * options.batchSize);
    // Draw augmentation randomness even for skipped batches: resuming keeps it aligned.
    const pixels = new Uint8Array(indices.length * per);
    const labels = new Int32Array(indices.length);
    for (let i = 0; i < indices.length; i++) {
      const src = ds.images.subarray(indices[i] * per, (indices[i] + 1) * per);
      const dst = pixels.subarray(i * per, (i + 1) * per);
      if (options.augment && (options.augment.flip || options.augment.cropPadding)) {
        augmentImage(src, dst, shape, options.augment, augRandom);
      } else {
        dst.set(src);
      }
      labels[i] = ds.labels[indices[i]];
    }
    if (b < (options.skipBatches ?? 0)) continue;
    const images = tf.tidy(() =>
      toModelInput(tf.tensor4d(pixels, [indices.length, ...shape], "int32"), {
        size: options.size,
        preprocessing: options.preprocessing,
      })
    );
    yield { images, labels: tf.tensor1d(labels, "int32"), indices: Int32Array.from(indices) };
  }
}
