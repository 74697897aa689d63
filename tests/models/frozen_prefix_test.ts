import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { useBackend } from "../../lib/backend/mod.ts";
import { splitFrozenPrefix } from "../../lib/models/frozen_prefix.ts";
import { buildModel } from "../../lib/models/zoo.ts";
import { oneDnnOr } from "../helpers/onednn.ts";

Deno.test("frozen prefix of the zoo: VGG-16 fc6–fc8 stops at pool5, ResNet's logits at the pool", () => {
  const vgg = buildModel("vgg_16", { numClasses: 10, inputSize: 32 });
  const v = splitFrozenPrefix(vgg, (n) => !n.startsWith("vgg_16/fc"));
  assert.ok(!("reason" in v));
  assert.deepEqual(v.featureShape, [1, 1, 512]);
  assert.equal(v.variables.at(-1), "vgg_16/conv5/conv5_3/biases");
  vgg.store.dispose();
  const resnet = buildModel("resnet_v1_50", { numClasses: 10, inputSize: 32 });
  const r = splitFrozenPrefix(resnet, (n) => !n.startsWith("resnet_v1_50/logits"));
  assert.ok(!("reason" in r));
  assert.deepEqual(r.featureShape, [1, 1, 2048]);
  const all = splitFrozenPrefix(resnet, () => false);
  assert.ok("reason" in all, "nothing frozen: no prefix");
  resnet.store.dispose();
});

Deno.test({
  name:
    "frozen prefix: VGG-16 at 224 gives an image the same features alone and in a batch (onednn)",
  ignore: !oneDnnOr(),
  fn: async () => {
    // What makes stored features exact: a row does not depend on the batch it was computed in.
    await useBackend("onednn", { log: () => {} });
    const model = buildModel("vgg_16", { numClasses: 10, inputSize: 224 });
    const isFrozen = (n: string) => !n.startsWith("vgg_16/fc");
    const split = splitFrozenPrefix(model, isFrozen);
    assert.ok(!("reason" in split));
    const ctx = { training: true, isFrozen };
    const x = tf.randomNormal([3, 224, 224, 3], 0, 50, "float32", 7) as tf.Tensor4D;
    const batch = split.features(x, ctx);
    const all = await batch.data() as Float32Array;
    const per = all.length / 3;
    for (let i = 0; i < 3; i++) {
      const image = x.slice(i, 1) as tf.Tensor4D;
      const alone = split.features(image, ctx);
      const one = await alone.data() as Float32Array;
      const k = one.findIndex((v, j) => !Object.is(v, all[i * per + j]));
      assert.equal(k, -1, `image ${i}: feature ${k} ${one[k]} alone vs ${all[i * per + k]}`);
      tf.dispose([image, alone]);
    }
    assert.ok(all.some((v) => v > 0), "features are not all zero");
    tf.dispose([x, batch]);
    model.store.dispose();
  },
});
