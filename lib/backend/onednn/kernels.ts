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
  backend_util,
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
  Identity,
  type KernelConfig,
  type KernelFunc,
  MaxPoolGrad,
  type MaxPoolGradAttrs,
  Sum,
  type SumAttrs,
  type TensorInfo,
  util,
} from "@tensorflow/tfjs";
import {
  installKernel,
  restoreStockKernel,
  stockKernel,
  type WasmBackendLike,
} from "../kernel_registry.ts";
import { registerWasmTrainingKernels, wasmTrainingKernel } from "../wasm_training_kernels.ts";
import {
  convBackwardData,
  convBackwardFilter,
  convForward,
  type ConvGeometry,
} from "./convolution.ts";
import { loadOneDnn, type OneDnn } from "./library.ts";
import { sgemm } from "./matmul.ts";
import { maxPoolBackward } from "./pooling.ts";
import {
  isPointwise,
  pointwiseBackwardData,
  pointwiseBackwardFilter,
  pointwiseForward,
} from "./pointwise.ts";

type KernelArgs = Parameters<KernelFunc>[0];

function dnn(): OneDnn {
  const lib = loadOneDnn();
  if (typeof lib === "string") throw new Error(lib);
  return lib;
}

function pointerOf(backend: WasmBackendLike, info: TensorInfo): Deno.PointerValue {
  return Deno.UnsafePointer.of(backend.typedArrayFromHeap(info));
}

function allFloat(...infos: (TensorInfo | undefined)[]): boolean {
  return infos.every((t) => !t || (t.dtype === "float32" && t.shape.every((d) => d > 0)));
}

function geometryOf(
  xShape: number[],
  filterShape: number[],
  attrs: { strides: number | [number, number]; pad: unknown; dimRoundingMode?: unknown },
  dilations: number | [number, number] = 1,
): ConvGeometry {
  const info = backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    dilations,
    attrs.pad as Conv2DAttrs["pad"],
    attrs.dimRoundingMode as Conv2DAttrs["dimRoundingMode"],
  );
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: info.outChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    dilationHeight: info.dilationHeight,
    dilationWidth: info.dilationWidth,
    padTop: info.padInfo.top,
    padBottom: info.padInfo.bottom,
    padLeft: info.padInfo.left,
    padRight: info.padInfo.right,
  };
}

function channelsLast(format: string | undefined): boolean {
  return !format || format === "NHWC" || format === "channelsLast";
}

function conv2D(args: KernelArgs): TensorInfo | TensorInfo[] {
  const { x, filter } = args.inputs as Record<string, TensorInfo>;
  const a = args.attrs as unknown as Conv2DAttrs;
  if (!channelsLast(a.dataFormat) || !allFloat(x, filter)) {
    return stockKernel(Conv2D).kernelFunc(args);
  }
  const g = geometryOf(x.shape, filter.shape, a, a.dilations);
  const backend = args.backend as WasmBackendLike;
  const y = backend.makeOutput([g.batch, g.outHeight, g.outWidth, g.outChannels], "float32");
  const io = { x: pointerOf(backend, x), filter: pointerOf(backend, filter) };
  if (isPointwise(g)) pointwiseForward(dnn(), g, { ...io, y: backend.typedArrayFromHeap(y) });
  else convForward(dnn(), g, { ...io, y: pointerOf(backend, y) });
  return y;
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
  if (!supported) return stockKernel(FusedConv2D).kernelFunc(args);
  const g = geometryOf(x.shape, filter.shape, a, a.dilations);
  const backend = args.backend as WasmBackendLike;
  const y = backend.makeOutput([g.batch, g.outHeight, g.outWidth, g.outChannels], "float32");
  const io = { x: pointerOf(backend, x), filter: pointerOf(backend, filter) };
  const options = {
    relu: activation !== "linear",
    reluAlpha: activation === "leakyrelu" ? (a.leakyreluAlpha ?? 0.2) : 0,
  };
  if (isPointwise(g)) {
    pointwiseForward(dnn(), g, { ...io, y: backend.typedArrayFromHeap(y) }, {
      ...options,
      biasValues: bias ? backend.typedArrayFromHeap(bias) : undefined,
    });
  } else {
    convForward(dnn(), g, { ...io, y: pointerOf(backend, y) }, {
      ...options,
      bias: bias ? pointerOf(backend, bias) : undefined,
    });
  }
  return y;
}

