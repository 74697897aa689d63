/**
 * Evaluation over a whole split: accuracy (top-1, top-5) and the confusion
 * matrix, batch by batch.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { explainHeapFailure } from "../backend/heap_limit.ts";
import { batches } from "../data/batches.ts";
import type { ImageDataset } from "../data/dataset.ts";
import { INFERENCE, type Model } from "../models/model.ts";
import { type ClassMetrics, metricsFromConfusion } from "./metrics.ts";

/** Options of {@linkcode evaluate}. */
export interface EvaluateOptions {
  /** Default 64. */
  batchSize?: number;
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

/** Runs the model over every image of `ds` (in order, no augmentation). */
export function evaluate(
  model: Model,
  ds: ImageDataset,
  options: EvaluateOptions = {},
): Evaluation {
  const k = model.numClasses;
  const confusion = Array.from({ length: k }, () => new Array(k).fill(0));
  let count = 0, top1 = 0, top5 = 0;
  for (
    const b of batches(ds, {
      batchSize: options.batchSize ?? 64,
      sampler: "sequential",
      size: model.inputSize,
      preprocessing: model.preprocessing,
    })
  ) {
    let pred: Uint8Array | Int32Array | Float32Array, inTop5: typeof pred;
    try {
      [pred, inTop5] = tf.tidy(() => {
        const logits = model.logits(b.images, INFERENCE);
        const kk = Math.min(5, k);
        const { indices } = tf.topk(logits, kk);
        const hit5 = tf.any(tf.equal(indices, tf.expandDims(b.labels, 1)), 1);
        return [tf.argMax(logits, 1).dataSync(), hit5.dataSync()];
      });
    } catch (err) {
      throw explainHeapFailure(err, `evaluation (batch ${b.labels.shape[0]}, ${model.scope})`);
    }
    const labels = b.labels.dataSync();
    for (let i = 0; i < labels.length; i++) {
      confusion[labels[i]][pred[i]]++;
      if (labels[i] === pred[i]) top1++;
      if (inTop5[i]) top5++;
    }
    count += labels.length;
    tf.dispose([b.images, b.labels]);
  }
  return {
    count,
    accuracy: top1 / count,
    top5: top5 / count,
    confusion,
    metrics: metricsFromConfusion(confusion),
  };
}
