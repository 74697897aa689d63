/**
 * Evaluation over a whole split: accuracy (top-1, top-5) and the confusion
 * matrix, batch by batch.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { explainHeapFailure } from "../backend/mod.ts";
import { backendCapabilities } from "../backend/mod.ts";
import { type Batch, batches } from "../data/mod.ts";
import { batchStream } from "../data/mod.ts";
import type { Dataset, ImageDataset } from "../data/mod.ts";
import { INFERENCE, type Model } from "../models/mod.ts";
import { type ClassMetrics, metricsFromConfusion } from "./metrics.ts";
import { checkLabelsOffset } from "./step.ts";
import type { FeatureCache } from "./feature_cache.ts";

/** Options of {@linkcode evaluate}. */
export interface EvaluateOptions {
  /** Default 64. */
  batchSize?: number;
  /**
   * Model outputs before the dataset's first class (TF-Slim's
   * `labels_offset`; 1 for the 1001-class checkpoints, whose output 0 is
   * "background"): they are left out, and output `l + labelsOffset` is
   * dataset class `l`. Default 0.
   */
  labelsOffset?: number;
  /**
   * The frozen prefix's stored features of `ds` (see `prepareFeatureCache`,
   * which must have been given `ds` and this model): the head runs on them
   * instead of the whole network running on the images.
   */
  features?: FeatureCache;
}

/** Results of {@linkcode evaluate}. */
export interface Evaluation {
  /** Number of images. */
  count: number;
  /** Top-1 accuracy. */
  accuracy: number;
  /** Top-5 accuracy (equals 1 with ≤ 5 classes). */
  top5: number;
  /** `confusion[true][predicted]` counts. */
  confusion: number[][];
  /** Per-class precision/recall/F1, balanced accuracy. */
  metrics: ClassMetrics;
}

/** Confusion counts built batch by batch. */
class Tally {
  confusion: number[][];
  count = 0;
  top1 = 0;
  top5 = 0;
  readonly offset: number;
  constructor(readonly model: Model, offset = 0) {
    this.offset = checkLabelsOffset(model, offset);
    const k = model.numClasses - this.offset;
    this.confusion = Array.from({ length: k }, () => new Array(k).fill(0));
  }
  /** Rows [top-1 prediction, label in the top 5, label] of a batch: one tensor, one read. */
  private predict(b: Batch): tf.Tensor2D {
    const { model } = this;
    try {
      return tf.tidy(() => {
        const all = model.logits(b.images, INFERENCE);
        const k = model.numClasses - this.offset;
        const logits = this.offset > 0 ? tf.slice(all, [0, this.offset], [-1, k]) : all;
        const { indices } = tf.topk(logits, Math.min(5, k));
        const hit5 = tf.any(tf.equal(indices, tf.expandDims(b.labels, 1)), 1);
        return tf.stack([
          tf.argMax(logits, 1),
          tf.cast(hit5, "int32"),
          tf.cast(b.labels, "int32"),
        ]) as tf.Tensor2D;
      });
    } catch (err) {
      throw explainHeapFailure(err, `evaluation (batch ${b.labels.shape[0]}, ${model.scope})`);
    }
  }
  /** Counts a batch, reading synchronously (CPU backends). */
  add(b: Batch): void {
    const both = this.predict(b);
    this.tallyRows(both.dataSync() as Int32Array, b);
    both.dispose();
  }
  /** Counts a batch, reading asynchronously (every backend, a GPU included). */
  async addAsync(b: Batch): Promise<void> {
    const both = this.predict(b);
    this.tallyRows(await both.data() as Int32Array, b);
    both.dispose();
  }
  /** Counts rows [predictions, top-5 hits, labels] of `b`, then frees the batch. */
  private tallyRows(rows: Int32Array, b: Batch): void {
    const n = b.labels.shape[0];
    const pred = rows.subarray(0, n), inTop5 = rows.subarray(n, 2 * n);
    const labels = rows.subarray(2 * n, 3 * n);
    for (let i = 0; i < labels.length; i++) {
      this.confusion[labels[i]][pred[i]]++;
      if (labels[i] === pred[i]) this.top1++;
      if (inTop5[i]) this.top5++;
    }
    this.count += labels.length;
    tf.dispose([b.images, b.labels]);
  }
  result(): Evaluation {
    const { count, confusion } = this;
    return {
      count,
      accuracy: this.top1 / count,
      top5: this.top5 / count,
      confusion,
      metrics: metricsFromConfusion(confusion),
    };
  }
}

const order = (model: Model, options: EvaluateOptions) => ({
  batchSize: options.batchSize ?? 64,
  sampler: "sequential" as const,
  size: model.inputSize,
  preprocessing: model.preprocessing,
});

/** An accuracy of no images is NaN, which reads like a result: refuse instead. */
function refuseEmpty(ds: Dataset) {
  if (ds.labels.length === 0) {
    throw new Error(
      `evaluate: the dataset has no images (an empty test split?): nothing to measure`,
    );
  }
}

/** Runs the model over every image of an in-memory `ds` (in order, no augmentation). */
export function evaluate(
  model: Model,
  ds: ImageDataset,
  options: EvaluateOptions = {},
): Evaluation {
  refuseEmpty(ds);
  if (backendCapabilities().asyncReadsOnly) {
    throw new Error(
      `evaluate() reads its results synchronously, which the ${tf.getBackend()} backend ` +
        `cannot: use \`await evaluateAsync(model, data)\``,
    );
  }
  const tally = new Tally(model, options.labelsOffset);
  for (const b of batches(ds, order(model, options))) tally.add(b);
  return tally.result();
}

/**
 * {@linkcode evaluate} for any dataset, image files streamed from disk
 * included (decoded ahead, in parallel).
 */
export async function evaluateAsync(
  model: Model,
  ds: Dataset,
  options: EvaluateOptions = {},
): Promise<Evaluation> {
  refuseEmpty(ds);
  const features = options.features;
  if (features && features.data !== ds) {
    throw new Error("evaluateAsync: options.features holds the features of another dataset");
  }
  const tally = new Tally(features?.split.head ?? model, options.labelsOffset);
  const stream = features?.batches(order(model, options)) ?? batchStream(ds, order(model, options));
  for await (const b of stream) await tally.addAsync(b);
  return tally.result();
}
