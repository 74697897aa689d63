/**
 * tfjs wasm kernels that hand convolutions and matrix products to oneDNN.
 *
 * Tensors stay on the wasm heap: oneDNN reads and writes them in place
 * through pointers, multi-threaded with AVX2/AVX-512 code, while every
 * other op (activations, pooling, the optimizer) stays on wasm. Shapes or
 * attributes a kernel does not take (NCHW, prelu, broadcasting batches)
 * go to the wasm kernel it replaced.
 *
 * @module
 */
import {
  AvgPool,
  AvgPoolGrad,
  type backend_util,
  BatchMatMul,
  type BatchMatMulAttrs,
  Conv2D,
  type Conv2DAttrs,
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  FusedConv2D,
  type FusedConv2DAttrs,
  type KernelFunc,
  MaxPool,
  MaxPoolGrad,
  Sum,
  type SumAttrs,
  type TensorInfo,
  util,
} from "@tensorflow/tfjs";
import { installKernel, removeKernel, restoreStockKernel } from "../kernel_registry.ts";
import {
  poolGradInfo,
  registerWasmTrainingKernels,
  WASM_TRAINING_KERNELS,
  wasmTrainingKernel,
} from "../wasm_training_kernels.ts";
import { convBackwardData, convBackwardFilter, convForward } from "./convolution.ts";
import {
  allFloat,
  arrayOf,
  dnn,
  hostOf,
  type KernelArgs,
  type OneDnnHost,
  output,
  pointerOf,
  product,
  stockFor,
} from "./memory.ts";
import { loadOneDnn, type OneDnn } from "./library.ts";
import { sgemm } from "./matmul.ts";
import { channelsLast, geometryOf, trailingPad } from "./conv_geometry.ts";
import { DEPTHWISE_KERNELS } from "./depthwise_kernels.ts";
import { rowSums } from "./elementwise.ts";
import { ELEMENTWISE_KERNELS } from "./elementwise_kernels.ts";
import { type NamedKernel, withFallback } from "./fallback.ts";
import { avgPoolBackward, maxPoolBackward, maxPoolForward, type PoolGeometry } from "./pooling.ts";
import { customKernels } from "./custom_kernels.ts";
import { COPY_KERNELS } from "./copy_kernels.ts";
import {
  isPointwise,
  pointwiseBackwardData,
  pointwiseBackwardFilter,
  pointwiseForward,
} from "./pointwise.ts";

function conv2D(args: KernelArgs): TensorInfo | TensorInfo[] {
  const { x, filter } = args.inputs as Record<string, TensorInfo>;
  const a = args.attrs as unknown as Conv2DAttrs;
  if (!channelsLast(a.dataFormat) || !allFloat(x, filter)) {
    return stockFor(args, Conv2D)(args);
  }
  const g = geometryOf(x.shape, filter.shape, a, a.dilations);
  const backend = args.backend;
  return output(backend, [g.batch, g.outHeight, g.outWidth, g.outChannels], (y) => {
    const io = { x: pointerOf(backend, x), filter: pointerOf(backend, filter) };
    if (isPointwise(g)) pointwiseForward(dnn(), g, { ...io, y: arrayOf(backend, y) });
    else convForward(dnn(), g, { ...io, y: pointerOf(backend, y) });
  });
}

function fusedConv2D(args: KernelArgs): TensorInfo | TensorInfo[] {
  const { x, filter, bias, preluActivationWeights } = args.inputs as
    & Record<"x" | "filter", TensorInfo>
    & Record<"bias" | "preluActivationWeights", TensorInfo | undefined>;
  const a = args.attrs as unknown as FusedConv2DAttrs;
  const activation = a.activation ?? "linear";
  const supported = channelsLast(a.dataFormat) && !preluActivationWeights &&
    ["linear", "relu", "leakyrelu"].includes(activation) && allFloat(x, filter, bias) &&
    (!bias || bias.shape.reduce((p, d) => p * d, 1) === filter.shape[3]);
  if (!supported) return stockFor(args, FusedConv2D)(args);
  const g = geometryOf(x.shape, filter.shape, a, a.dilations);
  const backend = args.backend;
  const options = {
    relu: activation !== "linear",
    reluAlpha: activation === "leakyrelu" ? (a.leakyreluAlpha ?? 0.2) : 0,
  };
  return output(backend, [g.batch, g.outHeight, g.outWidth, g.outChannels], (y) => {
    const io = { x: pointerOf(backend, x), filter: pointerOf(backend, filter) };
    if (isPointwise(g)) {
      pointwiseForward(dnn(), g, { ...io, y: arrayOf(backend, y) }, {
        ...options,
        biasValues: bias ? arrayOf(backend, bias) : undefined,
      });
    } else {
      convForward(dnn(), g, { ...io, y: pointerOf(backend, y) }, {
        ...options,
        bias: bias ? pointerOf(backend, bias) : undefined,
      });
    }
  });
}

