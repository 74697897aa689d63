/**
 * Architecture arithmetic for the VGG exercise, computed from the same
 * configuration table the builder uses: parameter counts without allocating
 * weights, and receptive fields of stacked convolutions.
 *
 * @module
 */
import { VGG_CONFIGS, type VggSpec } from "../models/vgg.ts";

/** Parameters of a VGG configuration at an input size and class count. */
export function vggParameters(
  config: string | VggSpec,
  options: { inputSize?: number; numClasses?: number } = {},
) {
  const spec = typeof config === "string" ? VGG_CONFIGS[config] : config;
  let c = 3, size = options.inputSize ?? 224, conv = 0;
  for (const block of spec.blocks) {
    for (const layer of block) {
      const { channels, kernel } = typeof layer === "number"
        ? { channels: layer, kernel: 3 }
        : layer;
      conv += kernel * kernel * c * channels + channels;
      c = channels;
    }
    size = Math.floor(size / 2);
  }
  let fc = 0;
  const widths = [...spec.fcUnits, options.numClasses ?? 1000];
  widths.forEach((w, i) => {
    const k = i === 0 ? size : 1;
    fc += k * k * c * w + w;
    c = w;
  });
  const layers = spec.blocks.reduce((a, b) => a + b.length, 0) + widths.length;
  return { config: spec.scope, weightLayers: layers, conv, fc, total: conv + fc };
}

/** Receptive field of `n` stacked k×k stride-1 convolutions: n·(k−1)+1. */
export function stackedReceptiveField(n: number, k = 3): number {
  return n * (k - 1) + 1;
}

/** Weights of `n` stacked k×k convs with C channels in and out (no biases), vs one conv of the same field. */
export function stackVsSingle(n: number, channels: number, k = 3) {
  const field = stackedReceptiveField(n, k);
  return {
    field,
    stacked: n * k * k * channels * channels,
    single: field * field * channels * channels,
  };
}