function conv2DBackpropInput(args: KernelArgs): TensorInfo | TensorInfo[] {
  const { dy, filter } = args.inputs as Record<string, TensorInfo>;
  const a = args.attrs as unknown as Conv2DBackpropInputAttrs;
  if (!channelsLast(a.dataFormat) || !allFloat(dy, filter)) {
    return wasmTrainingKernel(Conv2DBackpropInput)(args);
  }
  const g = geometryOf([...a.inputShape], filter.shape, a);
  const backend = args.backend as WasmBackendLike;
  const dx = backend.makeOutput([...a.inputShape], "float32");
  const io = {
    dy: pointerOf(backend, dy),
    filter: pointerOf(backend, filter),
    dx: pointerOf(backend, dx),
  };
  (isPointwise(g) ? pointwiseBackwardData : convBackwardData)(dnn(), g, io);
  return dx;
}

function conv2DBackpropFilter(args: KernelArgs): TensorInfo | TensorInfo[] {
  const { x, dy } = args.inputs as Record<string, TensorInfo>;
  const a = args.attrs as unknown as Conv2DBackpropFilterAttrs;
  if (!channelsLast(a.dataFormat) || !allFloat(x, dy)) {
    return wasmTrainingKernel(Conv2DBackpropFilter)(args);
  }
  const g = geometryOf(x.shape, [...a.filterShape], a);
  const backend = args.backend as WasmBackendLike;
  const dFilter = backend.makeOutput([...a.filterShape], "float32");
  const io = {
    x: pointerOf(backend, x),
    dy: pointerOf(backend, dy),
    dFilter: pointerOf(backend, dFilter),
  };
  (isPointwise(g) ? pointwiseBackwardFilter : convBackwardFilter)(dnn(), g, io);
  return dFilter;
}

function product(values: number[]): number {
  return values.reduce((p, d) => p * d, 1);
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
    return wasmTrainingKernel(BatchMatMul)(args);
  }
  const [ra, ca] = a.shape.slice(-2), [rb, cb] = b.shape.slice(-2);
  const m = transposeA ? ca : ra, k = transposeA ? ra : ca;
  const n = transposeB ? rb : cb;
  if ((transposeB ? cb : rb) !== k) {
    throw new Error(
      `BatchMatMul: inner dimensions differ: a [${a.shape}] and b [${b.shape}]` +
        ` (transposeA ${transposeA}, transposeB ${transposeB})`,
    );
  }
  const backend = args.backend as WasmBackendLike;
  const c = backend.makeOutput([...outer, m, n], "float32");
  const lib = dnn();
  const pa = pointerOf(backend, a), pb = pointerOf(backend, b), pc = pointerOf(backend, c);
  for (let i = 0; i < Math.max(batchA, batchB); i++) {
    sgemm(lib, { m, n, k, transposeA, transposeB }, {
      a: Deno.UnsafePointer.offset(pa!, batchA === 1 ? 0 : i * m * k * 4),
      b: Deno.UnsafePointer.offset(pb!, batchB === 1 ? 0 : i * k * n * 4),
      c: Deno.UnsafePointer.offset(pc!, i * m * n * 4),
    });
  }
  return c;
}

function maxPoolGrad(args: KernelArgs): TensorInfo | TensorInfo[] {
  const { dy, input } = args.inputs as Record<string, TensorInfo>;
  const a = args.attrs as unknown as MaxPoolGradAttrs;
  if (!allFloat(dy, input)) return wasmTrainingKernel(MaxPoolGrad)(args);
  const info = backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    a.filterSize,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
  );
  const backend = args.backend as WasmBackendLike;
  const dx = backend.makeOutput(input.shape, "float32");
  maxPoolBackward(dnn(), {
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
    padBottom: info.padInfo.bottom,
    padLeft: info.padInfo.left,
    padRight: info.padInfo.right,
  }, { x: pointerOf(backend, input), dy: pointerOf(backend, dy), dx: pointerOf(backend, dx) });
  return dx;
}