function conv2DBackpropInput(args: KernelArgs): TensorInfo | TensorInfo[] {
  const { dy, filter } = args.inputs as Record<string, TensorInfo>;
  const a = args.attrs as unknown as Conv2DBackpropInputAttrs;
  if (!channelsLast(a.dataFormat) || !allFloat(dy, filter)) {
    return slowerFor(args, Conv2DBackpropInput)(args);
  }
  const g = geometryOf([...a.inputShape], filter.shape, a);
  const backend = args.backend;
  return output(backend, [...a.inputShape], (dx) => {
    const io = {
      dy: pointerOf(backend, dy),
      filter: pointerOf(backend, filter),
      dx: pointerOf(backend, dx),
    };
    (isPointwise(g) ? pointwiseBackwardData : convBackwardData)(dnn(), g, io);
  });
}

function conv2DBackpropFilter(args: KernelArgs): TensorInfo | TensorInfo[] {
  const { x, dy } = args.inputs as Record<string, TensorInfo>;
  const a = args.attrs as unknown as Conv2DBackpropFilterAttrs;
  if (!channelsLast(a.dataFormat) || !allFloat(x, dy)) {
    return slowerFor(args, Conv2DBackpropFilter)(args);
  }
  const g = geometryOf(x.shape, [...a.filterShape], a);
  const backend = args.backend;
  return output(backend, [...a.filterShape], (dFilter) => {
    const io = {
      x: pointerOf(backend, x),
      dy: pointerOf(backend, dy),
      dFilter: pointerOf(backend, dFilter),
    };
    (isPointwise(g) ? pointwiseBackwardFilter : convBackwardFilter)(dnn(), g, io);
  });
}

/**
 * Batched matmul: one sgemm per batch. Batches must match or one side must
 * have a single batch (broadcast); anything else falls back.
 */
function batchMatMul(args: KernelArgs): TensorInfo | TensorInfo[] {
  const { a, b } = args.inputs as Record<string, TensorInfo>;
  const { transposeA, transposeB } = args.attrs as unknown as BatchMatMulAttrs;
  const batchA = product(a.shape.slice(0, -2)), batchB = product(b.shape.slice(0, -2));
  const outerA = a.shape.slice(0, -2), outerB = b.shape.slice(0, -2);
  const outer = batchA >= batchB ? outerA : outerB;
  if (!allFloat(a, b) || (batchA !== batchB && Math.min(batchA, batchB) !== 1)) {
    return slowerFor(args, BatchMatMul)(args);
  }
  const [ra, ca] = a.shape.slice(-2), [rb, cb] = b.shape.slice(-2);
  const m = transposeA ? ca : ra, k = transposeA ? ra : ca;
  const n = transposeB ? rb : cb;
  // Mismatched shapes: the wasm kernel reports them in tfjs' words.
  if ((transposeB ? cb : rb) !== k) return slowerFor(args, BatchMatMul)(args);
  const backend = args.backend;
  return output(backend, [...outer, m, n], (c) => {
    const lib = dnn();
    const pa = pointerOf(backend, a), pb = pointerOf(backend, b), pc = pointerOf(backend, c);
    for (let i = 0; i < Math.max(batchA, batchB); i++) {
      sgemm(lib, { m, n, k, transposeA, transposeB }, {
        a: Deno.UnsafePointer.offset(pa!, batchA === 1 ? 0 : i * m * k * 4),
        b: Deno.UnsafePointer.offset(pb!, batchB === 1 ? 0 : i * k * n * 4),
        c: Deno.UnsafePointer.offset(pc!, i * m * n * 4),
      });
    }
  });
}

