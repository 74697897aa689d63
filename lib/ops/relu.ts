/**
 * ReLU helpers that keep only the ReLU's output for the backward pass:
 * relu'(z) is 1 exactly where relu(z) > 0, so z need not be kept.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { RELU6_GRAD_KERNEL as RELU6_GRAD, RELU_GRAD_KERNEL as RELU_GRAD } from "../backend/mod.ts";

/** dy where y > 0, else 0 (one oneDNN pass where our kernel is registered). */
export function reluGradFromOutput(dy: tf.Tensor, y: tf.Tensor): tf.Tensor {
  if (tf.getKernel(RELU_GRAD, tf.getBackend())) {
    return tf.engine().runKernel(RELU_GRAD, { dy, y }) as tf.Tensor;
  }
  return tf.mul(dy, tf.step(y));
}

/**
 * relu(a + b) (a residual unit's output), keeping only its output: tfjs'
 * relu would keep the sum as well, one more activation per unit.
 */
export const addRelu = tf.customGrad(
  ((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    const sum = tf.add(a, b);
    const y = tf.relu(sum);
    sum.dispose();
    save([y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, [sy]: tf.Tensor[]) => {
        const dz = reluGradFromOutput(dy, sy);
        return [dz, tf.clone(dz)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0],
) as unknown as (
  a: tf.Tensor4D,
  b: tf.Tensor4D,
) => tf.Tensor4D;

/**
 * min(max(x, 0), 6) (MobileNet's activation). Its gradient is one oneDNN pass
 * where our kernel is registered (tfjs' builds a mask from three kernels,
 * per element in JS on the `onednn` backend); elsewhere tfjs' own.
 */
export const relu6 = tf.customGrad(
  ((x: tf.Tensor, save: tf.GradSaveFunc) => {
    save([x]);
    return {
      value: tf.relu6(x),
      gradFunc: (dy: tf.Tensor, [sx]: tf.Tensor[]) =>
        tf.getKernel(RELU6_GRAD, tf.getBackend())
          ? tf.engine().runKernel(RELU6_GRAD, { dy, x: sx }) as tf.Tensor
          : tf.mul(dy, tf.mul(tf.cast(tf.lessEqual(sx, 6), "float32"), tf.step(sx))),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0],
) as unknown as <T extends tf.Tensor>(x: T) => T;
