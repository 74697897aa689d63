import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { useBackend } from "../../lib/backend/mod.ts";
import { batches } from "../../lib/data/batches.ts";
import { loadFashionMnist } from "../../lib/data/fashion_mnist.ts";
import { UNIT_PREPROCESSING } from "../../lib/data/preprocess.ts";
import { takePerClass } from "../../lib/data/split.ts";
import { buildVgg } from "../../lib/models/vgg.ts";
import { createTrainStep } from "../../lib/train/step.ts";
import { oneDnnOr } from "../helpers/onednn.ts";

for (const backend of ["wasm", "onednn"] as const) {
  Deno.test({
    name: `a small VGG trains on real Fashion-MNIST on ${backend}: loss falls, tensors stay flat`,
    ignore: backend === "onednn" && !oneDnnOr(),
  }, async () => {
    await useBackend(backend);
    const { dataset } = await loadFashionMnist();
    const data = takePerClass(dataset, 40);
    const model = buildVgg("small", { numClasses: 10, inputSize: 32, seed: 1 });
    const step = createTrainStep(model, { optimizer: tf.train.adam(1e-3) });
    const losses: number[] = [];
    let tensorsAfterFirst = -1;
    for (let epoch = 0; epoch < 3; epoch++) {
      for (
        const b of batches(data, {
          batchSize: 32,
          size: 32,
          seed: 7,
          epoch,
          preprocessing: UNIT_PREPROCESSING,
        })
      ) {
        losses.push(step.run(b.images, b.labels).loss);
        tf.dispose([b.images, b.labels]);
        if (tensorsAfterFirst < 0) tensorsAfterFirst = tf.memory().numTensors;
        assert.equal(
          tf.memory().numTensors,
          tensorsAfterFirst,
          `tensor count at step ${losses.length}`,
        );
      }
    }
    const first = losses.slice(0, 3).reduce((a, b) => a + b) / 3;
    const last = losses.slice(-3).reduce((a, b) => a + b) / 3;
    assert.ok(losses.every(Number.isFinite));
    assert.ok(last < first * 0.8, `loss ${first.toFixed(3)} → ${last.toFixed(3)}`);
    model.store.dispose();
  });
}
