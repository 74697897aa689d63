/**
 * MobileNet-V1 with TF-Slim's variable names, shapes and arg scope: a 3×3
 * stride-2 conv, then 13 depthwise-separable blocks (`Conv2d_<i>_depthwise`
 * with `depthwise_weights`, `Conv2d_<i>_pointwise` with `weights`), each conv
 * followed by BatchNorm (decay 0.9997, epsilon 0.001) and ReLU6, no conv
 * biases; average pool, then `Logits/Conv2d_1c_1x1` (with biases, 1001
 * classes in the ImageNet checkpoints: class 0 is background). All padding
 * SAME. The depth multiplier scales every layer's depth (at least 8), the
 * scope stays `MobilenetV1`, as in TF-Slim's `mobilenet_v1_075` and friends.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Preprocessing } from "../data/mod.ts";
import { type Apply, batchNorm, conv2d, owning, sequential } from "./layers.ts";
import { classifierModel, type Model } from "./model.ts";
import { familyParts } from "./families.ts";
import { relu6 } from "../ops/mod.ts";
import type { Initializer } from "./variables.ts";
import { VariableStore } from "./variables.ts";
import { slimDepth } from "./depth_multiplier.ts";
import { logitsHead } from "./logits_head.ts";

/** One entry of TF-Slim's `MOBILENETV1_CONV_DEFS`. */
export interface MobilenetV1Layer {
  /** `conv`: a full 3×3 conv; `separable`: depthwise 3×3 then pointwise 1×1. */
  kind: "conv" | "separable";
  /** Stride of the 3×3 (depthwise) conv. */
  stride: number;
  /** Output depth before the multiplier. */
  depth: number;
}

const sep = (stride: number, depth: number): MobilenetV1Layer => ({
  kind: "separable",
  stride,
  depth,
});

/** TF-Slim's `MOBILENETV1_CONV_DEFS` (the paper's Table 1). */
export const MOBILENET_V1_LAYERS: readonly MobilenetV1Layer[] = [
  { kind: "conv", stride: 2, depth: 32 },
  sep(1, 64),
  sep(2, 128),
  sep(1, 128),
  sep(2, 256),
  sep(1, 256),
  sep(2, 512),
  sep(1, 512),
  sep(1, 512),
  sep(1, 512),
  sep(1, 512),
  sep(1, 512),
  sep(2, 1024),
  sep(1, 1024),
];

/** Zoo names (TF-Slim's `nets_factory`) → depth multiplier. */
export const MOBILENET_V1_MULTIPLIERS: Record<string, number> = {
  mobilenet_v1: 1.0,
  mobilenet_v1_075: 0.75,
  mobilenet_v1_050: 0.5,
  mobilenet_v1_025: 0.25,
};

/** Options of {@linkcode buildMobilenetV1}. */
export interface MobilenetV1Options {
  /** Default 1001 (ImageNet plus background, as the published checkpoints). */
  numClasses?: number;
  /** Default 224. */
  inputSize?: number;
  /** Default 1.0. */
  depthMultiplier?: number;
  /** Smallest layer depth after the multiplier; default 8. */
  minDepth?: number;
  /** Default 0. */
  seed?: number;
  /** L2 weight decay on conv weights (not depthwise ones); default 4e-5 as the arg scope. */
  weightDecay?: number;
  /** Default Inception's ([-1, 1]). */
  preprocessing?: Preprocessing;
  /** Dropout keep probability before the logits; default 0.999. */
  dropoutKeepProb?: number;
}

/** TF-Slim's `mobilenet_v1_arg_scope`: truncated normal, stddev 0.09. */
const INIT: Initializer = { kind: "truncated_normal", stddev: 0.09 };
const BN = { decay: 0.9997, epsilon: 0.001 };

function bnRelu6(store: VariableStore, scope: string, channels: number): Apply {
  const bn = batchNorm(store, scope, channels, BN);
  return (x, ctx) => relu6(bn(x, ctx));
}

/** A depthwise 3×3 conv (multiplier 1) with `<scope>/depthwise_weights` [3, 3, in, 1]. */
function depthwise(store: VariableStore, scope: string, channels: number, stride: number): Apply {
  const w = store.create(`${scope}/depthwise_weights`, [3, 3, channels, 1], INIT);
  return (x) => tf.depthwiseConv2d(x, w as tf.Tensor4D, stride, "same");
}

/** Builds MobileNet-V1 (TF-Slim's `mobilenet_v1`, with `depthMultiplier` its `_075`, ...). */
export function buildMobilenetV1(options: MobilenetV1Options = {}): Model {
  const depth = slimDepth("MobileNet-V1", {
    multiplier: options.depthMultiplier ?? 1,
    minDepth: options.minDepth ?? 8,
  });
  const scope = "MobilenetV1";
  const numClasses = options.numClasses ?? 1001;
  const inputSize = options.inputSize ?? 224;
  const store = new VariableStore(options.seed ?? 0);
  const layers: Apply[] = [];
  let channels = 3, size = inputSize;
  MOBILENET_V1_LAYERS.forEach((layer, i) => {
    const out = depth(layer.depth);
    const s = `${scope}/Conv2d_${i}`;
    if (layer.kind === "conv") {
      layers.push(owning(store, () => {
        const conv = conv2d(store, s, [channels, out], {
          kernel: 3,
          stride: layer.stride,
          bias: false,
          relu: false,
          init: INIT,
        });
        const act = bnRelu6(store, s, out);
        return (x, ctx) => act(conv(x, ctx), ctx);
      }));
    } else {
      const inChannels = channels;
      layers.push(owning(store, () => {
        const dw = depthwise(store, `${s}_depthwise`, inChannels, layer.stride);
        const dwAct = bnRelu6(store, `${s}_depthwise`, inChannels);
        const pw = conv2d(store, `${s}_pointwise`, [inChannels, out], {
          kernel: 1,
          bias: false,
          relu: false,
          init: INIT,
        });
        const pwAct = bnRelu6(store, `${s}_pointwise`, out);
        return (x, ctx) => pwAct(pw(dwAct(dw(x, ctx), ctx), ctx), ctx);
      }));
    }
    channels = out;
    size = Math.ceil(size / layer.stride);
  });
  // AvgPool_1a: TF-Slim's 7×7 at 224 (`_reduced_kernel_size_for_small_input`
  // makes it the whole map when smaller); the whole map at any size here.
  const head = logitsHead(store, `${scope}/Logits/Conv2d_1c_1x1`, {
    channels,
    numClasses,
    poolSize: size,
    keepProb: options.dropoutKeepProb ?? 0.999,
    init: INIT,
  });
  const forward = sequential(...layers, head);
  return classifierModel({
    scope,
    inputSize,
    numClasses,
    ...familyParts("mobilenet", scope, options),
    store,
    forward,
  });
}
