/**
 * The lecture's "fine-tuning strategy" table, measured on real data offline:
 * pretrain a small VGG on 5 Fashion-MNIST classes, then learn the other 5
 * with little or much data, from scratch vs. restore-all-but-fc8 and train
 * fc8 only vs. restore and fine-tune every layer.
 *
 * @module
 */
import { type BackendChoice, useBackend } from "../lib/backend/mod.ts";
import { type ImageDataset, subset } from "../lib/data/dataset.ts";
import { loadFashionMnist } from "../lib/data/fashion_mnist.ts";
import { takePerClass } from "../lib/data/split.ts";
import { STANDARDIZED_PREPROCESSING } from "../lib/data/preprocess.ts";
import { buildVgg } from "../lib/models/vgg.ts";
import type { Model } from "../lib/models/model.ts";
import { evaluate } from "../lib/train/evaluate.ts";
import { fit } from "../lib/train/fit.ts";
import { numberFlag, parseFlags, runMain, usage } from "../lib/util/cli.ts";
import { restore } from "../lib/weights/restore_model.ts";
import { sweepComparison } from "../lib/report/charts.ts";
import { htmlTable, standaloneReport } from "../lib/report/plotly.ts";
import { writeFileAtomic } from "../lib/util/atomic.ts";
import type { StepRecord } from "../lib/train/learner.ts";
import { saveModel } from "../lib/weights/save_model.ts";

const FLAGS = {
  backend: { type: "string", default: "auto", help: "auto, tensorflow, wasm or cpu" },
  "pretrain-per-class": { type: "string", default: "800", help: "source-task images per class" },
  "pretrain-epochs": { type: "string", default: "2", help: "source-task epochs" },
  small: { type: "string", default: "10", help: "target images per class, small regime" },
  large: { type: "string", default: "400", help: "target images per class, large regime" },
  "target-images": {
    type: "string",
    default: "2000",
    help: "target-task training images to show per run",
  },
  "test-per-class": { type: "string", default: "300", help: "target test images per class" },
  out: { type: "string", default: "out/demo", help: "folder for results.json" },
} as const;

const HELP = usage(
  "deno task demo [options]",
  "Measure the fine-tuning strategy table on Fashion-MNIST.",
  FLAGS,
);

/** Keeps classes `from..from+4`, relabelled 0..4. */
function classesSlice(ds: ImageDataset, from: number): ImageDataset {
  const keep: number[] = [];
  ds.labels.forEach((l, i) => {
    if (l >= from && l < from + 5) keep.push(i);
  });
  const out = subset(ds, keep);
  out.labels = out.labels.map((l) => l - from);
  out.classNames = ds.classNames.slice(from, from + 5);
  return out;
}

interface Row {
  strategy: string;
  perClass: number;
  accuracy: number;
  seconds: number;
  history: StepRecord[];
}

