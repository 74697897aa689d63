/**
 * Inception-V1 (GoogLeNet with BatchNorm, TF-Slim's `inception_v1`) with
 * its variable names, including the `Mixed_5b/Branch_2/Conv2d_0a_3x3` that
 * TF-Slim's published checkpoint has. SAME padding throughout; the
 * "5×5" branches are 3×3 as in TF-Slim; `Logits/Conv2d_0c_1x1` (1001
 * classes in the ImageNet checkpoint) after a global average pool.
 *
 * @module
 */
import type { Preprocessing } from "../data/mod.ts";
import { sequential } from "./layers.ts";
import {
  type ConvOp,
  convOp as c,
  type InceptionBlock,
  inceptionStack,
  type PoolOp,
} from "./inception_blocks.ts";
import { classifierModel, type Model } from "./model.ts";
import { familyParts } from "./families.ts";
import { VariableStore } from "./variables.ts";
import { logitsHead } from "./logits_head.ts";

const MAX2: PoolOp = { pool: "max", size: 3, stride: 2, padding: "SAME" };

/** A GoogLeNet block: 1×1; 1×1→3×3; 1×1→3×3; 3×3 max pool→1×1. */
function mixed(
  name: string,
  [b0, b1a, b1b, b2a, b2b, b3]: number[],
  b2bName = "Conv2d_0b_3x3",
): InceptionBlock {
  return {
    name,
    branches: [
      [c("Conv2d_0a_1x1", b0, 1)],
      [c("Conv2d_0a_1x1", b1a, 1), c("Conv2d_0b_3x3", b1b, 3)],
      [c("Conv2d_0a_1x1", b2a, 1), c(b2bName, b2b, 3)],
      [{ pool: "max", size: 3, stride: 1, padding: "SAME" }, c("Conv2d_0b_1x1", b3, 1)],
    ],
  };
}

/** The stem and blocks of TF-Slim's `inception_v1_base`, in order. */
export const INCEPTION_V1_LAYERS: readonly (ConvOp | PoolOp | InceptionBlock)[] = [
  c("Conv2d_1a_7x7", 64, 7, 7, 2),
  MAX2,
  c("Conv2d_2b_1x1", 64, 1),
  c("Conv2d_2c_3x3", 192, 3),
  MAX2,
  mixed("Mixed_3b", [64, 96, 128, 16, 32, 32]),
  mixed("Mixed_3c", [128, 128, 192, 32, 96, 64]),
  MAX2,
  mixed("Mixed_4b", [192, 96, 208, 16, 48, 64]),
  mixed("Mixed_4c", [160, 112, 224, 24, 64, 64]),
  mixed("Mixed_4d", [128, 128, 256, 24, 64, 64]),
  mixed("Mixed_4e", [112, 144, 288, 32, 64, 64]),
  mixed("Mixed_4f", [256, 160, 320, 32, 128, 128]),
  { pool: "max", size: 2, stride: 2, padding: "SAME" },
  mixed("Mixed_5b", [256, 160, 320, 32, 128, 128], "Conv2d_0a_3x3"),
  mixed("Mixed_5c", [384, 192, 384, 48, 128, 128]),
];

/** Options of {@linkcode buildInceptionV1}. */
export interface InceptionV1Options {
  /** Default 1001 (ImageNet plus background, as the published checkpoint). */
  numClasses?: number;
  /** Default 224. */
  inputSize?: number;
  /** Default 0. */
  seed?: number;
  /** L2 weight decay; default 4e-5 as `inception_v1_arg_scope`. */
  weightDecay?: number;
  /** Default Inception's ([-1, 1]). */
  preprocessing?: Preprocessing;
  /** Dropout keep probability before the logits; default 0.8. */
  dropoutKeepProb?: number;
}

/** Builds Inception-V1 with TF-Slim's scope `InceptionV1`. */
export function buildInceptionV1(options: InceptionV1Options = {}): Model {
  const scope = "InceptionV1";
  const inputSize = options.inputSize ?? 224;
  const numClasses = options.numClasses ?? 1001;
  const store = new VariableStore(options.seed ?? 0);
  const net = inceptionStack(store, scope, {
    inputSize,
    depth: (d) => d,
    init: { kind: "truncated_normal", stddev: 0.01 },
  });
  const layers = INCEPTION_V1_LAYERS.map((l) => "branches" in l ? net.block(l) : net.stem(l));
  // AvgPool_0a_7x7: the whole 7×7 map at 224 (the whole map at any size here).
  const head = logitsHead(store, `${scope}/Logits/Conv2d_0c_1x1`, {
    channels: net.channels,
    numClasses,
    poolSize: net.size,
    keepProb: options.dropoutKeepProb ?? 0.8,
    init: { kind: "truncated_normal", stddev: 0.01 },
  });
  return classifierModel({
    scope,
    inputSize,
    numClasses,
    ...familyParts("inception", scope, options),
    store,
    forward: sequential(...layers, head),
  });
}
