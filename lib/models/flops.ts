/**
 * Counts a model's forward FLOPs by profiling one forward pass: every
 * convolution and matmul kernel with its real shapes (2 FLOPs per
 * multiply-add; elementwise work is not counted).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { INFERENCE, type Model } from "./model.ts";

/** Forward FLOPs for one image at the model's input size. */
export async function forwardFlops(model: Model): Promise<number> {
  const x = tf.zeros([1, model.inputSize, model.inputSize, model.inputChannels]) as tf.Tensor4D;
  const info = await tf.profile(() => model.logits(x, INFERENCE));
  x.dispose();
  let flops = 0;
  for (const k of info.kernels) {
    const out = k.outputShapes[0];
    if (!out) continue;
    const outSize = out.reduce((a, b) => a * b, 1);
    if (k.name === "Conv2D" || k.name === "FusedConv2D") {
      const [kh, kw, cin] = k.inputShapes[1] as number[];
      flops += 2 * outSize * kh * kw * cin;
    } else if (k.name === "BatchMatMul" || k.name === "_FusedMatMul") {
      const a = k.inputShapes[0] as number[];
      flops += 2 * outSize * a[a.length - 1];
    }
  }
  return flops;
}
