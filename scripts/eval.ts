/**
 * `deno task eval`: evaluate a checkpoint (file, prefix, or the latest of a
 * folder) on a dataset's test split: top-1/top-5, balanced accuracy,
 * per-class precision/recall/F1, confusion matrix; `--report` writes HTML.
 *
 * @module
 */
import { BACKEND_CHOICES, type BackendChoice, useBackend } from "../lib/backend/mod.ts";
import { loadDatasetSpec } from "../lib/data/resolve.ts";
import { STANDARDIZED_PREPROCESSING, VGG_PREPROCESSING } from "../lib/data/preprocess.ts";
import { buildModel, MODEL_NAMES } from "../lib/models/zoo.ts";
import { confusionHeatmap, perClassBars } from "../lib/report/charts.ts";
import { htmlTable, standaloneReport } from "../lib/report/plotly.ts";
import { evaluate } from "../lib/train/evaluate.ts";
import { writeFileAtomic } from "../lib/util/atomic.ts";
import { numberFlag, parseFlags, runMain, usage, UsageError } from "../lib/util/cli.ts";
import { restore } from "../lib/weights/restore_model.ts";

const FLAGS = {
  model: { type: "string", default: "small_vgg", help: MODEL_NAMES.join(", ") },
  dataset: { type: "string", default: "fashion-mnist", help: "as for train" },
  checkpoint: { type: "string", help: "checkpoint file, prefix or folder (latest) — required" },
  "image-size": { type: "string", default: "32", help: "model input size" },
  "num-classes": { type: "string", help: "default: the dataset's" },
  preprocessing: {
    type: "string",
    default: "standardized",
    help: "standardized (trained here) or vgg (ImageNet checkpoints)",
  },
  batch: { type: "string", default: "64", help: "batch size" },
  backend: { type: "string", default: "auto", help: BACKEND_CHOICES.join(", ") },
  json: { type: "boolean", help: "print JSON" },
  report: { type: "string", help: "write an HTML report here" },
} as const;

const HELP = usage(
  "deno task eval --checkpoint <path> [options]",
  "Evaluate a checkpoint on a test split.",
  FLAGS,
);

async function main(args: string[]) {
  const { values } = parseFlags(args, FLAGS);
  if (!values.checkpoint) throw new UsageError("--checkpoint is required");
  if (!MODEL_NAMES.includes(String(values.model))) {
    throw new UsageError(`--model: expected one of ${MODEL_NAMES.join(", ")}`);
  }
  const pre = String(values.preprocessing);
  if (pre !== "standardized" && pre !== "vgg") {
    throw new UsageError(`--preprocessing: expected standardized or vgg, got '${pre}'`);
  }
  const size = numberFlag(values, "image-size", { integer: true, min: 1 });
  const batch = numberFlag(values, "batch", { integer: true, min: 1 });
  const backend = String(values.backend);
  if (!BACKEND_CHOICES.includes(backend as BackendChoice)) {
    throw new UsageError(`--backend: expected one of ${BACKEND_CHOICES.join(", ")}`);
  }
  await useBackend(backend as BackendChoice);
  const test = await loadDatasetSpec(String(values.dataset), { split: "test" });
  const numClasses = values["num-classes"] === undefined
    ? test.classNames.length
    : numberFlag(values, "num-classes", { integer: true, min: 1 });
  const model = buildModel(String(values.model), {
    numClasses,
    inputSize: size,
    preprocessing: pre === "vgg" ? VGG_PREPROCESSING : STANDARDIZED_PREPROCESSING,
  });
  await restore(model, String(values.checkpoint), { log: values.json ? false : undefined });
  const ev = evaluate(model, test, { batchSize: batch });
  const m = ev.metrics;
  if (values.json) {
    console.log(
      JSON.stringify({ count: ev.count, top5: ev.top5, ...m, confusion: ev.confusion }, null, 2),
    );
  } else {
    console.log(
      `${ev.count} images: top-1 ${(ev.accuracy * 100).toFixed(2)}%, top-5 ${
        (ev.top5 * 100).toFixed(2)
      }%, balanced ${(m.balancedAccuracy * 100).toFixed(2)}%, macro F1 ${m.macroF1.toFixed(4)}`,
    );
    console.log(
      `${"class".padEnd(16)}${"precision".padStart(10)}${"recall".padStart(10)}${
        "f1".padStart(10)
      }${"support".padStart(9)}`,
    );
    test.classNames.forEach((c, i) =>
      console.log(
        `${c.slice(0, 15).padEnd(16)}${m.precision[i].toFixed(3).padStart(10)}${
          m.recall[i].toFixed(3).padStart(10)
        }${m.f1[i].toFixed(3).padStart(10)}${String(m.support[i]).padStart(9)}`,
      )
    );
  }
  if (values.report) {
    await writeFileAtomic(
      String(values.report),
      standaloneReport(`Evaluation of ${values.checkpoint}`, [
        {
          title: "Summary",
          html: htmlTable([["top-1", "top-5", "balanced accuracy", "macro F1"], [
            ev.accuracy.toFixed(4),
            ev.top5.toFixed(4),
            m.balancedAccuracy.toFixed(4),
            m.macroF1.toFixed(4),
          ]]),
        },
        { title: "Confusion matrix", figure: confusionHeatmap(ev.confusion, test.classNames) },
        { title: "Per-class metrics", figure: perClassBars(m, test.classNames) },
      ]),
    );
  }
}

if (import.meta.main) await runMain(main, HELP);
