/**
 * The classification head TF-Slim's Inception and MobileNet nets share:
 * average pool, dropout, then a linear 1×1 conv with biases to the classes.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type Apply, conv2d, dropout, sequential, stateless } from "./layers.ts";
import type { Initializer, VariableStore } from "./variables.ts";

/** Options of {@linkcode logitsHead}. */
export interface LogitsHeadOptions {
  /** Input depth. */
  channels: number;
  /** Output classes. */
  numClasses: number;
  /** Average-pool window (square, stride 1, VALID): the final map, or the net's own cap. */
  poolSize: number;
  /** Dropout keep probability before the logits. */
  keepProb: number;
  /** Weights initializer of the logits conv. */
  init: Initializer;
}

/** Pool, dropout and the logits conv at `name` (e.g. `InceptionV2/Logits/Conv2d_1c_1x1`). */
export function logitsHead(store: VariableStore, name: string, options: LogitsHeadOptions): Apply {
  const logits = conv2d(store, name, [options.channels, options.numClasses], {
    kernel: 1,
    relu: false,
    init: options.init,
  });
  return sequential(
    stateless((x) => tf.avgPool(x, options.poolSize, 1, "valid")),
    dropout(options.keepProb, 1),
    logits,
  );
}
