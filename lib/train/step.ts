/**
 * One optimisation step over a batch, restricted to trainable scopes: loss
 * (cross-entropy with label smoothing, class weights or focal loss, plus L2
 * weight decay), gradients for the trainable variables only, optional
 * clipping by global norm, and the update.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import {
  backendCapabilities,
  collectGarbage,
  explainHeapFailure,
  resetTensorPeak,
  tensorPeakBytes,
} from "../backend/mod.ts";
import { availableMemory, memoryError, planMemory } from "./memory_check.ts";
import type { ForwardContext } from "../models/mod.ts";
import type { Model } from "../models/mod.ts";
import { inScope } from "../models/mod.ts";
import {
  addScaled,
  frugalBackpropByDefault,
  FusedAdamOptimizer,
  sumOfSquares,
} from "../ops/mod.ts";
import { classificationLoss, type LossOptions } from "./losses.ts";

/** Options of {@linkcode createTrainStep}. */
export interface TrainStepOptions extends LossOptions {
  /** The optimizer; default Adam with learning rate 1e-3 (updated in place). */
  optimizer?: tf.Optimizer;
  /**
   * Scopes whose variables get gradients (TF-Slim prefix semantics); all
   * others are frozen, and their BatchNorm runs in inference mode. Default:
   * every variable.
   */
  trainableScopes?: string[];
  /**
   * Run the frozen leading layers off the gradient tape (default true):
   * same gradients, far less memory when only the head trains.
   */
  detachFrozenPrefix?: boolean;
  /** L2 weight decay on trainable weights tensors (names ending `/weights`); default the model's own. */
  weightDecay?: number;
  /** Clip gradients to this global norm. */
  clipNorm?: number;
  /**
   * Model outputs before the dataset's first class (TF-Slim's
   * `labels_offset`): 1 for the 1001-class Inception, MobileNet and ResNet-V2
   * checkpoints (output 0 is "background") trained on 1000-class labels.
   * Dataset label `l` is model class `l + labelsOffset`. Default 0.
   */
  labelsOffset?: number;
}

/** Checks `offset` against the model's classes; returns it (0 when unset). */
export function checkLabelsOffset(model: Model, offset: number | undefined): number {
  const o = offset ?? 0;
  if (!Number.isInteger(o) || o < 0 || o >= model.numClasses) {
    throw new Error(
      `labelsOffset: expected an integer in [0, ${model.numClasses}) for ${model.scope}'s ` +
        `${model.numClasses} outputs, got ${offset}`,
    );
  }
  return o;
}

/** Result of one step. */
export interface StepResult {
  /** Mean loss over the batch, plus the weight-decay term. */
  loss: number;
  /** Fraction of the batch predicted correctly (before the update). */
  accuracy: number;
}

/**
 * A step whose results are still tensors: on a GPU the step may not have run
 * yet. Read them with {@linkcode readSteps} (which disposes them).
 */
export interface PendingStep {
  /** Mean loss plus weight decay (kept). */
  loss: tf.Scalar;
  /** Images predicted correctly (kept). */
  correct: tf.Scalar;
  /** Images in the batch. */
  count: number;
}

/**
 * Reads pending steps' results with one download (a GPU is read once, not
 * once per step) and disposes their tensors.
 */
export async function readSteps(pending: PendingStep[]): Promise<StepResult[]> {
  if (pending.length === 0) return [];
  const both = tf.tidy(() => tf.stack(pending.flatMap((p) => [p.loss, p.correct])));
  const values = await both.data();
  tf.dispose([both, ...pending.flatMap((p) => [p.loss, p.correct])]);
  return pending.map((p, i) => ({ loss: values[2 * i], accuracy: values[2 * i + 1] / p.count }));
}

