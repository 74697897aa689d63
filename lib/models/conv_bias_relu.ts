/**
 * relu(conv2d(x, w) + b) as one op with its own gradient. tfjs runs this
 * unfused whenever gradients are recorded (conv, then add, then relu, each
 * output kept for the backward pass); here the forward pass is the single
 * FusedConv2D kernel (on oneDNN: bias and ReLU as post-ops) and only x, w
 * and y are kept, since relu'(z) is 1 exactly where y > 0.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** Stride and padding of {@linkcode convBiasRelu}. */
export interface ConvBiasReluOptions {
  strides: number;
  pad: "same" | "valid";
}

type Op = (x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D) => tf.Tensor4D;

const ops = new Map<string, Op>();

function build({ strides, pad }: ConvBiasReluOptions): Op {
  const attrs = { strides, pad, dataFormat: "NHWC", dilations: 1, dimRoundingMode: undefined };
  const engine = tf.engine();
  const forward = (x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
    const y = engine.runKernel("FusedConv2D", { x, filter: w, bias: b }, {
      ...attrs,
      activation: "relu",
      leakyreluAlpha: 0,
    } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
    save([x, w, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws, ys] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
        const dz = tf.mul(dy, tf.step(ys));
        const dx = engine.runKernel("Conv2DBackpropInput", { dy: dz, filter: ws }, {
          ...attrs,
          inputShape: xs.shape,
        } as unknown as tf.NamedAttrMap) as tf.Tensor;
        const dw = engine.runKernel("Conv2DBackpropFilter", { x: xs, dy: dz }, {
          ...attrs,
          filterShape: ws.shape,
        } as unknown as tf.NamedAttrMap) as tf.Tensor;
        return [dx, dw, tf.sum(dz, [0, 1, 2])];
      },
    };
  };
  return tf.customGrad(forward as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as Op;
}

/** relu(conv2d(x, w, strides, pad) + b), keeping only x, w and y for the gradient. */
export function convBiasRelu(
  x: tf.Tensor4D,
  weights: { w: tf.Tensor4D; b: tf.Tensor1D },
  options: ConvBiasReluOptions,
): tf.Tensor4D {
  const key = `${options.strides} ${options.pad}`;
  let op = ops.get(key);
  if (!op) ops.set(key, op = build(options));
  return op(x, weights.w, weights.b);
}
