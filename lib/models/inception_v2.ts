/**
 * Inception-V2 (BN-Inception, TF-Slim's `inception_v2`) with its variable
 * names and arg scope. Its stem `Conv2d_1a_7x7` is a separable convolution
 * (`depthwise_weights` [7, 7, 3, 8], `pointwise_weights` [1, 1, 24, 64]):
 * `inception_arg_scope` sets BatchNorm on `slim.conv2d` only, so that one
 * layer has `biases` and ReLU instead of BatchNorm, and no weight decay.
 * TF-Slim's own test pins this: 10,173,112 values in `inception_v2_base`'s variables.
 * Every other conv has scale-free BatchNorm and ReLU; all padding SAME; the
 * "5×5" branches are two 3×3s; `Logits/Conv2d_1c_1x1` (1001 classes in the
 * ImageNet checkpoint) after a 7×7 average pool.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Preprocessing } from "../data/mod.ts";
import { type Apply, conv2d, owning, sequential } from "./layers.ts";
import {
  type ConvOp,
  convOp as c,
  type InceptionBlock,
  inceptionStack,
  type PoolOp,
} from "./inception_blocks.ts";
import { classifierModel, type Model } from "./model.ts";
import { familyParts } from "./families.ts";
import { type Initializer, VariableStore } from "./variables.ts";
import { slimDepth } from "./depth_multiplier.ts";
import { logitsHead } from "./logits_head.ts";

const AVG: PoolOp = { pool: "avg", size: 3, stride: 1, padding: "SAME" };
const MAX: PoolOp = { pool: "max", size: 3, stride: 1, padding: "SAME" };
const MAX2: PoolOp = { pool: "max", size: 3, stride: 2, padding: "SAME" };
const normal = (stddev: number): Initializer => ({ kind: "truncated_normal", stddev });
/** TF-Slim gives the 1×1 reductions `trunc_normal(0.09)`, the pool projections 0.1. */
const reduce = (op: ConvOp): ConvOp => ({ ...op, init: normal(0.09) });
const project = (op: ConvOp): ConvOp => ({ ...op, init: normal(0.1) });

/** A BN-Inception block: 1×1; 1×1→3×3; 1×1→3×3→3×3; pool→1×1. */
function mixed(
  name: string,
  [b0, b1a, b1b, b2a, b2b, b3]: number[],
  pool = AVG,
): InceptionBlock {
  return {
    name,
    branches: [
      [c("Conv2d_0a_1x1", b0, 1)],
      [reduce(c("Conv2d_0a_1x1", b1a, 1)), c("Conv2d_0b_3x3", b1b, 3)],
      [reduce(c("Conv2d_0a_1x1", b2a, 1)), c("Conv2d_0b_3x3", b2b, 3), c("Conv2d_0c_3x3", b2b, 3)],
      [pool, project(c("Conv2d_0b_1x1", b3, 1))],
    ],
  };
}

/** A grid reduction: 1×1→3×3/2; 1×1→3×3→3×3/2; 3×3/2 max pool (passed through). */
function reduction(name: string, [b0a, b0b, b1a, b1b]: number[]): InceptionBlock {
  return {
    name,
    branches: [
      [reduce(c("Conv2d_0a_1x1", b0a, 1)), c("Conv2d_1a_3x3", b0b, 3, 3, 2)],
      [
        reduce(c("Conv2d_0a_1x1", b1a, 1)),
        c("Conv2d_0b_3x3", b1b, 3),
        c("Conv2d_1a_3x3", b1b, 3, 3, 2),
      ],
      [MAX2],
    ],
  };
}

/** TF-Slim's `inception_v2_base` after `Conv2d_1a_7x7`, in order. */
export const INCEPTION_V2_LAYERS: readonly (ConvOp | PoolOp | InceptionBlock)[] = [
  MAX2, // MaxPool_2a_3x3
  project(c("Conv2d_2b_1x1", 64, 1)),
  c("Conv2d_2c_3x3", 192, 3),
  MAX2, // MaxPool_3a_3x3
  mixed("Mixed_3b", [64, 64, 64, 64, 96, 32]),
  mixed("Mixed_3c", [64, 64, 96, 64, 96, 64]),
  reduction("Mixed_4a", [128, 160, 64, 96]),
  mixed("Mixed_4b", [224, 64, 96, 96, 128, 128]),
  mixed("Mixed_4c", [192, 96, 128, 96, 128, 128]),
  mixed("Mixed_4d", [160, 128, 160, 128, 160, 96]),
  mixed("Mixed_4e", [96, 128, 192, 160, 192, 96]),
  reduction("Mixed_5a", [128, 192, 192, 256]),
  mixed("Mixed_5b", [352, 192, 320, 160, 224, 128]),
  mixed("Mixed_5c", [352, 192, 320, 192, 224, 128], MAX),
];

