/**
 * Depthwise convolutions (MobileNet's) on oneDNN: forward, data gradient and
 * filter gradient as grouped convolutions with one group per input channel,
 * over TF's [h, w, in, multiplier] filters in place. Stock tfjs runs them
 * as scalar loops (cpu) or not at all (wasm has no gradients).
 *
 * @module
 */
import {
  DepthwiseConv2dNative,
  type DepthwiseConv2dNativeAttrs,
  DepthwiseConv2dNativeBackpropFilter,
  type DepthwiseConv2dNativeBackpropFilterAttrs,
  DepthwiseConv2dNativeBackpropInput,
  type DepthwiseConv2dNativeBackpropInputAttrs,
  type KernelFunc,
  type TensorInfo,
} from "@tensorflow/tfjs";
import { wasmTrainingKernel } from "../wasm_training_kernels.ts";
import { channelsLast, geometryOf } from "./conv_geometry.ts";
import { convBackwardData, convBackwardFilter, convForward } from "./convolution.ts";
import { type NamedKernel, withFallback } from "./fallback.ts";
import { allFloat, dnn, hostOf, type KernelArgs, output, pointerOf, stockFor } from "./memory.ts";

/** The host's own kernel: ours on wasm (stock wasm has no depthwise gradients), else stock. */
function hostKernel(name: string): (args: KernelArgs) => KernelFunc {
  return (args) =>
    hostOf(args.backend) === "wasm" && name !== DepthwiseConv2dNative
      ? wasmTrainingKernel(name)
      : stockFor(args, name);
}

function depthwiseForward(args: KernelArgs): TensorInfo | TensorInfo[] {
  const { x, filter } = args.inputs as Record<string, TensorInfo>;
  const a = args.attrs as unknown as DepthwiseConv2dNativeAttrs;
  if (!channelsLast(a.dataFormat) || !allFloat(x, filter)) {
    return hostKernel(DepthwiseConv2dNative)(args)(args);
  }
  const g = geometryOf(x.shape, filter.shape, a, a.dilations, true);
  const backend = args.backend;
  return output(backend, [g.batch, g.outHeight, g.outWidth, g.outChannels], (y) => {
    convForward(dnn(), g, {
      x: pointerOf(backend, x),
      filter: pointerOf(backend, filter),
      y: pointerOf(backend, y),
    });
  });
}

function depthwiseBackpropInput(args: KernelArgs): TensorInfo | TensorInfo[] {
  const { dy, filter } = args.inputs as Record<string, TensorInfo>;
  const a = args.attrs as unknown as DepthwiseConv2dNativeBackpropInputAttrs;
  if (!allFloat(dy, filter)) return hostKernel(DepthwiseConv2dNativeBackpropInput)(args)(args);
  const g = geometryOf([...a.inputShape], filter.shape, a, a.dilations, true);
  const backend = args.backend;
  return output(backend, [...a.inputShape], (dx) => {
    convBackwardData(dnn(), g, {
      dy: pointerOf(backend, dy),
      filter: pointerOf(backend, filter),
      dx: pointerOf(backend, dx),
    });
  });
}

function depthwiseBackpropFilter(args: KernelArgs): TensorInfo | TensorInfo[] {
  const { x, dy } = args.inputs as Record<string, TensorInfo>;
  const a = args.attrs as unknown as DepthwiseConv2dNativeBackpropFilterAttrs;
  if (!allFloat(x, dy)) return hostKernel(DepthwiseConv2dNativeBackpropFilter)(args)(args);
  const g = geometryOf(x.shape, [...a.filterShape], a, a.dilations, true);
  const backend = args.backend;
  return output(backend, [...a.filterShape], (dFilter) => {
    convBackwardFilter(dnn(), g, {
      x: pointerOf(backend, x),
      dy: pointerOf(backend, dy),
      dFilter: pointerOf(backend, dFilter),
    });
  });
}

/** The depthwise kernels, each falling back to the host's own. */
export const DEPTHWISE_KERNELS: readonly NamedKernel[] = [
  withFallback(DepthwiseConv2dNative, depthwiseForward, hostKernel(DepthwiseConv2dNative)),
  withFallback(
    DepthwiseConv2dNativeBackpropInput,
    depthwiseBackpropInput,
    hostKernel(DepthwiseConv2dNativeBackpropInput),
  ),
  withFallback(
    DepthwiseConv2dNativeBackpropFilter,
    depthwiseBackpropFilter,
    hostKernel(DepthwiseConv2dNativeBackpropFilter),
  ),
];
