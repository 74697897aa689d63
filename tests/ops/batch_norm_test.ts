import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { useBackend } from "../../lib/backend/mod.ts";
import { batchNorm, type ForwardContext } from "../../lib/models/layers.ts";
import { fusedBatchNormAvailable } from "../../lib/ops/batch_norm.ts";
import { VariableStore } from "../../lib/models/variables.ts";
import { oneDnnOr } from "../helpers/onednn.ts";

const TRAIN: ForwardContext = { training: true, isFrozen: () => false };
const FROZEN: ForwardContext = { training: true, isFrozen: (n) => n.startsWith("t/") };
let counter = 0;

/**
 * One batch-norm layer's output, input/scale/shift gradients and updated
 * moving statistics, in training (or frozen) mode, on the active backend.
 */
function run(relu: boolean, ctx: ForwardContext): Float32Array[] {
  const store = new VariableStore(1);
  const bn = batchNorm(store, "t", 6, { relu });
  for (const v of store.list()) {
    const shift = v.name.endsWith("variance") ? 1.5 : v.name.endsWith("gamma") ? 1 : 0;
    v.variable.assign(tf.add(tf.randomUniform(v.variable.shape, 0, 0.5, "float32", 9), shift));
  }
  const init = tf.randomNormal([3, 5, 4, 6], 0.3, 2, "float32", 7);
  const x = tf.variable(init, true, `bn-test-x-${counter++}`) as unknown as tf.Tensor4D;
  init.dispose();
  const dy = tf.randomNormal([3, 5, 4, 6], 0, 1, "float32", 8);
  const gamma = store.get("t/BatchNorm/gamma"), beta = store.get("t/BatchNorm/beta");
  const vars = [x, gamma, beta] as tf.Variable[];
  const { value, grads: named } = tf.variableGrads(
    () => tf.sum(tf.mul(bn(x, ctx), dy)) as tf.Scalar,
    ctx.isFrozen("t/BatchNorm/gamma") ? [vars[0]] : vars,
  );
  const grads = vars.map((v) => named[v.name] ?? tf.zerosLike(v));
  const y = tf.tidy(() => bn(x, { ...ctx, training: false }));
  const out = [
    value,
    ...grads,
    store.get("t/BatchNorm/moving_mean"),
    store.get("t/BatchNorm/moving_variance"),
    y,
  ].map((t) => t.dataSync().slice() as Float32Array);
  tf.dispose([x, dy, value, ...grads, y]);
  store.dispose();
  return out;
}

function close(a: Float32Array, b: Float32Array, what: string) {
  assert.equal(a.length, b.length, what);
  let scale = 1e-6, err = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]));
    err = Math.max(err, Math.abs(a[i] - b[i]));
  }
  assert.ok(err / scale < 2e-5, `${what}: relative error ${err / scale}`);
}

for (const backend of ["onednn", "wasm"] as const) {
  for (const relu of [false, true]) {
    Deno.test({
      name: `[${backend}] fused batch norm${relu ? " + ReLU" : ""} matches tfjs' ops: output, ` +
        `gradients, moving statistics`,
      ignore: !oneDnnOr(),
      fn: async () => {
        await useBackend("cpu");
        const ref = run(relu, TRAIN);
        await useBackend(backend);
        assert.ok(fusedBatchNormAvailable(), "fused kernel registered");
        const got = run(relu, TRAIN);
        const names = ["loss", "dx", "dgamma", "dbeta", "moving mean", "moving variance", "y"];
        names.forEach((n, i) => close(got[i], ref[i], n));
      },
    });
  }
}

Deno.test({
  name: "[onednn] frozen batch norm keeps its statistics and still passes gradients to x",
  ignore: !oneDnnOr(),
  fn: async () => {
    await useBackend("cpu");
    const ref = run(true, FROZEN);
    await useBackend("onednn");
    const got = run(true, FROZEN);
    ["loss", "dx"].forEach((n, i) => close(got[i], ref[i], n));
    close(got[4], ref[4], "moving mean unchanged");
    close(got[6], ref[6], "inference output");
  },
});
