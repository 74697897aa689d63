/**
 * 1×1, stride-1, unpadded convolutions as plain matrix products: over NHWC
 * data and an HWIO filter they are exactly x[rows×in] · w[in×out], so no
 * filter reorder is needed (VGG's fc6/fc7 as convolutions, ResNet's
 * bottleneck 1×1s). oneDNN's convolution reorders a 64 MiB fc7 filter on
 * every call; sgemm reads it in place.
 *
 * @module
 */
import type { ConvForwardOptions, ConvGeometry } from "./convolution.ts";
import type { OneDnn } from "./library.ts";
import { sgemm } from "./matmul.ts";

/** True when the convolution is a 1×1, stride-1, unpadded one. */
export function isPointwise(g: ConvGeometry): boolean {
  return g.filterHeight === 1 && g.filterWidth === 1 && g.strideHeight === 1 &&
    g.strideWidth === 1 && g.padTop === 0 && g.padBottom === 0 && g.padLeft === 0 &&
    g.padRight === 0;
}

function rowsOf(g: ConvGeometry): number {
  return g.batch * g.inHeight * g.inWidth;
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
  const rows = rowsOf(g), out = g.outChannels;
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
    k: g.inChannels,
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
  sgemm(dnn, {
    m: rowsOf(g),
    n: g.inChannels,
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
  sgemm(dnn, {
    m: g.inChannels,
    n: g.outChannels,
    k: rowsOf(g),
    transposeA: true,
    transposeB: false,
  }, { a: io.x, b: io.dy, c: io.dFilter });
}
