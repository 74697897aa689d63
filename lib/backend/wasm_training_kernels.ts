/**
 * Training kernels for the tfjs wasm backend.
 *
 * The stock wasm backend has no `Conv2DBackpropFilter` (a CNN cannot train),
 * its `Conv2DBackpropInput` is a scalar loop, and its transposed matmuls are
 * an order of magnitude slower than the plain form. Each kernel here is built
 * from the backend's own fast kernels (XNNPACK convolution, transpose, pad,
 * slice, plain matmul), so gradients run at forward-convolution speed.
 *
 * @module
 */
import {
  AvgPoolGrad,
  backend_util,
  BatchMatMul,
  type BatchMatMulAttrs,
  Cast,
  type CastAttrs,
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  DepthwiseConv2dNativeBackpropFilter,
  type DepthwiseConv2dNativeBackpropFilterAttrs,
  DepthwiseConv2dNativeBackpropInput,
  type DepthwiseConv2dNativeBackpropInputAttrs,
  Identity,
  type KernelConfig,
  type KernelFunc,
  MaxPoolGrad,
  type MaxPoolGradAttrs,
  type NamedAttrMap,
  type TensorInfo,
} from "@tensorflow/tfjs";
import {
  installKernel,
  restoreStockKernel,
  stockKernel,
  type WasmBackendLike,
} from "./kernel_registry.ts";

type KernelArgs = Parameters<KernelFunc>[0];

type Run = (
  name: string,
  inputs: Record<string, TensorInfo>,
  attrs?: NamedAttrMap,
) => TensorInfo;

/**
 * Runs `body` with a `run` function that calls stock wasm kernels and frees
 * every intermediate result except the one `body` returns.
 */
function withScratch(
  backend: WasmBackendLike,
  body: (run: Run) => TensorInfo,
): TensorInfo {
  const scratch: TensorInfo[] = [];
  const run: Run = (name, inputs, attrs = {}) => {
    const out = stockKernel(name).kernelFunc({ inputs, attrs, backend }) as
      | TensorInfo
      | TensorInfo[];
    const info = Array.isArray(out) ? out[0] : out;
    scratch.push(info);
    return info;
  };
  const result = body(run);
  for (const info of scratch) {
    if (info !== result) backend.disposeData(info.dataId);
  }
  return result;
}

/**
 * Pads (positive amounts) or crops (negative amounts) the spatial axes of an
 * NHWC tensor.
 */
function padOrCrop(
  run: Run,
  x: TensorInfo,
  top: number,
  bottom: number,
  left: number,
  right: number,
): TensorInfo {
  let out = x;
  const cropTop = Math.max(0, -top), cropBottom = Math.max(0, -bottom);
  const cropLeft = Math.max(0, -left), cropRight = Math.max(0, -right);
  if (cropTop || cropBottom || cropLeft || cropRight) {
    const [n, h, w, c] = out.shape;
    out = run("Slice", { x: out }, {
      begin: [0, cropTop, cropLeft, 0],
      size: [n, h - cropTop - cropBottom, w - cropLeft - cropRight, c],
    });
  }
  const padTop = Math.max(0, top), padBottom = Math.max(0, bottom);
  const padLeft = Math.max(0, left), padRight = Math.max(0, right);
  if (padTop || padBottom || padLeft || padRight) {
    out = run("PadV2", { x: out }, {
      paddings: [[0, 0], [padTop, padBottom], [padLeft, padRight], [0, 0]],
      constantValue: 0,
    });
  }
  return out;
}

function convInfoOf(
  xShape: number[],
  filterShape: number[],
  attrs: Conv2DBackpropFilterAttrs | Conv2DBackpropInputAttrs,
): backend_util.Conv2DInfo {
  const { strides, pad, dataFormat, dimRoundingMode } = attrs;
  if (dataFormat && dataFormat !== "NHWC") {
    throw new Error(
      `wasm training kernels support dataFormat NHWC only, got ${dataFormat}`,
    );
  }
  return backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
  );
}

