import assert from "node:assert/strict";
import { useBackend } from "../../lib/backend/mod.ts";
import { buildAlexnetV2 } from "../../lib/models/alexnet.ts";
import { parameterCount } from "../../lib/models/model.ts";
import { MODEL_NAMES } from "../../lib/models/zoo.ts";

Deno.test("AlexNet-V2: TF-Slim's names and shapes, and its parameter count from the layer table", async () => {
  await useBackend("wasm");
  assert.ok(MODEL_NAMES.includes("alexnet_v2"));
  const model = buildAlexnetV2();
  // [kernel, in, out] of conv1–5 and fc6–8 at 224 (fc6 covers the 5×5 map after pool5).
  const table: [number, number, number][] = [
    [11, 3, 64],
    [5, 64, 192],
    [3, 192, 384],
    [3, 384, 384],
    [3, 384, 256],
    [5, 256, 4096],
    [1, 4096, 4096],
    [1, 4096, 1000],
  ];
  const names = ["conv1", "conv2", "conv3", "conv4", "conv5", "fc6", "fc7", "fc8"];
  const expected = table.reduce((n, [k, i, o]) => n + k * k * i * o + o, 0);
  assert.equal(parameterCount(model), expected);
  assert.equal(Math.round(expected / 1e5) / 10, 50.3);
  names.forEach((name, i) => {
    const [k, cin, cout] = table[i];
    assert.deepEqual(model.store.get(`alexnet_v2/${name}/weights`).shape, [k, k, cin, cout]);
    assert.deepEqual(model.store.get(`alexnet_v2/${name}/biases`).shape, [cout]);
  });
  // The arg scope's biases: 0.1, except fc8's zeros.
  assert.ok(
    model.store.get("alexnet_v2/conv3/biases").dataSync().every((b) => Math.abs(b - 0.1) < 1e-7),
  );
  assert.ok(model.store.get("alexnet_v2/fc8/biases").dataSync().every((b) => b === 0));
  assert.equal(model.headScope, "alexnet_v2/fc8");
  model.store.dispose();
  assert.throws(
    () => buildAlexnetV2({ inputSize: 64 }),
    /alexnet_v2: input size 64 is too small \(at least 67\)/,
  );
});
