/**
 * `deno task train`: train or fine-tune a zoo model on a dataset, optionally
 * restoring a checkpoint with excluded scopes and training only some scopes.
 * Writes checkpoints, `history.json`, `results.json` and `report.html` into
 * `--out`; resumes from `--out/checkpoints` when it holds a checkpoint.
 *
 * @module
 */
import { BACKEND_CHOICES, type BackendChoice, useBackend } from "../lib/backend/mod.ts";
import { loadDatasetSpec } from "../lib/data/resolve.ts";
import { takePerClass } from "../lib/data/split.ts";
import { STANDARDIZED_PREPROCESSING, VGG_PREPROCESSING } from "../lib/data/preprocess.ts";
import { inScope } from "../lib/models/variables.ts";
import { buildModel, MODEL_NAMES } from "../lib/models/zoo.ts";
import {
  confusionHeatmap,
  learningRateChart,
  perClassBars,
  trainingCurves,
} from "../lib/report/charts.ts";
import { htmlTable, standaloneReport } from "../lib/report/plotly.ts";
import { evaluate } from "../lib/train/evaluate.ts";
import { fit } from "../lib/train/fit.ts";
import { type OptimizerName, OPTIMIZERS } from "../lib/train/optimizers.ts";
import {
  constant,
  cosineDecay,
  exponentialDecay,
  linearWarmup,
  piecewiseConstant,
  type Schedule,
} from "../lib/train/schedules.ts";
import {
  type FlagSpec,
  numberFlag,
  type ParsedFlags,
  parseFlags,
  runMain,
  usage,
  UsageError,
} from "../lib/util/cli.ts";
import { writeFileAtomic } from "../lib/util/atomic.ts";
import { restore } from "../lib/weights/restore_model.ts";

/** The train flags (also what `sweep` may vary). */
export const TRAIN_FLAGS: Record<string, FlagSpec> = {
  model: { type: "string", default: "small_vgg", help: `one of ${MODEL_NAMES.join(", ")}` },
  dataset: {
    type: "string",
    default: "fashion-mnist",
    help: "fashion-mnist, mnist[:dir], cifar10:<path>, cifar100:<path>, folder:<path>",
  },
  "image-size": {
    type: "string",
    help: "model input size (default 32; 224 for the ImageNet recipe)",
  },
  "num-classes": { type: "string", help: "default: the dataset's" },
  "per-class": { type: "string", help: "use at most this many training images per class" },
  "test-per-class": { type: "string", help: "evaluate on at most this many test images per class" },
  checkpoint: { type: "string", help: "restore from this checkpoint (file, prefix or folder)" },
  exclude: { type: "string", help: "comma-separated scopes not restored, e.g. vgg_16/fc8" },
  trainable: { type: "string", help: "comma-separated scopes to train (default: all)" },
  optimizer: { type: "string", default: "adam", help: OPTIMIZERS.join(", ") },
  momentum: { type: "string", help: "momentum for momentum / rmsprop" },
  lr: { type: "string", default: "0.001", help: "learning rate" },
  schedule: {
    type: "string",
    default: "constant",
    help: "constant, exponential, piecewise, cosine",
  },
  "decay-rate": { type: "string", default: "0.1", help: "exponential: factor per decay period" },
  "decay-epochs": { type: "string", default: "5", help: "exponential / cosine: epochs per period" },
  staircase: { type: "boolean", help: "exponential: decay in steps (as the lab)" },
  boundaries: { type: "string", help: "piecewise: comma-separated epochs" },
  values: { type: "string", help: "piecewise: comma-separated rates" },
  "warmup-steps": { type: "string", default: "0", help: "linear warmup steps" },
  epochs: { type: "string", default: "1", help: "epochs" },
  "max-steps": { type: "string", help: "stop after this many steps" },
  batch: { type: "string", default: "64", help: "batch size" },
  "weight-decay": { type: "string", help: "L2 weight decay (default: the model's)" },
  "label-smoothing": { type: "string", default: "0", help: "label smoothing" },
  "clip-norm": { type: "string", help: "clip gradients to this global norm" },
  "class-weights": { type: "string", help: "'inverse' or comma-separated weights" },
  "focal-gamma": { type: "string", default: "0", help: "focal loss gamma" },
  sampler: { type: "string", default: "shuffle", help: "shuffle, balanced, sequential" },
  augment: { type: "boolean", help: "random crop (pad 4) and horizontal flip" },
  seed: { type: "string", default: "0", help: "seed" },
  backend: { type: "string", default: "auto", help: BACKEND_CHOICES.join(", ") },
  out: { type: "string", default: "out/train", help: "output folder" },
  "checkpoint-every": { type: "string", help: "save every N steps (default: each epoch)" },
  keep: { type: "string", default: "5", help: "checkpoints to keep" },
  "log-every": { type: "string", default: "0", help: "log a line every N steps" },
};

