/**
 * Inception-V3 with TF-Slim's variable names (including its odd ones:
 * `Mixed_5c/Branch_1/Conv_1_0c_5x5`, `Mixed_6a/Branch_0/Conv2d_1a_1x1` that
 * is a 3×3) and arg scope: every conv has BatchNorm without a scale (no
 * `gamma`; decay 0.9997, epsilon 0.001) and ReLU, no biases; VALID stem,
 * SAME inside the mixed blocks; the `AuxLogits` head on `Mixed_6e` and the
 * `Logits` head (1001 classes in the ImageNet checkpoint). Native input 299.
 *
 * The table of blocks is data (`INCEPTION_V3_BLOCKS`): one builder reads it,
 * as torchvision's `vgg.py` reads its configurations.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Preprocessing } from "../data/mod.ts";
import { type Apply, conv2d, owning, sequential } from "./layers.ts";
import {
  type ConvOp,
  convOp,
  type InceptionBlock,
  inceptionStack,
  type PoolOp,
} from "./inception_blocks.ts";
import { classifierModel, type Model } from "./model.ts";
import { familyParts } from "./families.ts";
import { VariableStore } from "./variables.ts";
import { slimDepth } from "./depth_multiplier.ts";
import { logitsHead } from "./logits_head.ts";

const c = convOp;
const AVG: PoolOp = { pool: "avg", size: 3, stride: 1, padding: "SAME" };
const MAX2: PoolOp = { pool: "max", size: 3, stride: 2, padding: "VALID" };

function mixed5(name: string, pool: number, odd = false): InceptionBlock {
  return {
    name,
    branches: [
      [c("Conv2d_0a_1x1", 64, 1)],
      odd
        ? [c("Conv2d_0b_1x1", 48, 1), c("Conv_1_0c_5x5", 64, 5)]
        : [c("Conv2d_0a_1x1", 48, 1), c("Conv2d_0b_5x5", 64, 5)],
      [c("Conv2d_0a_1x1", 64, 1), c("Conv2d_0b_3x3", 96, 3), c("Conv2d_0c_3x3", 96, 3)],
      [AVG, c("Conv2d_0b_1x1", pool, 1)],
    ],
  };
}

function mixed6(name: string, width: number): InceptionBlock {
  return {
    name,
    branches: [
      [c("Conv2d_0a_1x1", 192, 1)],
      [
        c("Conv2d_0a_1x1", width, 1),
        c("Conv2d_0b_1x7", width, 1, 7),
        c("Conv2d_0c_7x1", 192, 7, 1),
      ],
      [
        c("Conv2d_0a_1x1", width, 1),
        c("Conv2d_0b_7x1", width, 7, 1),
        c("Conv2d_0c_1x7", width, 1, 7),
        c("Conv2d_0d_7x1", width, 7, 1),
        c("Conv2d_0e_1x7", 192, 1, 7),
      ],
      [AVG, c("Conv2d_0b_1x1", 192, 1)],
    ],
  };
}

function mixed7(name: string, second: string): InceptionBlock {
  return {
    name,
    branches: [
      [c("Conv2d_0a_1x1", 320, 1)],
      [c("Conv2d_0a_1x1", 384, 1), {
        split: [c("Conv2d_0b_1x3", 384, 1, 3), c(second, 384, 3, 1)],
      }],
      [
        c("Conv2d_0a_1x1", 448, 1),
        c("Conv2d_0b_3x3", 384, 3),
        { split: [c("Conv2d_0c_1x3", 384, 1, 3), c("Conv2d_0d_3x1", 384, 3, 1)] },
      ],
      [AVG, c("Conv2d_0b_1x1", 192, 1)],
    ],
  };
}

/** The stem (VALID unless said), before the mixed blocks. */
export const INCEPTION_V3_STEM: readonly (ConvOp | PoolOp)[] = [
  c("Conv2d_1a_3x3", 32, 3, 3, 2, "VALID"),
  c("Conv2d_2a_3x3", 32, 3, 3, 1, "VALID"),
  c("Conv2d_2b_3x3", 64, 3, 3, 1, "SAME"),
  MAX2,
  c("Conv2d_3b_1x1", 80, 1, 1, 1, "VALID"),
  c("Conv2d_4a_3x3", 192, 3, 3, 1, "VALID"),
  MAX2,
];

/** TF-Slim's `inception_v3_base` blocks after the stem. */
export const INCEPTION_V3_BLOCKS: readonly InceptionBlock[] = [
  mixed5("Mixed_5b", 32),
  mixed5("Mixed_5c", 64, true),
  mixed5("Mixed_5d", 64),
  {
    name: "Mixed_6a",
    branches: [
      [c("Conv2d_1a_1x1", 384, 3, 3, 2, "VALID")],
      [
        c("Conv2d_0a_1x1", 64, 1),
        c("Conv2d_0b_3x3", 96, 3),
        c("Conv2d_1a_1x1", 96, 3, 3, 2, "VALID"),
      ],
      [MAX2],
    ],
  },
  mixed6("Mixed_6b", 128),
  mixed6("Mixed_6c", 160),
  mixed6("Mixed_6d", 160),
  mixed6("Mixed_6e", 192),
  {
    name: "Mixed_7a",
    branches: [
      [c("Conv2d_0a_1x1", 192, 1), c("Conv2d_1a_3x3", 320, 3, 3, 2, "VALID")],
      [
        c("Conv2d_0a_1x1", 192, 1),
        c("Conv2d_0b_1x7", 192, 1, 7),
        c("Conv2d_0c_7x1", 192, 7, 1),
        c("Conv2d_1a_3x3", 192, 3, 3, 2, "VALID"),
      ],
      [MAX2],
    ],
  },
  mixed7("Mixed_7b", "Conv2d_0b_3x1"),
  mixed7("Mixed_7c", "Conv2d_0c_3x1"),
];

