/**
 * Models by the names scripts and sweeps use (the TF-Slim scope names).
 *
 * @module
 */
import type { Preprocessing } from "../data/preprocess.ts";
import type { Model } from "./model.ts";
import { buildResnetV1, RESNET_V1_CONFIGS } from "./resnet.ts";
import { buildVgg } from "./vgg.ts";

const VGG_NAMES: Record<string, string> = {
  vgg_a: "A",
  vgg_a_lrn: "A-LRN",
  vgg_b: "B",
  vgg_c: "C",
  vgg_16: "D",
  vgg_19: "E",
  small_vgg: "small",
};

/** Every model name {@linkcode buildModel} accepts. */
export const MODEL_NAMES: string[] = [...Object.keys(VGG_NAMES), ...Object.keys(RESNET_V1_CONFIGS)];

/** Options of {@linkcode buildModel}. */
export interface ZooOptions {
  numClasses: number;
  inputSize: number;
  seed?: number;
  preprocessing?: Preprocessing;
}

/** Builds a model by name (`vgg_16`, `resnet_v1_50`, `small_vgg`, ...). */
export function buildModel(name: string, options: ZooOptions): Model {
  if (VGG_NAMES[name]) return buildVgg(VGG_NAMES[name], options);
  if (RESNET_V1_CONFIGS[name]) return buildResnetV1(name, options);
  throw new Error(`unknown model '${name}': expected one of ${MODEL_NAMES.join(", ")}`);
}