const HELP = usage(
  "deno task train [options]",
  "Train or fine-tune a model; resumable.",
  TRAIN_FLAGS,
);

function list(v: unknown): string[] | undefined {
  return typeof v === "string" && v.trim()
    ? v.split(",").map((s) => s.trim()).filter(Boolean)
    : undefined;
}

function choice<T extends string>(
  values: ParsedFlags["values"],
  name: string,
  allowed: readonly T[],
): T {
  const v = String(values[name]);
  if (!allowed.includes(v as T)) {
    throw new UsageError(`--${name}: expected one of ${allowed.join(", ")}, got '${v}'`);
  }
  return v as T;
}

function buildSchedule(values: ParsedFlags["values"], stepsPerEpoch: number): Schedule {
  const lr = numberFlag(values, "lr", { min: 0 });
  const kind = choice(
    values,
    "schedule",
    ["constant", "exponential", "piecewise", "cosine"] as const,
  );
  let s: Schedule = constant(lr);
  if (kind === "exponential") {
    s = exponentialDecay(lr, {
      decaySteps: numberFlag(values, "decay-epochs", { min: 1e-9 }) * stepsPerEpoch,
      decayRate: numberFlag(values, "decay-rate", { min: 0 }),
      staircase: values.staircase === true,
    });
  } else if (kind === "cosine") {
    s = cosineDecay(lr, { decaySteps: numberFlag(values, "epochs", { min: 1 }) * stepsPerEpoch });
  } else if (kind === "piecewise") {
    const b = list(values.boundaries)?.map(Number), v = list(values.values)?.map(Number);
    if (!b || !v || b.some(Number.isNaN) || v.some(Number.isNaN)) {
      throw new UsageError("--schedule piecewise needs --boundaries (epochs) and --values (rates)");
    }
    if (v.length !== b.length + 1) {
      throw new UsageError(`--values: expected ${b.length + 1} rates for ${b.length} boundaries`);
    }
    s = piecewiseConstant(b.map((e) => e * stepsPerEpoch), v);
  }
  const warm = numberFlag(values, "warmup-steps", { integer: true, min: 0 });
  return warm > 0 ? linearWarmup(s, warm) : s;
}

