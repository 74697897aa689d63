import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { useBackend } from "../../lib/backend/select.ts";
import { logitsHead } from "../../lib/models/logits_head.ts";
import { VariableStore } from "../../lib/models/variables.ts";

Deno.test("logitsHead: VALID average pool, dropout in training only, a linear 1×1 conv with biases", async () => {
  await useBackend("cpu");
  const store = new VariableStore(3);
  const head = logitsHead(store, "Net/Logits/Conv2d_1c_1x1", {
    channels: 4,
    numClasses: 3,
    poolSize: 2,
    keepProb: 0.5,
    init: { kind: "truncated_normal", stddev: 0.5 },
  });
  assert.deepEqual(head.variables, [
    "Net/Logits/Conv2d_1c_1x1/weights",
    "Net/Logits/Conv2d_1c_1x1/biases",
  ]);
  store.get("Net/Logits/Conv2d_1c_1x1/biases").assign(tf.tensor1d([0.5, -1, 2]));
  const x = tf.randomNormal([2, 3, 3, 4], 0, 1, "float32", 5) as tf.Tensor4D;
  const inference = { training: false, isFrozen: () => false };
  const y = head(x, inference);
  // A 2×2 window over a 3×3 map, stride 1: 2×2 positions.
  assert.deepEqual(y.shape, [2, 2, 2, 3]);
  const w = store.get("Net/Logits/Conv2d_1c_1x1/weights").reshape([4, 3]);
  const pooled = tf.avgPool(x, 2, 1, "valid").reshape([8, 4]);
  const expected = tf.add(tf.matMul(pooled, w), tf.tensor1d([0.5, -1, 2]));
  const got = y.reshape([8, 3]).arraySync() as number[][];
  (expected.arraySync() as number[][]).forEach((row, i) =>
    row.forEach((v, j) =>
      assert.ok(Math.abs(v - got[i][j]) < 1e-5, `${i},${j}: ${got[i][j]} vs ${v}`)
    )
  );
  assert.ok(got.flat().some((v) => v < 0), "linear: negative logits survive");
  // Training with keepProb 0.5 drops half the pooled features (seeded), so the logits change.
  const trained = head(x, { ...inference, training: true, seed: 1 });
  const diff = tf.max(tf.abs(tf.sub(trained, y))).dataSync()[0];
  assert.ok(diff > 1e-3, `dropout changed the logits by ${diff}`);
  tf.dispose([x, y, w, pooled, expected, trained]);
  store.dispose();
});
