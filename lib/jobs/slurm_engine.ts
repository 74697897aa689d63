/**
 * The Slurm sweep engine: the unfinished trials go to Slurm as one job
 * array (`sbatch --array=0-(N-1)%J`), each array task runs one trial's
 * `train` into its folder, and Slurm schedules, limits and requeues; there
 * is no queue or worker pool of ours. The sweep folder must be on a file
 * system the compute nodes see (the trials write there).
 *
 * Under `<sweep>/slurm/`: `job.sh` (the generated job script),
 * `tasks-<n>.txt` (array task i runs the trial folder on line i+1),
 * `submissions.json` (job id → trial folders, written only after `sbatch`
 * accepted the array) and `logs/<job>_<task>.out` (Slurm's per-task output).
 *
 * A trial is finished when its `results.json` exists; live while `squeue`
 * lists its task; otherwise (failed, cancelled, timed out, preempted, or
 * never submitted) the next run submits it again, and it resumes from its
 * own last checkpoint.
 *
 * @module
 */
import { writeFileAtomic } from "../util/mod.ts";
import { UsageError } from "../util/mod.ts";
import {
  type EngineContext,
  type EngineResult,
  finished,
  TRAIN_SCRIPT,
  type TrialRun,
} from "./engine.ts";
import { trialArgs } from "./trials.ts";

/** Resources and behaviour of the Slurm engine. */
export interface SlurmOptions {
  /** `--cpus-per-task` of each trial (also its OMP_NUM_THREADS). */
  cpusPerTask?: number;
  /** `--mem`, e.g. `16G`. */
  mem?: string;
  /** GPUs per trial, as `--gres=gpu:N`. */
  gpus?: number;
  /** `--time`, e.g. `4:00:00`. */
  time?: string;
  /** `--partition`. */
  partition?: string;
  /** `--account`. */
  account?: string;
  /** Any other sbatch options, passed as given (e.g. `--qos=high`, `--requeue`). */
  sbatch?: string[];
  /** Return once submitted (print the job id); a later run collects. */
  detach?: boolean;
  /** Seconds between `squeue` polls while waiting; default 10. */
  pollSeconds?: number;
}

/** A recorded submission: array task i ran `tasks[i]`. */
interface Submission {
  jobId: string;
  tasks: string[];
  submitted: string;
}

const RUNNING_STATES = new Set(["RUNNING", "COMPLETING", "CONFIGURING", "STAGE_OUT"]);

async function slurmCommand(
  name: "sbatch" | "squeue",
  args: string[],
): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(name, { args, stdout: "piped", stderr: "piped" }).output();
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new Error(
        `Slurm's '${name}' was not found on PATH: run the sweep on a Slurm login node, install ` +
          `Slurm's client commands (Debian: slurm-client), or use --engine local`,
      );
    }
    throw err;
  }
  const dec = new TextDecoder();
  return { ok: out.success, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr).trim() };
}

/** This user's array tasks that Slurm still holds: `<job>_<task>` → state. */
async function liveTasks(): Promise<Map<string, string>> {
  // --me rather than -j: squeue fails on job ids it has already forgotten.
  const r = await slurmCommand("squeue", ["--me", "-h", "-r", "-o", "%F|%K|%T"]);
  if (!r.ok) throw new Error(`squeue failed: ${r.stderr}`);
  const live = new Map<string, string>();
  for (const line of r.stdout.split("\n")) {
    const [job, task, state] = line.trim().split("|");
    if (state && /^\d+$/.test(task)) live.set(`${job}_${task}`, state);
  }
  return live;
}

function quote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** The job script: array task i runs the trial folder on line i+1 of the tasks file ($1). */
export function jobScript(deno: string = Deno.execPath()): string {
  return `#!/bin/bash
# One trial of a tl-lab sweep (generated): array task i runs the trial whose folder is on
# line i+1 of the tasks file given as $1, with that folder's train.args.
set -euo pipefail
dir=$(sed -n "$((SLURM_ARRAY_TASK_ID + 1))p" "$1")
echo "\${SLURM_ARRAY_JOB_ID}_\${SLURM_ARRAY_TASK_ID}" > "$dir/slurm_job"
mapfile -t args < "$dir/train.args"
if [ -n "\${SLURM_CPUS_PER_TASK:-}" ]; then export OMP_NUM_THREADS="$SLURM_CPUS_PER_TASK"; fi
echo "trial $dir on $(hostname), job \${SLURM_ARRAY_JOB_ID}_\${SLURM_ARRAY_TASK_ID}"
# exec: Slurm's SIGTERM (scancel, preemption, time limit) reaches train, which saves first.
exec ${quote(deno)} run -A --v8-flags=--expose-gc ${quote(TRAIN_SCRIPT)} "\${args[@]}"
`;
}

/** The sbatch options for `n` trials, at most `jobs` at once. */
export function sbatchArgs(n: number, jobs: number, out: string, o: SlurmOptions): string[] {
  const name = out.split("/").filter(Boolean).pop() ?? "sweep";
  return [
    "--parsable",
    `--array=0-${n - 1}%${Math.max(1, jobs)}`,
    `--job-name=tl-sweep-${name}`,
    `--output=${out}/slurm/logs/%A_%a.out`,
    ...(o.cpusPerTask ? [`--cpus-per-task=${o.cpusPerTask}`] : []),
    ...(o.mem ? [`--mem=${o.mem}`] : []),
    ...(o.gpus ? [`--gres=gpu:${o.gpus}`] : []),
    ...(o.time ? [`--time=${o.time}`] : []),
    ...(o.partition ? [`--partition=${o.partition}`] : []),
    ...(o.account ? [`--account=${o.account}`] : []),
    ...(o.sbatch ?? []),
  ];
}

