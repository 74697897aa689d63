/**
 * TF-Slim style layers. Each builder creates its variables at once (so names
 * and shapes are known before any forward pass) and returns the function that
 * applies the layer.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import {
  batchNormInference,
  batchNormTraining,
  convBiasRelu,
  fusedBatchNormAvailable,
} from "../ops/mod.ts";
import type { Initializer, VariableStore } from "./variables.ts";

/** Per-call state of a forward pass. */
export interface ForwardContext {
  /** Training mode: dropout on, BatchNorm of trainable scopes uses batch statistics. */
  training: boolean;
  /** True for variables that must not change (frozen scopes). */
  isFrozen(name: string): boolean;
  /** Seed for this pass's randomness (dropout), so a resumed run repeats it. */
  seed?: number;
  /**
   * In training, run the leading layers whose variables are all frozen off
   * the gradient tape (default true): no gradient can flow into them, and
   * the tape would otherwise keep every activation of theirs alive until
   * the backward pass (fc8-only VGG-16 at 224, batch 32: 1.7 GiB of wasm
   * heap instead of running out of its 4 GiB).
   */
  detachFrozenPrefix?: boolean;
  /**
   * A trial pass that must leave the model as it was (the train step's
   * memory probe): BatchNorm does not update its moving statistics.
   */
  probe?: boolean;
}

/**
 * A layer (or a stack of them) applied to an NHWC batch. `variables` names
 * the variables it owns when known (`[]`: none), which is what lets
 * {@linkcode sequential} run a frozen prefix off the gradient tape.
 */
export type Apply = ((x: tf.Tensor4D, ctx: ForwardContext) => tf.Tensor4D) & {
  variables?: readonly string[];
  /** Draws randomness in training (dropout): its output differs from pass to pass. */
  random?: boolean;
  /** The layers of a {@linkcode sequential} stack, in order. */
  layers?: readonly Apply[];
};

/** `apply`, marked as owning the variables named. */
function owns(
  apply: (x: tf.Tensor4D, ctx: ForwardContext) => tf.Tensor4D,
  variables: readonly string[],
): Apply {
  return Object.assign(apply, { variables });
}

/** A layer without variables (pooling, padding, dropout, activations). */
export function stateless(apply: (x: tf.Tensor4D, ctx: ForwardContext) => tf.Tensor4D): Apply {
  return owns(apply, []);
}

/** The layer `build` returns, marked as owning every variable it created in `store`. */
export function owning(store: VariableStore, build: () => Apply): Apply {
  const before = store.list().length;
  const apply = build();
  const names = store.list().slice(before).map((v) => v.name);
  const owned = owns((x, ctx) => apply(x, ctx), names);
  return apply.random ? Object.assign(owned, { random: true }) : owned;
}

/** Padding as TF names it. */
export type Padding = "SAME" | "VALID";

/** Per-axis padding of an NHWC convolution. */
export type ExplicitPadding = [[0, 0], [number, number], [number, number], [0, 0]];

/** Options of {@linkcode conv2d}. */
export interface Conv2dOptions {
  /** Kernel height and width (square when one number). */
  kernel: number | [number, number];
  /** Stride; default 1. */
  stride?: number;
  /**
   * Default `SAME`. Explicit `[[0, 0], [top, bottom], [left, right], [0, 0]]`
   * padding is TF-Slim's `conv2d_same` for strided convolutions without a
   * padded copy of the input (the copy would live until the backward pass).
   */
  padding?: Padding | ExplicitPadding;
  /** Add `biases`; default true (ResNet convs have none). */
  bias?: boolean;
  /** Apply ReLU; default true. */
  relu?: boolean;
  /** Weights initializer; default Glorot uniform (slim's xavier). */
  init?: Initializer;
  /** Biases initializer; default zeros. */
  biasInit?: Initializer;
  /** The weights' name in the scope; default `weights` (`pointwise_weights` in a separable conv). */
  weightsName?: string;
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
  const weightsName = `${scope}/${options.weightsName ?? "weights"}`;
  const weights = store.create(
    weightsName,
    [kh, kw, channels[0], channels[1]],
    options.init ?? { kind: "glorot_uniform" },
  );
  const biases = options.bias === false
    ? undefined
    : store.create(`${scope}/biases`, [channels[1]], options.biasInit ?? { kind: "zeros" });
  const stride = options.stride ?? 1;
  const padding = options.padding ?? "SAME";
  const pad = typeof padding !== "string" ? padding : padding === "SAME" ? "same" : "valid";
  const activation = options.relu === false ? "linear" : "relu";
  const names = [weightsName, ...(biases ? [`${scope}/biases`] : [])];
  const fusedGrad = activation === "relu" && biases !== undefined;
  return owns((x) => {
    // While gradients are recorded tfjs would unfuse conv, bias and ReLU.
    if (
      fusedGrad && typeof pad === "string" && tf.engine().state.gradientDepth > 0 &&
      !unfusedForTests
    ) {
      const w = weights as tf.Tensor4D, b = biases as tf.Tensor1D;
      return convBiasRelu(x, { w, b }, { strides: stride, pad });
    }
    return tf.fused.conv2d({
      x,
      filter: weights as tf.Tensor4D,
      strides: stride,
      pad,
      bias: biases,
      activation,
    });
  }, names);
}