/** A compiled training step. */
export interface TrainStep {
  /**
   * Runs forward, backward and the update on one batch and reads the loss
   * (on a GPU this waits for the step); `seed` fixes dropout.
   */
  run(images: tf.Tensor4D, labels: tf.Tensor1D, seed?: number): StepResult;
  /**
   * The same step without reading anything: a GPU runs it while the caller
   * prepares the next batch. The caller reads (and frees) the result.
   */
  launch(images: tf.Tensor4D, labels: tf.Tensor1D, seed?: number): PendingStep;
  /** Names of the variables this step trains, in update order. */
  trainable: string[];
  /** The optimizer (for its state in checkpoints). */
  optimizer: tf.Optimizer;
}

/** The model variables `scopes` select for training (all non-statistics by default). */
export function selectTrainable(model: Model, scopes?: string[]) {
  const chosen = model.store.list().filter((v) =>
    !v.isStatistic && (!scopes || scopes.some((s) => inScope(v.name, s)))
  );
  if (chosen.length === 0) {
    throw new Error(
      `trainable scopes ${JSON.stringify(scopes)} match no variable of ${model.scope}`,
    );
  }
  return chosen;
}

function guardHeap<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw explainHeapFailure(err, what);
  }
}

/** Optimizer slots its first update will create per variable (0 once they exist). */
function slotsPerVariable(optimizer: tf.Optimizer): number {
  const o = optimizer as unknown as Record<string, unknown[] | undefined>;
  const has = (key: string) => (o[key]?.length ?? 0) > 0;
  if (optimizer instanceof tf.AdamOptimizer) return has("accumulatedFirstMoment") ? 0 : 2;
  if (optimizer instanceof tf.MomentumOptimizer) return has("accumulations") ? 0 : 1;
  if (optimizer instanceof tf.RMSPropOptimizer) return has("accumulatedMeanSquares") ? 0 : 3;
  if (optimizer instanceof tf.AdagradOptimizer) return has("accumulatedGrads") ? 0 : 1;
  return 0;
}

