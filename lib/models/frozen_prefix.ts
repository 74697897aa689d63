/**
 * The frozen prefix of a model as a feature extractor: the leading top-level
 * layers whose variables are all frozen and that draw no randomness
 * (dropout) map each image to the same features in every epoch, so a
 * trainer may compute them once and train a head model over them.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type Apply, type ForwardContext, offTape, sequential } from "./layers.ts";
import { classifierModel, type Model } from "./model.ts";

/** What {@linkcode splitFrozenPrefix} returns. */
export interface FrozenSplit {
  /** Images → features, off the gradient tape; the caller disposes the result. */
  features(images: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D;
  /**
   * The rest of the network as a model over features: the same scope and
   * variables (one store), `inputSize`/`inputChannels` the features' shape.
   */
  head: Model;
  /** Top-level layers in the prefix. */
  layers: number;
  /** Variables the prefix reads (their values are the features' identity). */
  variables: string[];
  /** One image's features: [height, width, channels]. */
  featureShape: [number, number, number];
}

/**
 * Splits `model` after its frozen deterministic prefix, or says why not:
 * the model is not a stack of layers that name their variables, its first
 * layer trains, or the prefix is empty.
 */
export function splitFrozenPrefix(
  model: Model,
  isFrozen: (name: string) => boolean,
): FrozenSplit | { reason: string } {
  const layers = (model.forward as Apply).layers;
  if (!layers) return { reason: `${model.scope} is not built as a stack of layers` };
  let n = 0;
  while (
    n < layers.length - 1 && layers[n].variables && !layers[n].random &&
    layers[n].variables!.every(isFrozen)
  ) n++;
  if (n === 0) {
    return {
      reason: layers[0].random
        ? "its first layer draws randomness"
        : "its first layer trains (or does not say what it owns)",
    };
  }
  const prefix = layers.slice(0, n);
  const features = (images: tf.Tensor4D, ctx: ForwardContext) => offTape(prefix, images, ctx);
  const probe = tf.tidy(() =>
    features(tf.zeros([1, model.inputSize, model.inputSize, model.inputChannels]), {
      training: false,
      isFrozen: () => true,
    })
  );
  const [, h, w, c] = probe.shape;
  probe.dispose();
  if (h !== w) return { reason: `its features at layer ${n} are not square (${h}×${w})` };
  const rest = sequential(...layers.slice(n));
  const head: Model = {
    ...classifierModel({ ...model, architecture: undefined, auxiliary: undefined, forward: rest }),
    inputSize: h,
    inputChannels: c,
  };
  return {
    features,
    head,
    layers: n,
    variables: prefix.flatMap((l) => [...l.variables!]),
    featureShape: [h, w, c],
  };
}
