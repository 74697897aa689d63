/**
 * Architecture arithmetic for the VGG exercise, computed from the same
 * configuration table the builder uses: parameter counts without allocating
 * weights, and receptive fields of stacked convolutions.
 *
 * @module
 */
import { VGG_CONFIGS, vggLayerPlan, type VggSpec } from "../models/vgg.ts";

/** Parameters of a VGG configuration at an input size and class count, from the builder's own plan. */
export function vggParameters(
  config: string | VggSpec,
  options: { inputSize?: number; numClasses?: number } = {},
): { config: string; weightLayers: number; conv: number; fc: number; total: number } {
  const spec = typeof config === "string" ? VGG_CONFIGS[config] : config;
  if (!spec) throw new Error(`unknown VGG configuration '${config}'`);
  let conv = 0, fc = 0, weightLayers = 0;
  for (const l of vggLayerPlan(spec, options)) {
    if (l.kind !== "conv") continue;
    const n = l.kernel * l.kernel * l.inChannels * l.outChannels + l.outChannels;
    if (/\/fc\d$/.test(l.name)) fc += n;
    else conv += n;
    weightLayers++;
  }
  return { config: spec.scope, weightLayers, conv, fc, total: conv + fc };
}

/** Receptive field of `n` stacked k×k stride-1 convolutions: n·(k−1)+1. */
export function stackedReceptiveField(n: number, k = 3): number {
  return n * (k - 1) + 1;
}

/** Weights of `n` stacked k×k convs with C channels in and out (no biases), vs one conv of the same field. */
export function stackVsSingle(
  n: number,
  channels: number,
  k = 3,
): { field: number; stacked: number; single: number } {
  const field = stackedReceptiveField(n, k);
  return {
    field,
    stacked: n * k * k * channels * channels,
    single: field * field * channels * channels,
  };
}
