/**
 * Models with TF-Slim's variable names: the VGG table, ResNet-V1, the zoo
 * by name, parameter and FLOP counts, and the layers they are built from.
 *
 * @module
 */
export {
  type Apply,
  batchNorm,
  type BatchNormOptions,
  conv2d,
  type Conv2dOptions,
  dropout,
  type ExplicitPadding,
  type ForwardContext,
  lrn,
  maxPool,
  type Padding,
  sequential,
} from "./layers.ts";
export { forwardFlops, kernelFlops } from "./flops.ts";
export type { KernelShapes } from "./flops.ts";
export { type AuxiliaryHead, INFERENCE, type Model, parameterCount } from "./model.ts";
export { type Initializer, inScope, type NamedVariable, VariableStore } from "./variables.ts";
export {
  buildVgg,
  type ConvSpec,
  VGG_CONFIGS,
  type VggLayer,
  vggLayerPlan,
  type VggOptions,
  type VggSpec,
} from "./vgg.ts";
export {
  buildResnetV1,
  RESNET_V1_CONFIGS,
  type ResnetBlockSpec,
  type ResnetOptions,
} from "./resnet.ts";
export { buildResnetV2, RESNET_V2_CONFIGS, type ResnetV2Options } from "./resnet_v2.ts";
export {
  buildMobilenetV1,
  MOBILENET_V1_LAYERS,
  MOBILENET_V1_MULTIPLIERS,
  type MobilenetV1Layer,
  type MobilenetV1Options,
} from "./mobilenet_v1.ts";
export {
  buildMobilenetV2,
  makeDivisible,
  MOBILENET_V2_BLOCKS,
  MOBILENET_V2_MULTIPLIERS,
  type MobilenetV2Block,
  type MobilenetV2Options,
} from "./mobilenet_v2.ts";
export { buildModel, MODEL_NAMES, ZOO, zooDefaults } from "./zoo.ts";
export type { ZooDefaults, ZooEntry, ZooOptions } from "./zoo.ts";
export { FAMILIES, type Family, type FamilyDefaults } from "./families.ts";
export { PRETRAINED, type PretrainedCheckpoint } from "./pretrained.ts";
export { type FrozenSplit, splitFrozenPrefix } from "./frozen_prefix.ts";
