/**
 * Uint8 images to model input in plain JS (no tfjs, so decode workers can
 * use it): augmentation and normalisation in one table-driven pass.
 *
 * @module
 */
import type { AugmentationDraw, Preprocessing } from "./preprocess.ts";

/**
 * One uint8 HWC image (gray tiled to RGB) to model input at `out[at..]`, in
 * one JS pass: the drawn augmentation (shift with zero padding, flip), then
 * {@linkcode toModelInput}'s `(x − mean) · scale` in float32 and channel
 * order, bit-identical to the tfjs ops and far cheaper than them on a large
 * batch (100 images at 224: tens of milliseconds instead of hundreds).
 */
export function imageToModelInput(
  src: Uint8Array,
  shape: [number, number, number],
  preprocessing: Preprocessing,
  draw: AugmentationDraw | undefined,
  out: Float32Array,
  at: number,
): void {
  const [h, w, c] = shape;
  const [t0, t1, t2] = lookupTables(preprocessing);
  const [c0, c1, c2] = c === 1
    ? [0, 0, 0]
    : preprocessing.channelOrder === "BGR"
    ? [2, 1, 0]
    : [0, 1, 2];
  const dy = draw?.dy ?? 0, dx = draw?.dx ?? 0, flip = draw?.flip ?? false;
  let o = at;
  for (let y = 0; y < h; y++) {
    const sy = y + dy;
    const inside = sy >= 0 && sy < h;
    for (let x = 0; x < w; x++, o += 3) {
      const sx = (flip ? w - 1 - x : x) + dx;
      if (!inside || sx < 0 || sx >= w) {
        out[o] = t0[0];
        out[o + 1] = t1[0];
        out[o + 2] = t2[0];
      } else {
        const s = (sy * w + sx) * c;
        out[o] = t0[src[s + c0]];
        out[o + 1] = t1[src[s + c1]];
        out[o + 2] = t2[src[s + c2]];
      }
    }
  }
}

const tables = new WeakMap<Preprocessing, Float32Array[]>();

/** Per output channel, the model input of each byte value: `fround(fround(v − mean) · scale)`. */
function lookupTables(p: Preprocessing): Float32Array[] {
  let t = tables.get(p);
  if (!t) {
    const f = Math.fround;
    const order = p.channelOrder === "BGR" ? [2, 1, 0] : [0, 1, 2];
    t = order.map((k) =>
      Float32Array.from({ length: 256 }, (_, v) => f(v - f(p.means[k])) * f(p.scale))
    );
    tables.set(p, t);
  }
  return t;
}
