import assert from "node:assert/strict";
import {
  stackedReceptiveField,
  stackVsSingle,
  vggParameters,
  vggReceptiveField,
} from "../../lib/lab/architecture.ts";
import { parameterCount } from "../../lib/models/model.ts";
import { buildVgg, VGG_CONFIGS, vggLayerPlan } from "../../lib/models/vgg.ts";

Deno.test("vggParameters counts what buildVgg allocates (same layer plan)", () => {
  for (const key of ["small", "A", "A-LRN", "C"]) {
    const m = buildVgg(key, { inputSize: 32, numClasses: 7 });
    const p = vggParameters(key, { inputSize: 32, numClasses: 7 });
    assert.equal(p.total, parameterCount(m), key);
    assert.equal(p.weightLayers, m.store.list().filter((v) => v.name.endsWith("/weights")).length);
    m.store.dispose();
  }
  // The paper's VGG-16 at 224: 138,357,544 parameters, 14.7M of them in convs.
  const d = vggParameters("D");
  assert.equal(d.total, 138_357_544);
  assert.equal(d.conv, 14_714_688);
  assert.equal(d.weightLayers, 16);
});

Deno.test("the layer plan: fc6 covers the final map, fc8 is linear, LRN only in A-LRN", () => {
  const plan = vggLayerPlan(VGG_CONFIGS.D, { inputSize: 224, numClasses: 10 });
  const convs = plan.filter((l) => l.kind === "conv");
  const fc6 = convs.find((l) => l.name === "vgg_16/fc6")!;
  assert.deepEqual([fc6.kernel, fc6.padding, fc6.inChannels], [7, "VALID", 512]);
  assert.deepEqual([convs.at(-1)!.name, convs.at(-1)!.relu, convs.at(-1)!.outChannels], [
    "vgg_16/fc8",
    false,
    10,
  ]);
  assert.equal(plan.filter((l) => l.kind === "pool").length, 5);
  assert.equal(vggLayerPlan(VGG_CONFIGS["A-LRN"]).filter((l) => l.kind === "lrn").length, 1);
  assert.throws(
    () => vggLayerPlan(VGG_CONFIGS.D, { inputSize: 16 }),
    /too small for 5 pooling stages/,
  );
});

Deno.test("stacked 3×3 convs: receptive field and weights vs one large conv", () => {
  assert.equal(stackedReceptiveField(3), 7);
  assert.deepEqual(stackVsSingle(3, 256), {
    field: 7,
    stacked: 3 * 9 * 256 * 256,
    single: 49 * 256 * 256,
  });
});

Deno.test("receptive fields of VGG A–E at pool5, from the plan (the paper's stacks: A 150, D 212, E 268)", () => {
  assert.equal(vggReceptiveField("A"), 150);
  assert.equal(vggReceptiveField("C"), 156, "C's 1×1 convolutions add nothing over B");
  assert.equal(vggReceptiveField("B"), 156);
  assert.equal(vggReceptiveField("D"), 212);
  assert.equal(vggReceptiveField("E"), 268);
  assert.equal(vggParameters("D").receptiveField, 212);
});
