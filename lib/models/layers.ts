/**
 * TF-Slim style layers. Each builder creates its variables at once (so names
 * and shapes are known before any forward pass) and returns the function that
 * applies the layer.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Initializer, VariableStore } from "./variables.ts";

/** Per-call state of a forward pass. */
export interface ForwardContext {
  /** Training mode: dropout on, BatchNorm of trainable scopes uses batch statistics. */
  training: boolean;
  /** True for variables that must not change (frozen scopes). */
  isFrozen(name: string): boolean;
}

/** A layer (or a stack of them) applied to an NHWC batch. */
export type Apply = (x: tf.Tensor4D, ctx: ForwardContext) => tf.Tensor4D;

/** Padding as TF names it. */
export type Padding = "SAME" | "VALID";

/** Options of {@linkcode conv2d}. */
export interface Conv2dOptions {
  /** Kernel height and width (square when one number). */
  kernel: number | [number, number];
  /** Stride; default 1. */
  stride?: number;
  /** Default `SAME`. */
  padding?: Padding;
  /** Add `biases`; default true (ResNet convs have none). */
  bias?: boolean;
  /** Apply ReLU; default true. */
  relu?: boolean;
  /** Weights initializer; default Glorot uniform (slim's xavier). */
  init?: Initializer;
}

/**
 * A convolution with variables `<scope>/weights` [kh,kw,in,out] (HWIO, as TF)
 * and `<scope>/biases` [out].
 */
export function conv2d(
  store: VariableStore,
  scope: string,
  channels: [inChannels: number, outChannels: number],
  options: Conv2dOptions,
): Apply {
  const [kh, kw] = typeof options.kernel === "number"
    ? [options.kernel, options.kernel]
    : options.kernel;
  const weights = store.create(
    `${scope}/weights`,
    [kh, kw, channels[0], channels[1]],
    options.init ?? { kind: "glorot_uniform" },
  );
  const biases = options.bias === false
    ? undefined
    : store.create(`${scope}/biases`, [channels[1]], { kind: "zeros" });
  const stride = options.stride ?? 1;
  const pad = (options.padding ?? "SAME") === "SAME" ? "same" : "valid";
  const activation = options.relu === false ? "linear" : "relu";
  return (x) =>
    tf.fused.conv2d({
      x,
      filter: weights as tf.Tensor4D,
      strides: stride,
      pad,
      bias: biases,
      activation,
    });
}

/** Max pooling (`SAME` or `VALID`). */
export function maxPool(size: number, stride: number, padding: Padding = "VALID"): Apply {
  const pad = padding === "SAME" ? "same" : "valid";
  return (x) => tf.maxPool(x, size, stride, pad);
}

/** Dropout active in training only; `keepProb` as TF-Slim (0.5 in VGG). */
export function dropout(keepProb: number, seed?: number): Apply {
  return (x, ctx) =>
    ctx.training && keepProb < 1 ? tf.dropout(x, 1 - keepProb, undefined, seed) as tf.Tensor4D : x;
}

/**
 * Local response normalisation of the VGG paper's A-LRN column (Krizhevsky's
 * settings: size 5, alpha 1e-4, beta 0.75, k 2).
 */
export function lrn(): Apply {
  // tfjs's alpha is per element of the window; the paper's is over the sum.
  return (x) => tf.localResponseNormalization(x, 2, 2, 1e-4 / 5, 0.75);
}

/** Applies layers in order. */
export function sequential(...layers: Apply[]): Apply {
  return (x, ctx) => {
    let out = x;
    for (const layer of layers) out = layer(out, ctx);
    return out;
  };
}