/**
 * dW[a,b,ci,co] = sum over n,i,j of xpad[n, i*s+a, j*s+b, ci] * dy[n,i,j,co]:
 * a stride-1 convolution, dilated by the forward stride, of x seen as
 * [Ci, H, W, N] with dy seen as a [Ho, Wo, N, Co] filter.
 */
function conv2DBackpropFilter(
  { inputs, backend, attrs = {} }: KernelArgs,
): TensorInfo {
  const x = inputs.x!, dy = inputs.dy!;
  const a = attrs as unknown as Conv2DBackpropFilterAttrs;
  const info = convInfoOf(x.shape, a.filterShape, a);
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const [, h, w] = x.shape;
  const [, ho, wo] = dy.shape;
  return withScratch(backend as WasmBackendLike, (run) => {
    const xt = run("Transpose", { x }, { perm: [3, 1, 2, 0] });
    // Rows beyond kh + (ho-1)*sh never meet the filter: crop or zero-pad.
    const xp = padOrCrop(
      run,
      xt,
      top,
      kh + (ho - 1) * sh - h - top,
      left,
      kw + (wo - 1) * sw - w - left,
    );
    const f = run("Transpose", { x: dy }, { perm: [1, 2, 0, 3] });
    const g = run("Conv2D", { x: xp, filter: f }, {
      strides: [1, 1],
      pad: "valid",
      dataFormat: "NHWC",
      dilations: [sh, sw],
    });
    return run("Transpose", { x: g }, { perm: [1, 2, 0, 3] });
  });
}

/**
 * dx = a stride-1 VALID convolution of dy (zero-upsampled by the stride,
 * padded by kernel-1-pad) with the spatially flipped, in/out-swapped filter.
 */
function conv2DBackpropInput(
  { inputs, backend, attrs = {} }: KernelArgs,
): TensorInfo {
  const dy = inputs.dy!, filter = inputs.filter!;
  const a = attrs as unknown as Conv2DBackpropInputAttrs;
  const info = convInfoOf(a.inputShape, filter.shape, a);
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const [n, h, w] = a.inputShape;
  const [, ho, wo, co] = dy.shape;
  return withScratch(backend as WasmBackendLike, (run) => {
    let up = dy;
    if (sh > 1 || sw > 1) {
      // Insert stride-1 zeros after every row/column, then drop the tail.
      const r = run("Reshape", { x: dy }, { shape: [n, ho, 1, wo, 1, co] });
      const p = run("PadV2", { x: r }, {
        paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]],
        constantValue: 0,
      });
      const r2 = run("Reshape", { x: p }, {
        shape: [n, ho * sh, wo * sw, co],
      });
      up = run("Slice", { x: r2 }, {
        begin: [0, 0, 0, 0],
        size: [n, (ho - 1) * sh + 1, (wo - 1) * sw + 1, co],
      });
    }
    const upH = (ho - 1) * sh + 1, upW = (wo - 1) * sw + 1;
    const padded = padOrCrop(
      run,
      up,
      kh - 1 - top,
      h + top - upH,
      kw - 1 - left,
      w + left - upW,
    );
    const flipped = run("Reverse", { x: filter }, { dims: [0, 1] });
    const swapped = run("Transpose", { x: flipped }, { perm: [0, 1, 3, 2] });
    return run("Conv2D", { x: padded, filter: swapped }, {
      strides: [1, 1],
      pad: "valid",
      dataFormat: "NHWC",
      dilations: [1, 1],
    });
  });
}

/**
 * Matmul with transposed operands materialises the transpose first: the
 * wasm kernel is fast only for the plain layout (21 vs ~1 GFLOP/s measured).
 */
