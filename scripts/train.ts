/**
 * `deno task train`: train or fine-tune a zoo model on a dataset, optionally
 * restoring a checkpoint with excluded scopes and training only some scopes.
 * Writes checkpoints, `history.json`, `results.json` and `report.html` into
 * `--out`; resumes from `--out/checkpoints` when it holds a checkpoint.
 *
 * @module
 */
import { TRAIN_FLAGS, trainJobFromArgs } from "../lib/jobs/train_flags.ts";
import { runTrainJob } from "../lib/jobs/train_job.ts";
import { runMain, usage } from "../lib/util/cli.ts";

const HELP = usage(
  "deno task train [options]",
  "Train or fine-tune a model; resumable.",
  TRAIN_FLAGS,
);

if (import.meta.main) {
  await runMain((args) => runTrainJob(trainJobFromArgs(args)).then(() => {}), HELP);
}
