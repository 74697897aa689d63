import assert from "node:assert/strict";
import { useBackend } from "../../lib/backend/mod.ts";
import { openCheckpoint } from "../../lib/io/checkpoint/checkpoint.ts";
import { resumeTraining, saveTraining } from "../../lib/train/checkpointing.ts";
import { createLearner } from "../../lib/train/learner.ts";
import { runLoop } from "../../lib/train/loop.ts";
import { tinyData, tinyModel } from "../helpers/tiny.ts";

Deno.test("a training checkpoint holds the variables, global_step and Adam's slots, and resumes them", async () => {
  await useBackend("wasm");
  const dir = await Deno.makeTempDir();
  const a = createLearner(tinyModel(1), tinyData(40), {
    batchSize: 10,
    trainableScopes: ["tiny/fc8"],
  });
  await runLoop(a, []);
  const prefix = await saveTraining(a, dir, { keep: 2 });
  assert.equal(prefix, `${dir}/model.ckpt-4`);
  const ckpt = await openCheckpoint(prefix);
  const names = ckpt.list().map((t) => t.name);
  assert.ok(names.includes("global_step"));
  assert.ok(names.includes("tiny/fc8/weights/Adam") && names.includes("tiny/fc8/weights/Adam_1"));
  assert.ok(
    !names.some((n) => n.startsWith("tiny/conv1") && n.endsWith("/Adam")),
    "frozen: no slots",
  );
  assert.equal(Number((await ckpt.read("global_step")).data[0]), 4);
  ckpt.close();

  const b = createLearner(tinyModel(2), tinyData(40), {
    batchSize: 10,
    trainableScopes: ["tiny/fc8"],
  });
  const resumed = await resumeTraining(b, dir);
  assert.deepEqual(resumed, { prefix, step: 4 });
  for (const v of a.model.store.list()) {
    assert.deepEqual(b.model.store.get(v.name).dataSync(), v.variable.dataSync(), v.name);
  }
  const slots = async (l: typeof a) =>
    (await l.optimizer.optimizer.getWeights()).filter((w) => w.name !== "iter").map((w) =>
      w.tensor.dataSync()
    );
  assert.deepEqual(await slots(b), await slots(a));

  const c = createLearner(tinyModel(3), tinyData(40), {
    batchSize: 10,
    optimizer: "momentum",
    trainableScopes: ["tiny/fc8"],
  });
  await assert.rejects(
    resumeTraining(c, dir),
    /has no momentum optimizer state for the trainable variables/,
  );
  assert.equal(await resumeTraining(c, `${dir}/empty`), undefined);
  for (const l of [a, b, c]) l.model.store.dispose();
  await Deno.remove(dir, { recursive: true });
});
