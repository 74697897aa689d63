/**
 * Frozen layers computed once: when every layer below the first trainable
 * one is frozen and the images are the same every epoch (no augmentation,
 * no random crops), the frozen prefix maps each image to the same features
 * in every epoch. The cache computes them the first time an image is drawn,
 * keeps them (memory up to a budget, the rest in a file), and the training
 * step trains the rest of the network on them: same batches, same dropout
 * masks, same updates, without the prefix's forward pass after epoch 1.
 *
 * The complete features are kept as a file in the cache folder, keyed by
 * the prefix's weights, the data, the preprocessing, the input size and the
 * backend, so a resumed run, the next stage, or another trial of a sweep
 * with the same frozen prefix reads them instead of computing them again.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { copyOfData, ownedTensor } from "../backend/mod.ts";
import {
  type Augmentation,
  type Batch,
  batchesPerEpoch,
  batchStream,
  type Dataset,
  datasetSize,
  epochOrder,
  isImageFiles,
  type Sampler,
  subset,
} from "../data/mod.ts";
import { type FrozenSplit, type Model, splitFrozenPrefix } from "../models/mod.ts";
import { cacheDir, exists, formatBytes, freeBytes } from "../util/mod.ts";
import { FeatureStore, type StoreOrigin } from "./feature_store.ts";
import { availableMemory } from "./memory_check.ts";

/** Options of the feature cache (`fit`'s `featureCache`). */
export interface FeatureCacheOptions {
  /** Bytes of features kept in memory; the rest spill to the file. Default: 40 % of available memory. */
  memoryBytes?: number;
  /** Folder of feature files; default `<cache folder>/features` (`$TL_CACHE_DIR`). */
  dir?: string;
  /** Keep the complete features as a file for later runs; default true. */
  keep?: boolean;
}

/** What decides whether the prefix is exact to cache. */
export interface FeaturePlanInput {
  /** Augmentation of training batches. */
  augment?: Augmentation;
  /** Set to turn the cache off. */
  featureCache?: boolean | FeatureCacheOptions;
  /** Names of the variables that train (from the train step's selection). */
  trainable: Set<string>;
}

/** Time spent computing features so far, for projections and ETAs. */
export interface FeatureTiming {
  /** Seconds inside the prefix's forward passes (and their image loading). */
  seconds: number;
  /** Rows computed in those seconds. */
  rows: number;
}

/** Features of one dataset for one frozen prefix. */
export class FeatureCache {
  /** The split: prefix features and the head model the step trains. */
  readonly split: FrozenSplit;
  /** Where the rows live. */
  readonly store: FeatureStore;
  /** The training data the rows are features of. */
  readonly data: Dataset;
  /** Whether the rows were read back from an earlier run's file. */
  readonly origin: StoreOrigin;
  /** Time spent computing rows in this process. */
  readonly timing: FeatureTiming = { seconds: 0, rows: 0 };
  #trainable: Set<string>;
  #size: number;
  #preprocessing: Model["preprocessing"];

  /** Use {@linkcode prepareFeatureCache}. */
  constructor(
    model: Model,
    parts: {
      split: FrozenSplit;
      store: FeatureStore;
      origin: StoreOrigin;
      data: Dataset;
      trainable: Set<string>;
    },
  ) {
    this.split = parts.split;
    this.store = parts.store;
    this.origin = parts.origin;
    this.data = parts.data;
    this.#trainable = parts.trainable;
    this.#size = model.inputSize;
    this.#preprocessing = model.preprocessing;
  }

  /** Rows still to compute. */
  get missing(): number {
    return this.store.missing;
  }

