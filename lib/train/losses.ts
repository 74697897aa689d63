/**
 * Classification losses: softmax cross-entropy with label smoothing and
 * per-class weights, and focal loss.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** Options of {@linkcode classificationLoss}. */
export interface LossOptions {
  /** Label smoothing ε: targets become (1-ε)·onehot + ε/K. */
  labelSmoothing?: number;
  /** Weight per class (e.g. inverse frequency); the loss is their weighted mean. */
  classWeights?: number[];
  /** Focal loss γ (0 = plain cross-entropy). */
  focalGamma?: number;
}

/** Mean loss over a batch of logits [B, K] and integer labels [B]. */
export function classificationLoss(
  logits: tf.Tensor2D,
  labels: tf.Tensor1D,
  options: LossOptions = {},
): tf.Scalar {
  return tf.tidy(() => {
    const k = logits.shape[1];
    let target = tf.cast(tf.oneHot(tf.cast(labels, "int32"), k), "float32");
    const eps = options.labelSmoothing ?? 0;
    if (eps > 0) target = tf.add(tf.mul(target, 1 - eps), eps / k);
    const logp = tf.logSoftmax(logits);
    let perExample = tf.neg(tf.sum(tf.mul(target, logp), 1));
    const gamma = options.focalGamma ?? 0;
    if (gamma > 0) {
      const pt = tf.exp(tf.neg(perExample));
      perExample = tf.mul(tf.pow(tf.sub(1, pt), gamma), perExample);
    }
    if (options.classWeights) {
      if (options.classWeights.length !== k) {
        throw new Error(`class weights: ${options.classWeights.length} given for ${k} classes`);
      }
      const w = tf.gather(tf.tensor1d(options.classWeights), tf.cast(labels, "int32"));
      return tf.div(tf.sum(tf.mul(perExample, w)), tf.sum(w)) as tf.Scalar;
    }
    return tf.mean(perExample) as tf.Scalar;
  });
}

/** Inverse-frequency class weights, normalised to mean 1 over the classes present. */
export function inverseFrequencyWeights(counts: number[]): number[] {
  const present = counts.filter((c) => c > 0).length;
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => (c > 0 ? total / (present * c) : 0));
}
