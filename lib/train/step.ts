/**
 * One optimisation step over a batch, restricted to trainable scopes: loss
 * (cross-entropy with label smoothing, class weights or focal loss, plus L2
 * weight decay), gradients for the trainable variables only, optional
 * clipping by global norm, and the update.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { explainHeapFailure } from "../backend/heap_limit.ts";
import type { ForwardContext } from "../models/layers.ts";
import type { Model } from "../models/model.ts";
import { inScope } from "../models/variables.ts";
import { classificationLoss, type LossOptions } from "./losses.ts";

/** Options of {@linkcode createTrainStep}. */
export interface TrainStepOptions extends LossOptions {
  /** The optimizer; default Adam with learning rate 1e-3. */
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
}

/** Result of one step. */
export interface StepResult {
  /** Mean loss over the batch, plus the weight-decay term. */
  loss: number;
  /** Fraction of the batch predicted correctly (before the update). */
  accuracy: number;
}

/** A compiled training step. */
export interface TrainStep {
  /** Runs forward, backward and the update on one batch; `seed` fixes dropout. */
  run(images: tf.Tensor4D, labels: tf.Tensor1D, seed?: number): StepResult;
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

/** Builds a training step. */
export function createTrainStep(model: Model, options: TrainStepOptions = {}): TrainStep {
  const optimizer = options.optimizer ?? tf.train.adam(1e-3);
  const chosen = selectTrainable(model, options.trainableScopes);
  const trainableNames = new Set(chosen.map((v) => v.name));
  const varList = chosen.map((v) => v.variable);
  const decay = options.weightDecay ?? model.weightDecay;
  // TF-Slim's l2_regularizer: decay · sum(w²)/2 per weights tensor (not biases, not BatchNorm).
  const decayed = chosen.filter((v) => v.name.endsWith("/weights")).map((v) => v.variable);
  return {
    trainable: [...trainableNames],
    optimizer,
    run(images, labels, seed) {
      const ctx: ForwardContext = {
        training: true,
        isFrozen: (name) => !trainableNames.has(name),
        seed,
        detachFrozenPrefix: options.detachFrozenPrefix,
      };
      const [loss, correct] = guardHeap(
        `training step (batch ${images.shape[0]}, ${model.scope} at ${images.shape[1]}×${
          images.shape[2]
        })`,
        () =>
          tf.tidy(() => {
            let hits: tf.Scalar | undefined;
            const f = () => {
              const logits = model.logits(images, ctx);
              hits = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), "float32")));
              return classificationLoss(logits, labels, options);
            };
            const { value, grads } = tf.variableGrads(f, varList);
            let cost = value;
            if (decay > 0 && decayed.length > 0) {
              // TF-Slim's l2_regularizer, decay·Σw²/2 per weights tensor, kept off the
              // tape: its gradient decay·w is added directly, and no w² outlives its sum
              // (on the tape both would hold a copy of every weight until the step ends).
              const parts = decayed.map((w) => tf.tidy(() => tf.sum(tf.square(w))));
              cost = tf.add(value, tf.mul(tf.addN(parts), decay / 2)) as tf.Scalar;
              for (const w of decayed) {
                const g = grads[w.name];
                grads[w.name] = tf.tidy(() => tf.add(g, tf.mul(w, decay)));
                g.dispose();
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
          }),
      );
      const lossValue = loss.dataSync()[0];
      const accuracy = correct.dataSync()[0] / labels.shape[0];
      tf.dispose([loss, correct]);
      return { loss: lossValue, accuracy };
    },
  };
}
