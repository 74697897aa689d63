/**
 * Slice, pad, step and cast for the `onednn` backend as block copies and tight
 * loops over typed arrays. tfjs' cpu kernels compute an index per element
 * through generic buffers (ResNet-V1-50 at 224: slices, the gradient of its
 * strided convolutions' explicit padding, took half of a step).
 *
 * @module
 */
import {
  backend_util,
  Cast,
  type CastAttrs,
  type KernelFunc,
  PadV2,
  type PadV2Attrs,
  Slice,
  slice_util,
  type SliceAttrs,
  SplitV,
  type SplitVAttrs,
  Step,
  type StepAttrs,
  type TensorInfo,
} from "@tensorflow/tfjs";
import type { NamedKernel } from "./fallback.ts";
import {
  allFloat,
  arrayOf,
  type KernelArgs,
  output,
  outputs,
  product,
  stockFor,
} from "./memory.ts";

function stridesOf(shape: number[]): number[] {
  const strides = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

/**
 * Copies the box `size` at `begin` of `from` (shape `fromShape`) into `to`
 * at `at` (shape `toShape`), one contiguous run of the innermost axes at a
 * time.
 */
function copyBox(
  from: { data: Float32Array; shape: number[]; begin: number[] },
  to: { data: Float32Array; shape: number[]; begin: number[] },
  size: number[],
): void {
  const rank = size.length;
  if (product(size) === 0) return;
  // Innermost axes where the box spans both arrays whole merge into one run.
  let k = rank - 1;
  while (k > 0 && size[k] === from.shape[k] && size[k] === to.shape[k]) k--;
  const fs = stridesOf(from.shape), ts = stridesOf(to.shape);
  const run = size[k] * fs[k];
  const index = new Array<number>(k).fill(0);
  for (;;) {
    let src = (from.begin[k] ?? 0) * fs[k], dst = (to.begin[k] ?? 0) * ts[k];
    for (let d = 0; d < k; d++) {
      src += (from.begin[d] + index[d]) * fs[d];
      dst += (to.begin[d] + index[d]) * ts[d];
    }
    to.data.set(from.data.subarray(src, src + run), dst);
    let d = k - 1;
    while (d >= 0 && ++index[d] === size[d]) index[d--] = 0;
    if (d < 0) return;
  }
}

function slice(args: KernelArgs): TensorInfo | TensorInfo[] {
  const { x } = args.inputs as Record<string, TensorInfo>;
  const a = args.attrs as unknown as SliceAttrs;
  if (!allFloat(x) || x.shape.length === 0) return stockFor(args, Slice)(args);
  const [begin, size] = slice_util.parseSliceParams(x, a.begin, a.size);
  slice_util.assertParamsValid(x, begin, size);
  if (size.some((d) => d === 0)) return stockFor(args, Slice)(args);
  const backend = args.backend;
  return output(backend, size, (out) => {
    copyBox(
      { data: arrayOf(backend, x), shape: x.shape, begin },
      { data: arrayOf(backend, out), shape: size, begin: size.map(() => 0) },
      size,
    );
  });
}

/**
 * Split along an axis as block copies (the gradient of every channel concat:
 * Inception's blocks concatenate their branches, so each backward pass splits
 * the gradient; the cpu kernel took 7.7 of 14 s of an Inception-V3 step).
 */
function splitV(args: KernelArgs): TensorInfo | TensorInfo[] {
  const { x } = args.inputs as Record<string, TensorInfo>;
  const { numOrSizeSplits, axis } = args.attrs as unknown as SplitVAttrs;
  if (!allFloat(x) || x.shape.length === 0) return stockFor(args, SplitV)(args);
  const $axis = axis < 0 ? axis + x.shape.length : axis;
  const sizes = backend_util.prepareSplitSize(x, numOrSizeSplits, $axis);
  const shapes = sizes.map((n) => x.shape.map((d, i) => (i === $axis ? n : d)));
  const backend = args.backend;
  return outputs(backend, shapes, (outs) => {
    let offset = 0;
    outs.forEach((out, i) => {
      const begin = x.shape.map((_, d) => (d === $axis ? offset : 0));
      copyBox(
        { data: arrayOf(backend, x), shape: x.shape, begin },
        { data: arrayOf(backend, out), shape: shapes[i], begin: shapes[i].map(() => 0) },
        shapes[i],
      );
      offset += sizes[i];
    });
  });
}

function padV2(args: KernelArgs): TensorInfo | TensorInfo[] {
  const { x } = args.inputs as Record<string, TensorInfo>;
  const { paddings, constantValue } = args.attrs as unknown as PadV2Attrs;
  if (!allFloat(x) || x.shape.length === 0) return stockFor(args, PadV2)(args);
  const outShape = x.shape.map((d, i) => paddings[i][0] + d + paddings[i][1]);
  const backend = args.backend;
  return output(backend, outShape, (out) => {
    const data = arrayOf(backend, out);
    data.fill(constantValue);
    copyBox(
      { data: arrayOf(backend, x), shape: x.shape, begin: x.shape.map(() => 0) },
      { data, shape: outShape, begin: paddings.map((p) => p[0]) },
      x.shape,
    );
  });
}

function step(args: KernelArgs): TensorInfo | TensorInfo[] {
  const { x } = args.inputs as Record<string, TensorInfo>;
  const { alpha } = args.attrs as unknown as StepAttrs;
  if (!allFloat(x)) return stockFor(args, Step)(args);
  const backend = args.backend;
  return output(backend, x.shape, (out) => {
    const xs = arrayOf(backend, x), ys = arrayOf(backend, out);
    // As tfjs: NaN stays NaN, positive → 1, else alpha.
    for (let i = 0; i < xs.length; i++) ys[i] = xs[i] > 0 ? 1 : xs[i] !== xs[i] ? NaN : alpha;
  });
}

/**
 * int32/bool → float32 with data of its own: tfjs' cpu cast keeps the
 * Int32Array under the float32 tensor, which no float kernel can read.
 */
function cast(args: KernelArgs): TensorInfo | TensorInfo[] {
  const { x } = args.inputs as Record<string, TensorInfo>;
  const { dtype } = args.attrs as unknown as CastAttrs;
  if (
    dtype !== "float32" || (x.dtype !== "int32" && x.dtype !== "bool") || product(x.shape) === 0
  ) {
    return stockFor(args, Cast)(args);
  }
  const backend = args.backend;
  const values = (backend as { data: { get(id: object): { values: ArrayLike<number> } } }).data
    .get(x.dataId).values;
  return output(backend, x.shape, (out) => arrayOf(backend, out).set(values));
}

/** The kernels, for the `onednn` host only (wasm's own are compiled code). */
export const COPY_KERNELS: readonly NamedKernel[] = [
  [Slice, slice as KernelFunc],
  [SplitV, splitV as KernelFunc],
  [PadV2, padV2 as KernelFunc],
  [Step, step as KernelFunc],
  [Cast, cast as KernelFunc],
];
