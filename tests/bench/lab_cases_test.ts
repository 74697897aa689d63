import assert from "node:assert/strict";
import { LAB_CASES, measureLabCase } from "../../lib/bench/mod.ts";
import { oneDnnOr } from "../helpers/onednn.ts";
import { buildModel, MODEL_NAMES } from "../../lib/models/mod.ts";
import { LAB_FIGURE_KEYS } from "../../lib/lab/bench_figures.ts";

Deno.test("the lab-size cases: keys say what they run, the lab's four come first and build", () => {
  for (const c of LAB_CASES) {
    const size = c.size ?? 224;
    const what = c.trainable ? "fc6-fc8" : "all";
    assert.equal(c.key, `${c.model}@${size}/${what}/b${c.batch}`, "the key is the case");
    assert.ok(MODEL_NAMES.includes(c.model), c.model);
    assert.match(
      c.torch,
      new RegExp(`:${c.batch}(:${size})?$`),
      `${c.key}: PyTorch at the same batch`,
    );
    if (c.trainable) {
      // The scopes exist in the model (built small: the names do not depend on the size).
      const m = buildModel(c.model, { numClasses: 10, inputSize: 32 });
      for (const s of c.trainable) {
        assert.ok(m.store.list().some((v) => v.name.startsWith(`${s}/`)), `${c.key}: ${s}`);
      }
      m.store.dispose();
    }
  }
  // The lab's settings (224, Adam, fc6–fc8 at its batch 100, all layers) and the figures the
  // notebooks and README quote are among them.
  const keys = LAB_CASES.map((c) => c.key);
  for (const k of Object.values(LAB_FIGURE_KEYS)) assert.ok(keys.includes(k), k);
  assert.ok(keys.includes("vgg_16@224/fc6-fc8/b100"));
  assert.deepEqual(keys.slice(0, 4).sort(), Object.values(LAB_FIGURE_KEYS).sort());
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
    assert.equal(r.stepPeakTensorBytes!.length, r.steps);
    assert.equal(new Set(r.stepPeakTensorBytes).size, 1, "peak tensor bytes flat across steps");
    assert.ok(r.peakRssBytes! > r.stepPeakTensorBytes![0]);
  },
});
