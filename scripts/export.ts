/**
 * `deno task export`: a checkpoint as a TF.js layers model for the browser
 * (`model.json` + weight shards in `--out`), which `tf.loadLayersModel`
 * loads; the preprocessing is in its `userDefinedMetadata`.
 *
 * Example: `deno task export --checkpoint out/train/checkpoints --model vgg_16
 * --image-size 224 --num-classes 10 --preprocessing vgg --out out/web-model`
 *
 * @module
 */
import { STANDARDIZED_PREPROCESSING, VGG_PREPROCESSING } from "../lib/data/preprocess.ts";
import { buildModel, MODEL_NAMES } from "../lib/models/zoo.ts";
import { exportModel } from "../lib/weights/export_tfjs.ts";
import { restore } from "../lib/weights/restore_model.ts";
import { useBackend } from "../lib/backend/select.ts";
import { choiceFlag, numberFlag, parseFlags, runMain, usage, UsageError } from "../lib/util/cli.ts";

const FLAGS = {
  checkpoint: {
    type: "string",
    help: "checkpoint file, prefix, folder (latest) or a training run's --out folder — required",
  },
  model: { type: "string", default: "small_vgg", help: MODEL_NAMES.join(", ") },
  "num-classes": { type: "string", default: "10", help: "classes of the checkpoint's head" },
  "image-size": { type: "string", default: "32", help: "model input size" },
  preprocessing: {
    type: "string",
    default: "standardized",
    help: "standardized (trained here from scratch) or vgg (ImageNet checkpoints)",
  },
  out: { type: "string", default: "out/web-model", help: "output folder" },
} as const;

const HELP = usage(
  "deno task export --checkpoint <path> [options]",
  "Export a checkpoint as a TF.js layers model (model.json + shards) for the browser.",
  FLAGS,
);

async function main(args: string[]) {
  const { values, positionals } = parseFlags(args, FLAGS);
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if (!values.checkpoint) throw new UsageError("--checkpoint is required");
  await useBackend("auto", { log: () => {} });
  const model = buildModel(choiceFlag(values, "model", MODEL_NAMES), {
    numClasses: numberFlag(values, "num-classes", { integer: true, min: 1 }),
    inputSize: numberFlag(values, "image-size", { integer: true, min: 1 }),
    preprocessing: choiceFlag(values, "preprocessing", ["standardized", "vgg"] as const) === "vgg"
      ? VGG_PREPROCESSING
      : STANDARDIZED_PREPROCESSING,
  });
  await restore(model, String(values.checkpoint));
  const out = String(values.out);
  const r = await exportModel(model, out);
  console.log(
    `exported ${model.scope} (${(r.bytes / 1e6).toFixed(1)} MB of weights in ${r.shards.length} ` +
      `shards) to ${r.modelJson}; load it with tf.loadLayersModel`,
  );
  model.store.dispose();
}

if (import.meta.main) await runMain(main, HELP);
