// %% [markdown]
// # Exercise 8 — sweeps: random search, here or on a Slurm cluster
//
// A learning rate is the hyperparameter that matters most, and nobody knows it in advance. A **sweep** trains one model per setting (a *trial*) and compares them. Two ways to choose the trials:
//
// - **grid**: every combination of a few values per flag (`deno task sweep --grid lr=1e-3,1e-2 --grid batch=32,64`);
// - **random search**: each trial draws every flag from a range (a log-uniform range for the learning rate), reproducibly from a seed. For the same budget it tries more distinct values of the flags that matter.
//
// Each trial runs `train` in its own folder under the sweep folder. Run the sweep again and finished trials are skipped, failed or cancelled ones run again and **resume from their own checkpoints**.
//
// **On a cluster** the trials go to Slurm as one job array (`sbatch --array=0-(N-1)%J`, at most `J` at once); Slurm schedules them on its nodes. The sweep folder must be on a file system the compute nodes see (your home or project folder, not `/tmp`). This notebook uses Slurm when `sinfo` answers here, else runs the trials as local processes: the results are the same table either way.
//
// **What to expect at full size:** 8 trials of `small_vgg` on 300 images per class for 2 epochs, two at a time, take a few minutes on a 2-core machine; on a cluster each trial is one array task, so the wall time is that of the slowest trial. The best learning rates for Adam sit around 1e-3; above ~1e-2 runs diverge (accuracy at chance).

// %%
// Parameters
import { slurmAvailable } from "../mod.ts";
const params = {
  // "slurm": one job array; "local": processes here
  engine: slurmAvailable() ? "slurm" : "local",
  trials: 8,
  seed: 1,
  perClass: 300, // training images per class of Fashion-MNIST
  testPerClass: 100,
  epochs: 2,
  jobs: 2, // trials at once
  out: "../out/notebook-08",
};
console.log(`engine: ${params.engine}`);

// %%
// Quick mode (TL_QUICK=1, as CI runs the notebooks): small stand-ins and a few steps. Otherwise nothing.
import { quickExercise } from "../mod.ts";
await quickExercise("08", params);

// %% [markdown]
// ## The trials: a random search
//
// `randomTrials` draws each flag from its range: `loguniform:LOW:HIGH` (as many trials per decade), `uniform:LOW:HIGH`, `int:LOW:HIGH`, `choice:a,b,c`. The same seed gives the same trials, so a rerun finds its folders.

// %%
import { randomTrials } from "../mod.ts";
const trials = randomTrials(["lr=loguniform:1e-4:3e-2", "batch=choice:32,64"], {
  count: params.trials,
  seed: params.seed,
});
for (const t of trials) console.log(`lr ${t.lr.padEnd(9)} batch ${t.batch}`);

// %% [markdown]
// ## Run the sweep
//
// `sweep` runs every trial not finished yet and shows pending / running / done / failed as it goes (on Slurm, from `squeue`). On a real cluster you would add the resources each trial needs, e.g. `slurm: { partition: "gpu", gpus: 1, cpusPerTask: 8, mem: "32G", time: "2:00:00" }`.

// %%
import { sweep } from "../mod.ts";
const result = await sweep(trials, {
  out: params.out,
  engine: params.engine as "local" | "slurm",
  jobs: params.jobs,
  base: [
    "--model",
    "small_vgg",
    "--image-size",
    "32",
    "--per-class",
    String(params.perClass),
    "--test-per-class",
    String(params.testPerClass),
    "--epochs",
    String(params.epochs),
  ],
  slurm: { cpusPerTask: 1, pollSeconds: 2 },
});
console.log(
  `${result.trials} trials: ${result.ran} ran, ${result.skipped} finished before, ${result.failed} failed`,
);

// %% [markdown]
// ## Which learning rate?
//
// One point per trial: test accuracy against the learning rate (log scale), coloured by batch size. Look for the plateau, not the single best point: with little data the best trial is partly luck.

// %%
import { showChart, showHtml, sweepSections } from "../mod.ts";
const [comparison, table] = sweepSections(result.rows, ["lr", "batch"], "testAccuracy");
await showChart(comparison.figure!, { height: 420 });
await showHtml(table.html!);

// %% [markdown]
// ## From the command line, and on a real cluster
//
// The lab's version as a command: the learning rate of exercise 3's head, fine-tuned from the ImageNet checkpoint (random search, 16 trials, 4 at once, one GPU each). `--dataset cifar10` and `--checkpoint vgg_16` are the shared data folder's files (`deno task download`); every trial restores the checkpoint, trains only `fc8`, and resumes its own run when requeued:
//
// ```sh
// deno task sweep --search random --trials 16 --seed 1 \
//   --range lr=loguniform:1e-4:3e-2 --range batch=choice:32,64 \
//   --engine slurm --jobs 4 --partition gpu --gpus 1 --cpus-per-task 8 --mem 32G --time 2:00:00 \
//   --out ~/sweeps/lr -- --model vgg_16 --image-size 224 --dataset cifar10 \
//   --checkpoint vgg_16 --exclude vgg_16/fc8 --trainable vgg_16/fc8
// ```
//
// `--detach` returns after submitting; run the same command later to wait for what is left and collect. `scancel` a trial (or let Slurm preempt it) and the next run submits only that one again; it resumes from its last checkpoint because `train` saves when it receives SIGTERM.
