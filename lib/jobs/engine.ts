/**
 * What a sweep engine (local processes, Slurm) is given and reports: the
 * trials still to run, and counts for the progress display.
 *
 * @module
 */
import type { Trial } from "./trials.ts";

/** A trial to run: its flags and its folder (absolute). */
export interface TrialRun {
  trial: Trial;
  dir: string;
}

/** Where a sweep's unfinished trials stand. */
export interface SweepCounts {
  pending: number;
  running: number;
  done: number;
  failed: number;
}

/** What an engine needs from the sweep. */
export interface EngineContext {
  /** The sweep folder (absolute). */
  out: string;
  /** Train flags shared by every trial. */
  base: string[];
  /** Trials run at once. */
  jobs: number;
  /** Called whenever the counts change (and at each poll). */
  report(counts: SweepCounts): void;
  /** Progress and failure lines. */
  log(line: string): void;
}

/** What an engine did with its trials. */
export interface EngineResult {
  /** Trials that finished in this call. */
  ran: number;
  /** Folders of trials that failed (or were cancelled, timed out, preempted). */
  failed: string[];
  /** Failed trial folder → its log file. */
  logs?: Record<string, string>;
  /** Slurm: the job ids submitted by this call. */
  jobIds?: string[];
  /** Slurm `--detach`: trials left queued or running. */
  waiting?: number;
}

/** True when the trial's `results.json` exists: train writes it last. */
export async function finished(dir: string): Promise<boolean> {
  return !!(await Deno.stat(`${dir}/results.json`).catch(() => undefined))?.isFile;
}

/** The train script the engines run, by absolute path. */
export const TRAIN_SCRIPT = new URL("../../scripts/train.ts", import.meta.url).pathname;

/** The line of a trial's log that says why it failed: the first `error:` line, else the last line. */
export async function failureLine(log: string): Promise<string> {
  const lines = (await Deno.readTextFile(log).catch(() => "")).split("\n")
    .map((l) => l.trim()).filter(Boolean);
  return lines.find((l) => /^error\b|^(Uncaught )?\w*Error\b/.test(l)) ?? lines.at(-1) ??
    "(no output)";
}
