/**
 * Evaluating a checkpoint as one call, as `deno task eval` does: build the
 * model, restore the checkpoint (file, prefix, or a folder's latest),
 * evaluate a test split, and optionally write an HTML report.
 *
 * @module
 */
import { type BackendChoice, useBackend } from "../backend/select.ts";
import type { Dataset, ResizeMode } from "../data/dataset.ts";
import {
  INCEPTION_PREPROCESSING,
  STANDARDIZED_PREPROCESSING,
  VGG_PREPROCESSING,
} from "../data/preprocess.ts";
import { loadDatasetSpec } from "../data/resolve.ts";
import { buildModel } from "../models/zoo.ts";
import { standaloneReport } from "../report/plotly.ts";
import { evaluationSections, summarySection } from "../report/sections.ts";
import { evaluateAsync, type Evaluation } from "../train/evaluate.ts";
import { writeFileAtomic } from "../util/atomic.ts";
import { restore } from "../weights/restore_model.ts";

/** One evaluation. */
export interface EvalJob {
  /** Zoo name; default `small_vgg`. */
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

/** Runs `job`; returns the evaluation and the test set's class names. */
export async function runEvalJob(
  job: EvalJob,
): Promise<{ evaluation: Evaluation; test: Dataset }> {
  await useBackend(job.backend ?? "auto");
  const dataset = job.dataset ?? "fashion-mnist";
  const test = await loadDatasetSpec(dataset, {
    split: "test",
    size: job.imageSize ?? 32,
    resize: job.resize,
    splitFile: job.splitFile,
    log: job.log === false ? () => {} : job.log,
  });
  const model = buildModel(job.model ?? "small_vgg", {
    numClasses: job.numClasses ?? test.classNames.length,
    inputSize: job.imageSize ?? 32,
    preprocessing: {
      standardized: STANDARDIZED_PREPROCESSING,
      model: undefined,
      vgg: VGG_PREPROCESSING,
      inception: INCEPTION_PREPROCESSING,
    }[job.preprocessing ?? "standardized"],
  });
  try {
    await restore(model, job.checkpoint, { log: job.log });
    const evaluation = await evaluateAsync(model, test, {
      batchSize: job.batch ?? 64,
      labelsOffset: job.labelsOffset,
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
    return { evaluation, test };
  } finally {
    model.store.dispose();
  }
}
