/**
 * `deno task eval`: evaluate a checkpoint (file, prefix, or the latest of a
 * folder) on a dataset's test split: top-1/top-5, balanced accuracy,
 * per-class precision/recall/F1, confusion matrix; `--report` writes HTML.
 *
 * @module
 */
import { BACKEND_CHOICES } from "../lib/backend/select.ts";
import { runEvalJob } from "../lib/jobs/eval_job.ts";
import { MODEL_NAMES } from "../lib/models/mod.ts";
import { evaluationText } from "../lib/report/evaluation_text.ts";
import {
  choiceFlag,
  numberFlag,
  optionalNumberFlag,
  parseFlags,
  runMain,
  usage,
  UsageError,
} from "../lib/util/cli.ts";

const FLAGS = {
  model: {
    type: "string",
    help: `${MODEL_NAMES.join(", ")} (default: the run's, else small_vgg)`,
  },
  dataset: { type: "string", help: "as for train (default: the run's, else fashion-mnist)" },
  checkpoint: {
    type: "string",
    help: "checkpoint file, prefix, folder (latest) or a training run's --out folder — required",
  },
  "image-size": { type: "string", help: "model input size (default: the run's, else 32)" },
  "num-classes": { type: "string", help: "default: the run's, else the dataset's" },
  preprocessing: {
    type: "string",
    help: "standardized (trained here), model (the family's own, for ImageNet checkpoints), " +
      "vgg or inception (default: the run's, else standardized)",
  },
  batch: { type: "string", default: "64", help: "batch size" },
  "labels-offset": {
    type: "string",
    help: "model outputs before the dataset's first class: 1 for TF-Slim's 1001-class checkpoints",
  },
  backend: { type: "string", default: "auto", help: BACKEND_CHOICES.join(", ") },
  json: { type: "boolean", help: "print JSON" },
  report: { type: "string", help: "write an HTML report here" },
  resize: {
    type: "string",
    help: "image folders: stretch, center-crop, random-crop (default: the run's, else stretch)",
  },
  "split-file": {
    type: "string",
    help: "image folders: the split training saved (default: the run's <out>/split.json)",
  },
} as const;

const HELP = usage(
  "deno task eval --checkpoint <path> [options]",
  "Evaluate a checkpoint on a test split. Given a training run's --out folder, the model, " +
    "dataset, image size, classes, labels offset and preprocessing come from its record; " +
    "flags override them.",
  FLAGS,
);

async function main(args: string[]) {
  const { values } = parseFlags(args, FLAGS);
  if (!values.checkpoint) throw new UsageError("--checkpoint is required");
  const given = (name: string) => values[name] !== undefined;
  const { evaluation: ev, test } = await runEvalJob({
    model: given("model") ? choiceFlag(values, "model", MODEL_NAMES) : undefined,
    preprocessing: given("preprocessing")
      ? choiceFlag(values, "preprocessing", ["standardized", "model", "vgg", "inception"] as const)
      : undefined,
    labelsOffset: optionalNumberFlag(values, "labels-offset", { integer: true, min: 0 }),
    imageSize: optionalNumberFlag(values, "image-size", { integer: true, min: 1 }),
    batch: numberFlag(values, "batch", { integer: true, min: 1 }),
    numClasses: optionalNumberFlag(values, "num-classes", { integer: true, min: 1 }),
    backend: choiceFlag(values, "backend", BACKEND_CHOICES),
    dataset: given("dataset") ? String(values.dataset) : undefined,
    checkpoint: String(values.checkpoint),
    report: values.report === undefined ? undefined : String(values.report),
    resize: given("resize")
      ? choiceFlag(values, "resize", ["stretch", "center-crop", "random-crop"] as const)
      : undefined,
    splitFile: values["split-file"] === undefined ? undefined : String(values["split-file"]),
    log: values.json ? false : undefined,
  });
  if (values.json) {
    const { confusion, count, top5, metrics } = ev;
    console.log(JSON.stringify({ count, top5, ...metrics, confusion }, null, 2));
  } else {
    for (const line of evaluationText(ev, test.classNames)) console.log(line);
  }
}

if (import.meta.main) await runMain(main, HELP);
