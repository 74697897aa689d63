/**
 * The training loop: epochs of streamed batches through a train step, with a
 * progress display and a per-step history.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type Augmentation } from "../data/preprocess.ts";
import { batches, batchesPerEpoch, type Sampler } from "../data/batches.ts";
import type { ImageDataset } from "../data/dataset.ts";
import type { Model } from "../models/model.ts";
import { createProgress, type ProgressOptions } from "../util/progress.ts";
import { createTrainStep } from "./step.ts";

/** Options of {@linkcode fit}. */
export interface FitOptions {
  /** Default 1. */
  epochs?: number;
  /** Default 64. */
  batchSize?: number;
  /** Default Adam(1e-3). */
  optimizer?: tf.Optimizer;
  /** Scopes to train (TF-Slim prefixes); default all. */
  trainableScopes?: string[];
  /** Data order seed; default 0. */
  seed?: number;
  /** Default `shuffle`. */
  sampler?: Sampler;
  /** Default none. */
  augment?: Augmentation;
  /** Stop after this many steps in total. */
  maxSteps?: number;
  /** Progress display options; `false` for none. */
  progress?: ProgressOptions | false;
}

/** One logged step. */
export interface StepRecord {
  step: number;
  epoch: number;
  loss: number;
  accuracy: number;
}

/** What {@linkcode fit} returns. */
export interface FitResult {
  history: StepRecord[];
  /** Images per second over the whole run. */
  imagesPerSecond: number;
  /** Wall time in seconds. */
  seconds: number;
}

/** Trains `model` on `data`. */
export function fit(model: Model, data: ImageDataset, options: FitOptions = {}): FitResult {
  const epochs = options.epochs ?? 1;
  const batchSize = options.batchSize ?? 64;
  const step = createTrainStep(model, {
    optimizer: options.optimizer,
    trainableScopes: options.trainableScopes,
  });
  const perEpoch = batchesPerEpoch(data, { batchSize });
  const total = Math.min(epochs * perEpoch, options.maxSteps ?? Infinity);
  const bar = options.progress === false ? undefined : createProgress(total, options.progress);
  const history: StepRecord[] = [];
  const start = performance.now();
  let images = 0;
  outer: for (let epoch = 0; epoch < epochs; epoch++) {
    for (
      const b of batches(data, {
        batchSize,
        seed: options.seed,
        epoch,
        sampler: options.sampler,
        augment: options.augment,
        size: model.inputSize,
        preprocessing: model.preprocessing,
      })
    ) {
      const r = step.run(b.images, b.labels);
      images += b.labels.shape[0];
      tf.dispose([b.images, b.labels]);
      if (!Number.isFinite(r.loss)) {
        throw new Error(
          `loss is ${r.loss} at step ${history.length + 1} (epoch ${epoch + 1}): training diverged`,
        );
      }
      history.push({ step: history.length + 1, epoch: epoch + 1, ...r });
      const secs = (performance.now() - start) / 1000;
      bar?.update(history.length, {
        epoch: epoch + 1,
        loss: r.loss,
        acc: r.accuracy,
        "img/s": Math.round(images / secs),
      });
      if (history.length >= total) break outer;
    }
  }
  const seconds = (performance.now() - start) / 1000;
  bar?.finish();
  return { history, imagesPerSecond: images / seconds, seconds };
}