/** Options of {@linkcode buildInceptionV3}. */
export interface InceptionV3Options {
  /** Default 1001 (ImageNet plus background, as the published checkpoint). */
  numClasses?: number;
  /** Default 299; at least 107 (the AuxLogits pool needs a 5×5 map). */
  inputSize?: number;
  /** Default 1.0. */
  depthMultiplier?: number;
  /** Default 0. */
  seed?: number;
  /** L2 weight decay; default 4e-5 as `inception_arg_scope`. */
  weightDecay?: number;
  /** Default Inception's ([-1, 1]). */
  preprocessing?: Preprocessing;
  /** Dropout keep probability before the logits; default 0.8. */
  dropoutKeepProb?: number;
  /** Weight of the `AuxLogits` loss while that head trains; default 0.4 (TF-Slim's). */
  auxWeight?: number;
}

/** Builds Inception-V3 with TF-Slim's scope `InceptionV3` (and its `AuxLogits`). */
export function buildInceptionV3(options: InceptionV3Options = {}): Model {
  const scope = "InceptionV3";
  const inputSize = options.inputSize ?? 299;
  const numClasses = options.numClasses ?? 1001;
  const depth = slimDepth(scope, { multiplier: options.depthMultiplier ?? 1, minDepth: 16 });
  const store = new VariableStore(options.seed ?? 0);
  const net = inceptionStack(store, scope, {
    inputSize,
    depth,
    init: { kind: "truncated_normal", stddev: 0.1 },
  });
  const layers: Apply[] = INCEPTION_V3_STEM.map((op) => net.stem(op));
  let auxFrom = -1, auxChannels = 0, auxSize = 0;
  for (const block of INCEPTION_V3_BLOCKS) {
    layers.push(net.block(block));
    if (block.name === "Mixed_6e") {
      [auxFrom, auxChannels, auxSize] = [layers.length, net.channels, net.size];
    }
  }
  // Logits: average pool over the final map (8×8 at 299, less when smaller), dropout, 1×1 conv.
  const head = logitsHead(store, `${scope}/Logits/Conv2d_1c_1x1`, {
    channels: net.channels,
    numClasses,
    poolSize: Math.min(net.size, 8),
    keepProb: options.dropoutKeepProb ?? 0.8,
    init: { kind: "truncated_normal", stddev: 0.1 },
  });
  // AuxLogits on Mixed_6e: 5×5/3 average pool, 1×1 conv to 128, a conv over the
  // map (5×5 at 299; named by its size), 1×1 conv to the classes.
  const auxPool = Math.floor((auxSize - 5) / 3) + 1;
  // The AuxLogits pool (5×5, VALID) needs a 5×5 map at Mixed_6e.
  if (auxPool < 1) {
    throw new Error(`InceptionV3: input size ${inputSize} is too small (at least 107)`);
  }
  const auxKernel = Math.min(auxPool, 5);
  const aux = owning(store, () => {
    const a = net.convBn(`${scope}/AuxLogits/Conv2d_1b_1x1`, auxChannels, convOp("", 128, 1));
    const b = net.convBn(
      `${scope}/AuxLogits/Conv2d_2a_${auxKernel}x${auxKernel}`,
      depth(128),
      convOp("", 768, auxKernel, auxKernel, 1, "VALID"),
      { kind: "truncated_normal", stddev: 0.01 },
    );
    const logits = conv2d(store, `${scope}/AuxLogits/Conv2d_2b_1x1`, [depth(768), numClasses], {
      kernel: 1,
      relu: false,
      init: { kind: "truncated_normal", stddev: 0.001 },
    });
    return (x, ctx) => logits(b(a(tf.avgPool(x, 5, 3, "valid"), ctx), ctx), ctx);
  });
  const trunk = sequential(...layers.slice(0, auxFrom));
  const tail = sequential(...layers.slice(auxFrom));
  const squeeze = (t: tf.Tensor4D) => tf.squeeze(t, [1, 2]) as tf.Tensor2D;
  const model = classifierModel({
    scope,
    inputSize,
    numClasses,
    ...familyParts("inception", scope, options),
    store,
    forward: sequential(trunk, tail, head),
  });
  model.auxiliary = {
    scope: `${scope}/AuxLogits`,
    weight: options.auxWeight ?? 0.4,
    logits(x, ctx) {
      // Stacks whose input carries gradients must not detach their frozen prefix.
      const frozen = (a: Apply) => a.variables!.every((n) => ctx.isFrozen(n));
      const after = (...before: Apply[]) =>
        before.every(frozen) ? ctx : { ...ctx, detachFrozenPrefix: false };
      const mid = trunk(x, ctx);
      return {
        main: squeeze(head(tail(mid, after(trunk)), after(trunk, tail))),
        aux: squeeze(aux(mid, after(trunk))),
      };
    },
  };
  return model;
}
