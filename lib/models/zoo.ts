/**
 * Models by the names scripts and sweeps use (the TF-Slim scope names).
 *
 * @module
 */
import type { Preprocessing } from "../data/mod.ts";
import type { Model } from "./model.ts";
import { buildAlexnetV2 } from "./alexnet.ts";
import { buildInceptionV1 } from "./inception_v1.ts";
import { buildInceptionV2 } from "./inception_v2.ts";
import { buildInceptionV3 } from "./inception_v3.ts";
import { buildMobilenetV1, MOBILENET_V1_MULTIPLIERS } from "./mobilenet_v1.ts";
import { buildMobilenetV2, MOBILENET_V2_MULTIPLIERS } from "./mobilenet_v2.ts";
import { buildResnetV1, RESNET_V1_CONFIGS } from "./resnet.ts";
import { buildResnetV2, RESNET_V2_CONFIGS } from "./resnet_v2.ts";
import { buildVgg, VGG_CONFIGS } from "./vgg.ts";

/** Zoo name (the TF-Slim scope) → VGG configuration key. */
const VGG_NAMES: Record<string, string> = Object.fromEntries(
  Object.entries(VGG_CONFIGS).map(([key, spec]) => [spec.scope, key]),
);

/** Every model name {@linkcode buildModel} accepts. */
export const MODEL_NAMES: string[] = [
  "alexnet_v2",
  "inception_v1",
  "inception_v2",
  "inception_v3",
  ...Object.keys(VGG_NAMES),
  ...Object.keys(RESNET_V1_CONFIGS),
  ...Object.keys(RESNET_V2_CONFIGS),
  ...Object.keys(MOBILENET_V1_MULTIPLIERS),
  ...Object.keys(MOBILENET_V2_MULTIPLIERS),
];

/** Options of {@linkcode buildModel}. */
export interface ZooOptions {
  /** Output classes. */
  numClasses: number;
  /** Input height and width. */
  inputSize: number;
  /** Seed of the initial values; default 0. */
  seed?: number;
  /** Input preprocessing; default the family's. */
  preprocessing?: Preprocessing;
}

/** Builds a model by name (`vgg_16`, `resnet_v1_50`, `small_vgg`, ...). */
export function buildModel(name: string, options: ZooOptions): Model {
  if (name === "alexnet_v2") return buildAlexnetV2(options);
  if (name === "inception_v1") return buildInceptionV1(options);
  if (name === "inception_v2") return buildInceptionV2(options);
  if (name === "inception_v3") return buildInceptionV3(options);
  if (VGG_NAMES[name]) return buildVgg(VGG_NAMES[name], options);
  if (RESNET_V1_CONFIGS[name]) return buildResnetV1(name, options);
  if (RESNET_V2_CONFIGS[name]) return buildResnetV2(name, options);
  if (MOBILENET_V2_MULTIPLIERS[name]) {
    return buildMobilenetV2({ ...options, depthMultiplier: MOBILENET_V2_MULTIPLIERS[name] });
  }
  if (MOBILENET_V1_MULTIPLIERS[name]) {
    return buildMobilenetV1({ ...options, depthMultiplier: MOBILENET_V1_MULTIPLIERS[name] });
  }
  throw new Error(`unknown model '${name}': expected one of ${MODEL_NAMES.join(", ")}`);
}
