/** A tiny model and dataset that train in milliseconds, for engine tests. */
import type { ImageDataset } from "../../lib/data/dataset.ts";
import { UNIT_PREPROCESSING } from "../../lib/data/preprocess.ts";
import { buildVgg } from "../../lib/models/vgg.ts";
import { seededRandom } from "../../lib/util/random.ts";

export function tinyModel(seed = 1) {
  return buildVgg({ scope: "tiny", blocks: [[4], [8]], fcUnits: [16] }, {
    numClasses: 3,
    inputSize: 8,
    seed,
    preprocessing: UNIT_PREPROCESSING,
  });
}

/** 40 images of 8×8 whose class sets the brightness of one channel. */
export function tinyData(n = 40): ImageDataset {
  const random = seededRandom(42);
  const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
  const images = new Uint8Array(n * 8 * 8 * 3);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < 64; p++) {
      for (let c = 0; c < 3; c++) {
        images[(i * 64 + p) * 3 + c] = Math.floor(random() * 100) + (c === labels[i] ? 120 : 0);
      }
    }
  }
  return { images, labels, height: 8, width: 8, channels: 3, classNames: ["r", "g", "b"] };
}