async function main(args: string[]) {
  const { values } = parseFlags(args, FLAGS);
  // Validate every number before any work starts.
  const numbers = Object.fromEntries(
    ["pretrain-per-class", "pretrain-epochs", "small", "large", "target-images", "test-per-class"]
      .map(
        (name) => [name, numberFlag(values, name, { integer: true, min: 1 })],
      ),
  );
  const n = (name: string) => numbers[name];
  const backend = await useBackend(values.backend as BackendChoice);
  const started = performance.now();
  const { dataset: train, source } = await loadFashionMnist();
  const { dataset: test } = await loadFashionMnist({ split: "test" });
  console.log(`data: Fashion-MNIST from ${source}; backend: ${backend.description}`);

  const sourceTrain = takePerClass(classesSlice(train, 0), n("pretrain-per-class"));
  const targetTrain = classesSlice(train, 5);
  const targetTest = takePerClass(classesSlice(test, 5), n("test-per-class"));
  console.log(`source task: ${sourceTrain.classNames.join(", ")}`);
  console.log(`target task: ${targetTrain.classNames.join(", ")}`);

  const build = (seed: number) =>
    buildVgg("small", {
      numClasses: 5,
      inputSize: 32,
      seed,
      preprocessing: STANDARDIZED_PREPROCESSING,
    });
  const pretrained = build(1);
  console.log(`\npretraining on ${sourceTrain.labels.length} source images`);
  await fit(pretrained, sourceTrain, {
    epochs: n("pretrain-epochs"),
    batchSize: 64,
    seed: 1,
    log: () => {},
    progress: { label: "pretrain" },
  });
  const sourceAcc = evaluate(pretrained, takePerClass(classesSlice(test, 0), n("test-per-class")));
  console.log(`source-task test accuracy: ${(sourceAcc.accuracy * 100).toFixed(1)}%`);
  const pretrainedCkpt = `${values.out}/pretrained/model.ckpt`;
  await saveModel(pretrained, pretrainedCkpt);
  console.log(`saved the pretrained network as a TF-Slim-named V2 checkpoint: ${pretrainedCkpt}`);

  const strategies: { name: string; restore: boolean; trainable?: string[]; lr: number }[] = [
    { name: "from scratch", restore: false, lr: 1e-3 },
    // A fresh head alone needs a larger step than a whole network being adjusted.
    { name: "restore, train fc8 only", restore: true, trainable: ["small_vgg/fc8"], lr: 1e-2 },
    { name: "restore, fine-tune all", restore: true, lr: 2e-4 },
  ];
  const rows: Row[] = [];
  for (const perClass of [n("small"), n("large")]) {
    const data = takePerClass(targetTrain, perClass);
    const steps = Math.max(1, Math.ceil(n("target-images") / 32));
    for (const s of strategies) {
      const model: Model = build(2);
      if (s.restore) {
        await restore(model, pretrainedCkpt, { exclude: ["small_vgg/fc8"], log: () => {} });
      }
      const t0 = performance.now();
      const run = await fit(model, data, {
        epochs: Math.ceil((steps * 32) / data.labels.length),
        maxSteps: steps,
        batchSize: 32,
        learningRate: s.lr,
        log: () => {},
        trainableScopes: s.trainable,
        seed: 2,
        progress: { label: `${perClass}/class ${s.name}` },
      });
      const seconds = (performance.now() - t0) / 1000;
      const ev = evaluate(model, targetTest);
      rows.push({
        strategy: s.name,
        perClass,
        accuracy: ev.accuracy,
        seconds,
        history: run.history,
      });
      model.store.dispose();
    }
  }

  console.log(`\nTarget-task test accuracy (${targetTest.labels.length} test images):`);
  console.log(
    `${"strategy".padEnd(26)}${
      rows.filter((r, i, a) => a.findIndex((x) => x.perClass === r.perClass) === i).map((r) =>
        `${r.perClass}/class`.padStart(18)
      ).join("")
    }`,
  );
  for (const s of strategies) {
    const cells = rows.filter((r) => r.strategy === s.name).map((r) =>
      `${(r.accuracy * 100).toFixed(1)}% ${r.seconds.toFixed(0)}s`.padStart(18)
    );
    console.log(`${s.name.padEnd(26)}${cells.join("")}`);
  }
  const wall = (performance.now() - started) / 1000;
  console.log(`\nwall time ${wall.toFixed(0)} s`);
  await Deno.mkdir(values.out as string, { recursive: true });
  const table = rows.map(({ history: _, ...r }) => r);
  await writeFileAtomic(
    `${values.out}/results.json`,
    JSON.stringify(
      {
        backend: backend.name,
        source,
        sourceAccuracy: sourceAcc.accuracy,
        rows: table,
        wallSeconds: wall,
      },
      null,
      2,
    ),
  );
  const sizes = [...new Set(rows.map((r) => r.perClass))];
  const cell = (name: string, n: number) => {
    const r = rows.find((x) => x.strategy === name && x.perClass === n)!;
    return `${(r.accuracy * 100).toFixed(1)}% (${r.seconds.toFixed(0)} s)`;
  };
  await writeFileAtomic(
    `${values.out}/report.html`,
    standaloneReport("Fine-tuning strategies, measured (Fashion-MNIST, small VGG)", [
      {
        title: "Target-task test accuracy",
        html: htmlTable([
          ["strategy", ...sizes.map((n) => `${n} images/class`)],
          ...strategies.map((s) => [s.name, ...sizes.map((n) => cell(s.name, n))]),
        ]) +
          `<p>source task: ${sourceTrain.classNames.join(", ")} (test accuracy ${
            (sourceAcc.accuracy * 100).toFixed(1)
          }%); ` +
          `target task: ${targetTrain.classNames.join(", ")}; ${backend.description}; wall time ${
            wall.toFixed(0)
          } s</p>`,
      },
      ...sizes.map((n) => ({
        title: `Training loss, ${n} images per class`,
        figure: {
          data: rows.filter((r) => r.perClass === n).map((r) => ({
            x: r.history.map((h) => h.step),
            y: r.history.map((h) => h.loss),
            name: r.strategy,
            type: "scatter",
            mode: "lines",
          })),
          layout: { xaxis: { title: { text: "step" } }, yaxis: { title: { text: "loss" } } },
        },
      })),
      {
        title: "Accuracy by strategy and data size",
        figure: sweepComparison(
          rows.map((r) => ({ label: r.strategy, group: `${r.perClass}/class`, value: r.accuracy })),
          "test accuracy",
        ),
      },
    ]),
  );
  console.log(`results: ${values.out}/results.json; report: ${values.out}/report.html`);
}

if (import.meta.main) await runMain(main, HELP);
