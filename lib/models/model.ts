/**
 * What every model in the zoo is: named variables plus a forward function.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { ForwardContext } from "./layers.ts";
import type { VariableStore } from "./variables.ts";
import type { Preprocessing } from "../data/mod.ts";
import type { Architecture } from "./architecture.ts";

/** A built model. */
export interface Model {
  /** Top scope, e.g. `vgg_16`. */
  scope: string;
  /** Input height and width the model was built for. */
  inputSize: number;
  /** Input channels (3). */
  inputChannels: number;
  /** Number of output classes. */
  numClasses: number;
  /** Scope of the classifier layer (`vgg_16/fc8`, `resnet_v1_50/logits`): what a new task replaces. */
  headScope: string;
  /** Preprocessing that belongs with this model's weights. */
  preprocessing: Preprocessing;
  /** L2 weight decay on weights tensors (names ending `/weights`) (TF-Slim arg scopes: VGG 5e-4, ResNet 1e-4). */
  weightDecay: number;
  /** Owns the variables. */
  store: VariableStore;
  /** What the network is, for exporters that rebuild it elsewhere (e.g. TF.js layers). */
  architecture?: Architecture;
  /** Un-squeezed output [batch, 1, 1, numClasses] (TF-Slim's `spatial_squeeze=False`). */
  forward(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D;
  /** Logits [batch, numClasses] for an NHWC batch. */
  logits(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor2D;
  /**
   * An auxiliary classifier (Inception V3's `AuxLogits`): when any of its
   * variables trains, the loss adds `weight` × its cross-entropy (TF-Slim's
   * `train_image_classifier` uses 0.4); otherwise it is not computed.
   */
  auxiliary?: AuxiliaryHead;
}

/** See {@linkcode Model.auxiliary}. */
export interface AuxiliaryHead {
  /** Its scope, e.g. `InceptionV3/AuxLogits`. */
  scope: string;
  /** Weight of its loss. */
  weight: number;
  /** Main and auxiliary logits of one forward pass, each [batch, numClasses]. */
  logits(x: tf.Tensor4D, ctx: ForwardContext): { main: tf.Tensor2D; aux: tf.Tensor2D };
}

/**
 * Assembles an RGB classifier from its parts; `logits` is `forward` with the
 * 1×1 spatial axes squeezed (TF-Slim's `spatial_squeeze=True`).
 */
export function classifierModel(parts: Omit<Model, "logits" | "inputChannels">): Model {
  return {
    ...parts,
    inputChannels: 3,
    logits: (x, ctx) => tf.squeeze(parts.forward(x, ctx), [1, 2]) as tf.Tensor2D,
  };
}

/** Total number of parameters (statistics included, as TF counts them). */
export function parameterCount(model: Model, options: { statistics?: boolean } = {}): number {
  let total = 0;
  for (const v of model.store.list()) {
    if (v.isStatistic && options.statistics === false) continue;
    total += v.variable.size;
  }
  return total;
}

/** A context for inference: no dropout, BatchNorm on moving statistics. */
export const INFERENCE: ForwardContext = { training: false, isFrozen: () => true };
