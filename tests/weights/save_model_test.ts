import assert from "node:assert/strict";
import { openCheckpoint } from "../../lib/io/checkpoint/checkpoint.ts";
import { modelTensors, saveModel } from "../../lib/weights/save_model.ts";
import { restore } from "../../lib/weights/restore_model.ts";
import { tinyModel } from "../helpers/tiny.ts";
import { tempDir } from "../helpers/temp.ts";

Deno.test("saveModel writes every variable, global_step and extra tensors; restore reads them back", async () => {
  const dir = await tempDir();
  const a = tinyModel(1);
  await saveModel(a, `${dir}/model.ckpt-7`, {
    globalStep: 7,
    extra: [{ name: "extra/t", dtype: "float32", shape: [2], data: Float32Array.of(1, 2) }],
  });
  assert.match(
    await Deno.readTextFile(`${dir}/checkpoint`),
    /model_checkpoint_path: "model\.ckpt-7"/,
  );
  const ckpt = await openCheckpoint(dir);
  const names = new Set(ckpt.list().map((t) => t.name));
  for (const t of await modelTensors(a)) assert.ok(names.has(t.name), t.name);
  assert.equal(Number((await ckpt.read("global_step")).data[0]), 7);
  assert.deepEqual(Array.from((await ckpt.read("extra/t")).data as Float32Array), [1, 2]);
  ckpt.close();
  const b = tinyModel(2);
  const report = await restore(b, dir, { log: false });
  assert.equal(report.restored.length, a.store.list().length);
  assert.deepEqual(report.unused.sort(), ["extra/t", "global_step"]);
  for (const v of a.store.list()) {
    assert.deepEqual(b.store.get(v.name).dataSync(), v.variable.dataSync());
  }
  a.store.dispose();
  b.store.dispose();
  await Deno.remove(dir, { recursive: true });
});