let ones = new Float32Array(0);

/**
 * Sums over leading axes (a bias gradient: dy [N,H,W,C] → [C]) as one
 * ones·X product: the stock kernel transposes X first to reduce its last
 * axes, which costs more than the sum.
 */
function sum(args: KernelArgs): TensorInfo | TensorInfo[] {
  const { x } = args.inputs as Record<string, TensorInfo>;
  const { axis, keepDims } = args.attrs as unknown as SumAttrs;
  const axes = util.parseAxisParam(axis, x.shape).sort((p, q) => p - q);
  const leading = axes.every((v, i) => v === i) && axes.length < x.shape.length;
  const rows = product(x.shape.slice(0, axes.length));
  const columns = product(x.shape.slice(axes.length));
  if (!leading || axes.length === 0 || !allFloat(x) || rows * columns < 4096) {
    return stockKernel(Sum).kernelFunc(args);
  }
  if (ones.length < rows) ones = new Float32Array(rows).fill(1);
  const backend = args.backend as WasmBackendLike;
  const rest = x.shape.slice(axes.length);
  const out = backend.makeOutput(keepDims ? [...axes.map(() => 1), ...rest] : rest, "float32");
  sgemm(dnn(), { m: 1, n: columns, k: rows, transposeA: false, transposeB: false }, {
    a: Deno.UnsafePointer.of(ones),
    b: pointerOf(backend, x),
    c: pointerOf(backend, out),
  });
  return out;
}

/**
 * Identity shares the input's data (as the cpu backend does): the stock
 * wasm kernel copies it, and tfjs never writes a tensor's data in place.
 */
function identity(args: KernelArgs): TensorInfo | TensorInfo[] {
  const { x } = args.inputs as Record<string, TensorInfo>;
  if (x.dtype === "string") return stockKernel(Identity).kernelFunc(args);
  (args.backend as WasmBackendLike).incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

const replacements: KernelConfig[] = [
  { kernelName: Conv2D, backendName: "wasm", kernelFunc: conv2D },
  { kernelName: FusedConv2D, backendName: "wasm", kernelFunc: fusedConv2D },
  { kernelName: Conv2DBackpropInput, backendName: "wasm", kernelFunc: conv2DBackpropInput },
  { kernelName: Conv2DBackpropFilter, backendName: "wasm", kernelFunc: conv2DBackpropFilter },
  { kernelName: BatchMatMul, backendName: "wasm", kernelFunc: batchMatMul },
  { kernelName: MaxPoolGrad, backendName: "wasm", kernelFunc: maxPoolGrad },
  { kernelName: Sum, backendName: "wasm", kernelFunc: sum },
  { kernelName: Identity, backendName: "wasm", kernelFunc: identity },
];

/** The kernel names {@linkcode registerOneDnnKernels} installs. */
export const ONEDNN_KERNELS: readonly string[] = replacements.map((k) => k.kernelName);

/**
 * Loads oneDNN and routes the wasm backend's convolutions and matmuls to it.
 * Returns the oneDNN version, or why it is unavailable (the wasm kernels
 * then stay as they were). `only` limits the replacement to some kernels
 * (benchmarks measure each one's effect).
 */
export function registerOneDnnKernels(options: { only?: string[] } = {}): string | OneDnn {
  const lib = loadOneDnn();
  if (typeof lib === "string") return lib;
  registerWasmTrainingKernels();
  for (const config of replacements) {
    if (!options.only || options.only.includes(config.kernelName)) installKernel(config);
  }
  return lib;
}

/** Puts back the wasm kernels {@linkcode registerOneDnnKernels} replaced. */
export function unregisterOneDnnKernels(): void {
  restoreStockKernel(Conv2D);
  restoreStockKernel(FusedConv2D);
  restoreStockKernel(Sum);
  restoreStockKernel(Identity);
  registerWasmTrainingKernels();
}
