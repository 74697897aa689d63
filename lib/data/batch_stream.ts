/**
 * Batches of any dataset as an async stream: in-memory datasets as
 * `batches` yields them; image files decoded a few batches ahead of the
 * consumer, each batch's images in parallel (sharp's thread pool), in the
 * same deterministic order per (seed, epoch), so a resumed run sees exactly
 * the batches the uninterrupted one would have.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { seededRandom } from "../util/mod.ts";
import { type Batch, batches, batchesPerEpoch, type BatchOptions, epochOrder } from "./batches.ts";
import { type Dataset, type ImageFiles, isImageFiles } from "./dataset.ts";
import { readCached } from "./decoded_cache.ts";
import { ownedTensor } from "../backend/mod.ts";
import { decodeImageFile } from "./image_files.ts";
import { imageToModelInput } from "./normalize.ts";
import {
  type AugmentationDraw,
  drawAugmentation,
  type Preprocessing,
  VGG_PREPROCESSING,
} from "./preprocess.ts";

/** Options of {@linkcode batchStream}. */
export interface StreamOptions extends BatchOptions {
  /** Batches decoded ahead of the consumer (image files); default 3. */
  prefetch?: number;
}

const skipped = new WeakMap<ImageFiles, Set<string>>();

/** Batch buffers, reused: a fresh 60 MB array every batch costs its page faults again. */
const floatPool: Float32Array[] = [];

function takeFloats(n: number): Float32Array {
  const i = floatPool.findIndex((f) => f.length >= n);
  return i >= 0 ? floatPool.splice(i, 1)[0] : new Float32Array(n);
}

/** The batch as a tensor, copied into the backend's own (pooled) storage where it has one. */
function toTensor(floats: Float32Array, shape: [number, number, number, number]): tf.Tensor4D {
  return ownedTensor(
    floats.subarray(0, shape[0] * shape[1] * shape[2] * shape[3]),
    shape,
  ) as tf.Tensor4D;
}

/** Files of `ds` that could not be decoded and were dropped (with `skipBadImages`). */
export function skippedImages(ds: ImageFiles): string[] {
  return [...(skipped.get(ds) ?? [])].sort();
}

interface Planned {
  indices: Int32Array;
  crops: ({ fy: number; fx: number } | undefined)[];
  draws: (AugmentationDraw | undefined)[];
}

interface Decoded {
  /** Model input, `labels.length × height × width × 3` float32, at the start of a pooled buffer. */
  floats: Float32Array;
  labels: Int32Array;
  indices: Int32Array;
}

/** Yields one epoch's batches of `ds` (see {@linkcode BatchOptions}); the caller disposes them. */
export async function* batchStream(ds: Dataset, options: StreamOptions): AsyncGenerator<Batch> {
  if (!isImageFiles(ds)) {
    yield* batches(ds, options);
    return;
  }
  if (!(options.batchSize > 0)) {
    throw new Error(`batch size must be positive, got ${options.batchSize}`);
  }
  const order = epochOrder(ds, options);
  const total = batchesPerEpoch(ds, options);
  // Every random draw happens here, in batch order, whatever order decoding finishes in.
  const random = seededRandom(((options.seed ?? 0) * 7919 + (options.epoch ?? 0) + 1) >>> 0);
  const plan = (b: number): Planned => {
    const indices = order.slice(b * options.batchSize, (b + 1) * options.batchSize);
    const crops = [], draws = [];
    for (let i = 0; i < indices.length; i++) {
      crops.push(ds.resize === "random-crop" ? { fy: random(), fx: random() } : undefined);
      draws.push(options.augment ? drawAugmentation(options.augment, random) : undefined);
    }
    return { indices, crops, draws };
  };
  const start = options.skipBatches ?? 0;
  for (let b = 0; b < Math.min(start, total); b++) plan(b);
  const pending: Promise<Decoded>[] = [];
  let next = start;
  const launch = () => {
    const p = decodeBatch(ds, plan(next++), options.preprocessing ?? VGG_PREPROCESSING);
    p.catch(() => {}); // awaited in order below; this only keeps an early failure from being "unhandled"
    pending.push(p);
  };
  const depth = Math.max(1, options.prefetch ?? 3);
  while (pending.length < depth && next < total) launch();
  while (pending.length > 0) {
    const d = await pending.shift()!;
    if (next < total) launch();
    if (d.labels.length === 0) continue;
    const images = tf.tidy(() => {
      const x = toTensor(d.floats, [d.labels.length, ds.height, ds.width, 3]);
      const size = options.size;
      return size && (size !== ds.height || size !== ds.width)
        ? tf.image.resizeBilinear(x, [size, size], false, true)
        : x;
    });
    if (floatPool.length < depth + 1) floatPool.push(d.floats);

    yield { images, labels: tf.tensor1d(d.labels, "int32"), indices: d.indices };
  }
}

async function decodeBatch(
  ds: ImageFiles,
  p: Planned,
  preprocessing: Preprocessing,
): Promise<Decoded> {
  const decoded = await Promise.all(
    Array.from(
      p.indices,
      (j, i) =>
        (ds.cache
          ? Promise.resolve().then(() => readCached(ds, j))
          : decodeImageFile(ds, j, p.crops[i])).catch((err) => {
            if (!ds.skipBadImages) throw err;
            const set = skipped.get(ds) ?? new Set<string>();
            skipped.set(ds, set.add(ds.files[j]));
            return undefined;
          }),
    ),
  );
  const shape: [number, number, number] = [ds.height, ds.width, ds.channels];
  const per = ds.height * ds.width * 3;
  const kept = decoded.flatMap((img, i) => (img ? [i] : []));
  const floats = takeFloats(Math.max(1, kept.length) * per);
  kept.forEach((i, k) =>
    imageToModelInput(decoded[i]!, shape, preprocessing, p.draws[i], floats, k * per)
  );
  return {
    floats,
    labels: Int32Array.from(kept, (i) => ds.labels[p.indices[i]]),
    indices: Int32Array.from(kept, (i) => p.indices[i]),
  };
}
