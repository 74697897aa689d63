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
import {
  INCEPTION_PREPROCESSING,
  STANDARDIZED_PREPROCESSING,
  VGG_PREPROCESSING,
} from "../lib/data/preprocess.ts";
import { readRunInfo } from "../lib/jobs/run_info.ts";
import { buildModel, MODEL_NAMES } from "../lib/models/mod.ts";
import { exportModel } from "../lib/weights/export_tfjs.ts";
import { restore } from "../lib/weights/restore_model.ts";
import { useBackend } from "../lib/backend/select.ts";
import { choiceFlag, numberFlag, parseFlags, runMain, usage, UsageError } from "../lib/util/cli.ts";

const FLAGS = {
  checkpoint: {
    type: "string",
    help: "checkpoint file, prefix, folder (latest) or a training run's --out folder — required",
  },
  model: {
    type: "string",
    help: `${MODEL_NAMES.join(", ")} (default: the run's, else small_vgg)`,
  },
  "num-classes": {
    type: "string",
    help: "classes of the checkpoint's head (default: the run's, else 10)",
  },
  "image-size": { type: "string", help: "model input size (default: the run's, else 32)" },
  preprocessing: {
    type: "string",
    help: "standardized (trained here from scratch), model (the family's own), vgg or " +
      "inception (default: the run's, else standardized)",
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
  // A training run's folder says what it trained; flags override.
  const run = await readRunInfo(String(values.checkpoint));
  if (run) console.error(`run settings from ${run.source}`);
  const given = (name: string) => values[name] !== undefined;
  const preprocessing = given("preprocessing")
    ? choiceFlag(values, "preprocessing", ["standardized", "model", "vgg", "inception"] as const)
    : run?.preprocessing ?? "standardized";
  const model = buildModel(
    given("model") ? choiceFlag(values, "model", MODEL_NAMES) : run?.model ?? "small_vgg",
    {
      numClasses: given("num-classes")
        ? numberFlag(values, "num-classes", { integer: true, min: 1 })
        : run?.numClasses ?? 10,
      inputSize: given("image-size")
        ? numberFlag(values, "image-size", { integer: true, min: 1 })
        : run?.imageSize ?? 32,
      preprocessing: {
        standardized: STANDARDIZED_PREPROCESSING,
        model: undefined,
        vgg: VGG_PREPROCESSING,
        inception: INCEPTION_PREPROCESSING,
      }[preprocessing],
    },
  );
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
