/**
 * VGG networks from one configuration table (the columns of the VGG paper's
 * Table 1), with TF-Slim variable names.
 *
 * @module
 */
import { type Apply, conv2d, dropout, lrn, maxPool, sequential } from "./layers.ts";
import type { Preprocessing } from "../data/mod.ts";
import { classifierModel, type Model } from "./model.ts";
import { familyParts } from "./families.ts";
import type { VggLayer } from "./architecture.ts";
export type { VggLayer } from "./architecture.ts";
import { VariableStore } from "./variables.ts";

/** One conv layer: output channels, and kernel size (3 unless 1 in column C). */
export type ConvSpec = number | { channels: number; kernel: 1 | 3 };

/** A VGG-style architecture. */
export interface VggSpec {
  /** Default top scope (TF-Slim's where it has one). */
  scope: string;
  /** Conv layers per block; each block ends with a 2×2 max pool. */
  blocks: ConvSpec[][];
  /** LRN after the first conv (column A-LRN). */
  lrnAfterFirstConv?: boolean;
  /** Hidden fully connected widths (4096, 4096 for the paper). */
  fcUnits: number[];
}

/** The paper's columns plus the small VGG used for quick CPU experiments. */
export const VGG_CONFIGS: Record<string, VggSpec> = {
  A: {
    scope: "vgg_a",
    blocks: [[64], [128], [256, 256], [512, 512], [512, 512]],
    fcUnits: [4096, 4096],
  },
  "A-LRN": {
    scope: "vgg_a_lrn",
    blocks: [[64], [128], [256, 256], [512, 512], [512, 512]],
    lrnAfterFirstConv: true,
    fcUnits: [4096, 4096],
  },
  B: {
    scope: "vgg_b",
    blocks: [[64, 64], [128, 128], [256, 256], [512, 512], [512, 512]],
    fcUnits: [4096, 4096],
  },
  C: {
    scope: "vgg_c",
    blocks: [
      [64, 64],
      [128, 128],
      [256, 256, { channels: 256, kernel: 1 }],
      [512, 512, { channels: 512, kernel: 1 }],
      [512, 512, { channels: 512, kernel: 1 }],
    ],
    fcUnits: [4096, 4096],
  },
  D: {
    scope: "vgg_16",
    blocks: [[64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]],
    fcUnits: [4096, 4096],
  },
  E: {
    scope: "vgg_19",
    blocks: [
      [64, 64],
      [128, 128],
      [256, 256, 256, 256],
      [512, 512, 512, 512],
      [512, 512, 512, 512],
    ],
    fcUnits: [4096, 4096],
  },
  small: {
    scope: "small_vgg",
    blocks: [[32, 32], [64, 64], [128]],
    fcUnits: [256],
  },
};

/** Options of {@linkcode buildVgg}. */
export interface VggOptions {
  /** Output classes; default 1000. */
  numClasses?: number;
  /** Input height and width; default 224. */
  inputSize?: number;
  /** Override the top scope name. */
  scope?: string;
  /** Dropout keep probability in training; default 0.5 as TF-Slim. */
  dropoutKeepProb?: number;
  /** Seed for initial values; default 0. */
  seed?: number;
  /** L2 weight decay; default 5e-4 as `vgg_arg_scope`. */
  weightDecay?: number;
  /** Input preprocessing the weights go with; default VGG's (ImageNet means, no scaling). */
  preprocessing?: Preprocessing;
}

/**
 * The layers of a VGG configuration at an input size, in order: what
 * {@linkcode buildVgg} builds and what parameter arithmetic counts. The fully
 * connected layers are convolutions as in TF-Slim: the first (`fc6`) covers
 * the whole final feature map with VALID padding (7×7 at 224 input), the
 * rest are 1×1, and the last is always `fc8`.
 */
export function vggLayerPlan(
  spec: VggSpec,
  options: { inputSize?: number; numClasses?: number; scope?: string } = {},
): VggLayer[] {
  const scope = options.scope ?? spec.scope;
  const inputSize = options.inputSize ?? 224;
  const plan: VggLayer[] = [];
  let channels = 3, size = inputSize;
  spec.blocks.forEach((block, b) => {
    block.forEach((layer, l) => {
      const { channels: out, kernel } = typeof layer === "number"
        ? { channels: layer, kernel: 3 }
        : layer;
      const name = `${scope}/conv${b + 1}/conv${b + 1}_${l + 1}`;
      plan.push({
        kind: "conv",
        name,
        kernel,
        inChannels: channels,
        outChannels: out,
        padding: "SAME",
        relu: true,
      });
      if (l === 0 && b === 0 && spec.lrnAfterFirstConv) plan.push({ kind: "lrn" });
      channels = out;
    });
    plan.push({ kind: "pool" });
    size = Math.floor(size / 2);
  });
  if (size < 1) {
    throw new Error(
      `input size ${inputSize} is too small for ${spec.blocks.length} pooling stages of ${scope}`,
    );
  }
  const widths = [...spec.fcUnits, options.numClasses ?? 1000];
  const firstFc = 8 - widths.length + 1;
  widths.forEach((units, i) => {
    const last = i === widths.length - 1;
    plan.push({
      kind: "conv",
      name: `${scope}/fc${firstFc + i}`,
      kernel: i === 0 ? size : 1,
      inChannels: channels,
      outChannels: units,
      padding: i === 0 ? "VALID" : "SAME",
      relu: !last,
    });
    if (!last) plan.push({ kind: "dropout", index: i });
    channels = units;
  });
  return plan;
}

function configOf(config: string | VggSpec): VggSpec {
  const spec = typeof config === "string" ? VGG_CONFIGS[config] : config;
  if (!spec) {
    throw new Error(
      `unknown VGG configuration '${config}': expected one of ${
        Object.keys(VGG_CONFIGS).join(", ")
      }`,
    );
  }
  return spec;
}

/**
 * Builds a VGG network from {@linkcode vggLayerPlan}. At small inputs the
 * first fc kernel shrinks with the map (1×1 at 32), so `fc6` is not
 * restorable from an ImageNet checkpoint there; every conv layer and the
 * later fc layers keep their ImageNet shapes.
 */
export function buildVgg(config: string | VggSpec, options: VggOptions = {}): Model {
  const spec = configOf(config);
  const scope = options.scope ?? spec.scope;
  const numClasses = options.numClasses ?? 1000;
  const inputSize = options.inputSize ?? 224;
  const keep = options.dropoutKeepProb ?? 0.5;
  const store = new VariableStore(options.seed ?? 0);
  const plan = vggLayerPlan(spec, { inputSize, numClasses, scope });
  const layers: Apply[] = plan.map((l) => {
    switch (l.kind) {
      case "conv":
        return conv2d(store, l.name, [l.inChannels, l.outChannels], {
          kernel: l.kernel,
          padding: l.padding,
          relu: l.relu,
        });
      case "lrn":
        return lrn();
      case "pool":
        return maxPool(2, 2, "VALID");
      case "dropout":
        return dropout(keep, l.index);
    }
  });
  return classifierModel({
    scope,
    inputSize,
    numClasses,
    ...familyParts("vgg", scope, options),
    store,
    architecture: { kind: "vgg", plan },
    forward: sequential(...layers),
  });
}