function poolGeometry(info: backend_util.Conv2DInfo): PoolGeometry {
  return {
    batch: info.batchSize,
    channels: info.inChannels,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    padTop: info.padInfo.top,
    padBottom: trailingPad(info, "Height"),
    padLeft: info.padInfo.left,
    padRight: trailingPad(info, "Width"),
  };
}

function maxPoolGrad(args: KernelArgs): TensorInfo | TensorInfo[] {
  const { dy, input } = args.inputs as Record<string, TensorInfo>;
  if (!allFloat(dy, input)) return slowerFor(args, MaxPoolGrad)(args);
  const g = poolGeometry(poolGradInfo(input, args.attrs ?? {}));
  const backend = args.backend;
  return output(backend, input.shape, (dx) => {
    const io = {
      x: pointerOf(backend, input),
      dy: pointerOf(backend, dy),
      dx: pointerOf(backend, dx),
    };
    maxPoolBackward(dnn(), g, io);
  });
}

function avgPool(args: KernelArgs): TensorInfo | TensorInfo[] {
  const { x } = args.inputs as Record<string, TensorInfo>;
  if (!allFloat(x)) return stockFor(args, AvgPool)(args);
  const info = poolGradInfo(x, args.attrs ?? {});
  const g = poolGeometry(info);
  const backend = args.backend;
  return output(backend, info.outShape, (y) => {
    maxPoolForward(dnn(), g, { x: pointerOf(backend, x), y: pointerOf(backend, y) }, true);
  });
}

function avgPoolGrad(args: KernelArgs): TensorInfo | TensorInfo[] {
  const { dy, input } = args.inputs as Record<string, TensorInfo>;
  if (!allFloat(dy, input)) return slowerFor(args, AvgPoolGrad)(args);
  const g = poolGeometry(poolGradInfo(input, args.attrs ?? {}));
  const backend = args.backend;
  return output(backend, input.shape, (dx) => {
    avgPoolBackward(dnn(), g, { dy: pointerOf(backend, dy), dx: pointerOf(backend, dx) });
  });
}

function maxPool(args: KernelArgs): TensorInfo | TensorInfo[] {
  const { x } = args.inputs as Record<string, TensorInfo>;
  if (!allFloat(x)) return stockFor(args, MaxPool)(args);
  const info = poolGradInfo(x, args.attrs ?? {});
  if (
    info.filterWidth === 1 && info.filterHeight === 1 &&
    util.arraysEqual(info.inShape, info.outShape)
  ) {
    return stockFor(args, MaxPool)(args); // identity: the stock kernel shares the data
  }
  const g = poolGeometry(info);
  const backend = args.backend;
  return output(backend, info.outShape, (y) => {
    maxPoolForward(dnn(), g, { x: pointerOf(backend, x), y: pointerOf(backend, y) });
  });
}

let ones = new Float32Array(0);

function onesOf(n: number): Deno.PointerValue {
  if (ones.length < n) ones = new Float32Array(n).fill(1);
  return Deno.UnsafePointer.of(ones);
}

/**
 * Sums over leading axes (a bias gradient: dy [N,H,W,C] → [C]) as one
 * ones·X product, and over trailing axes (all of them: a loss, the weight
 * decay's Σw²) with oneDNN's reduction: the stock kernel transposes X for
 * the first and sums on one thread for both (fc7's Σw²: 16 → 2.7 ms).
 */
function sum(args: KernelArgs): TensorInfo | TensorInfo[] {
  const { x } = args.inputs as Record<string, TensorInfo>;
  const { axis, keepDims } = args.attrs as unknown as SumAttrs;
  const rank = x.shape.length;
  const axes = util.parseAxisParam(axis, x.shape).sort((p, q) => p - q);
  const leading = axes.length < rank && axes.every((v, i) => v === i);
  const trailing = axes.every((v, i) => v === rank - axes.length + i);
  const size = product(x.shape);
  if ((!leading && !trailing) || axes.length === 0 || !allFloat(x) || size < 4096) {
    return stockFor(args, Sum)(args);
  }
  const kept = leading ? x.shape.slice(axes.length) : x.shape.slice(0, rank - axes.length);
  const outShape = keepDims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : kept;
  const reduced = size / product(kept);
  const backend = args.backend;
  return output(backend, outShape, (out) => {
    const xs = pointerOf(backend, x), c = pointerOf(backend, out);
    if (leading) {
      const shape = { m: 1, n: product(kept), k: reduced, transposeA: false, transposeB: false };
      sgemm(dnn(), shape, { a: onesOf(reduced), b: xs, c });
    } else {
      rowSums(dnn(), { rows: product(kept), columns: reduced }, { x: xs, out: c });
    }
  });
}

