/**
 * The `train` command line: its flags (also what sweeps may vary) and their
 * mapping onto a {@linkcode TrainJob}, with one clear error per bad flag.
 *
 * @module
 */
import { BACKEND_CHOICES } from "../backend/mod.ts";
import { MODEL_NAMES } from "../models/mod.ts";
import { OPTIMIZERS } from "../train/mod.ts";
import { SCHEDULE_KINDS } from "../train/mod.ts";
import {
  choiceFlag,
  type FlagSpec,
  listFlag,
  numberFlag,
  optionalNumberFlag,
  parseFlags,
  UsageError,
} from "../util/mod.ts";
import type { TrainJob } from "./train_job.ts";
import { expandPreset, SESSION_PRESETS } from "./session_presets.ts";

/** The train flags (also what `sweep` may vary). */
export const TRAIN_FLAGS: Record<string, FlagSpec> = {
  preset: {
    type: "string",
    help: `a session-sized exercise (${
      Object.keys(SESSION_PRESETS).join(", ")
    }, about 30 min on a 2-core CPU; docs/sessions.md); other flags override it`,
  },
  model: { type: "string", default: "small_vgg", help: `one of ${MODEL_NAMES.join(", ")}` },
  dataset: {
    type: "string",
    default: "fashion-mnist",
    help: "fashion-mnist, mnist[:dir], cifar10[:<path>], cifar100[:<path>], folder:<path> " +
      "(cifar10 alone: the shared data folder's, see 'deno task download')",
  },
  "image-size": {
    type: "string",
    help: "model input size (default 32; 224 for the ImageNet recipe)",
  },
  "num-classes": { type: "string", help: "default: the dataset's" },
  resize: {
    type: "string",
    default: "stretch",
    help:
      "image folders: stretch, center-crop or random-crop (shorter side to size/0.875, then a square)",
  },
  "cache-decoded": {
    type: "boolean",
    help: "image folders: decode every image once into a cache file (small images, many epochs)",
  },
  "skip-bad-images": {
    type: "boolean",
    help: "image folders: drop unreadable images (listed at the end) instead of stopping",
  },
  "per-class": { type: "string", help: "use at most this many training images per class" },
  "test-per-class": { type: "string", help: "evaluate on at most this many test images per class" },
  checkpoint: {
    type: "string",
    help: "restore from this checkpoint (file, prefix, folder, a training run's --out folder, " +
      "or a zoo name such as vgg_16: its TF-Slim checkpoint in the shared data folder)",
  },
  exclude: { type: "string", help: "comma-separated scopes not restored, e.g. vgg_16/fc8" },
  trainable: { type: "string", help: "comma-separated scopes to train (default: all)" },
  optimizer: { type: "string", default: "adam", help: OPTIMIZERS.join(", ") },
  momentum: { type: "string", help: "momentum for momentum / rmsprop" },
  lr: { type: "string", default: "0.001", help: "learning rate" },
  schedule: { type: "string", default: "constant", help: SCHEDULE_KINDS.join(", ") },
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
  "labels-offset": {
    type: "string",
    help: "model outputs before the dataset's first class: 1 for TF-Slim's 1001-class " +
      "checkpoints (Inception, MobileNet, ResNet-V2) kept whole",
  },
  sampler: { type: "string", default: "shuffle", help: "shuffle, balanced, sequential" },
  augment: { type: "boolean", help: "random crop (pad 4) and horizontal flip" },
  seed: { type: "string", default: "0", help: "seed" },
  backend: { type: "string", default: "auto", help: BACKEND_CHOICES.join(", ") },
  out: { type: "string", default: "out/train", help: "output folder" },
  restart: {
    type: "boolean",
    help: "delete --out's checkpoints and results and start over (a rerun whose settings " +
      "differ from the run there stops otherwise)",
  },
  "checkpoint-every": { type: "string", help: "save every N steps (default: each epoch)" },
  keep: { type: "string", default: "5", help: "checkpoints to keep" },
  "log-every": { type: "string", default: "0", help: "log a line every N steps" },
};

function numbers(values: Record<string, unknown>, name: string): number[] | undefined {
  const list = listFlag(values as Parameters<typeof listFlag>[0], name);
  if (!list) return undefined;
  const parsed = list.map(Number);
  if (parsed.some((x) => !Number.isFinite(x))) {
    throw new UsageError(`--${name}: expected comma-separated numbers, got '${values[name]}'`);
  }
  return parsed;
}

