/**
 * tfjs' convolution attributes as oneDNN geometry: output sizes, padding
 * (with the trailing pad that tfjs' ceil rounding implies), depthwise.
 *
 * @module
 */
import { backend_util, type Conv2DAttrs } from "@tensorflow/tfjs";
import type { ConvGeometry } from "./convolution.ts";

/**
 * Bottom/right padding that makes oneDNN's output-size formula (floor)
 * give tfjs' output size: with `dimRoundingMode: "ceil"` the last window
 * hangs over the edge, which tfjs reads as zeros (conv) or skips (pool).
 */
export function trailingPad(info: backend_util.Conv2DInfo, axis: "Height" | "Width"): number {
  const given = axis === "Height" ? info.padInfo.bottom : info.padInfo.right;
  const before = axis === "Height" ? info.padInfo.top : info.padInfo.left;
  const reach = (info[`out${axis}`] - 1) * info[`stride${axis}`] +
    (info[`effectiveFilter${axis}`] - 1) + 1;
  return Math.max(given, reach - info[`in${axis}`] - before);
}

/** The oneDNN geometry of a tfjs convolution call (`depthwise`: TF's depthwise_conv2d). */
export function geometryOf(
  xShape: number[],
  filterShape: number[],
  attrs: { strides: number | [number, number]; pad: unknown; dimRoundingMode?: unknown },
  dilations: number | [number, number] = 1,
  depthwise = false,
): ConvGeometry {
  const info = backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    dilations,
    attrs.pad as Conv2DAttrs["pad"],
    attrs.dimRoundingMode as Conv2DAttrs["dimRoundingMode"],
    depthwise,
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
    padBottom: trailingPad(info, "Height"),
    padLeft: info.padInfo.left,
    padRight: trailingPad(info, "Width"),
    ...(depthwise ? { depthwise } : {}),
  };
}

/** True for NHWC (the only layout these kernels take). */
export function channelsLast(format: string | undefined): boolean {
  return !format || format === "NHWC" || format === "channelsLast";
}