async function main(args: string[]) {
  const { values, positionals } = parseFlags(args, TRAIN_FLAGS);
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const n = (name: string, min = 1) => numberFlag(values, name, { integer: true, min });
  const opt = (
    name: string,
  ) => (values[name] === undefined ? undefined : numberFlag(values, name, { min: 0 }));
  const modelName = String(values.model);
  if (!MODEL_NAMES.includes(modelName)) {
    throw new UsageError(`--model: expected one of ${MODEL_NAMES.join(", ")}, got '${modelName}'`);
  }
  const optimizer = choice(values, "optimizer", OPTIMIZERS) as OptimizerName;
  const sampler = choice(values, "sampler", ["shuffle", "balanced", "sequential"] as const);
  const backendName = choice(values, "backend", BACKEND_CHOICES) as BackendChoice;
  const exclude = list(values.exclude);
  const trainable = list(values.trainable);
  if (exclude && !values.checkpoint) {
    throw new UsageError("--exclude only applies with --checkpoint");
  }
  const epochs = n("epochs"), batch = n("batch"), seed = n("seed", 0);
  const weights = values["class-weights"];
  const classWeights = weights === undefined
    ? undefined
    : weights === "inverse"
    ? "inverse" as const
    : list(weights)!.map(Number);
  if (Array.isArray(classWeights) && classWeights.some((w) => !(w >= 0))) {
    throw new UsageError(
      `--class-weights: expected 'inverse' or non-negative numbers, got '${weights}'`,
    );
  }
  const imageSize = values["image-size"] === undefined ? 32 : n("image-size");
  const out = String(values.out);

  const backend = await useBackend(backendName);
  let train = await loadDatasetSpec(String(values.dataset), { split: "train" });
  let test = await loadDatasetSpec(String(values.dataset), { split: "test" });
  if (values["test-per-class"] !== undefined) test = takePerClass(test, n("test-per-class"));
  if (values["per-class"] !== undefined) train = takePerClass(train, n("per-class"));
  const numClasses = values["num-classes"] === undefined
    ? train.classNames.length
    : n("num-classes");
  if (numClasses < train.classNames.length) {
    throw new UsageError(
      `--num-classes ${numClasses} is fewer than the dataset's ${train.classNames.length} classes`,
    );
  }
  // Networks trained from scratch here get unit-scale inputs; restored ones keep the checkpoint's.
  const model = buildModel(modelName, {
    numClasses,
    inputSize: imageSize,
    seed,
    preprocessing: values.checkpoint ? VGG_PREPROCESSING : STANDARDIZED_PREPROCESSING,
  });
  const names = model.store.list().map((v) => v.name);
  for (const s of [...(trainable ?? []), ...(exclude ?? [])]) {
    if (!names.some((nm) => inScope(nm, s))) {
      throw new UsageError(
        `scope '${s}' matches no variable of ${model.scope} (e.g. ${names[names.length - 1]})`,
      );
    }
  }
  console.log(
    `backend: ${backend.description}; model ${model.scope} at ${imageSize}×${imageSize}, ${numClasses} classes; ${train.labels.length} training images`,
  );
  if (values.checkpoint) {
    await restore(model, String(values.checkpoint), { exclude, listRestored: false });
  }
  const stepsPerEpoch = Math.ceil(train.labels.length / batch);
  const result = await fit(model, train, {
    epochs,
    batchSize: batch,
    optimizer,
    momentum: opt("momentum"),
    learningRate: buildSchedule(values, stepsPerEpoch),
    trainableScopes: trainable,
    weightDecay: opt("weight-decay"),
    labelSmoothing: opt("label-smoothing"),
    clipNorm: opt("clip-norm"),
    classWeights,
    focalGamma: opt("focal-gamma"),
    sampler,
    augment: values.augment ? { flip: true, cropPadding: 4 } : undefined,
    seed,
    maxSteps: values["max-steps"] === undefined ? undefined : n("max-steps"),
    validation: test,
    checkpointDir: `${out}/checkpoints`,
    checkpointEvery: values["checkpoint-every"] === undefined ? undefined : n("checkpoint-every"),
    keep: n("keep"),
    logEvery: n("log-every", 0),
  });
  const ev = result.epochs.at(-1)?.validation ?? evaluate(model, test, { batchSize: batch });
  const summary = {
    model: model.scope,
    dataset: values.dataset,
    steps: result.step,
    interrupted: result.interrupted,
    testAccuracy: ev.accuracy,
    top5: ev.top5,
    balancedAccuracy: ev.metrics.balancedAccuracy,
    macroF1: ev.metrics.macroF1,
    imagesPerSecond: result.imagesPerSecond,
    loopOverhead: 1 - result.stepSeconds / result.seconds,
    seconds: result.seconds,
    lastCheckpoint: result.lastCheckpoint,
  };
  await Deno.mkdir(out, { recursive: true });
  await writeFileAtomic(
    `${out}/history.json`,
    JSON.stringify({
      steps: result.history,
      epochs: result.epochs.map((e) => ({
        epoch: e.epoch,
        step: e.step,
        accuracy: e.validation.accuracy,
      })),
    }),
  );
  const classes = test.classNames;
  await writeFileAtomic(
    `${out}/report.html`,
    standaloneReport(`${model.scope} on ${values.dataset}`, [
      {
        title: "Summary",
        html: htmlTable([
          ["metric", "value"],
          ...Object.entries(summary).map((
            [k, v],
          ) => [k, typeof v === "number" ? +v.toFixed(4) : String(v)]),
        ]),
      },
      { title: "Training curves", figure: trainingCurves(result.history, result.epochs) },
      { title: "Learning rate", figure: learningRateChart(result.history) },
      {
        title: "Confusion matrix (test)",
        figure: confusionHeatmap(
          ev.confusion.slice(0, classes.length).map((r) => r.slice(0, classes.length)),
          classes,
        ),
      },
      { title: "Per-class metrics (test)", figure: perClassBars(ev.metrics, classes) },
    ]),
  );
  // results.json last: a sweep treats its presence as "this trial finished".
  if (!result.interrupted) {
    await writeFileAtomic(`${out}/results.json`, JSON.stringify(summary, null, 2));
  }
  console.log(
    `test accuracy ${(ev.accuracy * 100).toFixed(2)}% (balanced ${
      (ev.metrics.balancedAccuracy * 100).toFixed(2)
    }%); report ${out}/report.html`,
  );
}

if (import.meta.main) await runMain(main, HELP);
