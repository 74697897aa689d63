/**
 * The building blocks of TF-Slim's Inception networks, as data and one
 * builder: a block is a list of branches, a branch a list of ops (a conv
 * with BatchNorm and ReLU, a pool, or a pair of convs on the same input
 * concatenated); the branches' outputs are concatenated on channels.
 * Inception's arg scope: BatchNorm without a scale (no `gamma`), decay
 * 0.9997, epsilon 0.001; convs without biases; truncated-normal weights.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type Apply, batchNorm, conv2d, owning, type Padding, stateless } from "./layers.ts";
import type { Initializer, VariableStore } from "./variables.ts";

/** A conv of a branch: scope, depth, kernel [h, w], stride, padding (default 1, SAME). */
export interface ConvOp {
  /** Its scope within the branch, e.g. `Conv2d_0a_1x1`. */
  conv: string;
  /** Output depth before the depth multiplier. */
  depth: number;
  /** Kernel [height, width]. */
  kernel: [number, number];
  /** Default 1. */
  stride?: number;
  /** Default SAME. */
  padding?: Padding;
  /** Its own initializer (TF-Slim's per-layer `trunc_normal(0.09)`); default the stack's. */
  init?: Initializer;
}
/** A pool of a branch. */
export interface PoolOp {
  /** Average (TF's: padding not counted) or max. */
  pool: "avg" | "max";
  /** Square window. */
  size: number;
  /** Stride. */
  stride: number;
  /** Padding. */
  padding: Padding;
}
/** Two convs applied to the same input and concatenated (Inception V3's 1×3 / 3×1 pairs). */
export interface SplitOp {
  /** The two convs. */
  split: [ConvOp, ConvOp];
}
/** One step of a branch. */
export type InceptionOp = ConvOp | PoolOp | SplitOp;
/** A mixed block: its scope and its branches (`Branch_0`, `Branch_1`, ...). */
export interface InceptionBlock {
  /** E.g. `Mixed_5b`. */
  name: string;
  /** Each branch's ops in order. */
  branches: InceptionOp[][];
}

/** A conv op (kernel `h`×`w`, stride 1 and SAME unless given). */
export function convOp(
  conv: string,
  depth: number,
  h: number,
  w = h,
  stride = 1,
  padding: Padding = "SAME",
): ConvOp {
  return { conv, depth, kernel: [h, w], stride, padding };
}

const out = (size: number, k: number, stride: number, padding: Padding) =>
  padding === "SAME" ? Math.ceil(size / stride) : Math.floor((size - k) / stride) + 1;

/** The builder {@linkcode inceptionStack} returns; it tracks depth and map size as layers are added. */
export interface InceptionStack {
  /** Output depth of the last layer built. */
  channels: number;
  /** Output map size (square) of the last layer built. */
  size: number;
  /** A stem op as one layer (conv scoped directly under the network's scope). */
  stem(op: ConvOp | PoolOp): Apply;
  /** A mixed block as one layer. */
  block(block: InceptionBlock): Apply;
  /** One conv + BatchNorm + ReLU at `name`, from `inChannels`. */
  convBn(name: string, inChannels: number, op: ConvOp, init?: Initializer): Apply;
}

/**
 * Starts an Inception stack at a 3-channel input of `inputSize`; `depth`
 * applies the depth multiplier, `init` is the arg scope's weight init.
 */
export function inceptionStack(
  store: VariableStore,
  scope: string,
  options: { inputSize: number; depth: (d: number) => number; init: Initializer },
): InceptionStack {
  const { depth } = options;
  const convBn = (name: string, inC: number, op: ConvOp, init?: Initializer): Apply => {
    const conv = conv2d(store, name, [inC, depth(op.depth)], {
      kernel: op.kernel,
      stride: op.stride ?? 1,
      padding: op.padding ?? "SAME",
      bias: false,
      relu: false,
      init: init ?? op.init ?? options.init,
    });
    const bn = batchNorm(store, name, depth(op.depth), {
      decay: 0.9997,
      epsilon: 0.001,
      scale: false,
      relu: true,
    });
    return (x, ctx) => bn(conv(x, ctx), ctx);
  };
  const poolOf = (p: PoolOp): Apply =>
    stateless((x) => {
      const pad = p.padding === "SAME" ? "same" : "valid";
      return p.pool === "avg"
        ? tf.avgPool(x, p.size, p.stride, pad)
        : tf.maxPool(x, p.size, p.stride, pad);
    });
  /** Applies ops from `channels` in; returns the layer, its output depth and map size. */
  const chain = (prefix: string, ops: readonly InceptionOp[], channels: number, size: number) => {
    const steps: Apply[] = [];
    for (const op of ops) {
      if ("pool" in op) {
        steps.push(poolOf(op));
        size = out(size, op.size, op.stride, op.padding);
      } else if ("split" in op) {
        const [a, b] = op.split.map((o) => convBn(`${prefix}/${o.conv}`, channels, o));
        steps.push((x, ctx) => tf.concat([a(x, ctx), b(x, ctx)], 3) as tf.Tensor4D);
        channels = op.split.reduce((n, o) => n + depth(o.depth), 0);
      } else {
        steps.push(convBn(`${prefix}/${op.conv}`, channels, op));
        channels = depth(op.depth);
        size = out(size, op.kernel[0], op.stride ?? 1, op.padding ?? "SAME");
      }
    }
    const apply: Apply = (x, ctx) => steps.reduce((t, s) => s(t, ctx), x);
    return { apply, channels, size };
  };
  const stack: InceptionStack = {
    channels: 3,
    size: options.inputSize,
    convBn,
    stem(op) {
      return owning(store, () => {
        const r = chain(scope, [op], stack.channels, stack.size);
        [stack.channels, stack.size] = [r.channels, r.size];
        return r.apply;
      });
    },
    block(block) {
      return owning(store, () => {
        const branches = block.branches.map((ops, b) =>
          chain(`${scope}/${block.name}/Branch_${b}`, ops, stack.channels, stack.size)
        );
        stack.channels = branches.reduce((n, r) => n + r.channels, 0);
        stack.size = branches[0].size;
        return (x, ctx) => tf.concat(branches.map((r) => r.apply(x, ctx)), 3) as tf.Tensor4D;
      });
    },
  };
  return stack;
}