/** Parses `train`'s command line into a job; throws `UsageError` naming the bad flag. */
export function trainJobFromArgs(args: string[]): TrainJob {
  const expanded = expandPreset(args);
  const { values, positionals } = parseFlags(expanded.args, TRAIN_FLAGS);
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  // `--checkpoint none` (after a preset's): no restore, and so nothing to exclude.
  const noCheckpoint = values.checkpoint === "none";
  const int = (name: string, min = 1) => numberFlag(values, name, { integer: true, min });
  const optInt = (name: string, min = 1) =>
    optionalNumberFlag(values, name, { integer: true, min });
  const opt = (name: string) => optionalNumberFlag(values, name, { min: 0 });
  const model = choiceFlag(values, "model", MODEL_NAMES);
  const kind = choiceFlag(values, "schedule", SCHEDULE_KINDS);
  const boundaries = numbers(values, "boundaries"), rates = numbers(values, "values");
  if (boundaries?.some((b, i) => !(b > (i ? boundaries[i - 1] : 0)))) {
    throw new UsageError(
      `--boundaries: expected increasing epochs above 0, got '${values.boundaries}'`,
    );
  }
  if (rates?.some((r) => r < 0)) {
    throw new UsageError(`--values: expected rates ≥ 0, got '${values.values}'`);
  }
  if (kind === "piecewise" && (!boundaries || !rates)) {
    throw new UsageError("--schedule piecewise needs --boundaries (epochs) and --values (rates)");
  }
  if (kind === "piecewise" && rates!.length !== boundaries!.length + 1) {
    throw new UsageError(
      `--values: expected ${boundaries!.length + 1} rates for ${boundaries!.length} boundaries`,
    );
  }
  const weights = values["class-weights"];
  const classWeights = weights === undefined
    ? undefined
    : weights === "inverse"
    ? "inverse" as const
    : listFlag(values, "class-weights")!.map(Number);
  if (Array.isArray(classWeights) && classWeights.some((w) => !(w >= 0))) {
    throw new UsageError(
      `--class-weights: expected 'inverse' or non-negative numbers, got '${weights}'`,
    );
  }
  const epochs = int("epochs");
  return {
    model,
    dataset: String(values.dataset),
    imageSize: optInt("image-size") ?? 32,
    resize: choiceFlag(values, "resize", ["stretch", "center-crop", "random-crop"] as const),
    skipBadImages: values["skip-bad-images"] === true,
    cacheDecoded: values["cache-decoded"] === true,
    numClasses: optInt("num-classes"),
    perClass: optInt("per-class"),
    testPerClass: optInt("test-per-class"),
    checkpoint: values.checkpoint === undefined || noCheckpoint
      ? undefined
      : String(values.checkpoint),
    exclude: noCheckpoint ? undefined : listFlag(values, "exclude"),
    preset: expanded.preset,
    trainable: listFlag(values, "trainable"),
    optimizer: choiceFlag(values, "optimizer", OPTIMIZERS),
    momentum: optionalNumberFlag(values, "momentum", { min: 0, below: 1 }),
    schedule: {
      kind,
      lr: numberFlag(values, "lr", { min: 0 }),
      decayRate: numberFlag(values, "decay-rate", { min: 0 }),
      decayEpochs: numberFlag(values, "decay-epochs", { min: 1e-9 }),
      staircase: values.staircase === true,
      boundaries,
      values: rates,
      epochs,
      warmupSteps: int("warmup-steps", 0),
    },
    epochs,
    maxSteps: optInt("max-steps"),
    batch: int("batch"),
    weightDecay: opt("weight-decay"),
    labelSmoothing: optionalNumberFlag(values, "label-smoothing", { min: 0, below: 1 }),
    clipNorm: opt("clip-norm"),
    classWeights,
    focalGamma: opt("focal-gamma"),
    labelsOffset: optInt("labels-offset", 0),
    sampler: choiceFlag(values, "sampler", ["shuffle", "balanced", "sequential"] as const),
    augment: values.augment === true,
    seed: int("seed", 0),
    backend: choiceFlag(values, "backend", BACKEND_CHOICES),
    out: String(values.out),
    restart: values.restart === true,
    checkpointEvery: optInt("checkpoint-every"),
    keep: int("keep"),
    logEvery: int("log-every", 0),
  };
}
