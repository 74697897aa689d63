/** The frugal backward pass gives tfjs' own gradients, bit for bit, on every zoo model; and frees. */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { resetTensorPeak, tensorPeakBytes, useBackend } from "../../lib/backend/mod.ts";
import { buildModel, MODEL_NAMES } from "../../lib/models/mod.ts";
import { frugalBackpropActive, useFrugalBackprop } from "../../lib/ops/mod.ts";
import { oneDnnOr } from "../helpers/onednn.ts";

const onednn = oneDnnOr();

/** Every variable's gradient of a training-mode loss at batch 2, and the pass's tensor peak. */
function gradients(
  name: string,
  size: number,
): { names: string[]; grads: Float32Array[]; peak?: number } {
  const model = buildModel(name, { numClasses: 5, inputSize: size });
  try {
    let peak: number | undefined;
    let names: string[] = [];
    // tidy returns the gradient tensors only: it walks a returned container element by element.
    const tensors = tf.tidy(() => {
      const x = tf.randomUniform([2, size, size, 3], -1, 1, "float32", 7) as tf.Tensor4D;
      const labels = tf.oneHot(tf.tensor1d([1, 3], "int32"), 5);
      const named = model.store.list().filter((v) => !v.isStatistic);
      const vars = named.map((v) => v.variable);
      resetTensorPeak();
      const { grads } = tf.variableGrads(() => {
        const logits = model.logits(x, { training: true, isFrozen: () => false, seed: 3 });
        return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
      }, vars);
      peak = tensorPeakBytes();
      // Variables off the path to the logits (an unused auxiliary head) have no gradient.
      const kept = named.filter((v) => grads[v.variable.name]);
      names = kept.map((v) => v.name);
      return kept.map((v) => grads[v.variable.name]);
    });
    const grads = tensors.map((t) => t.dataSync() as Float32Array);
    tf.dispose(tensors);
    return { names, grads, peak };
  } finally {
    model.store.dispose();
  }
}

// One model of each builder, at the smallest input it takes.
const FAMILIES: [string, number][] = [
  ["small_vgg", 32],
  ["alexnet_v2", 67],
  ["vgg_16", 32],
  ["vgg_a_lrn", 32],
  ["resnet_v1_50", 32],
  ["resnet_v2_50", 32],
  ["inception_v1", 32],
  ["inception_v2", 32],
  ["inception_v3", 107],
  ["mobilenet_v1_025", 32],
  ["mobilenet_v2", 32],
];

Deno.test({
  name: "frugal backprop: tfjs' own gradients, bitwise, on every zoo model; off means off",
  sanitizeResources: false,
}, async () => {
  await useBackend(onednn ? "onednn" : "cpu", { log: () => {} });
  try {
    for (const [name, size] of FAMILIES) {
      assert.ok(MODEL_NAMES.includes(name), name);
      useFrugalBackprop(false);
      assert.equal(frugalBackpropActive(), false);
      const theirs = gradients(name, size);
      useFrugalBackprop(true);
      assert.equal(frugalBackpropActive(), true);
      const ours = gradients(name, size);
      assert.deepEqual(ours.names, theirs.names, name);
      assert.ok(ours.names.length > 2, name);
      ours.grads.forEach((g, i) => {
        assert.ok(
          g.length === theirs.grads[i].length &&
            g.every((v, j) => Object.is(v, theirs.grads[i][j])),
          `${name}: gradient ${i} differs`,
        );
      });
      // Freed as it goes: a lower peak where the backend measures it.
      if (ours.peak !== undefined && name === "small_vgg") {
        assert.ok(ours.peak < theirs.peak!, `${name}: peak ${ours.peak} vs tfjs' ${theirs.peak}`);
      }
    }
  } finally {
    useFrugalBackprop(true);
  }
});