/** Options of {@linkcode buildInceptionV2}. */
export interface InceptionV2Options {
  /** Default 1001 (ImageNet plus background, as the published checkpoint). */
  numClasses?: number;
  /** Default 224. */
  inputSize?: number;
  /** Default 1.0. */
  depthMultiplier?: number;
  /** Smallest layer depth after the multiplier; default 16. */
  minDepth?: number;
  /**
   * Default true (the published checkpoint). False is TF-Slim's
   * `use_separable_conv=False`: `Conv2d_1a_7x7/weights` with BatchNorm.
   */
  separableStem?: boolean;
  /**
   * Average the whole final map (TF-Slim's `global_pool`); needed above 224,
   * where the 7×7 pool would leave more than one position.
   */
  globalPool?: boolean;
  /** Default 0. */
  seed?: number;
  /** L2 weight decay on conv `weights`; default 4e-5 as `inception_arg_scope`. */
  weightDecay?: number;
  /** Default Inception's ([-1, 1]). */
  preprocessing?: Preprocessing;
  /** Dropout keep probability before the logits; default 0.8. */
  dropoutKeepProb?: number;
}

/**
 * `Conv2d_1a_7x7` as TF-Slim's `separable_conv2d`: a 7×7/2 depthwise conv
 * (channel multiplier `multiplier`), then a 1×1 conv with biases and ReLU.
 */
function separableStem(
  store: VariableStore,
  name: string,
  [multiplier, out]: [number, number],
): Apply {
  return owning(store, () => {
    const dw = store.create(`${name}/depthwise_weights`, [7, 7, 3, multiplier], normal(1));
    const pw = conv2d(store, name, [3 * multiplier, out], {
      kernel: 1,
      weightsName: "pointwise_weights",
      init: normal(1),
    });
    return (x, ctx) => pw(tf.depthwiseConv2d(x, dw as tf.Tensor4D, 2, "same"), ctx);
  });
}

/** Builds Inception-V2 with TF-Slim's scope `InceptionV2`. */
export function buildInceptionV2(options: InceptionV2Options = {}): Model {
  const scope = "InceptionV2";
  const inputSize = options.inputSize ?? 224;
  const numClasses = options.numClasses ?? 1001;
  const depth = slimDepth(scope, {
    multiplier: options.depthMultiplier ?? 1,
    minDepth: options.minDepth ?? 16,
  });
  const store = new VariableStore(options.seed ?? 0);
  // slim.conv2d's default in `inception_arg_scope`.
  const net = inceptionStack(store, scope, {
    inputSize,
    depth,
    init: { kind: "variance_scaling" },
  });
  let stem: Apply;
  if (options.separableStem ?? true) {
    // TF-Slim: at most 8, and in_channels × multiplier ≤ out_channels.
    const dwMultiplier = Math.min(Math.trunc(depth(64) / 3), 8);
    stem = separableStem(store, `${scope}/Conv2d_1a_7x7`, [dwMultiplier, depth(64)]);
    // Built outside the stack: tell it where the stem leaves the map (7×7/2, SAME).
    [net.channels, net.size] = [depth(64), Math.ceil(inputSize / 2)];
  } else {
    stem = net.stem({ ...c("Conv2d_1a_7x7", 64, 7, 7, 2), init: normal(1) });
  }
  const layers = INCEPTION_V2_LAYERS.map((l) => "branches" in l ? net.block(l) : net.stem(l));
  const size = net.size;
  if (size > 7 && !options.globalPool) {
    throw new Error(
      `InceptionV2: input size ${inputSize} leaves a ${size}×${size} map for the 7×7 logits pool ` +
        `(TF-Slim's AvgPool_1a_7x7 needs inputs of at most 224); pass globalPool: true to average it all`,
    );
  }
  // AvgPool_1a: 7×7, or the whole map when smaller (`_reduced_kernel_size_for_small_input`).
  const head = logitsHead(store, `${scope}/Logits/Conv2d_1c_1x1`, {
    channels: net.channels,
    numClasses,
    poolSize: size,
    keepProb: options.dropoutKeepProb ?? 0.8,
    init: { kind: "variance_scaling" },
  });
  return classifierModel({
    scope,
    inputSize,
    numClasses,
    ...familyParts("inception", scope, options),
    store,
    forward: sequential(stem, ...layers, head),
  });
}
