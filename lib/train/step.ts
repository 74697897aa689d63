/**
 * One optimisation step over a batch, restricted to trainable scopes.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { ForwardContext } from "../models/layers.ts";
import type { Model } from "../models/model.ts";
import { inScope } from "../models/variables.ts";

/** Options of {@linkcode createTrainStep}. */
export interface TrainStepOptions {
  /** The optimizer; default Adam with learning rate 1e-3. */
  optimizer?: tf.Optimizer;
  /**
   * Scopes whose variables get gradients (TF-Slim prefix semantics); all
   * others are frozen. Default: every variable.
   */
  trainableScopes?: string[];
  /** L2 weight decay on trainable weights tensors (names ending `/weights`); default the model's own. */
  weightDecay?: number;
}

/** Result of one step. */
export interface StepResult {
  /** Mean cross-entropy over the batch, plus the weight-decay term. */
  loss: number;
  /** Fraction of the batch predicted correctly (before the update). */
  accuracy: number;
}

/** A compiled training step. */
export interface TrainStep {
  /** Runs forward, backward and the update on one batch. */
  run(images: tf.Tensor4D, labels: tf.Tensor1D): StepResult;
  /** Names of the variables this step trains. */
  trainable: string[];
  /** The optimizer (for its state in checkpoints). */
  optimizer: tf.Optimizer;
}

/**
 * Builds a training step: softmax cross-entropy on integer labels, gradients
 * only for the trainable scopes.
 */
export function createTrainStep(model: Model, options: TrainStepOptions = {}): TrainStep {
  const optimizer = options.optimizer ?? tf.train.adam(1e-3);
  const scopes = options.trainableScopes;
  const chosen = model.store.list().filter((v) =>
    !v.isStatistic && (!scopes || scopes.some((s) => inScope(v.name, s)))
  );
  if (chosen.length === 0) {
    throw new Error(
      `trainable scopes ${JSON.stringify(scopes)} match no variable of ${model.scope}`,
    );
  }
  const trainableNames = new Set(chosen.map((v) => v.name));
  const ctx: ForwardContext = {
    training: true,
    isFrozen: (name) => !trainableNames.has(name),
  };
  const varList = chosen.map((v) => v.variable);
  const decay = options.weightDecay ?? model.weightDecay;
  // TF-Slim's l2_regularizer: decay · sum(w²)/2 per weights tensor (not biases, not BatchNorm).
  const decayed = chosen.filter((v) => v.name.endsWith("/weights")).map((v) => v.variable);
  return {
    trainable: [...trainableNames],
    optimizer,
    run(images, labels) {
      const [loss, correct] = tf.tidy(() => {
        let hits: tf.Scalar | undefined;
        const cost = optimizer.minimize(
          () => {
            const logits = model.logits(images, ctx);
            hits = tf.keep(
              tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), "float32")),
            );
            const onehot = tf.oneHot(tf.cast(labels, "int32"), model.numClasses);
            const ce = tf.losses.softmaxCrossEntropy(onehot, logits) as tf.Scalar;
            if (decay <= 0 || decayed.length === 0) return ce;
            const l2 = tf.addN(decayed.map((w) => tf.sum(tf.square(w))));
            return tf.add(ce, tf.mul(l2, decay / 2)) as tf.Scalar;
          },
          true,
          varList,
        ) as tf.Scalar;
        return [cost, hits as tf.Scalar];
      });
      const lossValue = loss.dataSync()[0];
      const accuracy = correct.dataSync()[0] / labels.shape[0];
      loss.dispose();
      correct.dispose();
      return { loss: lossValue, accuracy };
    },
  };
}
