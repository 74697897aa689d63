/** The train job, and the eval job (lib/jobs/eval_job.ts) on the folder the train job wrote. */
import assert from "node:assert/strict";
import { runEvalJob } from "../../lib/jobs/eval_job.ts";
import { runTrainJob } from "../../lib/jobs/train_job.ts";
import { UsageError } from "../../lib/util/cli.ts";
import { havePil, writeImageFolder } from "../helpers/image_folder.ts";
import { tempDir } from "../helpers/temp.ts";

const base = {
  model: "small_vgg",
  dataset: "fashion-mnist",
  perClass: 5,
  testPerClass: 3,
  batch: 16,
  maxSteps: 2,
  backend: "wasm" as const,
};

Deno.test("a train job writes checkpoints, history, report and results; eval reads the folder", async () => {
  const out = await tempDir();
  const lines: string[] = [];
  const summary = await runTrainJob({ ...base, out, logEvery: 1 }, { log: (l) => lines.push(l) });
  assert.equal(summary.steps, 2);
  assert.equal(summary.interrupted, false);
  assert.ok(summary.testAccuracy >= 0 && summary.testAccuracy <= 1);
  assert.match(lines[0], /^backend: .*model small_vgg at 32×32, 10 classes; 50 training images/);
  assert.ok(lines.some((l) => /^step 2: loss \d/.test(l)));
  assert.match(lines.at(-1)!, /test accuracy \d+\.\d+% \(balanced/);
  const results = JSON.parse(await Deno.readTextFile(`${out}/results.json`));
  assert.deepEqual(results, JSON.parse(JSON.stringify(summary)));
  const history = JSON.parse(await Deno.readTextFile(`${out}/history.json`));
  assert.deepEqual(history.steps.map((s: { step: number }) => s.step), [1, 2]);
  const report = await Deno.readTextFile(`${out}/report.html`);
  for (const t of ["Summary", "Training curves", "Confusion matrix (test)", "Per-class metrics"]) {
    assert.ok(report.includes(t), t);
  }
  assert.match(await Deno.readTextFile(`${out}/checkpoints/checkpoint`), /model\.ckpt-2/);

  const { evaluation, test } = await runEvalJob({
    checkpoint: `${out}/checkpoints`,
    backend: "wasm",
    report: `${out}/eval.html`,
    log: false,
  });
  assert.equal(evaluation.count, test.labels.length);
  assert.equal(test.labels.length, 10_000);
  assert.ok((await Deno.readTextFile(`${out}/eval.html`)).includes("balanced accuracy"));
  await Deno.remove(out, { recursive: true });
});

Deno.test("a train job refuses scopes that match nothing and exclude without a checkpoint", async () => {
  await assert.rejects(
    runTrainJob({ ...base, out: "/tmp/never", trainable: ["vgg_16/fc8"] }, { log: () => {} }),
    (e) =>
      e instanceof UsageError &&
      /scope 'vgg_16\/fc8' matches no variable of small_vgg/.test(e.message),
  );
  await assert.rejects(
    runTrainJob({ ...base, out: "/tmp/never", exclude: ["small_vgg/fc8"] }),
    (e) => e instanceof UsageError && /--exclude only applies with --checkpoint/.test(e.message),
  );
});

Deno.test({
  name:
    "a train job streams an image folder, saves its split, and a rerun resumes on the same split",
  ignore: !havePil(),
}, async () => {
  const root = await tempDir();
  await writeImageFolder(root, { classes: [["a", 6], ["b", 5], ["c", 7]] });
  const out = await tempDir();
  const lines: string[] = [];
  const job = {
    model: "small_vgg",
    dataset: `folder:${root}`,
    imageSize: 16,
    batch: 4,
    epochs: 2,
    maxSteps: 3,
    backend: "wasm" as const,
    resize: "center-crop" as const,
    out,
  };
  const first = await runTrainJob(job, { log: (l) => lines.push(l) });
  assert.equal(first.steps, 3);
  assert.ok(
    lines.some((l) => l.includes(`${root}: 18 images in 3 classes (a 6, b 5, c 7)`)),
    lines.join("\n"),
  );
  assert.match(
    lines.find((l) => l.startsWith("split "))!,
    /split 15 train \/ 3 test images; saved .*split\.json/,
  );
  const split = await Deno.readTextFile(`${out}/split.json`);
  const second = await runTrainJob({ ...job, maxSteps: 5 }, { log: (l) => lines.push(l) });
  assert.equal(second.steps, 5);
  assert.ok(lines.some((l) => l.startsWith(`resumed from ${out}/checkpoints/model.ckpt-3`)));
  assert.equal(
    await Deno.readTextFile(`${out}/split.json`),
    split,
    "the split is reused, not redrawn",
  );
  const { evaluation } = await runEvalJob({
    dataset: `folder:${root}`,
    imageSize: 16,
    resize: "center-crop",
    splitFile: `${out}/split.json`,
    checkpoint: `${out}/checkpoints`,
    backend: "wasm",
    log: false,
  });
  assert.equal(evaluation.count, 3);
  assert.equal(evaluation.accuracy, second.testAccuracy);
  await Deno.remove(root, { recursive: true });
  await Deno.remove(out, { recursive: true });
});

Deno.test("eval of a run folder needs no flags; a rerun with another rate stops until --restart", async () => {
  const out = await tempDir();
  try {
    const job = { ...base, imageSize: 24, out, schedule: { kind: "constant" as const, lr: 1e-3 } };
    await runTrainJob(job, { log: () => {} });
    const record = JSON.parse(await Deno.readTextFile(`${out}/checkpoints/run.json`));
    assert.equal(record.settings.job.imageSize, 24);
    assert.equal(record.settings.job.preprocessing, "standardized");
    const lines: string[] = [];
    const { evaluation, settings } = await runEvalJob({
      checkpoint: out,
      backend: "wasm",
      log: (l) => lines.push(l),
    });
    assert.equal(settings.imageSize, 24);
    assert.equal(settings.model, "small_vgg");
    assert.equal(settings.preprocessing, "standardized");
    assert.equal(settings.from, `${out}/checkpoints/run.json`);
    assert.ok(lines.some((l) => l.startsWith(`run settings from ${out}/checkpoints/run.json`)));
    assert.equal(evaluation.count, 10_000);
    // A flag overrides the record.
    const over = await runEvalJob({
      checkpoint: out,
      backend: "wasm",
      imageSize: 24,
      batch: 500,
      log: false,
      dataset: "fashion-mnist",
    });
    assert.equal(over.settings.dataset, "fashion-mnist");

    const rerun = { ...job, schedule: { kind: "constant" as const, lr: 1e-2 } };
    await assert.rejects(
      () => runTrainJob(rerun, { log: () => {} }),
      /holds a run with other settings.*\n.*learningRate: 0\.001 → 0\.01\n/s,
    );
    assert.ok(await Deno.stat(`${out}/results.json`), "the finished run's results stay");
    const summary = await runTrainJob({ ...rerun, restart: true }, { log: () => {} });
    assert.equal(summary.steps, 2, "trained from step 0 again");
    const again = JSON.parse(await Deno.readTextFile(`${out}/checkpoints/run.json`));
    assert.equal(again.settings.learningRate, 0.01);
    assert.ok(!Deno.readDirSync(out).some((e) => e.name === ".lock"));
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
