import assert from "node:assert/strict";
import { RESNET_V1_CONFIGS } from "../../lib/models/resnet.ts";
import { VGG_CONFIGS } from "../../lib/models/vgg.ts";
import { buildModel, MODEL_NAMES, ZOO, zooDefaults } from "../../lib/models/mod.ts";
import { PRETRAINED } from "../../lib/models/pretrained.ts";
import { INCEPTION_PREPROCESSING, VGG_PREPROCESSING } from "../../lib/data/mod.ts";

Deno.test("the zoo: every family by its TF-Slim name, each built with its own scope and head", () => {
  const vggScopes = Object.values(VGG_CONFIGS).map((s) => s.scope);
  for (const name of [...vggScopes, ...Object.keys(RESNET_V1_CONFIGS)]) {
    assert.ok(MODEL_NAMES.includes(name), name);
  }
  const heads: [string, number, string, string][] = [
    ["vgg_a_lrn", 32, "vgg_a_lrn", "vgg_a_lrn/fc8"],
    ["small_vgg", 32, "small_vgg", "small_vgg/fc8"],
    ["alexnet_v2", 67, "alexnet_v2", "alexnet_v2/fc8"],
    ["inception_v1", 32, "InceptionV1", "InceptionV1/Logits"],
    ["inception_v2", 32, "InceptionV2", "InceptionV2/Logits"],
    ["inception_v3", 107, "InceptionV3", "InceptionV3/Logits"],
    ["resnet_v2_50", 32, "resnet_v2_50", "resnet_v2_50/logits"],
    ["mobilenet_v1_050", 32, "MobilenetV1", "MobilenetV1/Logits"],
    ["mobilenet_v2_140", 32, "MobilenetV2", "MobilenetV2/Logits"],
  ];
  for (const [name, size, scope, head] of heads) {
    const m = buildModel(name, { numClasses: 4, inputSize: size });
    assert.equal(m.scope, scope, name);
    assert.equal(m.headScope, head, name);
    assert.ok(m.store.list().some((v) => v.name.startsWith(`${head}/`)), `${name}: ${head} exists`);
    m.store.dispose();
  }
  assert.throws(
    () => buildModel("inception_v4", { numClasses: 4, inputSize: 32 }),
    /unknown model 'inception_v4': expected one of alexnet_v2, inception_v1, /,
  );
});

Deno.test("the registry: each model's defaults are what its builder builds, one family table", () => {
  assert.deepEqual(MODEL_NAMES, [...ZOO.keys()]);
  assert.equal(MODEL_NAMES.length, new Set(MODEL_NAMES).size, "no name twice");
  for (const name of MODEL_NAMES) {
    const d = zooDefaults(name);
    // Inception V3 needs at least 75 pixels; small sizes keep this quick.
    const m = buildModel(name, { numClasses: 3, inputSize: d.family === "inception" ? 107 : 67 });
    try {
      assert.equal(m.headScope, d.headScope, name);
      assert.equal(m.preprocessing, d.preprocessing, `${name}: preprocessing`);
      assert.equal(m.weightDecay, d.weightDecay, `${name}: weight decay`);
    } finally {
      m.store.dispose();
    }
    const c = PRETRAINED[name];
    assert.equal(d.nativeSize, c?.inputSize ?? 224, name);
    assert.equal(d.labelsOffset, c?.classes === 1001 ? 1 : 0, name);
    const published = c?.preprocessing === "inception"
      ? INCEPTION_PREPROCESSING
      : VGG_PREPROCESSING;
    if (c) assert.equal(d.preprocessing, published, `${name}: the checkpoint's preprocessing`);
  }
  assert.equal(zooDefaults("inception_v3").nativeSize, 299);
  assert.equal(zooDefaults("mobilenet_v2_140").labelsOffset, 1);
  assert.equal(zooDefaults("vgg_16").weightDecay, 5e-4);
  assert.equal(
    zooDefaults("resnet_v2_50").preprocessing,
    zooDefaults("inception_v1").preprocessing,
  );
  assert.throws(() => zooDefaults("vgg_17"), /unknown model 'vgg_17'/);
});

Deno.test("the docs' zoo table lists every model the zoo builds, with its TF-Slim checkpoint", async () => {
  const doc = await Deno.readTextFile(new URL("../../docs/models.md", import.meta.url));
  const table = doc.slice(doc.indexOf("## Models and checkpoints"));
  assert.ok(table.length < doc.length, "docs/models.md has its zoo section");
  for (const name of MODEL_NAMES) {
    // Rows list variants as `resnet_v1_50` / `_101` or `mobilenet_v1`, `_075`.
    const short = name.replace(/^.*?(_\d+)$/, "$1");
    assert.ok(table.includes(`\`${name}\``) || table.includes(`\`${short}\``), name);
  }
  for (const [name, c] of Object.entries(PRETRAINED)) {
    assert.ok(MODEL_NAMES.includes(name), `${name} is in the zoo`);
    if (name.endsWith("_50") || !/_\d+$/.test(name) || name.startsWith("vgg")) {
      assert.ok(table.includes(c.archive) || table.includes(c.checkpoint), `${name}: ${c.archive}`);
    }
  }
});

Deno.test("the same seed builds the same initial weights in every family (first variable included)", () => {
  // alexnet_v2 (truncated normal), resnet_v1_50 (variance scaling), small_vgg (Glorot).
  for (
    const [name, size] of [["alexnet_v2", 67], ["resnet_v1_50", 32], ["small_vgg", 32]] as const
  ) {
    const [a, b] = [0, 1].map(() => buildModel(name, { numClasses: 4, inputSize: size }));
    const va = a.store.list(), vb = b.store.list();
    for (let i = 0; i < va.length; i++) {
      const [x, y] = [va[i].variable.dataSync(), vb[i].variable.dataSync()];
      assert.ok(x.every((v, j) => v === y[j]), `${name}: ${va[i].name} differs between builds`);
    }
    const other = buildModel(name, { numClasses: 4, inputSize: size, seed: 5 });
    assert.notDeepEqual(other.store.list()[0].variable.dataSync(), va[0].variable.dataSync());
    for (const m of [a, b, other]) m.store.dispose();
  }
});
