/**
 * Sweeps: `train` over a list of trials (a grid, a JSON file, or random
 * search), each trial in its own folder, on this machine (`local`) or as a
 * Slurm job array (`slurm`). Resumable: a trial whose `results.json` exists
 * is never run again; failed, cancelled or preempted ones (only those) run
 * again and resume from their own checkpoints. Collects `results.csv`,
 * `results.json` and `report.html`, the same for both engines.
 *
 * @module
 */
import { standaloneReport } from "../report/mod.ts";
import { columnsOf, sweepSections } from "../report/mod.ts";
import { writeFileAtomic } from "../util/mod.ts";
import { createProgress, type ProgressOptions } from "../util/mod.ts";
import type { EngineContext, EngineResult, SweepCounts } from "./engine.ts";
import { failureLine, finished } from "./engine.ts";
import { runLocal } from "./local_engine.ts";
import { runSlurm, type SlurmOptions } from "./slurm_engine.ts";
import { checkTrials, type Trial, trialName } from "./trials.ts";

/** Options of {@linkcode sweep}. */
export interface SweepOptions {
  /** Sweep folder; default `out/sweep`. With Slurm: on a file system the compute nodes see. */
  out?: string;
  /** Train flags shared by every trial. */
  base?: string[];
  /** Trials run at once (Slurm: the array's `%J` limit); default 1. */
  jobs?: number;
  /** `results.json` field compared in the report; default `testAccuracy`. */
  metric?: string;
  /** `local` (processes here, the default) or `slurm` (one job array). */
  engine?: "local" | "slurm";
  /** The Slurm engine's resources and options. */
  slurm?: SlurmOptions;
  /** Where progress lines go; default console.log. */
  log?: (line: string) => void;
  /** The live pending / running / done / failed display; `false` for none. */
  progress?: ProgressOptions | false;
}

/** What {@linkcode sweep} did. */
export interface SweepSummary {
  trials: number;
  /** Trials that finished in this call. */
  ran: number;
  /** Trials finished before this call (not run again). */
  skipped: number;
  failed: number;
  /** Slurm: job ids submitted by this call. */
  jobIds?: string[];
  /** Slurm `detach`: trials left queued or running (a later call collects them). */
  waiting?: number;
  /** One row per finished trial: its flags and its results (and `slurmJob` under Slurm). */
  rows: Record<string, unknown>[];
}

/** Rows of finished trials as CSV (a header of every key seen, values JSON-quoted). */
export function resultsCsv(rows: Record<string, unknown>[]): string {
  const keys = columnsOf(rows);
  return [keys.join(","), ...rows.map((r) => keys.map((k) => JSON.stringify(r[k] ?? "")).join(","))]
    .join("\n") + "\n";
}

function countsText(c: SweepCounts): Record<string, number> {
  return { pending: c.pending, running: c.running, done: c.done, failed: c.failed };
}

/**
 * Runs the trials not finished yet on the chosen engine, then collects every
 * finished one into `results.csv`, `results.json` and `report.html`.
 *
 * @example
 * ```ts
 * await sweep(gridTrials(["lr=1e-3,1e-2"]), {
 *   base: ["--model", "vgg_16", "--epochs", "1"],
 *   engine: "slurm",
 *   slurm: { partition: "gpu", gpus: 1, time: "2:00:00" },
 * });
 * ```
 */
export async function sweep(trials: Trial[], options: SweepOptions = {}): Promise<SweepSummary> {
  const base = options.base ?? [];
  const log = options.log ?? ((l: string) => console.log(l));
  checkTrials(trials, base);
  await Deno.mkdir(options.out ?? "out/sweep", { recursive: true });
  const out = await Deno.realPath(options.out ?? "out/sweep");
  const all = trials.map((trial) => ({ trial, dir: `${out}/${trialName(trial)}` }));
  const todo = [];
  for (const r of all) {
    if (await finished(r.dir)) log(`skip ${trialName(r.trial)} (finished)`);
    else todo.push(r);
  }
  const skipped = all.length - todo.length;
  const bar = options.progress === false || todo.length === 0
    ? undefined
    : createProgress(todo.length, { label: `sweep ${out.split("/").pop()}`, ...options.progress });
  const ctx: EngineContext = {
    out,
    base,
    jobs: options.jobs ?? 1,
    log,
    report: (c) => bar?.update(c.done + c.failed, countsText(c)),
  };
  let result: EngineResult = { ran: 0, failed: [] };
  if (todo.length) {
    result = options.engine === "slurm"
      ? await runSlurm(todo, ctx, options.slurm)
      : await runLocal(todo, ctx);
  }
  bar?.finish();
  // After the bar, so that no redraw hides them: why each trial failed, and where to look.
  for (const dir of result.failed) {
    const logFile = result.logs?.[dir] ?? `${dir}/log.txt`;
    log(`failed ${dir.split("/").pop()}: ${await failureLine(logFile)} (log: ${logFile})`);
  }
  const rows: Record<string, unknown>[] = [];
  for (const { trial, dir } of all) {
    if (!(await finished(dir))) continue;
    const results = JSON.parse(await Deno.readTextFile(`${dir}/results.json`));
    const slurmJob = (await Deno.readTextFile(`${dir}/slurm_job`).catch(() => "")).trim();
    rows.push({ ...trial, ...results, ...(slurmJob ? { slurmJob } : {}) });
  }
  await writeFileAtomic(`${out}/results.csv`, resultsCsv(rows));
  await writeFileAtomic(`${out}/results.json`, JSON.stringify(rows, null, 2));
  const metric = options.metric ?? "testAccuracy";
  await writeFileAtomic(
    `${out}/report.html`,
    standaloneReport("Sweep", sweepSections(rows, Object.keys(trials[0] ?? {}), metric)),
  );
  return {
    trials: trials.length,
    ran: result.ran,
    skipped,
    failed: result.failed.length,
    jobIds: result.jobIds,
    waiting: result.waiting,
    rows,
  };
}
