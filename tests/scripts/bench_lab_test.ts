import assert from "node:assert/strict";
import { LAB_CASES, measureLabCase } from "../../scripts/bench_lab.ts";
import { oneDnnOr } from "../helpers/onednn.ts";

Deno.test("the lab-size cases: the lab's four configurations, then MobileNet-V1 and Inception-V3 at native size", () => {
  assert.deepEqual(LAB_CASES.map((c) => c.key), [
    "vgg_16@224/fc6-fc8/b32",
    "vgg_16@224/fc6-fc8/b100",
    "vgg_16@224/all/b8",
    "resnet_v1_50@224/all/b32",
    "mobilenet_v1@224/all/b32",
    "inception_v3@299/all/b16",
  ]);
  assert.equal(LAB_CASES[5].size, 299);
  assert.deepEqual(LAB_CASES[0].trainable, ["vgg_16/fc6", "vgg_16/fc7", "vgg_16/fc8"]);
  assert.equal(LAB_CASES[2].trainable, undefined);
});

Deno.test({
  name: "a lab case measures rate, FLOPs, per-step peak tensors (flat) and peak RSS",
  ignore: !oneDnnOr(),
  fn: async () => {
    const r = await measureLabCase({
      key: "small_vgg@32/all/b4",
      model: "small_vgg",
      batch: 4,
      torch: "-",
      size: 32,
    }, 0.2);
    assert.match(r.backend, /^onednn /);
    assert.ok(r.steps >= 2 && r.trainImagesPerSecond > 0);
    assert.ok(r.trainFlopsPerImage > 1e7, `${r.trainFlopsPerImage} FLOPs`);
    assert.ok(
      Math.abs(r.trainGflops - (r.trainFlopsPerImage * r.trainImagesPerSecond) / 1e9) < 1e-9,
    );
    assert.equal(r.stepPeakTensorBytes.length, r.steps);
    assert.equal(new Set(r.stepPeakTensorBytes).size, 1, "peak tensor bytes flat across steps");
    assert.ok(r.peakRssBytes > r.stepPeakTensorBytes[0]);
  },
});
