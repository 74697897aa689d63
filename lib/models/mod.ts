/**
 * Models with TF-Slim's variable names: the VGG table, ResNet-V1, the zoo
 * by name, parameter and FLOP counts, and the layers they are built from.
 *
 * @module
 */
export {
  batchNorm,
  conv2d,
  dropout,
  type ForwardContext,
  lrn,
  maxPool,
  sequential,
} from "./layers.ts";
export { forwardFlops } from "./flops.ts";
export { INFERENCE, type Model, parameterCount } from "./model.ts";
export { inScope, type NamedVariable, VariableStore } from "./variables.ts";
export { buildVgg, VGG_CONFIGS, type VggOptions, type VggSpec } from "./vgg.ts";
export { buildResnetV1, RESNET_V1_CONFIGS, type ResnetOptions } from "./resnet.ts";
export { buildModel, MODEL_NAMES, type ZooOptions } from "./zoo.ts";
