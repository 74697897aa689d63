/**
 * AlexNet-V2 (TF-Slim's `alexnet_v2`, the one-tower "One weird trick"
 * variant) with its variable names: `conv1` 11×11/4 VALID, max pools 3×3/2
 * VALID after conv1, conv2 and conv5, SAME convs 2–5, and the fully
 * connected layers as convolutions (`fc6` covers the final map, 5×5 at 224;
 * `fc7`, `fc8` 1×1). Biases start at 0.1 (fc8's at 0), as its arg scope.
 *
 * @module
 */
import type { Preprocessing } from "../data/mod.ts";
import { type Apply, conv2d, dropout, maxPool, sequential } from "./layers.ts";
import { classifierModel, type Model } from "./model.ts";
import { familyParts } from "./families.ts";
import { VariableStore } from "./variables.ts";

/** Options of {@linkcode buildAlexnetV2}. */
export interface AlexnetOptions {
  /** Default 1000. */
  numClasses?: number;
  /** Default 224; at least 67 (the smallest that leaves a map after pool5). */
  inputSize?: number;
  /** Default 0. */
  seed?: number;
  /** L2 weight decay; default 5e-4 as `alexnet_v2_arg_scope`. */
  weightDecay?: number;
  /** Default VGG's (ImageNet means, no scaling). */
  preprocessing?: Preprocessing;
  /** Dropout keep probability of fc6 and fc7; default 0.5. */
  dropoutKeepProb?: number;
}

const pooled = (s: number) => Math.floor((s - 3) / 2) + 1;

/** Builds AlexNet-V2 with TF-Slim's scope `alexnet_v2`. */
export function buildAlexnetV2(options: AlexnetOptions = {}): Model {
  const scope = "alexnet_v2";
  const inputSize = options.inputSize ?? 224;
  const numClasses = options.numClasses ?? 1000;
  const keep = options.dropoutKeepProb ?? 0.5;
  const map = pooled(pooled(pooled(Math.floor((inputSize - 11) / 4) + 1)));
  if (map < 1) {
    throw new Error(`alexnet_v2: input size ${inputSize} is too small (at least 67)`);
  }
  const store = new VariableStore(options.seed ?? 0);
  const biasInit = { kind: "constant", value: 0.1 } as const;
  const conv = (name: string, io: [number, number], kernel: number, stride = 1): Apply =>
    conv2d(store, `${scope}/${name}`, io, {
      kernel,
      stride,
      padding: name === "conv1" || name === "fc6" ? "VALID" : "SAME",
      init: { kind: "truncated_normal", stddev: name.startsWith("fc") ? 0.005 : 0.01 },
      biasInit,
    });
  const layers = [
    conv("conv1", [3, 64], 11, 4),
    maxPool(3, 2),
    conv("conv2", [64, 192], 5),
    maxPool(3, 2),
    conv("conv3", [192, 384], 3),
    conv("conv4", [384, 384], 3),
    conv("conv5", [384, 256], 3),
    maxPool(3, 2),
    conv("fc6", [256, 4096], map),
    dropout(keep, 6),
    conv("fc7", [4096, 4096], 1),
    dropout(keep, 7),
    conv2d(store, `${scope}/fc8`, [4096, numClasses], {
      kernel: 1,
      relu: false,
      init: { kind: "truncated_normal", stddev: 0.005 },
    }),
  ];
  return classifierModel({
    scope,
    inputSize,
    numClasses,
    ...familyParts("alexnet", scope, options),
    store,
    forward: sequential(...layers),
  });
}
