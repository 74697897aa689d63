import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { useBackend } from "../../lib/backend/mod.ts";
import { INFERENCE } from "../../lib/models/model.ts";
import { evaluate } from "../../lib/train/evaluate.ts";
import { batches } from "../../lib/data/batches.ts";
import { tinyData, tinyModel } from "../helpers/tiny.ts";
import { buildVgg } from "../../lib/models/vgg.ts";
import { UNIT_PREPROCESSING } from "../../lib/data/preprocess.ts";
import { createTrainStep } from "../../lib/train/step.ts";

Deno.test("evaluate: counts every image once, confusion rows are the true classes, top-k ≥ top-1", async () => {
  await useBackend("cpu");
  const model = tinyModel(3);
  const data = tinyData(23); // not a multiple of the batch
  const ev = evaluate(model, data, { batchSize: 5 });
  assert.equal(ev.count, 23);
  assert.deepEqual(ev.confusion.map((r) => r.reduce((a, b) => a + b, 0)), [8, 8, 7]);
  // The same predictions computed by hand over one batch of everything.
  const [b] = [
    ...batches(data, {
      batchSize: 23,
      sampler: "sequential",
      size: 8,
      preprocessing: model.preprocessing,
    }),
  ];
  const pred = tf.tidy(() => tf.argMax(model.logits(b.images, INFERENCE), 1).dataSync());
  const hits = data.labels.reduce((n, l, i) => n + (pred[i] === l ? 1 : 0), 0);
  assert.equal(ev.accuracy, hits / 23);
  assert.equal(ev.top5, 1, "3 classes: top-5 always hits");
  assert.equal(ev.metrics.accuracy, ev.accuracy);
  tf.dispose([b.images, b.labels]);
  model.store.dispose();
});

Deno.test("evaluating no images is an error, not an accuracy of NaN", async () => {
  await useBackend("wasm");
  const model = tinyModel(1);
  const empty = { ...tinyData(3), labels: new Int32Array(0), images: new Uint8Array(0) };
  assert.throws(
    () => evaluate(model, empty),
    /the dataset has no images \(an empty test split\?\)/,
  );
  model.store.dispose();
});

Deno.test("labelsOffset (TF-Slim's 1001-class convention): output l + offset is class l; the background output is left out", async () => {
  await useBackend("cpu");
  // 4 outputs: 0 is "background", 1–3 are the dataset's 3 classes.
  const model = buildVgg({ scope: "tiny", blocks: [[4], [8]], fcUnits: [16] }, {
    numClasses: 4,
    inputSize: 8,
    seed: 5,
    preprocessing: UNIT_PREPROCESSING,
    dropoutKeepProb: 1, // training logits equal inference logits
  });
  const data = tinyData(12);
  const ev = evaluate(model, data, { batchSize: 5, labelsOffset: 1 });
  assert.equal(ev.confusion.length, 3, "a 3×3 confusion matrix: the background has no row");
  const [b] = [
    ...batches(data, {
      batchSize: 12,
      sampler: "sequential",
      size: 8,
      preprocessing: model.preprocessing,
    }),
  ];
  const logits = tf.tidy(() => model.logits(b.images, INFERENCE).arraySync() as number[][]);
  const pred = logits.map((row) => row.slice(1).indexOf(Math.max(...row.slice(1))));
  const hits = data.labels.reduce((n, l, i) => n + (pred[i] === l ? 1 : 0), 0);
  assert.equal(ev.accuracy, hits / 12);
  // Training: the loss is the cross-entropy of output label + 1.
  const step = createTrainStep(model, {
    optimizer: tf.train.sgd(0),
    labelsOffset: 1,
    weightDecay: 0,
  });
  const expected = tf.tidy(() =>
    tf.losses.softmaxCrossEntropy(
      tf.oneHot(tf.add(b.labels, tf.scalar(1, "int32")) as tf.Tensor1D, 4),
      tf.tensor2d(logits),
    )
      .dataSync()[0]
  );
  const { loss } = step.run(b.images, b.labels);
  assert.ok(Math.abs(loss - expected) < 1e-5, `${loss} vs ${expected}`);
  assert.throws(
    () => evaluate(model, data, { labelsOffset: 4 }),
    /labelsOffset: expected an integer in \[0, 4\) for tiny's 4 outputs, got 4/,
  );
  tf.dispose([b.images, b.labels]);
  model.store.dispose();
});
