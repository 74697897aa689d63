/**
 * Counts a model's forward FLOPs by profiling one forward pass: every
 * convolution and matmul kernel with its real shapes (2 FLOPs per
 * multiply-add; elementwise work is not counted).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { INFERENCE, type Model } from "./model.ts";

/** A profiled kernel: its name and the shapes it read and wrote. */
export interface KernelShapes {
  name: string;
  inputShapes: (number[] | undefined)[];
  outputShapes: (number[] | undefined)[];
}

/**
 * FLOPs of convolutions (forward and both gradients) and matmuls among
 * profiled kernels, 2 per multiply-add; element-wise work is not counted.
 */
export function kernelFlops(kernels: KernelShapes[]): number {
  const size = (s: number[] | undefined) => (s ?? []).reduce((a, b) => a * b, 1);
  let flops = 0;
  for (const k of kernels) {
    const out = k.outputShapes[0];
    if (!out) continue;
    if (k.name === "Conv2D" || k.name === "FusedConv2D" || k.name === "TLConvBiasRelu") {
      const [kh, kw, cin] = k.inputShapes[1] as number[];
      flops += 2 * size(out) * kh * kw * cin;
    } else if (k.name === "Conv2DBackpropInput") {
      // dy [n,h,w,cout] · filter [kh,kw,cin,cout]
      const [kh, kw, cin] = k.inputShapes[1] as number[];
      flops += 2 * size(k.inputShapes[0]) * kh * kw * cin;
    } else if (k.name === "Conv2DBackpropFilter") {
      // x, dy → filter [kh,kw,cin,cout]
      const [kh, kw, cin] = out;
      flops += 2 * size(k.inputShapes[1]) * kh * kw * cin;
    } else if (k.name === "DepthwiseConv2dNative" || k.name === "FusedDepthwiseConv2D") {
      // Each output channel reads kh·kw inputs of one channel.
      const [kh, kw] = k.inputShapes[1] as number[];
      flops += 2 * size(out) * kh * kw;
    } else if (k.name === "DepthwiseConv2dNativeBackpropInput") {
      const [kh, kw] = k.inputShapes[1] as number[];
      flops += 2 * size(k.inputShapes[0]) * kh * kw;
    } else if (k.name === "DepthwiseConv2dNativeBackpropFilter") {
      const [kh, kw] = out;
      flops += 2 * size(k.inputShapes[1]) * kh * kw;
    } else if (k.name === "BatchMatMul" || k.name === "_FusedMatMul") {
      const a = k.inputShapes[0] as number[];
      flops += 2 * size(out) * a[a.length - 1];
    }
  }
  return flops;
}

/** Forward FLOPs for one image at the model's input size. */
export async function forwardFlops(model: Model): Promise<number> {
  const x = tf.zeros([1, model.inputSize, model.inputSize, model.inputChannels]) as tf.Tensor4D;
  const info = await tf.profile(() => model.logits(x, INFERENCE));
  x.dispose();
  return kernelFlops(info.kernels);
}