async function readSubmissions(path: string): Promise<Submission[]> {
  try {
    const parsed = JSON.parse(await Deno.readTextFile(path));
    if (!Array.isArray(parsed)) throw new Error("not a list");
    return parsed;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [];
    throw new Error(`${path}: not a submissions record (${(err as Error).message})`);
  }
}

/** Submits `runs` as one array; records it only once sbatch accepted it. */
async function submit(
  runs: TrialRun[],
  ctx: EngineContext,
  options: SlurmOptions,
  submissions: Submission[],
): Promise<string> {
  const dir = `${ctx.out}/slurm`;
  await Deno.mkdir(`${dir}/logs`, { recursive: true });
  await writeFileAtomic(`${dir}/job.sh`, jobScript());
  await Deno.chmod(`${dir}/job.sh`, 0o755);
  for (const r of runs) {
    await Deno.mkdir(r.dir, { recursive: true });
    const args = trialArgs(r.trial, ctx.base, r.dir);
    if (args.some((a) => a.includes("\n"))) {
      throw new UsageError(`a train flag value holds a line break: ${JSON.stringify(args)}`);
    }
    await writeFileAtomic(`${r.dir}/train.args`, args.join("\n") + "\n");
  }
  const tasksFile = `${dir}/tasks-${submissions.length + 1}.txt`;
  await writeFileAtomic(tasksFile, runs.map((r) => r.dir).join("\n") + "\n");
  const r = await slurmCommand("sbatch", [
    ...sbatchArgs(runs.length, ctx.jobs, ctx.out, options),
    `${dir}/job.sh`,
    tasksFile,
  ]);
  const jobId = r.stdout.trim().split(";")[0];
  if (!r.ok || !/^\d+$/.test(jobId)) {
    await Deno.remove(tasksFile).catch(() => {});
    throw new Error(`sbatch refused the sweep's job array: ${r.stderr || r.stdout.trim()}`);
  }
  submissions.push({ jobId, tasks: runs.map((r) => r.dir), submitted: new Date().toISOString() });
  await writeFileAtomic(`${dir}/submissions.json`, JSON.stringify(submissions, null, 2));
  return jobId;
}

/** Where each trial folder's newest submission put it: `<job>_<task>`. */
function taskOf(submissions: Submission[]): Map<string, string> {
  const at = new Map<string, string>();
  for (const s of submissions) s.tasks.forEach((dir, i) => at.set(dir, `${s.jobId}_${i}`));
  return at;
}

async function lastLine(path: string): Promise<string> {
  const text = await Deno.readTextFile(path).catch(() => "");
  return text.trim().split("\n").filter(Boolean).at(-1) ?? "(no output)";
}

/**
 * Runs the unfinished trials `runs` on Slurm: submits those not queued or
 * running already (one array), then (unless `detach`) waits, reporting
 * pending / running / done / failed from `squeue` and the trials' files.
 */
export async function runSlurm(
  runs: TrialRun[],
  ctx: EngineContext,
  options: SlurmOptions = {},
): Promise<EngineResult> {
  // sbatch first: it is the command a missing Slurm should be named by.
  await slurmCommand("sbatch", ["--version"]);
  const record = `${ctx.out}/slurm/submissions.json`;
  const submissions = await readSubmissions(record);
  let live = await liveTasks();
  const where = taskOf(submissions);
  const queued = runs.filter((r) => live.has(where.get(r.dir) ?? ""));
  const toSubmit = runs.filter((r) => !queued.includes(r));
  const jobIds: string[] = [];
  if (queued.length) ctx.log(`${queued.length} trial(s) still queued or running from before`);
  if (toSubmit.length) {
    const jobId = await submit(toSubmit, ctx, options, submissions);
    jobIds.push(jobId);
    ctx.log(
      `submitted job array ${jobId}: ${toSubmit.length} trial(s), at most ${ctx.jobs} at once; ` +
        `logs in ${ctx.out}/slurm/logs/`,
    );
    live = await liveTasks();
  }
  if (options.detach) return { ran: 0, failed: [], jobIds, waiting: runs.length };
  const task = taskOf(submissions);
  const poll = (options.pollSeconds ?? 10) * 1000;
  const counts = { pending: 0, running: 0, done: 0, failed: 0 };
  const failed: string[] = [];
  while (true) {
    Object.assign(counts, { pending: 0, running: 0, done: 0, failed: 0 });
    failed.length = 0;
    for (const r of runs) {
      const state = live.get(task.get(r.dir)!);
      if (state && RUNNING_STATES.has(state)) counts.running++;
      else if (state) counts.pending++;
      else if (await finished(r.dir)) counts.done++;
      else counts.failed++, failed.push(r.dir);
    }
    ctx.report(counts);
    if (counts.pending + counts.running === 0) break;
    await new Promise((resolve) => setTimeout(resolve, poll));
    live = await liveTasks();
  }
  const logs: Record<string, string> = {};
  for (const dir of failed) {
    const t = task.get(dir)!;
    logs[dir] = `${ctx.out}/slurm/logs/${t}.out`;
    ctx.log(
      `fail ${dir.split("/").pop()}: Slurm task ${t}; ${logs[dir]}: ${await lastLine(logs[dir])}`,
    );
  }
  return { ran: counts.done, failed, jobIds, logs };
}

/** True when a Slurm cluster answers here (`sinfo` lists a partition): the engine can be used. */
export function slurmAvailable(): boolean {
  try {
    const r = new Deno.Command("sinfo", { args: ["-h", "-o", "%P"], stderr: "null" }).outputSync();
    return r.success && new TextDecoder().decode(r.stdout).trim().length > 0;
  } catch {
    return false;
  }
}