  /** Computes the rows of `indices` (distinct, missing) from their images. */
  async #compute(indices: Int32Array): Promise<void> {
    const t0 = performance.now();
    const images = subset(this.data, indices);
    const ctx = { training: true, isFrozen: (n: string) => !this.#trainable.has(n) };
    const n = this.store.rowFloats;
    const stream = batchStream(images, {
      batchSize: indices.length,
      sampler: "sequential",
      size: this.#size,
      preprocessing: this.#preprocessing,
      prefetch: 1,
    });
    for await (const b of stream) {
      const features = tf.tidy(() => this.split.features(b.images, ctx));
      const values = await features.data() as Float32Array;
      tf.dispose([features, b.images, b.labels]);
      b.indices.forEach((k, j) => this.store.put(indices[k], values.subarray(j * n, (j + 1) * n)));
    }
    // Images the stream dropped (undecodable, with `skipBadImages`).
    for (const i of indices) if (!this.store.has(i)) this.store.markBad(i);
    this.timing.seconds += (performance.now() - t0) / 1000;
    this.timing.rows += indices.length;
    if (this.store.complete) this.store.finish();
  }

  /**
   * One epoch's batches as `batchStream` would draw them (same order, same
   * skipped batches), with each image replaced by its features.
   */
  async *batches(options: {
    batchSize: number;
    seed?: number;
    epoch?: number;
    skipBatches?: number;
    sampler?: Sampler;
  }): AsyncGenerator<Batch> {
    const order = epochOrder(this.data, options);
    const total = batchesPerEpoch(this.data, options);
    const [h, w, c] = this.split.featureShape;
    const n = this.store.rowFloats;
    for (let b = options.skipBatches ?? 0; b < total; b++) {
      const planned = order.subarray(b * options.batchSize, (b + 1) * options.batchSize);
      const missing = Int32Array.from(
        new Set([...planned].filter((i) => !this.store.has(i) && !this.store.isBad(i))),
      );
      if (missing.length > 0) await this.#compute(missing);
      const kept = planned.filter((i) => !this.store.isBad(i));
      if (kept.length === 0) continue;
      const floats = new Float32Array(kept.length * n);
      kept.forEach((i, j) => this.store.read(i, floats, j * n));
      yield {
        images: ownedTensor(floats, [kept.length, h, w, c]) as tf.Tensor4D,
        labels: tf.tensor1d(Int32Array.from(kept, (i) => this.data.labels[i]), "int32"),
        indices: Int32Array.from(kept),
      };
    }
  }

  /** Closes the file (an unfinished one is removed). */
  close(): void {
    this.store.close();
  }
}

async function sha256(parts: (string | Uint8Array)[]): Promise<Uint8Array> {
  const enc = new TextEncoder();
  const chunks = parts.map((p) => typeof p === "string" ? enc.encode(p + "\0") : p);
  const all = new Uint8Array(chunks.reduce((s, c) => s + c.length + 8, 0));
  let at = 0;
  for (const c of chunks) {
    new DataView(all.buffer).setFloat64(at, c.length, true);
    all.set(c, at + 8);
    at += c.length + 8;
  }
  return new Uint8Array(await crypto.subtle.digest("SHA-256", all));
}

/** What identifies the images: their bytes, or the files' paths, sizes and times. */
function dataIdentity(data: Dataset): (string | Uint8Array)[] {
  if (!isImageFiles(data)) {
    return [`pixels ${data.height}x${data.width}x${data.channels}`, data.images];
  }
  const files = data.files.map((f) => {
    const s = Deno.statSync(f);
    return `${f}\t${s.size}\t${s.mtime?.getTime()}`;
  });
  return [`files ${data.height}x${data.width}x${data.channels} ${data.resize}`, files.join("\n")];
}

