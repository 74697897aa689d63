/**
 * lib/jobs/slurm_engine against a real Slurm (CI starts a single-node
 * cluster with `.ci/slurm.sh`): one job array per submission, waiting and
 * collecting, resubmitting only what did not finish, resuming a cancelled
 * trial from its checkpoint, `--detach`, and the errors of a bad option or a
 * missing Slurm.
 */
import assert from "node:assert/strict";
import { randomTrials } from "../../lib/jobs/random_search.ts";
import { jobScript, sbatchArgs } from "../../lib/jobs/slurm_engine.ts";
import { slurmOr } from "../helpers/slurm.ts";
import { tempDir } from "../helpers/temp.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const HAS_SLURM = slurmOr();
/** A trial that trains in a few seconds. */
const TINY = ["--per-class", "5", "--test-per-class", "2", "--image-size", "16", "--batch", "10"];

async function sweepCli(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}scripts/sweep.ts`, "--engine", "slurm", "--poll", "0.5", ...args],
    env: { NO_COLOR: "1", ...env },
    signal: AbortSignal.timeout(300_000),
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

function squeue(): string[] {
  const r = new Deno.Command("squeue", { args: ["--me", "-h", "-r", "-o", "%F_%K %T"] })
    .outputSync();
  return new TextDecoder().decode(r.stdout).trim().split("\n").filter(Boolean);
}

async function until(what: string, check: () => Promise<boolean> | boolean, seconds = 120) {
  const end = Date.now() + seconds * 1000;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

Deno.test("sbatch options from the resources; the job script execs train with the trial's args", () => {
  assert.deepEqual(
    sbatchArgs(4, 2, "/shared/sweeps/lr", {
      cpusPerTask: 8,
      mem: "32G",
      gpus: 1,
      time: "4:00:00",
      partition: "gpu",
      account: "lab42",
      sbatch: ["--qos=high", "--requeue"],
    }),
    [
      "--parsable",
      "--array=0-3%2",
      "--job-name=tl-sweep-lr",
      "--output=/shared/sweeps/lr/slurm/logs/%A_%a.out",
      "--cpus-per-task=8",
      "--mem=32G",
      "--gres=gpu:1",
      "--time=4:00:00",
      "--partition=gpu",
      "--account=lab42",
      "--qos=high",
      "--requeue",
    ],
  );
  const script = jobScript("/opt/it's/deno");
  assert.match(script, /^#!\/bin\/bash\n/);
  assert.match(script, /sed -n "\$\(\(SLURM_ARRAY_TASK_ID \+ 1\)\)p" "\$1"/);
  assert.match(
    script,
    /exec '\/opt\/it'\\''s\/deno' run -A .*scripts\/train\.ts' "\$\{args\[@\]\}"/,
  );
  assert.match(script, /OMP_NUM_THREADS="\$SLURM_CPUS_PER_TASK"/);
});

Deno.test({
  name: "slurm: a 4-trial random search runs as one job array and is collected",
  ignore: !HAS_SLURM,
  async fn() {
    const out = await tempDir();
    const range = "lr=loguniform:1e-4:1e-2";
    const search = ["--search", "random", "--trials", "4", "--seed", "3", "--range", range];
    const r = await sweepCli([...search, "--jobs", "2", "--out", out, "--", ...TINY]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /submitted job array (\d+): 4 trial\(s\), at most 2 at once/);
    assert.match(r.stdout, /4 trials: 4 ran, 0 skipped .* 0 failed/);
    const jobId = /submitted job array (\d+)/.exec(r.stdout)![1];
    const rows = JSON.parse(await Deno.readTextFile(`${out}/results.json`));
    assert.equal(rows.length, 4);
    const want = randomTrials([range], { count: 4, seed: 3 }).map((t) => t.lr);
    assert.deepEqual(rows.map((row: { lr: string }) => row.lr), want, "the seed's trials");
    assert.deepEqual(
      rows.map((row: { slurmJob: string }) => row.slurmJob).sort(),
      [0, 1, 2, 3].map((i) => `${jobId}_${i}`),
    );
    const subs = JSON.parse(await Deno.readTextFile(`${out}/slurm/submissions.json`));
    assert.equal(subs.length, 1, "one array");
    assert.equal(subs[0].tasks.length, 4);
    assert.match(await Deno.readTextFile(`${out}/results.csv`), /^lr,.*slurmJob/);
    // A rerun submits nothing.
    const again = await sweepCli([...search, "--out", out, "--", ...TINY]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /4 trials: 0 ran, 4 skipped/);
    assert.ok(!again.stdout.includes("submitted"), again.stdout);
    await Deno.remove(out, { recursive: true });
  },
});

Deno.test({
  name:
    "slurm: --detach, scancel of a running trial, and a rerun that resubmits only it and resumes",
  ignore: !HAS_SLURM,
  async fn() {
    const out = await tempDir();
    const args = [
      "--grid",
      "max-steps=3,120",
      "--jobs",
      "2",
      "--out",
      out,
      "--",
      ...TINY,
      "--epochs",
      "1000",
      "--checkpoint-every",
      "5",
    ];
    const detached = await sweepCli(["--detach", ...args]);
    assert.equal(detached.code, 0, detached.stderr);
    assert.match(
      detached.stdout,
      /submitted \d+: 2 trial\(s\) queued or running; rerun the same command/,
    );
    const jobId = /submitted (\d+)/.exec(detached.stdout)![1];
    const long = `${out}/max-steps=120`;
    // Cancel the long trial once it has saved a checkpoint.
    await until(
      "a checkpoint of the long trial",
      async () =>
        /model\.ckpt-\d+/.test(
          await Deno.readTextFile(`${long}/checkpoints/checkpoint`).catch(() => ""),
        ),
    );
    const task = (await Deno.readTextFile(`${long}/slurm_job`)).trim();
    assert.ok(task.startsWith(`${jobId}_`), task);
    assert.ok(new Deno.Command("scancel", { args: [task] }).outputSync().success);
    await until(
      "the cancelled task to leave the queue",
      () => !squeue().some((l) => l.startsWith(`${task} `)),
    );
    const firstLog = await Deno.readTextFile(`${out}/slurm/logs/${task}.out`);
    assert.match(firstLog, /interrupted: saved .*model\.ckpt-(\d+)/, "SIGTERM saved first");
    const savedAt = Number(/interrupted: saved .*model\.ckpt-(\d+)/.exec(firstLog)![1]);
    // The rerun waits for the short one if needed, resubmits only the cancelled one, collects both.
    const rerun = await sweepCli(args);
    assert.equal(rerun.code, 0, rerun.stderr + rerun.stdout);
    assert.match(rerun.stdout, /submitted job array (\d+): 1 trial\(s\)/);
    const second = /submitted job array (\d+)/.exec(rerun.stdout)![1];
    assert.notEqual(second, jobId);
    assert.match(rerun.stdout, /2 trials: (1 ran, 1 skipped|2 ran, 0 skipped)/);
    const secondLog = await Deno.readTextFile(`${out}/slurm/logs/${second}_0.out`);
    assert.match(
      secondLog,
      new RegExp(`resumed from .*model\\.ckpt-${savedAt} at step ${savedAt}`),
    );
    const rows = JSON.parse(await Deno.readTextFile(`${out}/results.json`));
    assert.deepEqual(
      rows.map((r: { steps: number }) => r.steps).sort((a: number, b: number) => a - b),
      [3, 120],
    );
    assert.equal(rows.find((r: { steps: number }) => r.steps === 120).slurmJob, `${second}_0`);
    await Deno.remove(out, { recursive: true });
  },
});

Deno.test({
  name: "slurm: a rejected sbatch option exits 1 with sbatch's message and records nothing",
  ignore: !HAS_SLURM,
  async fn() {
    const out = await tempDir();
    const r = await sweepCli([
      "--grid",
      "lr=0.1",
      "--sbatch=--bogus-option",
      "--out",
      out,
      "--",
      ...TINY,
    ]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /error: sbatch refused the sweep's job array: \S*sbatch: unrecognized option '--bogus-option'/,
    );
    const bad = await sweepCli([
      "--grid",
      "lr=0.1",
      "--partition",
      "nope",
      "--out",
      out,
      "--",
      ...TINY,
    ]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /sbatch refused the sweep's job array: .*invalid partition/i);
    const files = [...Deno.readDirSync(`${out}/slurm`)].map((e) => e.name).sort();
    assert.deepEqual(files, ["job.sh", "logs"], "no submissions record, no tasks file");
    await Deno.remove(out, { recursive: true });
  },
});

Deno.test("slurm: without sbatch on PATH, one line naming what to install or --engine local", async () => {
  const out = await tempDir();
  const r = await sweepCli(["--grid", "lr=0.1", "--out", out], { PATH: "/nonexistent" });
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /^error: Slurm's 'sbatch' was not found on PATH: .*install Slurm's client commands \(Debian: slurm-client\), or use --engine local\n$/,
  );
  await Deno.remove(out, { recursive: true });
});
