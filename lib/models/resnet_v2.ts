/**
 * ResNet-V2 (50/101/152, pre-activation) with TF-Slim's variable names and
 * layout: `conv1` (7×7/2, with biases, no BatchNorm) and a max pool, then
 * `bottleneck_v2` units — `preact` BatchNorm+ReLU first, `conv1`/`conv2` with
 * BatchNorm+ReLU, `conv3` and a projection `shortcut` with biases and no
 * BatchNorm — then `postnorm` BatchNorm+ReLU, a global average pool and the
 * `logits` 1×1 conv (1001 classes in the ImageNet checkpoints). Strided 3×3
 * convs pad explicitly (`conv2d_same`); BatchNorm decay 0.997, epsilon 1e-5.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Preprocessing } from "../data/mod.ts";
import {
  type Apply,
  batchNorm,
  conv2d,
  maxPool,
  owning,
  paddingForStride,
  sequential,
  stateless,
} from "./layers.ts";
import { classifierModel, type Model } from "./model.ts";
import { familyParts } from "./families.ts";
import type { ResnetBlockSpec } from "./architecture.ts";
import { RESNET_V1_CONFIGS } from "./resnet.ts";
import { VariableStore } from "./variables.ts";

/** Unit counts of TF-Slim's resnet_v2_50/101/152 (the same blocks as V1). */
export const RESNET_V2_CONFIGS: Record<string, ResnetBlockSpec[]> = {
  resnet_v2_50: RESNET_V1_CONFIGS.resnet_v1_50,
  resnet_v2_101: RESNET_V1_CONFIGS.resnet_v1_101,
  resnet_v2_152: RESNET_V1_CONFIGS.resnet_v1_152,
};

/** Options of {@linkcode buildResnetV2}. */
export interface ResnetV2Options {
  /** Default 1001 (ImageNet plus background, as the published checkpoints). */
  numClasses?: number;
  /** Default 224. */
  inputSize?: number;
  /** Default 0. */
  seed?: number;
  /** L2 weight decay; default 1e-4 as `resnet_arg_scope`. */
  weightDecay?: number;
  /** Default Inception's ([-1, 1]), as TF-Slim's ResNet-V2 checkpoints. */
  preprocessing?: Preprocessing;
}

const HE = { kind: "variance_scaling" } as const;

/** A conv with BatchNorm and ReLU (`conv1`, `conv2` of a unit): no biases. */
function convBnRelu(
  store: VariableStore,
  scope: string,
  channels: [number, number],
  kernel: number,
  stride: number,
): Apply {
  const conv = conv2d(store, scope, channels, {
    kernel,
    stride,
    padding: paddingForStride(kernel, stride),
    bias: false,
    relu: false,
    init: HE,
  });
  const bn = batchNorm(store, scope, channels[1], { relu: true });
  return (x, ctx) => bn(conv(x, ctx), ctx);
}

/** A plain conv with biases (`conv3`, `shortcut`, `conv1` of the root, `logits`). */
function convBias(
  store: VariableStore,
  scope: string,
  channels: [number, number],
  kernel: number,
  stride: number,
): Apply {
  return conv2d(store, scope, channels, {
    kernel,
    stride,
    padding: paddingForStride(kernel, stride),
    relu: false,
    init: HE,
  });
}

function bottleneckV2(
  store: VariableStore,
  scope: string,
  depthIn: number,
  depth: number,
  bottleneckDepth: number,
  stride: number,
): Apply {
  const s = `${scope}/bottleneck_v2`;
  const preact = batchNorm(store, s, depthIn, { relu: true, variableScope: `${s}/preact` });
  // Identity shortcuts subsample the unit's input; projections read the pre-activation.
  const project = depth === depthIn
    ? undefined
    : convBias(store, `${s}/shortcut`, [depthIn, depth], 1, stride);
  const subsample: Apply = stride === 1 ? (x) => x : maxPool(1, stride, "SAME");
  const conv1 = convBnRelu(store, `${s}/conv1`, [depthIn, bottleneckDepth], 1, 1);
  const conv2 = convBnRelu(store, `${s}/conv2`, [bottleneckDepth, bottleneckDepth], 3, stride);
  const conv3 = convBias(store, `${s}/conv3`, [bottleneckDepth, depth], 1, 1);
  return (x, ctx) => {
    const pre = preact(x, ctx);
    const shortcut = project ? project(pre, ctx) : subsample(x, ctx);
    return tf.add(shortcut, conv3(conv2(conv1(pre, ctx), ctx), ctx)) as tf.Tensor4D;
  };
}

/** Builds a ResNet-V2 from {@linkcode RESNET_V2_CONFIGS} (or a custom block list). */
export function buildResnetV2(
  config: string | ResnetBlockSpec[] = "resnet_v2_50",
  options: ResnetV2Options = {},
): Model {
  const blocks = typeof config === "string" ? RESNET_V2_CONFIGS[config] : config;
  if (!blocks) {
    throw new Error(
      `unknown ResNet-V2 configuration '${config}': expected one of ${
        Object.keys(RESNET_V2_CONFIGS).join(", ")
      }`,
    );
  }
  const scope = typeof config === "string" ? config : "resnet_v2";
  const numClasses = options.numClasses ?? 1001;
  const store = new VariableStore(options.seed ?? 0);
  const root = owning(store, () => convBias(store, `${scope}/conv1`, [3, 64], 7, 2));
  const units: Apply[] = [];
  let depthIn = 64;
  blocks.forEach((block, b) => {
    for (let u = 0; u < block.units; u++) {
      const stride = u === block.units - 1 ? block.stride : 1;
      const depth = block.baseDepth * 4;
      const unit = `${scope}/block${b + 1}/unit_${u + 1}`;
      units.push(
        owning(store, () => bottleneckV2(store, unit, depthIn, depth, block.baseDepth, stride)),
      );
      depthIn = depth;
    }
  });
  const postnorm = owning(
    store,
    () => batchNorm(store, scope, depthIn, { relu: true, variableScope: `${scope}/postnorm` }),
  );
  const logits = conv2d(store, `${scope}/logits`, [depthIn, numClasses], {
    kernel: 1,
    relu: false,
  });
  const globalPool = stateless((x) => tf.mean(x, [1, 2], true) as tf.Tensor4D);
  return classifierModel({
    scope,
    inputSize: options.inputSize ?? 224,
    numClasses,
    ...familyParts("resnet_v2", scope, options),
    store,
    forward: sequential(root, maxPool(3, 2, "SAME"), ...units, postnorm, globalPool, logits),
  });
}
