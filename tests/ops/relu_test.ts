import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { useBackend } from "../../lib/backend/mod.ts";
import { relu6 } from "../../lib/ops/relu.ts";
import { oneDnnOr } from "../helpers/onednn.ts";

// Large enough for the oneDNN kernels (they take ≥ 32768 elements), with exact 0s and 6s.
const N = 40_000;
const values = Float32Array.from(
  { length: N },
  (_, i) => i % 97 === 0 ? 0 : i % 89 === 0 ? 6 : ((i * 7919) % 1000) / 60 - 4,
);

async function relu6AndGrad(): Promise<[Float32Array, Float32Array]> {
  const x = tf.tensor1d(values);
  const dy = tf.tensor1d(values.map((_, i) => (i % 13) - 6));
  const y = relu6(x);
  const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(relu6(t), dy)))(x);
  const out: [Float32Array, Float32Array] = [
    await y.data() as Float32Array,
    await dx.data() as Float32Array,
  ];
  tf.dispose([x, dy, y, dx]);
  return out;
}

for (const backend of ["wasm", "onednn"] as const) {
  Deno.test({
    name: `[${backend}] relu6 and its gradient equal tfjs' (cpu), 0 < x ≤ 6 passing the gradient`,
    ignore: backend === "onednn" && !oneDnnOr(),
  }, async () => {
    await useBackend("cpu");
    const x = tf.tensor1d(values);
    const dy = tf.tensor1d(values.map((_, i) => (i % 13) - 6));
    const refY = await tf.relu6(x).data();
    const refDx = await tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.relu6(t), dy)))(x).data();
    tf.dispose([x, dy]);
    await useBackend(backend);
    const [y, dx] = await relu6AndGrad();
    assert.deepEqual(y, refY);
    assert.deepEqual(dx, refDx);
    // The boundaries: no gradient at 0, the gradient at exactly 6 (as tfjs).
    assert.ok(dx[0] === 0, `${dx[0]}`); // -0 or 0
    assert.equal(dx[89], (89 % 13) - 6);
    if (backend === "onednn") assert.ok(tf.getKernel("TLRelu6Grad", "onednn"), "our kernel ran");
  });
}
