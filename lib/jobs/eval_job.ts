/**
 * Evaluating a checkpoint as one call, as `deno task eval` does: build the
 * model, restore the checkpoint (file, prefix, or a folder's latest),
 * evaluate a test split, and optionally write an HTML report.
 *
 * @module
 */
import { type BackendChoice, useBackend } from "../backend/mod.ts";
import type { Dataset, ResizeMode } from "../data/mod.ts";
import {
  INCEPTION_PREPROCESSING,
  STANDARDIZED_PREPROCESSING,
  VGG_PREPROCESSING,
} from "../data/mod.ts";
import { loadDatasetSpec } from "../data/mod.ts";
import { buildModel } from "../models/mod.ts";
import { standaloneReport } from "../report/mod.ts";
import { evaluationSections, summarySection } from "../report/mod.ts";
import { evaluateAsync, type Evaluation } from "../train/mod.ts";
import { writeFileAtomic } from "../util/mod.ts";
import { restore } from "../weights/mod.ts";
import { resolveLabCheckpoint, resolveLabDataset } from "./lab_paths.ts";
import { readRunInfo } from "./run_info.ts";

/**
 * One evaluation. When `checkpoint` is a training run's folder (or its
 * checkpoints), every field left out comes from the run's record
 * (`run.json`): model, dataset, image size, classes, labels offset,
 * preprocessing, resize and split; fields given override it.
 */
export interface EvalJob {
  /** Zoo name; default the run's, else `small_vgg`. */
  model?: string;
  /** Dataset spec (its test split is used); default `fashion-mnist`. */
  dataset?: string;
  /** Checkpoint file, prefix or folder. */
  checkpoint: string;
  /** Default 32. */
  imageSize?: number;
  /** Image folders: how images reach the input size; default `stretch`. */
  resize?: ResizeMode;
  /** Image folders: the split file training saved (`<out>/split.json`), so the test images are the same. */
  splitFile?: string;
  /** Default: the dataset's. */
  numClasses?: number;
  /**
   * `standardized` (trained here, default), or for ImageNet checkpoints the
   * family's own (`model`), or a named one (`vgg`: ImageNet means;
   * `inception`: [-1, 1]).
   */
  preprocessing?: "standardized" | "model" | "vgg" | "inception";
  /** Model outputs before the dataset's first class (1 for TF-Slim's 1001-class checkpoints). */
  labelsOffset?: number;
  /** Default 64. */
  batch?: number;
  /** Default `auto`. */
  backend?: BackendChoice;
  /** Write an HTML report here. */
  report?: string;
  /** Where the restore line goes; `false` for silence. */
  log?: ((line: string) => void) | false;
}

/** What an evaluation ran with, after the run's record and the defaults. */
export interface EvalSettings {
  model: string;
  dataset: string;
  imageSize: number;
  numClasses?: number;
  labelsOffset?: number;
  preprocessing: NonNullable<EvalJob["preprocessing"]>;
  resize?: ResizeMode;
  splitFile?: string;
  /** The run record the settings came from, if any. */
  from?: string;
}

/** Runs `job`; returns the evaluation, the test set and the settings used. */
export async function runEvalJob(
  job: EvalJob,
): Promise<{ evaluation: Evaluation; test: Dataset; settings: EvalSettings }> {
  const log = job.log === false ? () => {} : job.log ?? ((l: string) => console.error(l));
  const info = await readRunInfo(job.checkpoint);
  const settings: EvalSettings = {
    model: job.model ?? info?.model ?? "small_vgg",
    dataset: job.dataset ?? info?.dataset ?? "fashion-mnist",
    imageSize: job.imageSize ?? info?.imageSize ?? 32,
    numClasses: job.numClasses ?? info?.numClasses,
    labelsOffset: job.labelsOffset ?? info?.labelsOffset,
    preprocessing: job.preprocessing ?? info?.preprocessing ?? "standardized",
    resize: job.resize ?? info?.resize,
    splitFile: job.splitFile ?? info?.splitFile,
    from: info?.source,
  };
  if (info) {
    log(
      `run settings from ${info.source}: ${settings.model} at ${settings.imageSize}×` +
        `${settings.imageSize}, ${settings.preprocessing} preprocessing, dataset ${settings.dataset}`,
    );
  }
  await useBackend(job.backend ?? "auto");
  const test = await loadDatasetSpec(await resolveLabDataset(settings.dataset), {
    split: "test",
    size: settings.imageSize,
    resize: settings.resize,
    splitFile: settings.splitFile,
    log,
  });
  const model = buildModel(settings.model, {
    numClasses: settings.numClasses ?? test.classNames.length,
    inputSize: settings.imageSize,
    preprocessing: {
      standardized: STANDARDIZED_PREPROCESSING,
      model: undefined,
      vgg: VGG_PREPROCESSING,
      inception: INCEPTION_PREPROCESSING,
    }[settings.preprocessing],
  });
  try {
    await restore(model, await resolveLabCheckpoint(job.checkpoint), { log: job.log });
    const evaluation = await evaluateAsync(model, test, {
      batchSize: job.batch ?? 64,
      labelsOffset: settings.labelsOffset,
    });
    if (job.report) {
      const m = evaluation.metrics;
      await writeFileAtomic(
        job.report,
        standaloneReport(`Evaluation of ${job.checkpoint}`, [
          summarySection({
            "top-1": evaluation.accuracy,
            "top-5": evaluation.top5,
            "balanced accuracy": m.balancedAccuracy,
            "macro F1": m.macroF1,
          }),
          ...evaluationSections(evaluation, test.classNames),
        ]),
      );
    }
    return { evaluation, test, settings };
  } finally {
    model.store.dispose();
  }
}