function batchMatMul(
  { inputs, backend, attrs = {} }: KernelArgs,
): TensorInfo {
  const a = inputs.a!, b = inputs.b!;
  const { transposeA, transposeB } = attrs as unknown as BatchMatMulAttrs;
  return withScratch(backend as WasmBackendLike, (run) => {
    const swapLast = (t: TensorInfo) => {
      const perm = t.shape.map((_, i) => i);
      const r = perm.length;
      [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
      return run("Transpose", { x: t }, { perm });
    };
    return run(BatchMatMul, {
      a: transposeA ? swapLast(a) : a,
      b: transposeB ? swapLast(b) : b,
    }, { transposeA: false, transposeB: false });
  });
}

/** The pooling geometry of a pooling kernel or its gradient (its input and attributes). */
export function poolGradInfo(input: TensorInfo, attrs: NamedAttrMap): backend_util.Conv2DInfo {
  const a = attrs as unknown as MaxPoolGradAttrs;
  return backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    a.filterSize,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
  );
}

/**
 * Max-pool gradient with TF's semantics: each window's gradient goes to the
 * first maximum in scan order, padding never wins. The stock wasm kernel
 * routes it to the wrong cell when a whole window is negative (seen with
 * tfjs-backend-wasm 4.22: a 2×2 window of negatives sends it to the corner).
 */
function maxPoolGrad({ inputs, backend, attrs = {} }: KernelArgs): TensorInfo {
  const dy = inputs.dy!, input = inputs.input!;
  const info = poolGradInfo(input, attrs);
  const wasm = backend as WasmBackendLike;
  // Allocate first: growing the wasm heap would detach earlier views.
  const out = wasm.makeOutput(input.shape, "float32");
  const x = wasm.typedArrayFromHeap(input);
  const g = wasm.typedArrayFromHeap(dy);
  const dx = wasm.typedArrayFromHeap(out);
  dx.fill(0);
  const { batchSize, inHeight, inWidth, inChannels: c, outHeight, outWidth } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const { top, left } = info.padInfo;
  for (let b = 0; b < batchSize; b++) {
    const xb = b * inHeight * inWidth * c;
    for (let oy = 0; oy < outHeight; oy++) {
      const y0 = Math.max(0, oy * sh - top), y1 = Math.min(inHeight, oy * sh - top + fh);
      for (let ox = 0; ox < outWidth; ox++) {
        const x0 = Math.max(0, ox * sw - left), x1 = Math.min(inWidth, ox * sw - left + fw);
        const gBase = ((b * outHeight + oy) * outWidth + ox) * c;
        for (let ch = 0; ch < c; ch++) {
          let best = -Infinity, at = -1;
          for (let y = y0; y < y1; y++) {
            for (let xx = x0; xx < x1; xx++) {
              const idx = xb + (y * inWidth + xx) * c + ch;
              if (x[idx] > best || at < 0) {
                best = x[idx];
                at = idx;
              }
            }
          }
          if (at >= 0) dx[at] += g[gBase + ch];
        }
      }
    }
  }
  return out;
}

/**
 * Both depthwise gradients in one scan over every (output position, tap)
 * pair: dx[b, iy, ix, c] += w[fy, fx, c, q] * dy[b, oy, ox, c·m + q] and
 * dw[fy, fx, c, q] += x[b, iy, ix, c] * dy[b, oy, ox, c·m + q], where
 * (iy, ix) is the input pixel tap (fy, fx) of output (oy, ox) reads. Stock
 * wasm has neither kernel; oneDNN's grouped convolution replaces these
 * where it loads.
 */
