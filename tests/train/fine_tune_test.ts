import assert from "node:assert/strict";
import { useBackend } from "../../lib/backend/mod.ts";
import { fineTune } from "../../lib/train/fine_tune.ts";
import { tinyData, tinyModel } from "../helpers/tiny.ts";
import { tempDir } from "../helpers/temp.ts";

function snapshot(model: ReturnType<typeof tinyModel>): Map<string, Float32Array> {
  return new Map(model.store.list().map((v) => [v.name, v.variable.dataSync() as Float32Array]));
}

Deno.test("fineTune: the head alone at baseLr, then every layer at baseLr/10", async () => {
  await useBackend("wasm");
  const model = tinyModel();
  assert.equal(model.headScope, "tiny/fc8");
  const data = tinyData(40);
  const start = snapshot(model);
  const seenAfterHead: Map<string, Float32Array>[] = [];
  const [head, all] = await fineTune(model, data, {
    headEpochs: 1,
    epochs: 2,
    baseLr: 0.01,
    batchSize: 10,
    progress: false,
    log: () => {},
    callbacks: [{
      afterFit: () => void seenAfterHead.push(snapshot(model)),
    }],
  });
  assert.deepEqual(head.history.map((h) => h.learningRate), [0.01, 0.01, 0.01, 0.01]);
  assert.equal(all.history.length, 8);
  assert.ok(all.history.every((h) => Math.abs(h.learningRate - 0.001) < 1e-12));
  const afterHead = seenAfterHead[0];
  for (const [name, before] of start) {
    const changed = afterHead.get(name)!.some((x, i) => x !== before[i]);
    assert.equal(changed, name.startsWith("tiny/fc8/"), `${name} after the head stage`);
  }
  const end = snapshot(model);
  const conv = "tiny/conv1/conv1_1/weights";
  assert.ok(end.get(conv)!.some((x, i) => x !== afterHead.get(conv)![i]), "stage 2 trains convs");
  model.store.dispose();
});

Deno.test("fineTune checkpoints each stage in its own folder and resumes both", async () => {
  await useBackend("wasm");
  const dir = await tempDir();
  const opts = { headEpochs: 1, epochs: 1, batchSize: 20, progress: false as const, log: () => {} };
  const model = tinyModel();
  await fineTune(model, tinyData(40), { ...opts, checkpointDir: dir });
  for (const s of ["stage-1", "stage-2"]) {
    assert.match(await Deno.readTextFile(`${dir}/${s}/checkpoint`), /model\.ckpt-2"/);
  }
  const again = tinyModel(9);
  const [a, b] = await fineTune(again, tinyData(40), { ...opts, checkpointDir: dir });
  assert.deepEqual([a.resumedFrom, b.resumedFrom, a.history.length, b.history.length], [
    2,
    2,
    0,
    0,
  ]);
  const w = (m: typeof model) => m.store.get("tiny/fc8/weights").dataSync();
  assert.deepEqual(w(again), w(model), "resumed weights are the finished run's");
  model.store.dispose();
  again.store.dispose();
  await Deno.remove(dir, { recursive: true });
});
