/**
 * What a training run folder says about itself, for `eval` and `export`:
 * the train job's settings recorded in `<out>/checkpoints/run.json` (model,
 * image size, classes, labels offset, preprocessing, dataset, split).
 *
 * @module
 */
import { readRunRecord } from "../train/mod.ts";

/** A training run's settings as `eval` and `export` use them. */
export interface RunInfo {
  /** The record file they came from. */
  source: string;
  /** Zoo name. */
  model: string;
  /** Dataset spec as trained. */
  dataset: string;
  imageSize: number;
  numClasses: number;
  labelsOffset: number;
  /** `standardized` (trained from scratch here) or `model` (the family's own). */
  preprocessing: "standardized" | "model";
  resize: "stretch" | "center-crop" | "random-crop";
  /** Image folders: the split training saved. */
  splitFile?: string;
}

/** Folders that may hold the record of `path` (a run folder, its checkpoints, or a prefix there). */
function candidates(path: string): string[] {
  const p = path.replace(/\/+$/, "");
  const parent = p.includes("/") ? p.slice(0, p.lastIndexOf("/")) : ".";
  return [`${p}/checkpoints`, p, parent];
}

/**
 * Reads the record of the training run `path` belongs to (a `--out` folder,
 * its `checkpoints/`, or a checkpoint prefix inside); undefined when it has
 * none (a checkpoint from elsewhere).
 */
export async function readRunInfo(path: string): Promise<RunInfo | undefined> {
  for (const dir of candidates(path)) {
    const settings = await readRunRecord(dir);
    const job = settings?.job as Record<string, unknown> | undefined;
    if (!settings || !job) continue;
    const outDir = dir.endsWith("/checkpoints") ? dir.slice(0, -"/checkpoints".length) : dir;
    return {
      source: `${dir}/run.json`,
      model: String(job.model),
      dataset: String(job.dataset),
      imageSize: Number(job.imageSize),
      numClasses: Number(settings.numClasses),
      labelsOffset: Number(settings.labelsOffset ?? 0),
      preprocessing: job.preprocessing === "model" ? "model" : "standardized",
      resize: (job.resize ?? "stretch") as RunInfo["resize"],
      splitFile: job.splitFile ? `${outDir}/${job.splitFile}` : undefined,
    };
  }
  return undefined;
}
