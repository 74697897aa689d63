import assert from "node:assert/strict";
import { previewValues, summarizeWeights } from "../../lib/io/weight_summary.ts";
import type { WeightSource } from "../../lib/io/weight_source.ts";

const source: WeightSource = {
  description: "memory",
  list: () => [
    { name: "b/w", dtype: "float16", shape: [2, 3] },
    { name: "a/step", dtype: "int64", shape: [] },
    { name: "c/names", dtype: "string", shape: [2] },
  ],
  read: () => Promise.reject(new Error("unused")),
};

Deno.test("a weight summary sorts by name and totals parameters and bytes by dtype", () => {
  const s = summarizeWeights(source);
  assert.deepEqual(s.tensors.map((t) => t.name), ["a/step", "b/w", "c/names"]);
  assert.equal(s.parameters, 1 + 6 + 2);
  assert.equal(s.bytes, 8 + 6 * 2, "strings are not counted");
});

Deno.test("value previews: numbers (int64 as numbers), strings decoded, a limit", () => {
  assert.deepEqual(
    previewValues({ dtype: "int64", shape: [2], data: BigInt64Array.of(7n, -1n) }, 0),
    [7, -1],
  );
  assert.deepEqual(
    previewValues({ dtype: "float32", shape: [3], data: Float32Array.of(1, 2, 3) }, 2),
    [1, 2],
  );
  const s = new TextEncoder().encode("fc8");
  assert.deepEqual(previewValues({ dtype: "string", shape: [1], data: [s] }, 5), ["fc8"]);
});