/** On wasm our wasm kernel (faster than the stock one), elsewhere the stock kernel. */
function slowerFor(args: KernelArgs, name: string): KernelFunc {
  return hostOf(args.backend) === "wasm" ? wasmTrainingKernel(name) : stockFor(args, name);
}

const stock = (name: string) => (args: KernelArgs) => stockFor(args, name);
const slower = (name: string) => (args: KernelArgs) => slowerFor(args, name);

const replacements: readonly NamedKernel[] = [
  withFallback(Conv2D, conv2D, stock(Conv2D)),
  withFallback(FusedConv2D, fusedConv2D, stock(FusedConv2D)),
  withFallback(Conv2DBackpropInput, conv2DBackpropInput, slower(Conv2DBackpropInput)),
  withFallback(Conv2DBackpropFilter, conv2DBackpropFilter, slower(Conv2DBackpropFilter)),
  withFallback(BatchMatMul, batchMatMul, slower(BatchMatMul)),
  withFallback(MaxPoolGrad, maxPoolGrad, slower(MaxPoolGrad)),
  withFallback(MaxPool, maxPool, stock(MaxPool)),
  withFallback(AvgPool, avgPool, stock(AvgPool)),
  withFallback(AvgPoolGrad, avgPoolGrad, slower(AvgPoolGrad)),
  withFallback(Sum, sum, stock(Sum)),
  ...DEPTHWISE_KERNELS,
  ...ELEMENTWISE_KERNELS,
];

/** The kernel names {@linkcode registerOneDnnKernels} installs. */
export const ONEDNN_KERNELS: readonly string[] = [
  ...replacements.map(([name]) => name),
  ...customKernels("wasm").map((k) => k.kernelName),
];

/** Options of {@linkcode registerOneDnnKernels}. */
export interface RegisterOneDnnOptions {
  /** Replace only these kernels (benchmarks measure each one's effect). */
  only?: string[];
  /** The backend to register them for; default `wasm`. */
  host?: OneDnnHost;
}

/**
 * Loads oneDNN and routes a backend's convolutions, matmuls and large
 * element-wise ops to it. Returns the oneDNN version, or why it is
 * unavailable (the backend's kernels then stay as they were).
 */
export function registerOneDnnKernels(options: RegisterOneDnnOptions = {}): string | OneDnn {
  const host = options.host ?? "wasm";
  // The wasm kernels come first: ours fall back to them, and they are all
  // there is when oneDNN cannot load.
  if (host === "wasm") registerWasmTrainingKernels();
  const lib = loadOneDnn();
  if (typeof lib === "string") return lib;
  // The cpu backend's slices, pads, steps and casts are per-element JS; wasm's are compiled.
  const named = host === "onednn" ? [...replacements, ...COPY_KERNELS] : replacements;
  for (const [kernelName, kernelFunc] of named) {
    if (!options.only || options.only.includes(kernelName)) {
      installKernel({ kernelName, backendName: host, kernelFunc });
    }
  }
  for (const config of customKernels(host)) {
    if (!options.only || options.only.includes(config.kernelName)) installKernel(config);
    else removeKernel(config.kernelName, host);
  }
  return lib;
}

/** Puts back the wasm kernels {@linkcode registerOneDnnKernels} replaced. */
export function unregisterOneDnnKernels(): void {
  for (const [kernelName] of replacements) {
    if (!WASM_TRAINING_KERNELS.includes(kernelName)) restoreStockKernel(kernelName);
  }
  for (const { kernelName } of customKernels("wasm")) removeKernel(kernelName, "wasm");
  registerWasmTrainingKernels();
}
