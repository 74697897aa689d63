import assert from "node:assert/strict";
import { RESNET_V1_CONFIGS } from "../../lib/models/resnet.ts";
import { VGG_CONFIGS } from "../../lib/models/vgg.ts";
import { buildModel, MODEL_NAMES } from "../../lib/models/zoo.ts";

Deno.test("the zoo names every VGG column by its TF-Slim scope, and the ResNets", () => {
  const vggScopes = Object.values(VGG_CONFIGS).map((s) => s.scope);
  assert.deepEqual(MODEL_NAMES, [...vggScopes, ...Object.keys(RESNET_V1_CONFIGS)]);
  assert.ok(MODEL_NAMES.includes("vgg_16") && MODEL_NAMES.includes("resnet_v1_50"));
  for (const name of ["vgg_a_lrn", "small_vgg"]) {
    const m = buildModel(name, { numClasses: 4, inputSize: 32 });
    assert.equal(m.scope, name);
    assert.equal(m.headScope, `${name}/fc8`);
    m.store.dispose();
  }
  assert.throws(
    () => buildModel("alexnet_v2", { numClasses: 4, inputSize: 32 }),
    /unknown model 'alexnet_v2': expected one of vgg_a, /,
  );
});
