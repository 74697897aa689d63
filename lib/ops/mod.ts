/**
 * Operations with gradients of our own, on top of the backends: fused
 * conv + bias + ReLU, batch normalisation (+ ReLU), ReLU gradients from the
 * output, the fused Adam update and weight-decay sums, and the frugal
 * backward pass. Models and training use these and
 * `lib/backend/mod.ts`'s capability interface, never a backend's files.
 *
 * @module
 */
export {
  batchNormInference,
  type BatchNormResult,
  batchNormTraining,
  fusedBatchNormAvailable,
  type FusedBatchNormOptions,
} from "./batch_norm.ts";
export { convBiasRelu, type ConvBiasReluOptions } from "./conv_bias_relu.ts";
export { addRelu, relu6, reluGradFromOutput } from "./relu.ts";
export { addScaled, FusedAdamOptimizer, sumOfSquares } from "./fused_adam.ts";
export {
  frugalBackpropActive,
  frugalBackpropByDefault,
  useFrugalBackprop,
} from "./frugal_backprop.ts";
