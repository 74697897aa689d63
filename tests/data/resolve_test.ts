import assert from "node:assert/strict";
import { loadDatasetSpec } from "../../lib/data/resolve.ts";

Deno.test("dataset specs: kinds, paths, and what a bad spec is told", async () => {
  const digits = await loadDatasetSpec("mnist", { split: "test" });
  assert.equal(digits.classNames.length, 10);
  assert.equal(digits.height, 28);
  await assert.rejects(
    loadDatasetSpec("imagenet", { split: "train" }),
    /unknown dataset 'imagenet': expected one of fashion-mnist, mnist, cifar10/,
  );
  await assert.rejects(
    loadDatasetSpec("cifar10", { split: "train" }),
    /dataset 'cifar10': expected cifar10:<folder or \.tar\.gz>/,
  );
  await assert.rejects(loadDatasetSpec("folder", { split: "train" }), /expected folder:<path>/);
});
