/**
 * Per-batch preprocessing and augmentation: pixels stay uint8 at native size
 * in memory and become float tensors (resized, normalised) one batch at a time.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Random } from "../util/mod.ts";

/** Input normalisation that belongs with a set of weights. */
export interface Preprocessing {
  /** Per-channel means subtracted from 0–255 pixels, in the model's channel order's RGB sense. */
  means: [number, number, number];
  /** Multiplier applied after mean subtraction (1 for VGG / ResNet-V1, 1/255 for [0,1]). */
  scale: number;
  /** Channel order the weights expect. */
  channelOrder: "RGB" | "BGR";
}

/** VGG and ResNet-V1 as TF-Slim trained them: RGB minus the ImageNet means, no scaling. */
export const VGG_PREPROCESSING: Preprocessing = {
  means: [123.68, 116.78, 103.94],
  scale: 1,
  channelOrder: "RGB",
};

/**
 * VGG means, then divided by 58 (about ImageNet's pixel standard deviation):
 * unit-scale inputs for networks trained here from scratch, so a new head
 * starts with small logits.
 */
export const STANDARDIZED_PREPROCESSING: Preprocessing = {
  means: [123.68, 116.78, 103.94],
  scale: 1 / 58,
  channelOrder: "RGB",
};

/**
 * Inception-style preprocessing (TF-Slim's Inception, MobileNet and
 * ResNet-V2 checkpoints): pixels scaled to [-1, 1], RGB.
 */
export const INCEPTION_PREPROCESSING: Preprocessing = {
  means: [127.5, 127.5, 127.5],
  scale: 1 / 127.5,
  channelOrder: "RGB",
};

/** Pixels scaled to [0, 1]. */
export const UNIT_PREPROCESSING: Preprocessing = {
  means: [0, 0, 0],
  scale: 1 / 255,
  channelOrder: "RGB",
};

/** Augmentation applied to uint8 images before resizing. */
export interface Augmentation {
  /** Random horizontal flip with probability 0.5. */
  flip?: boolean;
  /** Pad by this many zero pixels on each side, then crop back at a random offset. */
  cropPadding?: number;
}

/** One image's augmentation draw: crop offsets and a flip. */
export interface AugmentationDraw {
  /** Vertical shift of the padded crop. */
  dy: number;
  /** Horizontal shift of the padded crop. */
  dx: number;
  /** Mirror horizontally. */
  flip: boolean;
}

/** Draws one image's augmentation; the number of `random()` calls depends on `aug` only. */
export function drawAugmentation(aug: Augmentation, random: Random): AugmentationDraw {
  const pad = aug.cropPadding ?? 0;
  const dy = pad > 0 ? Math.floor(random() * (2 * pad + 1)) - pad : 0;
  const dx = pad > 0 ? Math.floor(random() * (2 * pad + 1)) - pad : 0;
  const flip = aug.flip ? random() < 0.5 : false;
  return { dy, dx, flip };
}

/** Augments one HWC uint8 image into `out` (same size as `src`): draw, then apply. */
export function augmentImage(
  src: Uint8Array,
  out: Uint8Array,
  shape: [number, number, number],
  aug: Augmentation,
  random: Random,
): void {
  const [h, w, c] = shape;
  const { dy, dx, flip } = drawAugmentation(aug, random);
  for (let y = 0; y < h; y++) {
    const sy = y + dy;
    for (let x = 0; x < w; x++) {
      const sx0 = flip ? w - 1 - x : x;
      const sx = sx0 + dx;
      const o = (y * w + x) * c;
      if (sy < 0 || sy >= h || sx < 0 || sx >= w) {
        out.fill(0, o, o + c);
      } else {
        const s = (sy * w + sx) * c;
        for (let k = 0; k < c; k++) out[o + k] = src[s + k];
      }
    }
  }
}

/** Options of {@linkcode toModelInput}. */
export interface ToModelInputOptions {
  /** Square output size; default: keep the input size. */
  size?: number;
  /** Normalisation; default VGG. */
  preprocessing?: Preprocessing;
}

/**
 * Turns a uint8 batch [B,H,W,C] (C = 1 or 3) into model input: grayscale
 * tiled to RGB, bilinear resize (as the lab's 32→224), mean subtraction and
 * scaling, channel order.
 */
export function toModelInput(
  batch: tf.Tensor4D,
  options: ToModelInputOptions = {},
): tf.Tensor4D {
  const p = options.preprocessing ?? VGG_PREPROCESSING;
  return tf.tidy(() => {
    let x = tf.cast(batch, "float32") as tf.Tensor4D;
    if (x.shape[3] === 1) x = tf.tile(x, [1, 1, 1, 3]);
    const size = options.size;
    if (size && (x.shape[1] !== size || x.shape[2] !== size)) {
      x = tf.image.resizeBilinear(x, [size, size], false, true);
    }
    x = tf.mul(tf.sub(x, tf.tensor1d(p.means)), p.scale) as tf.Tensor4D;
    if (p.channelOrder === "BGR") x = tf.reverse(x, 3);
    return x;
  });
}