/** Builds a training step. */
export function createTrainStep(model: Model, options: TrainStepOptions = {}): TrainStep {
  // Frees each node's saved tensors as the backward pass goes (lib/ops/frugal_backprop.ts).
  frugalBackpropByDefault();
  const optimizer = options.optimizer ?? new FusedAdamOptimizer(1e-3);
  // The step disposes its gradients after the update: the update may use their buffers.
  if (optimizer instanceof FusedAdamOptimizer) optimizer.consumesGradients = true;
  const offset = checkLabelsOffset(model, options.labelsOffset);
  // Class weights are per dataset class; the offset outputs (background) weigh 1.
  const lossOptions = offset > 0 && options.classWeights
    ? { ...options, classWeights: [...new Array(offset).fill(1), ...options.classWeights] }
    : options;
  const chosen = selectTrainable(model, options.trainableScopes);
  const trainableNames = new Set(chosen.map((v) => v.name));
  const varList = chosen.map((v) => v.variable);
  const decay = options.weightDecay ?? model.weightDecay;
  // The auxiliary head adds its loss only while it trains (TF-Slim adds it whenever it exists).
  const withAux = model.auxiliary !== undefined &&
    chosen.some((v) => inScope(v.name, model.auxiliary!.scope));
  // TF-Slim's l2_regularizer: decay · sum(w²)/2 per weights tensor (not biases, not BatchNorm).
  const decayed = chosen.filter((v) => v.name.endsWith("/weights")).map((v) => v.variable);
  const contextOf = (seed: number | undefined, probe: boolean): ForwardContext => ({
    training: true,
    isFrozen: (name) => !trainableNames.has(name),
    seed,
    detachFrozenPrefix: options.detachFrozenPrefix,
    probe,
  });
  /** Forward, backward and (unless probing) the update; returns [loss, hits], kept. */
  const compute = (
    images: tf.Tensor4D,
    labels: tf.Tensor1D,
    seed: number | undefined,
    apply: boolean,
    onForward?: () => void,
  ): [tf.Scalar, tf.Scalar] =>
    tf.tidy(() => {
      const ctx = contextOf(seed, !apply);
      let hits: tf.Scalar | undefined;
      const targets = offset > 0
        ? tf.add(labels, tf.scalar(offset, labels.dtype)) as tf.Tensor1D
        : labels;
      const f = () => {
        const both = withAux ? model.auxiliary!.logits(images, ctx) : undefined;
        const logits = both ? both.main : model.logits(images, ctx);
        hits = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), targets), "float32")));
        let loss = classificationLoss(logits, targets, lossOptions);
        if (both) {
          const aux = classificationLoss(both.aux, targets, lossOptions);
          loss = tf.add(loss, tf.mul(aux, model.auxiliary!.weight)) as tf.Scalar;
        }
        onForward?.();
        return loss;
      };
      const { value, grads } = tf.variableGrads(f, varList);
      if (!apply) return [value, hits as tf.Scalar];
      let cost = value;
      if (decay > 0 && decayed.length > 0) {
        // TF-Slim's l2_regularizer, decay·Σw²/2 per weights tensor, kept off the
        // tape: its gradient decay·w is added directly, and no w² outlives its sum
        // (on the tape both would hold a copy of every weight until the step ends).
        const parts = decayed.map(sumOfSquares);
        cost = tf.add(value, tf.mul(tf.addN(parts), decay / 2)) as tf.Scalar;
        for (const w of decayed) {
          const g = grads[w.name];
          grads[w.name] = addScaled(g, w, decay);
          if (grads[w.name] !== g) g.dispose();
        }
      }
      if (options.clipNorm) {
        const names = Object.keys(grads);
        const norm = tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n])))));
        const factor = tf.div(options.clipNorm, tf.maximum(norm, options.clipNorm));
        const clipped: tf.NamedTensorMap = {};
        for (const n of names) clipped[n] = tf.mul(grads[n], factor);
        optimizer.applyGradients(clipped);
      } else {
        optimizer.applyGradients(grads);
      }
      return [cost, hits as tf.Scalar];
    });
  let checked = false;
  /**
   * Where the backend measures its tensor peak (`onednn`: tensor memory = RAM): measures the step's peak at batch 1
   * and 2 without updating anything, and refuses a batch that cannot fit.
   */
  const checkMemory = (what: string, images: tf.Tensor4D, labels: tf.Tensor1D) => {
    if (!backendCapabilities().measuresTensorPeak || images.shape[0] <= 2) return;
    /** [forward peak, backward peak] of a step at batch n. */
    const peaksAt = (n: number) => {
      const [x, y] = [images.slice(0, n), labels.slice(0, n)] as [tf.Tensor4D, tf.Tensor1D];
      let forward = 0;
      resetTensorPeak();
      tf.dispose(compute(x, y, 0, false, () => {
        forward = tensorPeakBytes() ?? 0;
        resetTensorPeak();
      }));
      const backward = tensorPeakBytes() ?? 0;
      tf.dispose([x, y]);
      return [forward, backward];
    };
    const [one, two] = [peaksAt(1), peaksAt(2)];
    const probe = {
      forward: [one[0], two[0]] as [number, number],
      backward: [one[1], two[1]] as [number, number],
      batch: images.shape[0],
      extra: slotsPerVariable(optimizer) * varList.reduce((n, v) => n + v.size * 4, 0),
      live: tf.memory().numBytes,
      available: availableMemory(),
    };
    const plan = planMemory(probe);
    if (!plan.fits) throw memoryError(what, probe, plan);
  };
  const launch = (images: tf.Tensor4D, labels: tf.Tensor1D, seed?: number): PendingStep => {
    const what = `training step (batch ${images.shape[0]}, ${model.scope} at ${images.shape[1]}×${
      images.shape[2]
    })`;
    if (!checked) {
      checked = true;
      checkMemory(what, images, labels);
    }
    const [loss, correct] = guardHeap(what, () => compute(images, labels, seed, true));
    collectGarbage();
    return { loss, correct, count: labels.shape[0] };
  };
  return {
    trainable: [...trainableNames],
    optimizer,
    launch,
    run(images, labels, seed) {
      const { loss, correct, count } = launch(images, labels, seed);
      const lossValue = loss.dataSync()[0];
      const accuracy = correct.dataSync()[0] / count;
      tf.dispose([loss, correct]);
      return { loss: lossValue, accuracy };
    },
  };
}
