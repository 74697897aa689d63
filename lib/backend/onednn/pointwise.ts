/**
 * 1×1, stride-1, unpadded convolutions, and those whose filter covers the
 * whole input, as plain matrix products: over NHWC data and an HWIO filter
 * they are exactly x[rows×in] · w[in×out], so no filter reorder is needed (VGG's fc6/fc7 as convolutions, ResNet's
 * bottleneck 1×1s). oneDNN's convolution reorders a 64 MiB fc7 filter on
 * every call; sgemm reads it in place.
 *
 * @module
 */
import type { ConvForwardOptions, ConvGeometry } from "./convolution.ts";
import type { OneDnn } from "./library.ts";
import { sgemm } from "./matmul.ts";

function unpadded(g: ConvGeometry): boolean {
  return g.padTop === 0 && g.padBottom === 0 && g.padLeft === 0 && g.padRight === 0;
}

/**
 * The convolution as x[rows×inner] · w[inner×out], or null: a 1×1 stride-1
 * unpadded one (rows = pixels), or one whose filter covers the whole
 * unpadded input (rows = images; VGG's fc6 at 224, a 7×7×512 window: HWIO
 * flattens to exactly the rows of the matrix).
 */
function asMatrix(g: ConvGeometry): { rows: number; inner: number } | null {
  if (!unpadded(g)) return null;
  if (g.filterHeight === 1 && g.filterWidth === 1 && g.strideHeight === 1 && g.strideWidth === 1) {
    return { rows: g.batch * g.inHeight * g.inWidth, inner: g.inChannels };
  }
  const whole = g.filterHeight === g.inHeight && g.filterWidth === g.inWidth &&
    g.outHeight === 1 && g.outWidth === 1 && g.dilationHeight === 1 && g.dilationWidth === 1;
  return whole ? { rows: g.batch, inner: g.inHeight * g.inWidth * g.inChannels } : null;
}

/** True when the convolution is a plain matrix product (see asMatrix). */
export function isPointwise(g: ConvGeometry): boolean {
  return asMatrix(g) !== null;
}

function matrixOf(g: ConvGeometry): { rows: number; inner: number } {
  const m = asMatrix(g);
  if (!m) throw new Error("convolution is not a matrix product");
  return m;
}

/**
 * y = x·w [+ bias] [relu]. The bias is copied into every row of y first and
 * the product added to it; the ReLU runs over y in place.
 */
export function pointwiseForward(
  dnn: OneDnn,
  g: ConvGeometry,
  io: { x: Deno.PointerValue; filter: Deno.PointerValue; y: Float32Array },
  options: ConvForwardOptions & { biasValues?: Float32Array } = {},
): void {
  const { rows, inner } = matrixOf(g), out = g.outChannels;
  const bias = options.biasValues;
  if (bias) {
    io.y.set(bias.subarray(0, out), 0);
    for (let filled = out; filled < rows * out; filled *= 2) {
      io.y.copyWithin(filled, 0, Math.min(filled, rows * out - filled));
    }
  }
  sgemm(dnn, {
    m: rows,
    n: out,
    k: inner,
    transposeA: false,
    transposeB: false,
    accumulate: bias !== undefined,
  }, { a: io.x, b: io.filter, c: Deno.UnsafePointer.of(io.y) });
  if (options.relu) {
    const alpha = options.reluAlpha ?? 0, y = io.y;
    for (let i = 0; i < y.length; i++) if (y[i] < 0) y[i] = alpha === 0 ? 0 : y[i] * alpha;
  }
}

/** dx[rows×in] = dy[rows×out] · wᵀ. */
export function pointwiseBackwardData(
  dnn: OneDnn,
  g: ConvGeometry,
  io: { dy: Deno.PointerValue; filter: Deno.PointerValue; dx: Deno.PointerValue },
): void {
  const { rows, inner } = matrixOf(g);
  sgemm(dnn, {
    m: rows,
    n: inner,
    k: g.outChannels,
    transposeA: false,
    transposeB: true,
  }, { a: io.dy, b: io.filter, c: io.dx });
}

/** dw[in×out] = xᵀ · dy[rows×out]. */
export function pointwiseBackwardFilter(
  dnn: OneDnn,
  g: ConvGeometry,
  io: { x: Deno.PointerValue; dy: Deno.PointerValue; dFilter: Deno.PointerValue },
): void {
  const { rows, inner } = matrixOf(g);
  sgemm(dnn, {
    m: inner,
    n: g.outChannels,
    k: rows,
    transposeA: true,
    transposeB: false,
  }, { a: io.x, b: io.dy, c: io.dFilter });
}
