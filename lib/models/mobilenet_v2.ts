/**
 * MobileNet-V2 with TF-Slim's variable names (`nets/mobilenet/mobilenet_v2.py`):
 * `Conv` (3×3/2), 17 inverted-residual blocks `expanded_conv`, `expanded_conv_1`,
 * … `expanded_conv_16` — each an `expand` 1×1 (×6, absent in the first),
 * a `depthwise` 3×3 and a linear `project` 1×1, with a residual add when the
 * stride is 1 and the depth is kept — then `Conv_1` (1×1 to 1280) and
 * `Logits/Conv2d_1c_1x1` (1001 classes). Every conv is followed by BatchNorm
 * (scale and center, epsilon 0.001, decay 0.997) and ReLU6, except `project`
 * (linear). Depths are multiplied and rounded to multiples of 8.
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
import { checkDepthMultiplier } from "./depth_multiplier.ts";
import { logitsHead } from "./logits_head.ts";

/** One inverted-residual block of `V2_DEF`: stride and output depth (before the multiplier). */
export interface MobilenetV2Block {
  /** Stride of its depthwise conv. */
  stride: number;
  /** Output depth. */
  depth: number;
  /** Expansion factor of its `expand` 1×1 (1: no expand layer). */
  expansion: number;
}

const b = (stride: number, depth: number, expansion = 6): MobilenetV2Block => ({
  stride,
  depth,
  expansion,
});

/** The 17 blocks of TF-Slim's `V2_DEF` (the paper's Table 2), between `Conv` (32) and `Conv_1` (1280). */
export const MOBILENET_V2_BLOCKS: readonly MobilenetV2Block[] = [
  b(1, 16, 1),
  b(2, 24),
  b(1, 24),
  b(2, 32),
  b(1, 32),
  b(1, 32),
  b(2, 64),
  b(1, 64),
  b(1, 64),
  b(1, 64),
  b(1, 96),
  b(1, 96),
  b(1, 96),
  b(2, 160),
  b(1, 160),
  b(1, 160),
  b(1, 320),
];

/** Zoo names (TF-Slim's `nets_factory`) → depth multiplier. */
export const MOBILENET_V2_MULTIPLIERS: Record<string, number> = {
  mobilenet_v2: 1.0,
  mobilenet_v2_140: 1.4,
};

/** Options of {@linkcode buildMobilenetV2}. */
export interface MobilenetV2Options {
  /** Default 1001 (ImageNet plus background, as the published checkpoints). */
  numClasses?: number;
  /** Default 224. */
  inputSize?: number;
  /** Default 1.0 (1.4 for `mobilenet_v2_140`). */
  depthMultiplier?: number;
  /** Default 0. */
  seed?: number;
  /** L2 weight decay on conv weights (not depthwise ones); default 4e-5. */
  weightDecay?: number;
  /** Default Inception's ([-1, 1]). */
  preprocessing?: Preprocessing;
  /** Dropout keep probability before the logits; default 0.8. */
  dropoutKeepProb?: number;
}

/** TF-Slim's `_make_divisible`: nearest multiple of `divisor`, never 10 % below `v`. */
export function makeDivisible(v: number, divisor = 8, minValue = divisor): number {
  const rounded = Math.max(minValue, Math.floor(Math.trunc(v + divisor / 2) / divisor) * divisor);
  return rounded < 0.9 * v ? rounded + divisor : rounded;
}

const INIT: Initializer = { kind: "truncated_normal", stddev: 0.09 };
const BN = { decay: 0.997, epsilon: 0.001 };

/** Builds MobileNet-V2 (TF-Slim's `mobilenet_v2`, `mobilenet_v2_140`). */
export function buildMobilenetV2(options: MobilenetV2Options = {}): Model {
  const multiplier = checkDepthMultiplier("MobileNet-V2", options.depthMultiplier ?? 1);
  const depth = (d: number) => makeDivisible(d * multiplier);
  const scope = "MobilenetV2";
  const numClasses = options.numClasses ?? 1001;
  const inputSize = options.inputSize ?? 224;
  const store = new VariableStore(options.seed ?? 0);
  const convBn = (
    name: string,
    io: [number, number],
    kernel: number,
    stride: number,
    clip6: boolean,
  ) => {
    const conv = conv2d(store, name, io, { kernel, stride, bias: false, relu: false, init: INIT });
    const bn = batchNorm(store, name, io[1], BN);
    return (x: tf.Tensor4D, ctx: Parameters<Apply>[1]) => {
      const y = bn(conv(x, ctx), ctx);
      return clip6 ? relu6(y) : y;
    };
  };
  const layers: Apply[] = [];
  let channels = depth(32), size = Math.ceil(inputSize / 2);
  layers.push(owning(store, () => convBn(`${scope}/Conv`, [3, channels], 3, 2, true)));
  MOBILENET_V2_BLOCKS.forEach((block, i) => {
    const s = `${scope}/expanded_conv${i === 0 ? "" : `_${i}`}`;
    const inC = channels, outC = depth(block.depth);
    const inner = block.expansion === 1 ? inC : makeDivisible(inC * block.expansion);
    layers.push(owning(store, () => {
      const expand = inner > inC ? convBn(`${s}/expand`, [inC, inner], 1, 1, true) : undefined;
      const w = store.create(`${s}/depthwise/depthwise_weights`, [3, 3, inner, 1], INIT);
      const dwBn = batchNorm(store, `${s}/depthwise`, inner, BN);
      const project = convBn(`${s}/project`, [inner, outC], 1, 1, false);
      const residual = block.stride === 1 && inC === outC;
      return (x, ctx) => {
        const e = expand ? expand(x, ctx) : x;
        const d = relu6(
          dwBn(tf.depthwiseConv2d(e, w as tf.Tensor4D, block.stride, "same"), ctx),
        );
        const y = project(d, ctx);
        return residual ? tf.add(x, y) as tf.Tensor4D : y;
      };
    }));
    channels = outC;
    size = Math.ceil(size / block.stride);
  });
  // Conv_1 keeps 1280 below multiplier 1 only in finegrain mode (the 0.5/0.35 variants).
  const last = depth(1280);
  layers.push(owning(store, () => convBn(`${scope}/Conv_1`, [channels, last], 1, 1, true)));
  const head = logitsHead(store, `${scope}/Logits/Conv2d_1c_1x1`, {
    channels: last,
    numClasses,
    poolSize: size,
    keepProb: options.dropoutKeepProb ?? 0.8,
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