function depthwiseGrad(
  info: backend_util.Conv2DInfo,
  dy: Float32Array,
  data: { x?: Float32Array; w?: Float32Array; dx?: Float32Array; dw?: Float32Array },
): void {
  const { batchSize, inHeight, inWidth, inChannels: c, outHeight, outWidth } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const { dilationHeight: dh, dilationWidth: dw_, outChannels } = info;
  const m = outChannels / c, { top, left } = info.padInfo;
  const { x, w, dx, dw } = data;
  for (let b = 0; b < batchSize; b++) {
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++) {
        const gBase = ((b * outHeight + oy) * outWidth + ox) * outChannels;
        for (let fy = 0; fy < fh; fy++) {
          const iy = oy * sh - top + fy * dh;
          if (iy < 0 || iy >= inHeight) continue;
          for (let fx = 0; fx < fw; fx++) {
            const ix = ox * sw - left + fx * dw_;
            if (ix < 0 || ix >= inWidth) continue;
            const xBase = ((b * inHeight + iy) * inWidth + ix) * c;
            const wBase = (fy * fw + fx) * outChannels;
            for (let ch = 0; ch < c; ch++) {
              for (let q = 0; q < m; q++) {
                const o = ch * m + q, g = dy[gBase + o];
                if (dx) dx[xBase + ch] += w![wBase + o] * g;
                if (dw) dw[wBase + o] += x![xBase + ch] * g;
              }
            }
          }
        }
      }
    }
  }
}

function depthwiseInfo(
  xShape: readonly number[],
  filterShape: readonly number[],
  a: DepthwiseConv2dNativeBackpropInputAttrs | DepthwiseConv2dNativeBackpropFilterAttrs,
): backend_util.Conv2DInfo {
  return backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    a.strides,
    a.dilations,
    a.pad,
    a.dimRoundingMode,
    true,
  );
}

function depthwiseBackpropInput({ inputs, backend, attrs = {} }: KernelArgs): TensorInfo {
  const a = attrs as unknown as DepthwiseConv2dNativeBackpropInputAttrs;
  const dy = inputs.dy!, filter = inputs.filter!;
  const info = depthwiseInfo(a.inputShape, filter.shape, a);
  const wasm = backend as WasmBackendLike;
  // Allocate first: growing the wasm heap would detach earlier views.
  const out = wasm.makeOutput([...a.inputShape], "float32");
  const dx = wasm.typedArrayFromHeap(out);
  dx.fill(0);
  depthwiseGrad(info, wasm.typedArrayFromHeap(dy), { w: wasm.typedArrayFromHeap(filter), dx });
  return out;
}

function depthwiseBackpropFilter({ inputs, backend, attrs = {} }: KernelArgs): TensorInfo {
  const a = attrs as unknown as DepthwiseConv2dNativeBackpropFilterAttrs;
  const x = inputs.x!, dy = inputs.dy!;
  const info = depthwiseInfo(x.shape, a.filterShape, a);
  const wasm = backend as WasmBackendLike;
  const out = wasm.makeOutput([...a.filterShape], "float32");
  const dw = wasm.typedArrayFromHeap(out);
  dw.fill(0);
  depthwiseGrad(info, wasm.typedArrayFromHeap(dy), { x: wasm.typedArrayFromHeap(x), dw });
  return out;
}

/**
 * Average-pool gradient with TF's semantics: each window's gradient is
 * shared by the inputs inside it, divided by their number (padding is not
 * counted, as in the forward pass). tfjs' kernels divide by the whole window
 * size, which is wrong at the borders of SAME pools (Inception's).
 */
export function avgPoolGradInto(
  info: backend_util.Conv2DInfo,
  dy: Float32Array,
  dx: Float32Array,
): void {
  const { batchSize, inHeight, inWidth, inChannels: c, outHeight, outWidth } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const { top, left } = info.padInfo;
  dx.fill(0);
  for (let b = 0; b < batchSize; b++) {
    for (let oy = 0; oy < outHeight; oy++) {
      const y0 = Math.max(0, oy * sh - top), y1 = Math.min(inHeight, oy * sh - top + fh);
      for (let ox = 0; ox < outWidth; ox++) {
        const x0 = Math.max(0, ox * sw - left), x1 = Math.min(inWidth, ox * sw - left + fw);
        const count = (y1 - y0) * (x1 - x0);
        if (count <= 0) continue;
        const g = ((b * outHeight + oy) * outWidth + ox) * c;
        for (let y = y0; y < y1; y++) {
          for (let x = x0; x < x1; x++) {
            const d = ((b * inHeight + y) * inWidth + x) * c;
            for (let ch = 0; ch < c; ch++) dx[d + ch] += dy[g + ch] / count;
          }
        }
      }
    }
  }
}

