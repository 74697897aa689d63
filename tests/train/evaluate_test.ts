import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { useBackend } from "../../lib/backend/mod.ts";
import { INFERENCE } from "../../lib/models/model.ts";
import { evaluate } from "../../lib/train/evaluate.ts";
import { batches } from "../../lib/data/batches.ts";
import { tinyData, tinyModel } from "../helpers/tiny.ts";

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
