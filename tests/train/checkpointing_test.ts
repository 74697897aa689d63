import assert from "node:assert/strict";
import { useBackend } from "../../lib/backend/mod.ts";
import { openCheckpoint } from "../../lib/io/checkpoint/checkpoint.ts";
import { resumeTraining, saveTraining } from "../../lib/train/checkpointing.ts";
import { createLearner } from "../../lib/train/learner.ts";
import { runLoop } from "../../lib/train/loop.ts";
import { writableData } from "../../lib/backend/tensor_data.ts";
import { fit } from "../../lib/train/fit.ts";
import { oneDnnOr } from "../helpers/onednn.ts";
import { smallFsTest, withSmallFs } from "../helpers/small_fs.ts";
import { tinyData, tinyModel } from "../helpers/tiny.ts";
import { tempDir } from "../helpers/temp.ts";

Deno.test("a training checkpoint holds the variables, global_step and Adam's slots, and resumes them", async () => {
  await useBackend("wasm");
  const dir = await tempDir();
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

Deno.test("before the first step: stale temp files of dead runs go, a read-only or full folder is refused", async () => {
  await useBackend("wasm");
  const dir = await tempDir();
  const dead = new Deno.Command("true").spawn();
  await dead.status;
  await Deno.writeTextFile(
    `${dir}/model.ckpt-3.data-00000-of-00001.tmp-${dead.pid}-abc`,
    "partial",
  );
  await Deno.writeTextFile(`${dir}/checkpoint.tmp-${dead.pid}-q`, "");
  const lines: string[] = [];
  await fit(tinyModel(1), tinyData(20), {
    batchSize: 10,
    checkpointDir: dir,
    log: (l) => lines.push(l),
  });
  const names = [...Deno.readDirSync(dir)].map((e) => e.name);
  assert.ok(!names.some((n) => n.includes(".tmp-")), names.join(" "));
  assert.ok(
    lines.some((l) => /removed 2 temporary file\(s\) a killed run left/.test(l)),
    lines.join("\n"),
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test(
  smallFsTest(
    import.meta.url,
    "a read-only checkpoint folder holding a checkpoint fails before training, not at the first save",
    async () => {
      await useBackend("wasm");
      let steps = 0;
      const counter = {
        name: "count",
        afterStep: () => void steps++,
      };
      const train = (dir: string, callbacks = [counter]) =>
        fit(tinyModel(1), tinyData(20), {
          batchSize: 10,
          checkpointDir: dir,
          callbacks,
          log: () => {},
        });
      await withSmallFs(1024, async (dir) => {
        await assert.rejects(
          () => train(dir),
          new RegExp(`${dir}: the checkpoint folder is not writable`),
        );
        assert.equal(steps, 0, "no step was run (and lost)");
      }, { readOnly: true, prepare: (dir) => train(dir, []).then(() => {}) });
      await withSmallFs(16, async (dir) => {
        await assert.rejects(
          () => train(dir),
          new RegExp(`${dir}: the checkpoint folder has .* free, and one checkpoint needs`),
        );
        assert.equal(steps, 0);
      }, { prepare: (dir) => Deno.writeFile(`${dir}/filler`, new Uint8Array(12 << 10)) });
    },
  ),
);

Deno.test({
  name:
    "[onednn] saving a checkpoint leaves every weight and slot updatable in place (Adam's fast path)",
  ignore: !oneDnnOr(),
  async fn() {
    await useBackend("onednn");
    const dir = await tempDir();
    const l = createLearner(tinyModel(1), tinyData(20), { batchSize: 10 });
    await runLoop(l, []);
    await saveTraining(l, dir);
    const slots = (await l.optimizer.optimizer.getWeights()).filter((w) => w.name !== "iter");
    for (
      const t of [
        ...l.model.store.list().map((v) => v.variable),
        ...slots.map((w) => w.tensor),
      ]
    ) {
      assert.ok(writableData(t) !== null, "a save must not hand the storage out");
    }
    l.model.store.dispose();
    await Deno.remove(dir, { recursive: true });
  },
});
