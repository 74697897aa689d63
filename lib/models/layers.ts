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
  /** Seed for this pass's randomness (dropout), so a resumed run repeats it. */
  seed?: number;
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

/** Options of {@linkcode batchNorm}. */
export interface BatchNormOptions {
  /** Moving-average decay; default 0.997 (TF-Slim's ResNet). */
  decay?: number;
  /** Default 1e-5. */
  epsilon?: number;
}

/**
 * TF-Slim batch normalisation with variables `<scope>/BatchNorm/{beta,gamma,
 * moving_mean,moving_variance}`. In training, when its scope is trainable, it
 * normalises with batch statistics and updates the moving averages; when
 * frozen (or at inference) it uses the moving statistics and changes nothing
 * (tfjs-layers keeps updating frozen statistics; this does not).
 */
export function batchNorm(
  store: VariableStore,
  scope: string,
  channels: number,
  options: BatchNormOptions = {},
): Apply {
  const s = `${scope}/BatchNorm`;
  const beta = store.create(`${s}/beta`, [channels], { kind: "zeros" });
  const gamma = store.create(`${s}/gamma`, [channels], { kind: "ones" });
  const mean = store.create(`${s}/moving_mean`, [channels], { kind: "zeros" }, {
    isStatistic: true,
  });
  const variance = store.create(`${s}/moving_variance`, [channels], { kind: "ones" }, {
    isStatistic: true,
  });
  const decay = options.decay ?? 0.997;
  const eps = options.epsilon ?? 1e-5;
  return (x, ctx) => {
    if (!ctx.training || ctx.isFrozen(`${s}/gamma`)) {
      return tf.batchNorm4d(
        x,
        mean as tf.Tensor1D,
        variance as tf.Tensor1D,
        beta as tf.Tensor1D,
        gamma as tf.Tensor1D,
        eps,
      );
    }
    const m = tf.moments(x, [0, 1, 2]);
    // Moving statistics are not trained: update them outside the gradient.
    const n = x.shape[0] * x.shape[1] * x.shape[2];
    tf.tidy(() => {
      mean.assign(tf.add(tf.mul(mean, decay), tf.mul(m.mean, 1 - decay)) as tf.Tensor1D);
      // TF uses the unbiased batch variance for the moving average.
      const unbiased = tf.mul(m.variance, n > 1 ? n / (n - 1) : 1);
      variance.assign(tf.add(tf.mul(variance, decay), tf.mul(unbiased, 1 - decay)) as tf.Tensor1D);
    });
    return tf.batchNorm4d(
      x,
      m.mean as tf.Tensor1D,
      m.variance as tf.Tensor1D,
      beta as tf.Tensor1D,
      gamma as tf.Tensor1D,
      eps,
    );
  };
}

/**
 * TF-Slim's `conv2d_same`: a strided convolution pads explicitly by
 * kernel-1 (split begin/end) and convolves VALID, so outputs do not depend on
 * the input size's parity; stride 1 is plain SAME.
 */
export function padForStride(kernel: number, stride: number): Apply {
  if (stride === 1) return (x) => x;
  const total = kernel - 1, begin = Math.floor(total / 2), end = total - begin;
  return (x) => tf.pad(x, [[0, 0], [begin, end], [begin, end], [0, 0]]) as tf.Tensor4D;
}

/** Max pooling (`SAME` or `VALID`). */
export function maxPool(size: number, stride: number, padding: Padding = "VALID"): Apply {
  const pad = padding === "SAME" ? "same" : "valid";
  return (x) => tf.maxPool(x, size, stride, pad);
}

/**
 * Dropout active in training only; `keepProb` as TF-Slim (0.5 in VGG). The
 * mask is drawn from the pass's seed plus `salt` (one per layer).
 */
export function dropout(keepProb: number, salt = 0): Apply {
  return (x, ctx) =>
    ctx.training && keepProb < 1
      ? tf.dropout(
        x,
        1 - keepProb,
        undefined,
        ctx.seed === undefined ? undefined : ctx.seed * 131 + salt,
      ) as tf.Tensor4D
      : x;
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
