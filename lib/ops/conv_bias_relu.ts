/**
 * relu(conv2d(x, w) + b) as one op with its own gradient. tfjs runs this
 * unfused whenever gradients are recorded (conv, then add, then relu, each
 * output kept for the backward pass); here the forward pass is the single
 * FusedConv2D kernel (on oneDNN: bias and ReLU as post-ops) and only x, w
 * and y are kept, since relu'(z) is 1 exactly where y > 0.
 *
 * It is a kernel of its own (`TLConvBiasRelu`, registered per backend on
 * first use) with a registered gradient, so that tfjs asks only for the
 * gradients it needs: the data gradient of a layer whose input is the
 * images or a frozen prefix's output (conv1_1, or fc6 when only fc6–fc8
 * train) is never computed.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { reluGradFromOutput } from "./relu.ts";

/** Stride and padding of {@linkcode convBiasRelu}. */
export interface ConvBiasReluOptions {
  strides: number;
  pad: "same" | "valid";
}

const KERNEL = "TLConvBiasRelu";

function attrsOf(a: tf.NamedAttrMap) {
  const { strides, pad } = a as unknown as ConvBiasReluOptions;
  return { strides, pad, dataFormat: "NHWC", dilations: 1, dimRoundingMode: undefined };
}

let gradientRegistered = false;
let pendingMask: tf.Tensor | undefined;

function releaseMask(): void {
  pendingMask?.dispose();
  pendingMask = undefined;
}
const registered = new Set<string>();

function register(backendName: string): void {
  if (!gradientRegistered) {
    gradientRegistered = true;
    tf.registerGradient({
      kernelName: KERNEL,
      inputsToSave: ["x", "filter"],
      outputsToSave: [true],
      gradFunc: (dy, saved, attrs) => {
        const [x, filter, y] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
        const base = attrsOf(attrs);
        const run = (name: string, inputs: tf.NamedTensorMap, extra: Record<string, unknown>) =>
          tf.engine().runKernel(
            name,
            inputs,
            { ...base, ...extra } as unknown as tf.NamedAttrMap,
          ) as tf.Tensor;
        // tfjs runs each input's gradient in a tidy of its own; the masked dy is shared by
        // all three through one kept tensor, freed by the bias gradient (asked for last)
        // or, where that is never asked for, when the next layer's backward pass starts.
        releaseMask();
        const mask = () => (pendingMask ??= tf.keep(reluGradFromOutput(dy as tf.Tensor, y)));
        return {
          x: () => run("Conv2DBackpropInput", { dy: mask(), filter }, { inputShape: x.shape }),
          filter: () =>
            run("Conv2DBackpropFilter", { x, dy: mask() }, { filterShape: filter.shape }),
          bias: () => {
            const db = tf.sum(mask(), [0, 1, 2]);
            releaseMask();
            return db;
          },
        };
      },
    });
  }
  if (registered.has(backendName)) return;
  registered.add(backendName);
  tf.registerKernel({
    kernelName: KERNEL,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const fused = tf.getKernel("FusedConv2D", backendName);
      if (!fused) throw new Error(`backend '${backendName}' has no FusedConv2D kernel`);
      return fused.kernelFunc({
        inputs,
        backend,
        attrs: {
          ...attrsOf(attrs ?? {}),
          activation: "relu",
          leakyreluAlpha: 0,
        } as unknown as tf.NamedAttrMap,
      });
    },
  });
}

/** relu(conv2d(x, w, strides, pad) + b), keeping only x, w and y for the gradient. */
export function convBiasRelu(
  x: tf.Tensor4D,
  weights: { w: tf.Tensor4D; b: tf.Tensor1D },
  options: ConvBiasReluOptions,
): tf.Tensor4D {
  register(tf.getBackend());
  return tf.engine().runKernel(
    KERNEL,
    { x, filter: weights.w, bias: weights.b },
    { strides: options.strides, pad: options.pad } as unknown as tf.NamedAttrMap,
  ) as tf.Tensor4D;
}
