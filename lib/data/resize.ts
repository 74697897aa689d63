/**
 * Bilinear resizing of uint8 HWC images in JS, with half-pixel centres (as
 * `tf.image.resizeBilinear(…, halfPixelCenters)`), from any window of the
 * source: stretch, or a crop's window, in one pass. Shrinking by more than
 * 2× would skip source pixels, so JPEGs are first decoded smaller in the
 * DCT domain (`decodeJpeg`'s `atLeast`).
 *
 * @module
 */
import type { ResizeMode } from "./dataset.ts";
import type { AtLeast } from "./turbo_jpeg.ts";

/** A source window `[top, left, height, width]`, in source pixels (fractions allowed). */
export type Window = [number, number, number, number];

interface Taps {
  i0: Int32Array;
  i1: Int32Array;
  w1: Float32Array;
}

function taps(outSize: number, start: number, span: number, inSize: number): Taps {
  const i0 = new Int32Array(outSize), i1 = new Int32Array(outSize), w1 = new Float32Array(outSize);
  const scale = span / outSize;
  for (let o = 0; o < outSize; o++) {
    const s = Math.min(Math.max(start + (o + 0.5) * scale - 0.5, 0), inSize - 1);
    const a = Math.floor(s);
    i0[o] = a;
    i1[o] = Math.min(a + 1, inSize - 1);
    w1[o] = s - a;
  }
  return { i0, i1, w1 };
}

/**
 * Resizes the `window` of a `[h, w, c]` image to `outH × outW` (bilinear),
 * rounding to uint8.
 */
export function resizeBilinear(
  src: Uint8Array,
  shape: [number, number, number],
  outH: number,
  outW: number,
  window: Window = [0, 0, shape[0], shape[1]],
): Uint8Array {
  const [h, w, c] = shape;
  const ys = taps(outH, window[0], window[2], h), xs = taps(outW, window[1], window[3], w);
  const out = new Uint8Array(outH * outW * c);
  const row = w * c;
  let o = 0;
  for (let y = 0; y < outH; y++) {
    const r0 = ys.i0[y] * row, r1 = ys.i1[y] * row, fy = ys.w1[y], gy = 1 - fy;
    for (let x = 0; x < outW; x++) {
      const a = xs.i0[x] * c, b = xs.i1[x] * c, fx = xs.w1[x], gx = 1 - fx;
      // Row weights folded into the four corner weights: one multiply-add per tap.
      const w00 = gx * gy, w01 = fx * gy, w10 = gx * fy, w11 = fx * fy;
      const p00 = r0 + a, p01 = r0 + b, p10 = r1 + a, p11 = r1 + b;
      for (let k = 0; k < c; k++, o++) {
        out[o] = (src[p00 + k] * w00 + src[p01 + k] * w01 + src[p10 + k] * w10 +
          src[p11 + k] * w11 + 0.5) | 0;
      }
    }
  }
  return out;
}

/** The size an image is resized to, and how (see `ImageFiles.resize`). */
export interface Target {
  height: number;
  width: number;
  resize: ResizeMode;
}

/** The ImageNet recipe's crop: shorter side to size / 0.875 (256 for 224), then a size² square. */
function cropShorterSide(t: Target): number {
  return Math.round(Math.max(t.height, t.width) / 0.875);
}

/** The least a decoder must deliver for {@linkcode frameToImage}: the size, or the crop's shorter side. */
export function decodeAtLeast(t: Target): AtLeast {
  return t.resize === "stretch"
    ? { width: t.width, height: t.height }
    : { shorter: cropShorterSide(t) };
}

/**
 * A decoded frame to the target: stretched, or resized with its shorter
 * side to size / 0.875 and cropped (centred, or at `crop`'s fractions of the
 * free room), in one bilinear pass over the output's source window.
 */
export function frameToImage(
  frame: { data: Uint8Array; width: number; height: number },
  channels: number,
  t: Target,
  crop: { fy: number; fx: number } = { fy: 0.5, fx: 0.5 },
): Uint8Array {
  const [h, w] = [t.height, t.width];
  let window: Window = [0, 0, frame.height, frame.width];
  if (t.resize !== "stretch") {
    const scale = cropShorterSide(t) / Math.min(frame.height, frame.width);
    const [rh, rw] = [
      Math.max(h, Math.round(frame.height * scale)),
      Math.max(w, Math.round(frame.width * scale)),
    ];
    const f = t.resize === "random-crop" ? crop : { fy: 0.5, fx: 0.5 };
    const top = Math.min(rh - h, Math.floor(f.fy * (rh - h + 1)));
    const left = Math.min(rw - w, Math.floor(f.fx * (rw - w + 1)));
    const [sy, sx] = [frame.height / rh, frame.width / rw];
    window = [top * sy, left * sx, h * sy, w * sx];
  }
  return resizeBilinear(frame.data, [frame.height, frame.width, channels], h, w, window);
}