function avgPoolGrad({ inputs, backend, attrs = {} }: KernelArgs): TensorInfo {
  const dy = inputs.dy!, input = inputs.input!;
  const info = poolGradInfo(input, attrs);
  const wasm = backend as WasmBackendLike;
  const out = wasm.makeOutput([...input.shape], "float32");
  avgPoolGradInto(info, wasm.typedArrayFromHeap(dy), wasm.typedArrayFromHeap(out));
  return out;
}

/**
 * Identity shares the input's data (as the cpu backend does): the stock
 * wasm kernel copies it, and tfjs never writes a tensor's data in place.
 */
function identity({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const x = inputs.x!;
  if (x.dtype === "string") {
    return stockKernel(Identity).kernelFunc({ inputs, backend, attrs }) as TensorInfo;
  }
  (backend as WasmBackendLike).incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

/** A cast to the same dtype (ReLU's gradient does one per step) shares the data too. */
function cast(args: KernelArgs): TensorInfo {
  const { dtype } = args.attrs as unknown as CastAttrs;
  if (args.inputs.x!.dtype === dtype) return identity(args);
  return stockKernel(Cast).kernelFunc(args) as TensorInfo;
}

const replacements: KernelConfig[] = [
  { kernelName: Conv2DBackpropFilter, backendName: "wasm", kernelFunc: conv2DBackpropFilter },
  { kernelName: Conv2DBackpropInput, backendName: "wasm", kernelFunc: conv2DBackpropInput },
  { kernelName: BatchMatMul, backendName: "wasm", kernelFunc: batchMatMul },
  { kernelName: MaxPoolGrad, backendName: "wasm", kernelFunc: maxPoolGrad },
  { kernelName: AvgPoolGrad, backendName: "wasm", kernelFunc: avgPoolGrad },
  {
    kernelName: DepthwiseConv2dNativeBackpropInput,
    backendName: "wasm",
    kernelFunc: depthwiseBackpropInput,
  },
  {
    kernelName: DepthwiseConv2dNativeBackpropFilter,
    backendName: "wasm",
    kernelFunc: depthwiseBackpropFilter,
  },
  { kernelName: Identity, backendName: "wasm", kernelFunc: identity },
  { kernelName: Cast, backendName: "wasm", kernelFunc: cast },
];

/** The kernel names {@linkcode registerWasmTrainingKernels} installs. */
export const WASM_TRAINING_KERNELS: readonly string[] = replacements.map((k) => k.kernelName);

/**
 * Our wasm implementation of a training kernel (`Conv2DBackpropFilter`,
 * ...), for faster kernels that fall back to it on shapes they do not take.
 */
export function wasmTrainingKernel(name: string): KernelFunc {
  const config = replacements.find((k) => k.kernelName === name);
  if (!config) throw new Error(`no wasm training kernel named '${name}'`);
  return config.kernelFunc;
}

/**
 * Registers (or replaces) the wasm training kernels. Safe to call more than
 * once. Call after importing `@tensorflow/tfjs-backend-wasm` and before the
 * first training step; the backend need not be initialised yet. `only`
 * limits the replacement to some kernels and puts the stock ones back for
 * the rest (for benchmarks that measure each kernel's effect).
 */
export function registerWasmTrainingKernels(options: { only?: string[] } = {}): void {
  for (const config of replacements) {
    if (!options.only || options.only.includes(config.kernelName)) installKernel(config);
    else restoreStockKernel(config.kernelName);
  }
}
