import assert from "node:assert/strict";
import { useBackend } from "../../lib/backend/mod.ts";
import { latestCheckpoint } from "../../lib/io/checkpoint/checkpoint.ts";
import { checkpointCallback } from "../../lib/train/callbacks/checkpoint.ts";
import { earlyStoppingCallback } from "../../lib/train/callbacks/early_stopping.ts";
import { interruptCallback } from "../../lib/train/callbacks/interrupt.ts";
import { logCallback, stepLine } from "../../lib/train/callbacks/log.ts";
import { nanGuardCallback } from "../../lib/train/callbacks/nan_guard.ts";
import { progressCallback } from "../../lib/train/callbacks/progress.ts";
import { scheduleCallback } from "../../lib/train/callbacks/schedule.ts";
import { validationCallback } from "../../lib/train/callbacks/validation.ts";
import { createLearner, type Learner } from "../../lib/train/learner.ts";
import { runLoop } from "../../lib/train/loop.ts";
import { fit } from "../../lib/train/fit.ts";
import { tinyData, tinyModel } from "../helpers/tiny.ts";
import { tempDir } from "../helpers/temp.ts";

function learnerWith(options: Parameters<typeof createLearner>[2] = {}): Learner {
  return createLearner(tinyModel(), tinyData(40), { batchSize: 10, log: () => {}, ...options });
}

Deno.test("schedule callback: each step's rate is schedule(step), in the record and the optimizer", async () => {
  await useBackend("wasm");
  const l = learnerWith({ epochs: 1 });
  await runLoop(l, [scheduleCallback((s) => 0.1 / (s + 1))]);
  assert.deepEqual(l.history.map((h) => h.learningRate), [0.1, 0.05, 0.1 / 3, 0.025]);
  assert.equal((l.optimizer.optimizer as unknown as { learningRate: number }).learningRate, 0.025);
  l.model.store.dispose();
});

Deno.test("NaN guard names the step, the epoch and the last good checkpoint, before anything saves", async () => {
  await useBackend("wasm");
  const l = learnerWith();
  l.step = 7;
  l.epoch = 1;
  l.resumedCheckpoint = "out/model.ckpt-5";
  l.history.push({ step: 7, epoch: 2, loss: NaN, accuracy: 0, learningRate: 1 });
  const guard = nanGuardCallback();
  assert.ok((guard.order ?? 0) < (checkpointCallback("x").order ?? 0));
  assert.throws(
    () => guard.afterStep!(l),
    /loss is NaN at step 7 \(epoch 2\).*last good checkpoint is out\/model\.ckpt-5/,
  );
  l.history.push({ step: 8, epoch: 2, loss: 1.5, accuracy: 0, learningRate: 1 });
  guard.afterStep!(l); // finite: no throw
  l.model.store.dispose();
});

Deno.test("log callback writes the lab's line every N steps", async () => {
  await useBackend("wasm");
  const lines: string[] = [];
  const l = learnerWith({ epochs: 2, log: (s) => lines.push(s) });
  await runLoop(l, [logCallback(3)]);
  assert.deepEqual(lines.map((s) => s.split(":")[0]), ["step 3", "step 6"]);
  assert.equal(
    stepLine({ step: 3, epoch: 1, loss: 1.23456, accuracy: 0.5, learningRate: 0.001 }),
    "step 3: loss 1.2346, accuracy 50.0%, lr 0.00100",
  );
  l.model.store.dispose();
});

Deno.test("progress callback draws every step and finishes even when the run fails", async () => {
  await useBackend("wasm");
  const out: string[] = [];
  const l = learnerWith({ epochs: 1 });
  const progress = progressCallback({ kind: "lines", intervalMs: 0, write: (t) => out.push(t) });
  await assert.rejects(
    runLoop(l, [progress, {
      order: 30,
      afterStep: (x) => {
        if (x.step === 2) throw new Error("stop");
      },
    }]),
    /stop/,
  );
  const text = out.join("");
  assert.match(text, /train/);
  assert.match(text, /2\/4/);
  assert.match(text, /img\/s/);
  assert.equal(out.length, 3, "steps 1 and 2, then the final draw from cleanup");
  l.model.store.dispose();
});

Deno.test("validation + early stopping: stops after `patience` epochs without gain; needs validation", async () => {
  await useBackend("wasm");
  const l = learnerWith({ epochs: 20, initialLearningRate: 0 }); // lr 0: accuracy never improves
  const data = tinyData(12);
  await runLoop(l, [validationCallback(data), earlyStoppingCallback({ patience: 2 })]);
  assert.equal(l.stopReason, "early stopping");
  assert.equal(l.epochRecords.length, 3, "best at epoch 1, then two stale epochs");
  assert.equal(l.step, 12);
  const bare = learnerWith({ epochs: 2 });
  await assert.rejects(runLoop(bare, [earlyStoppingCallback()]), /needs validation data/);
  l.model.store.dispose();
  bare.model.store.dispose();
});

Deno.test("checkpoint callback: saves every N, each epoch, on a stop; resumes at the saved step", async () => {
  await useBackend("wasm");
  const dir = await tempDir();
  const lines: string[] = [];
  const l = learnerWith({ epochs: 2, log: (s) => lines.push(s) });
  const ctrl = new AbortController();
  await runLoop(l, [
    checkpointCallback(dir, { every: 3, keep: 10 }),
    interruptCallback({ signal: ctrl.signal }),
    { order: 95, afterStep: (x) => void (x.step === 5 && ctrl.abort()) },
  ]);
  // Saves: every 3 → 3, epoch end → 4, every 3 → 6. The abort at step 5 comes after the
  // interrupt callback's check (order 95 > 90), so step 6 runs, then the run stops.
  assert.equal(l.stopReason, "interrupted");
  assert.equal(l.step, 6);
  const state = await Deno.readTextFile(`${dir}/checkpoint`);
  for (const s of [3, 4, 6]) assert.match(state, new RegExp(`model\\.ckpt-${s}"`));
  assert.ok(lines.some((s) => s === `interrupted: saved ${dir}/model.ckpt-6`), lines.join("\n"));
  assert.equal(await latestCheckpoint(dir), `${dir}/model.ckpt-6`);

  const again = learnerWith({ epochs: 2, log: (s) => lines.push(s) });
  await runLoop(again, [checkpointCallback(dir)]);
  assert.equal(again.startStep, 6);
  assert.equal(again.resumedCheckpoint, `${dir}/model.ckpt-6`);
  assert.deepEqual(again.history.map((h) => h.step), [7, 8]);
  assert.ok(lines.includes(`resumed from ${dir}/model.ckpt-6 at step 6`));
  for (const x of [l, again]) x.model.store.dispose();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("fit with an AbortSignal stops after the step it was aborted in", async () => {
  await useBackend("wasm");
  const model = tinyModel();
  const ctrl = new AbortController();
  const r = await fit(model, tinyData(40), {
    batchSize: 10,
    epochs: 3,
    progress: false,
    log: () => {},
    signal: ctrl.signal,
    onStep: (rec) => void (rec.step === 2 && ctrl.abort()),
  });
  assert.equal(r.step, 2);
  assert.equal(r.interrupted, true);
  model.store.dispose();
});
