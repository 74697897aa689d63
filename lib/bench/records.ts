/**
 * Typed bench records and how measuring processes hand them over: each
 * case runs in a process of its own (so its peak RSS is its own) and prints
 * one JSON record as its last line.
 *
 * @module
 */
import { gflops } from "./flops.ts";
import { perSecond, type Timing } from "./timing.ts";

/** One measured training configuration. */
export interface TrainRecord {
  /** The case's key (`vgg_16@224/all/b8`). */
  key: string;
  /** The backend, as `useBackend` describes it. */
  backend: string;
  /** Images per step. */
  batch: number;
  /** Training images per second. */
  trainImagesPerSecond: number;
  /** Timed steps. */
  steps: number;
  /** Mean step time, ms. */
  stepMs: number;
  /** Counted kernel FLOPs of one image's training step ({@linkcode countedFlops}). */
  trainFlopsPerImage: number;
  /** `trainFlopsPerImage` × rate, in GFLOP/s. */
  trainGflops: number;
  /** Peak tensor bytes of each timed step (flat when nothing leaks), where measured. */
  stepPeakTensorBytes?: number[];
  /** The measuring process's peak RSS, where measured. */
  peakRssBytes?: number;
}

/** A record, or why there is none. */
export type Measured<T> = T | { error: string };

/** True when `m` holds a record, not an error. */
export function isMeasured<T extends object>(m: Measured<T>): m is T {
  return !("error" in m);
}

/**
 * Runs `cmd` and parses the JSON record it prints last; `{ error }` with the
 * end of its stderr where it fails.
 */
export async function runRecord<T>(cmd: string, args: string[]): Promise<Measured<T>> {
  try {
    const out = await new Deno.Command(cmd, { args, stderr: "piped" }).output();
    const text = new TextDecoder().decode(out.stdout).trim().split("\n").pop() ?? "";
    if (!out.success) {
      const err = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-3).join(" ");
      return { error: err || `exit ${out.code}` };
    }
    return JSON.parse(text) as T;
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** One streamed-pipeline measurement (`scripts/bench_folders.ts`, ours or PyTorch's). */
export interface FolderStreamRecord {
  /** Images streamed per second after the first batch. */
  imagesPerSecond: number;
  /** The measuring process's peak RSS. */
  peakRssBytes: number;
  /** Time to list and size the folder. */
  indexSeconds: number;
}

/** One folder size's measurement, ours and PyTorch's. */
export interface FolderBench {
  /** JPEGs in the folder. */
  images: number;
  /** Ours. */
  ours: Measured<FolderStreamRecord>;
  /** PyTorch's ImageFolder + DataLoader. */
  torch: Measured<FolderStreamRecord>;
}

/** A checkpoint read against a raw read of the same file (`scripts/bench_checkpoint.ts`). */
export interface CheckpointBench {
  /** The checkpoint. */
  file: string;
  /** Its size. */
  fileBytes: number;
  /** Bytes of the tensors read from it. */
  tensorBytes: number;
  /** Raw read time. */
  rawSeconds: number;
  /** Raw read rate, MB/s. */
  rawMBps: number;
  /** Checkpoint read time. */
  readSeconds: number;
  /** Checkpoint read rate, MB/s. */
  readMBps: number;
  /** Raw time over read time. */
  ratio: number;
  /** The reading process's peak RSS. */
  peakRssBytes: number;
  /** Peak RSS over tensor bytes. */
  peakOverTensorBytes: number;
}

/** The record of `timing`'s steps of `case_.batch` images at `flopsPerImage` each. */
export function trainRecord(
  case_: { key: string; backend: string; batch: number },
  timing: Timing,
  flopsPerImage: number,
): TrainRecord {
  const rate = perSecond(timing, case_.batch);
  return {
    ...case_,
    trainImagesPerSecond: rate,
    steps: timing.runs,
    stepMs: timing.msPerRun,
    trainFlopsPerImage: flopsPerImage,
    trainGflops: gflops(flopsPerImage, rate),
  };
}