/** The key of `split`'s features of `data`. */
async function featureKey(model: Model, split: FrozenSplit, data: Dataset): Promise<Uint8Array> {
  const weights: (string | Uint8Array)[] = [];
  for (const name of split.variables) {
    const v = model.store.get(name);
    // A copy that leaves the weight's storage unmarked: a later stage may update it in place.
    weights.push(`${name} ${v.shape.join("x")}`, new Uint8Array((await copyOfData(v)).buffer));
  }
  return sha256([
    "tl-lab features v1",
    tf.getBackend(),
    `${model.scope} at ${model.inputSize}, ${split.layers} layers → ${split.featureShape}`,
    JSON.stringify(model.preprocessing),
    ...weights,
    ...dataIdentity(data),
  ]);
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A cache, or the reason there is none (`notice`: say it; otherwise nothing to say). */
export type FeaturePlan = { cache: FeatureCache; notice: string } | {
  cache?: undefined;
  notice?: string;
};

/** The scope of a variable name's layer (`vgg_16/conv1/conv1_1/weights` → `vgg_16/conv1/conv1_1`). */
function layerOf(name: string): string {
  return name.slice(0, name.lastIndexOf("/"));
}

/**
 * Decides whether `model`'s frozen prefix can be computed once for `data`
 * and, where it can, opens its store (reading an earlier run's file when
 * its key matches). Exact only without augmentation or random crops, with
 * the auxiliary head (Inception V3) frozen, and with frozen layers below
 * the first trainable one.
 */
export async function prepareFeatureCache(
  model: Model,
  data: Dataset,
  input: FeaturePlanInput,
): Promise<FeaturePlan> {
  if (input.featureCache === false) return {};
  const options = typeof input.featureCache === "object" ? input.featureCache : {};
  const isFrozen = (name: string) => !input.trainable.has(name);
  const split = splitFrozenPrefix(model, isFrozen);
  if ("reason" in split) return {};
  const prefixNames = `${layerOf(split.variables[0])} … ${layerOf(split.variables.at(-1)!)}`;
  const recompute = `so ${prefixNames} is computed every step`;
  if (input.augment && (input.augment.flip || (input.augment.cropPadding ?? 0) > 0)) {
    return { notice: `frozen features not cached: augmentation changes the images, ${recompute}` };
  }
  if (isImageFiles(data) && data.resize === "random-crop") {
    return { notice: `frozen features not cached: random crops change the images, ${recompute}` };
  }
  if (model.auxiliary && [...input.trainable].some((n) => n.startsWith(model.auxiliary!.scope))) {
    return { notice: `frozen features not cached: the auxiliary head trains, ${recompute}` };
  }
  const rows = datasetSize(data);
  const rowFloats = split.featureShape.reduce((a, b) => a * b, 1);
  const bytes = rows * rowFloats * 4;
  const memoryBytes = options.memoryBytes ?? Math.floor(0.4 * availableMemory());
  const dir = options.dir ?? `${cacheDir()}/features`;
  const keep = options.keep ?? true;
  const key = await featureKey(model, split, data);
  const spills = bytes > memoryBytes;
  let path: string | undefined;
  if (keep || spills) {
    Deno.mkdirSync(dir, { recursive: true });
    path = `${dir}/${model.scope}-${split.featureShape.join("x")}-${hex(key).slice(0, 16)}.f32`;
    const free = freeBytes(dir);
    if (!(await exists(path)) && free !== undefined && free < bytes + (1 << 30)) {
      if (spills) {
        return {
          notice: `frozen features not cached: they need ${formatBytes(bytes)} and ${dir} has ` +
            `${formatBytes(free)} free (set TL_CACHE_DIR elsewhere), ${recompute}`,
        };
      }
      path = undefined; // fits in memory: just don't keep a file
    }
  }
  const { store, origin } = FeatureStore.open({
    rows,
    rowFloats,
    key,
    memoryBytes: Math.min(memoryBytes, bytes),
    path,
  });
  const cache = new FeatureCache(model, { split, store, origin, data, trainable: input.trainable });
  const where = store.memoryRows === rows
    ? "in memory"
    : `${formatBytes(store.memoryRows * rowFloats * 4)} in memory, the rest in ${path}`;
  const from = origin === "loaded"
    ? `read from ${path}`
    : typeof origin === "object"
    ? `recomputed (${path} was unusable: ${origin.damaged})`
    : "computed once per image in epoch 1";
  return {
    cache,
    notice: `frozen ${prefixNames} (${split.layers} layers) ${from} and reused: exact, as no ` +
      `augmentation or dropout reaches them; ${split.featureShape.join("×")} features, ` +
      `${formatBytes(bytes)} for ${rows} images (${where}); featureCache: false turns this off`,
  };
}