let unfusedForTests = false;

/** Makes conv2d layers use tfjs' unfused training path (to compare gradients in tests). */
export function useUnfusedConvForTests(on: boolean): void {
  unfusedForTests = on;
}

/** Options of {@linkcode batchNorm}. */
export interface BatchNormOptions {
  /** Moving-average decay; default 0.997 (TF-Slim's ResNet). */
  decay?: number;
  /** Default 1e-5. */
  epsilon?: number;
  /** Apply ReLU after the normalisation (fused into one kernel where available). */
  relu?: boolean;
  /**
   * Where the variables live; default `<scope>/BatchNorm`. A batch norm
   * called with its own scope in TF-Slim (ResNet-V2's `preact`, `postnorm`)
   * has them right under it.
   */
  variableScope?: string;
  /**
   * Learn a scale `gamma`; default true. TF-Slim's Inception arg scope has
   * `scale=False`: no gamma variable, a scale of 1.
   */
  scale?: boolean;
}

const unitScales = new Map<number, tf.Tensor1D>();

/** A kept tensor of ones (the scale of BatchNorms without gamma), shared per size. */
function unitScale(channels: number): tf.Tensor1D {
  let t = unitScales.get(channels);
  if (!t || t.isDisposed) {
    t = tf.keep(tf.ones([channels])) as tf.Tensor1D;
    unitScales.set(channels, t);
  }
  return t;
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
  const s = options.variableScope ?? `${scope}/BatchNorm`;
  const beta = store.create(`${s}/beta`, [channels], { kind: "zeros" });
  const scaled = options.scale ?? true;
  const gamma = scaled
    ? store.create(`${s}/gamma`, [channels], { kind: "ones" })
    : unitScale(channels);
  const mean = store.create(`${s}/moving_mean`, [channels], { kind: "zeros" }, {
    isStatistic: true,
  });
  const variance = store.create(`${s}/moving_variance`, [channels], { kind: "ones" }, {
    isStatistic: true,
  });
  const decay = options.decay ?? 0.997;
  const eps = options.epsilon ?? 1e-5;
  const names = ["beta", ...(scaled ? ["gamma"] : []), "moving_mean", "moving_variance"].map((
    n,
  ) => `${s}/${n}`);
  const relu = options.relu ?? false;
  const params = { gamma: gamma as tf.Tensor1D, beta: beta as tf.Tensor1D };
  const fusedOptions = { epsilon: eps, relu };
  const activate = (y: tf.Tensor4D) => relu ? tf.relu(y) : y;
  const updateMoving = (batchMean: tf.Tensor, batchVariance: tf.Tensor, n: number) =>
    // Moving statistics are not trained: update them outside the gradient.
    tf.tidy(() => {
      mean.assign(tf.add(tf.mul(mean, decay), tf.mul(batchMean, 1 - decay)) as tf.Tensor1D);
      // TF uses the unbiased batch variance for the moving average.
      const unbiased = tf.mul(batchVariance, n > 1 ? n / (n - 1) : 1);
      variance.assign(tf.add(tf.mul(variance, decay), tf.mul(unbiased, 1 - decay)) as tf.Tensor1D);
    });
  return owns((x, ctx) => {
    const fused = fusedBatchNormAvailable();
    if (!ctx.training || ctx.isFrozen(`${s}/beta`)) {
      if (fused) {
        const stats = { mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
        return batchNormInference(x, { ...params, ...stats }, fusedOptions);
      }
      return activate(tf.batchNorm4d(
        x,
        mean as tf.Tensor1D,
        variance as tf.Tensor1D,
        beta as tf.Tensor1D,
        gamma as tf.Tensor1D,
        eps,
      ));
    }
    const n = x.shape[0] * x.shape[1] * x.shape[2];
    if (fused) {
      const out = batchNormTraining(x, params, fusedOptions);
      if (!ctx.probe) updateMoving(out.mean, out.variance, n);
      tf.dispose([out.mean, out.variance]);
      return out.y;
    }
    const m = tf.moments(x, [0, 1, 2]);
    if (!ctx.probe) updateMoving(m.mean, m.variance, n);
    return activate(tf.batchNorm4d(
      x,
      m.mean as tf.Tensor1D,
      m.variance as tf.Tensor1D,
      beta as tf.Tensor1D,
      gamma as tf.Tensor1D,
      eps,
    ));
  }, names);
}

/**
 * TF-Slim's `conv2d_same` padding: a strided convolution pads explicitly by
 * kernel-1 (split begin/end) and convolves VALID, so outputs do not depend
 * on the input size's parity; stride 1 is plain SAME.
 */
export function paddingForStride(kernel: number, stride: number): Padding | ExplicitPadding {
  if (stride === 1) return "SAME";
  const total = kernel - 1, begin = Math.floor(total / 2), end = total - begin;
  return [[0, 0], [begin, end], [begin, end], [0, 0]];
}

/** Max pooling (`SAME` or `VALID`). */
export function maxPool(size: number, stride: number, padding: Padding = "VALID"): Apply {
  const pad = padding === "SAME" ? "same" : "valid";
  return stateless((x) => tf.maxPool(x, size, stride, pad));
}

/**
 * Dropout active in training only; `keepProb` as TF-Slim (0.5 in VGG). The
 * mask is drawn from the pass's seed plus `salt` (one per layer).
 */
export function dropout(keepProb: number, salt = 0): Apply {
  return Object.assign(
    stateless((x, ctx) =>
      ctx.training && keepProb < 1
        ? tf.dropout(
          x,
          1 - keepProb,
          undefined,
          ctx.seed === undefined ? undefined : ctx.seed * 131 + salt,
        ) as tf.Tensor4D
        : x
    ),
    { random: keepProb < 1 },
  );
}

/**
 * Local response normalisation of the VGG paper's A-LRN column (Krizhevsky's
 * settings: size 5, alpha 1e-4, beta 0.75, k 2).
 */
export function lrn(): Apply {
  // tfjs's alpha is per element of the window; the paper's is over the sum.
  return stateless((x) => tf.localResponseNormalization(x, 2, 2, 1e-4 / 5, 0.75));
}

/**
 * Applies `layers` with the gradient tape paused, freeing each layer's
 * intermediates and inputs as it goes: the result is a constant to the tape
 * (TF's stop_gradient, without keeping activations for a backward pass that
 * cannot reach them).
 */
export function offTape(
  layers: readonly Apply[],
  x: tf.Tensor4D,
  ctx: ForwardContext,
): tf.Tensor4D {
  const state = tf.engine().state;
  const depth = state.gradientDepth;
  state.gradientDepth = 0;
  try {
    let out = x;
    for (const layer of layers) {
      const input = out;
      out = tf.tidy(() => layer(input, ctx));
      if (input !== x && input !== out) input.dispose();
    }
    return out;
  } finally {
    state.gradientDepth = depth;
  }
}

/**
 * How many leading layers own only frozen variables. A layer that does not
 * say what it owns ends the prefix (it might own trainable ones).
 */
function frozenPrefixLength(layers: Apply[], ctx: ForwardContext): number {
  const first = layers.findIndex((l) => !l.variables || l.variables.some((n) => !ctx.isFrozen(n)));
  return first === -1 ? layers.length : first;
}

/**
 * Applies layers in order. In training, the leading layers whose
 * variables are all frozen run off the gradient tape (see
 * {@linkcode ForwardContext.detachFrozenPrefix}). The result owns the union
 * of its layers' variables when every layer says what it owns.
 */
export function sequential(...layers: Apply[]): Apply {
  const apply = (x: tf.Tensor4D, ctx: ForwardContext) => {
    if (tf.engine().state.gradientDepth === 0) return layers.reduce((t, l) => l(t, ctx), x);
    const frozen = ctx.training && ctx.detachFrozenPrefix !== false
      ? frozenPrefixLength(layers, ctx)
      : 0;
    let out = frozen > 0 ? offTape(layers.slice(0, frozen), x, ctx) : x;
    // Past the first layer that trains, inputs carry gradients: a nested stack
    // must not detach its own frozen prefix (that would cut them off).
    const downstream = { ...ctx, detachFrozenPrefix: false };
    for (let i = frozen; i < layers.length; i++) {
      out = layers[i](out, i === frozen ? ctx : downstream);
    }
    return out;
  };
  const known = layers.every((l) => l.variables);
  const stack = known ? owns(apply, layers.flatMap((l) => [...l.variables!])) : apply;
  return Object.assign(stack, { layers, random: layers.some((l) => l.random) });
}
