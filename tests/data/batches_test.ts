import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { useBackend } from "../../lib/backend/mod.ts";
import { batches, epochOrder } from "../../lib/data/batches.ts";
import { classCounts, type ImageDataset } from "../../lib/data/dataset.ts";
import {
  augmentImage,
  toModelInput,
  UNIT_PREPROCESSING,
  VGG_PREPROCESSING,
} from "../../lib/data/preprocess.ts";
import { stratifiedSplit, takePerClass } from "../../lib/data/split.ts";

function dataset(counts: number[], h = 4, w = 4, c = 3): ImageDataset {
  const n = counts.reduce((a, b) => a + b, 0);
  const labels = new Int32Array(n);
  let at = 0;
  counts.forEach((k, cls) => labels.fill(cls, at, at += k));
  const images = Uint8Array.from({ length: n * h * w * c }, (_, i) => i % 251);
  return {
    images,
    labels,
    height: h,
    width: w,
    channels: c,
    classNames: counts.map((_, i) => `c${i}`),
  };
}

Deno.test("shuffling is a permutation fixed by seed and epoch", () => {
  const ds = dataset([10, 10, 10]);
  const a = epochOrder(ds, { batchSize: 4, seed: 3, epoch: 1 });
  const b = epochOrder(ds, { batchSize: 4, seed: 3, epoch: 1 });
  const c = epochOrder(ds, { batchSize: 4, seed: 3, epoch: 2 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.deepEqual(Array.from(a).sort((x, y) => x - y), Array.from({ length: 30 }, (_, i) => i));
});

Deno.test("the balanced sampler draws classes uniformly from imbalanced data", () => {
  const ds = dataset([1000, 20, 5]);
  const order = epochOrder(ds, { batchSize: 8, sampler: "balanced", seed: 1 });
  const counts = [0, 0, 0];
  for (const i of order) counts[ds.labels[i]]++;
  for (const k of counts) assert.ok(Math.abs(k / order.length - 1 / 3) < 0.05, `counts ${counts}`);
});

Deno.test("stratified split keeps class proportions; takePerClass caps each class", () => {
  const ds = dataset([100, 40, 10]);
  const { train, validation } = stratifiedSplit(ds, { validationFraction: 0.2, seed: 5 });
  assert.deepEqual(classCounts(validation), [20, 8, 2]);
  assert.deepEqual(classCounts(train), [80, 32, 8]);
  assert.deepEqual(classCounts(takePerClass(ds, 7)), [7, 7, 7]);
  assert.throws(
    () => stratifiedSplit(ds, { validationFraction: 1.5 }),
    /validation fraction must be in \(0, 1\)/,
  );
});

Deno.test("augmentation: flip mirrors rows, crop padding shifts with zero fill", () => {
  const src = Uint8Array.from({ length: 2 * 3 * 1 }, (_, i) => i + 1); // [[1,2,3],[4,5,6]]
  const out = new Uint8Array(6);
  augmentImage(src, out, [2, 3, 1], { flip: true }, () => 0.1);
  assert.deepEqual(Array.from(out), [3, 2, 1, 6, 5, 4]);
  // random()=0 → dy=dx=-pad: the image moves down-right by one pixel.
  augmentImage(src, out, [2, 3, 1], { cropPadding: 1 }, () => 0);
  assert.deepEqual(Array.from(out), [0, 0, 0, 0, 1, 2]);
});

Deno.test("model input: gray→RGB, bilinear resize, VGG means, BGR, unit scaling", async () => {
  await useBackend("wasm");
  const gray = tf.tensor4d([100, 100, 100, 100], [1, 2, 2, 1], "int32");
  const x = toModelInput(gray, { size: 4 });
  assert.deepEqual(x.shape, [1, 4, 4, 3]);
  const v = x.dataSync();
  assert.ok(Math.abs(v[0] - (100 - 123.68)) < 1e-4 && Math.abs(v[2] - (100 - 103.94)) < 1e-4);
  const bgr = toModelInput(tf.tensor4d([10, 20, 30], [1, 1, 1, 3], "int32"), {
    preprocessing: { ...VGG_PREPROCESSING, means: [0, 0, 0], channelOrder: "BGR" },
  });
  assert.deepEqual(Array.from(bgr.dataSync()), [30, 20, 10]);
  const unit = toModelInput(tf.tensor4d([255, 0, 51], [1, 1, 1, 3], "int32"), {
    preprocessing: UNIT_PREPROCESSING,
  });
  assert.deepEqual(Array.from(unit.dataSync()).map((t) => +t.toFixed(5)), [1, 0, 0.2]);
  tf.dispose([gray, x, bgr, unit]);
});

Deno.test("batches stream at 224×224 without holding the resized dataset; tensors stay flat", async () => {
  await useBackend("wasm");
  const ds = dataset([40, 40], 32, 32, 3);
  const before = tf.memory().numTensors;
  let seen = 0;
  for (
    const b of batches(ds, {
      batchSize: 16,
      size: 224,
      seed: 1,
      augment: { flip: true, cropPadding: 4 },
    })
  ) {
    assert.deepEqual(b.images.shape, [b.labels.shape[0], 224, 224, 3]);
    seen += b.labels.shape[0];
    tf.dispose([b.images, b.labels]);
    assert.equal(tf.memory().numTensors, before);
  }
  assert.equal(seen, 80);
  const skipped = [
    ...batches(ds, { batchSize: 16, seed: 1, skipBatches: 3, augment: { flip: true } }),
  ];
  const full = [...batches(ds, { batchSize: 16, seed: 1, augment: { flip: true } })];
  assert.equal(skipped.length, 2);
  // Resuming mid-epoch reproduces the same (augmented) batches.
  assert.deepEqual(skipped[0].images.dataSync(), full[3].images.dataSync());
  for (const b of [...skipped, ...full]) tf.dispose([b.images, b.labels]);
});
