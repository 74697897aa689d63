import assert from "node:assert/strict";
import { checkDepthMultiplier, slimDepth } from "../../lib/models/depth_multiplier.ts";
import { buildModel } from "../../lib/models/zoo.ts";
import { buildInceptionV3 } from "../../lib/models/inception_v3.ts";
import { buildMobilenetV1 } from "../../lib/models/mobilenet_v1.ts";
import { buildMobilenetV2 } from "../../lib/models/mobilenet_v2.ts";
import { buildInceptionV2 } from "../../lib/models/inception_v2.ts";

Deno.test("slimDepth is TF-Slim's max(int(d × multiplier), min_depth)", () => {
  const depth = slimDepth("m", { multiplier: 0.75, minDepth: 8 });
  // int() truncates: 0.75 × 13 = 9.75 → 9; 0.75 × 10 = 7.5 → 7, held at 8.
  assert.deepEqual([13, 10, 64, 1024].map(depth), [9, 8, 48, 768]);
  assert.equal(slimDepth("m", { multiplier: 1.4, minDepth: 16 })(5), 16);
  assert.equal(checkDepthMultiplier("m", 0.25), 0.25);
});

Deno.test("every family with a depth multiplier rejects one ≤ 0 or NaN, naming the model", () => {
  const builders: [string, (m: number) => unknown][] = [
    ["InceptionV2", (m) => buildInceptionV2({ depthMultiplier: m, inputSize: 32 })],
    ["InceptionV3", (m) => buildInceptionV3({ depthMultiplier: m, inputSize: 107 })],
    ["MobileNet-V1", (m) => buildMobilenetV1({ depthMultiplier: m, inputSize: 32 })],
    ["MobileNet-V2", (m) => buildMobilenetV2({ depthMultiplier: m, inputSize: 32 })],
  ];
  for (const [model, build] of builders) {
    for (const bad of [0, -0.5, NaN]) {
      assert.throws(
        () => build(bad),
        new RegExp(`^Error: ${model}: depthMultiplier must be > 0, got ${bad}$`),
      );
    }
  }
  // The zoo's named multipliers go through the same function: ×0.25 of 32 is held at min_depth 8.
  const m = buildModel("mobilenet_v1_025", { numClasses: 4, inputSize: 32 });
  const conv0 = m.store.list().find((v) => v.name === "MobilenetV1/Conv2d_0/weights");
  assert.deepEqual(conv0?.variable.shape, [3, 3, 3, 8]);
  m.store.dispose();
});
