/**
 * Batch normalisation (and an optional ReLU after it) as one op with its
 * own gradient, on the backends that register our `TLBatchNorm` kernels
 * (`onednn`, and `wasm` with oneDNN). tfjs' own formulation keeps the
 * moments, their tiles and every intermediate of a dozen element-wise ops
 * for the backward pass; this keeps x, the batch statistics and y.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import {
  BATCH_NORM_GRAD_KERNEL as BACKWARD,
  BATCH_NORM_KERNEL as FORWARD,
} from "../backend/mod.ts";
import { reluGradFromOutput } from "./relu.ts";

/** True when the active backend runs batch norm as one fused kernel. */
export function fusedBatchNormAvailable(): boolean {
  return tf.getKernel(FORWARD, tf.getBackend()) !== undefined;
}

/** Options of {@linkcode batchNormTraining} and {@linkcode batchNormInference}. */
export interface FusedBatchNormOptions {
  epsilon: number;
  /** Apply ReLU after the normalisation. */
  relu: boolean;
}

/** The training pass's output and the batch statistics it used (biased variance). */
export interface BatchNormResult {
  y: tf.Tensor4D;
  /** Kept (outside any tidy): the caller disposes it. */
  mean: tf.Tensor1D;
  /** Kept (outside any tidy): the caller disposes it. */
  variance: tf.Tensor1D;
}

type Params = { gamma: tf.Tensor1D; beta: tf.Tensor1D };

/** Normalises with batch statistics; gradients flow to x, gamma and beta. */
export function batchNormTraining(
  x: tf.Tensor4D,
  params: Params,
  options: FusedBatchNormOptions,
): BatchNormResult {
  const engine = tf.engine();
  const attrs = { epsilon: options.epsilon, relu: options.relu, training: true };
  let stats: [tf.Tensor1D, tf.Tensor1D] | undefined;
  const op = tf.customGrad(
    ((
      xs: tf.Tensor4D,
      gamma: tf.Tensor1D,
      beta: tf.Tensor1D,
      save: tf.GradSaveFunc,
    ) => {
      const [y, mean, variance] = engine.runKernel(
        FORWARD,
        { x: xs, gamma, beta },
        attrs as unknown as tf.NamedAttrMap,
      ) as tf.Tensor[];
      stats = [tf.keep(mean) as tf.Tensor1D, tf.keep(variance) as tf.Tensor1D];
      // y only for the ReLU's mask: without one it would outlive its consumers.
      save(options.relu ? [xs, mean, variance, gamma, beta, y] : [xs, mean, variance, gamma, beta]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [sx, sm, sv, sg, sb, sy] = saved;
          return engine.runKernel(
            BACKWARD,
            { dy, x: sx, mean: sm, variance: sv, gamma: sg, beta: sb, y: sy },
            attrs as unknown as tf.NamedAttrMap,
          ) as tf.Tensor[];
        },
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0],
  );
  const y = op(x, params.gamma, params.beta) as tf.Tensor4D;
  return { y, mean: stats![0], variance: stats![1] };
}

/**
 * Normalises with the given statistics (frozen layers, inference). On the
 * tape the gradient flows to x only: dy·gamma/√(variance + ε), masked
 * where the ReLU cut (the statistics and scale are constants here).
 */
export function batchNormInference(
  x: tf.Tensor4D,
  params: Params & { mean: tf.Tensor1D; variance: tf.Tensor1D },
  options: FusedBatchNormOptions,
): tf.Tensor4D {
  const run = (xs: tf.Tensor4D) =>
    tf.engine().runKernel(
      FORWARD,
      {
        x: xs,
        gamma: params.gamma,
        beta: params.beta,
        mean: params.mean,
        variance: params.variance,
      },
      {
        epsilon: options.epsilon,
        relu: options.relu,
        training: false,
      } as unknown as tf.NamedAttrMap,
    ) as tf.Tensor4D;
  if (tf.engine().state.gradientDepth === 0) return run(x);
  const op = tf.customGrad(
    ((xs: tf.Tensor4D, save: tf.GradSaveFunc) => {
      const y = run(xs);
      save([y]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor, [sy]: tf.Tensor[]) => {
          const scale = tf.mul(params.gamma, tf.rsqrt(tf.add(params.variance, options.epsilon)));
          const dz = options.relu ? reluGradFromOutput(dy, sy) : dy;
          return [tf.mul(dz, scale)];
        },
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0],
  );
  return op(x) as tf.Tensor4D;
}
