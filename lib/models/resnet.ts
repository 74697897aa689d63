/**
 * ResNet-V1 (50/101/152) with TF-Slim's variable names and layout: bottleneck
 * units with the stride on the 3×3 conv of each block's last unit, explicit
 * padding for strided convs (`conv2d_same`), BatchNorm after every conv
 * (epsilon 1e-5, decay 0.997), convs without biases, and a `logits` 1×1 conv.
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
export type { ResnetBlockSpec } from "./architecture.ts";
import { addRelu } from "../ops/mod.ts";
import { VariableStore } from "./variables.ts";

/** Unit counts of TF-Slim's resnet_v1_50/101/152. */
export const RESNET_V1_CONFIGS: Record<string, ResnetBlockSpec[]> = {
  resnet_v1_50: [
    { baseDepth: 64, units: 3, stride: 2 },
    { baseDepth: 128, units: 4, stride: 2 },
    { baseDepth: 256, units: 6, stride: 2 },
    { baseDepth: 512, units: 3, stride: 1 },
  ],
  resnet_v1_101: [
    { baseDepth: 64, units: 3, stride: 2 },
    { baseDepth: 128, units: 4, stride: 2 },
    { baseDepth: 256, units: 23, stride: 2 },
    { baseDepth: 512, units: 3, stride: 1 },
  ],
  resnet_v1_152: [
    { baseDepth: 64, units: 3, stride: 2 },
    { baseDepth: 128, units: 8, stride: 2 },
    { baseDepth: 256, units: 36, stride: 2 },
    { baseDepth: 512, units: 3, stride: 1 },
  ],
};

/** Options of {@linkcode buildResnetV1}. */
export interface ResnetOptions {
  /** Default 1000. */
  numClasses?: number;
  /** Default 224. */
  inputSize?: number;
  /** Default: the configuration's name (`resnet_v1_50`). */
  scope?: string;
  /** Default 0. */
  seed?: number;
  /** L2 weight decay; default 1e-4 as `resnet_arg_scope`. */
  weightDecay?: number;
  /** Default VGG means (TF-Slim ResNet-V1 uses VGG preprocessing). */
  preprocessing?: Preprocessing;
}

const HE = { kind: "variance_scaling" } as const;

/** conv (no bias) + BatchNorm (+ ReLU), with `conv2d_same` padding when strided. */
function convBn(
  store: VariableStore,
  scope: string,
  channels: [number, number],
  kernel: number,
  stride: number,
  relu: boolean,
): Apply {
  const conv = conv2d(store, scope, channels, {
    kernel,
    stride,
    padding: paddingForStride(kernel, stride),
    bias: false,
    relu: false,
    init: HE,
  });
  const bn = batchNorm(store, scope, channels[1], { relu });
  return (x, ctx) => bn(conv(x, ctx), ctx);
}

function bottleneck(
  store: VariableStore,
  scope: string,
  depthIn: number,
  depth: number,
  bottleneckDepth: number,
  stride: number,
): Apply {
  const s = `${scope}/bottleneck_v1`;
  const shortcut: Apply = depth === depthIn
    ? (stride === 1 ? (x) => x : maxPool(1, stride, "SAME"))
    : convBn(store, `${s}/shortcut`, [depthIn, depth], 1, stride, false);
  const conv1 = convBn(store, `${s}/conv1`, [depthIn, bottleneckDepth], 1, 1, true);
  const conv2 = convBn(store, `${s}/conv2`, [bottleneckDepth, bottleneckDepth], 3, stride, true);
  const conv3 = convBn(store, `${s}/conv3`, [bottleneckDepth, depth], 1, 1, false);
  return (x, ctx) => {
    const residual = conv3(conv2(conv1(x, ctx), ctx), ctx);
    const skip = shortcut(x, ctx);
    // Off the tape nothing is kept anyway; on it, addRelu keeps only its output.
    return tf.engine().state.gradientDepth > 0
      ? addRelu(skip, residual)
      : tf.relu(tf.add(skip, residual));
  };
}

/** Builds a ResNet-V1 from {@linkcode RESNET_V1_CONFIGS} (or a custom block list). */
export function buildResnetV1(
  config: string | ResnetBlockSpec[] = "resnet_v1_50",
  options: ResnetOptions = {},
): Model {
  const blocks = typeof config === "string" ? RESNET_V1_CONFIGS[config] : config;
  if (!blocks) {
    throw new Error(
      `unknown ResNet-V1 configuration '${config}': expected one of ${
        Object.keys(RESNET_V1_CONFIGS).join(", ")
      }`,
    );
  }
  const scope = options.scope ?? (typeof config === "string" ? config : "resnet_v1");
  const numClasses = options.numClasses ?? 1000;
  const inputSize = options.inputSize ?? 224;
  const store = new VariableStore(options.seed ?? 0);
  const root = owning(store, () => convBn(store, `${scope}/conv1`, [3, 64], 7, 2, true));
  const pool1 = maxPool(3, 2, "SAME");
  const units: Apply[] = [];
  let depthIn = 64;
  blocks.forEach((block, b) => {
    for (let u = 0; u < block.units; u++) {
      const stride = u === block.units - 1 ? block.stride : 1;
      const depth = block.baseDepth * 4;
      const unit = `${scope}/block${b + 1}/unit_${u + 1}`;
      units.push(
        owning(store, () => bottleneck(store, unit, depthIn, depth, block.baseDepth, stride)),
      );
      depthIn = depth;
    }
  });
  const logits = conv2d(store, `${scope}/logits`, [depthIn, numClasses], {
    kernel: 1,
    relu: false,
  });
  const globalPool = stateless((x) => tf.mean(x, [1, 2], true) as tf.Tensor4D);
  const forward = sequential(root, pool1, ...units, globalPool, logits);
  return classifierModel({
    scope,
    inputSize,
    numClasses,
    ...familyParts("resnet_v1", scope, options),
    store,
    architecture: { kind: "resnet_v1", blocks },
    forward,
  });
}
