/**
 * `deno task sweep`: run `train` over a grid, a list, or a random search of
 * flag values, on this machine or as one Slurm job array. Resumable: a
 * trial whose `results.json` exists is not rerun. Writes `results.csv`,
 * `results.json` and `report.html` with a comparison chart.
 *
 * Examples:
 * `deno task sweep --grid lr=0.001,0.01 --grid per-class=20,200 -- --model small_vgg`
 * `deno task sweep --search random --trials 8 --range lr=loguniform:1e-4:1e-1 --engine slurm
 *   --partition gpu --gpus 1 --time 2:00:00 -- --model vgg_16 --image-size 224`
 *
 * @module
 */
import { randomTrials } from "../lib/jobs/random_search.ts";
import { sweep } from "../lib/jobs/sweep.ts";
import { gridTrials, readTrialsFile, type Trial } from "../lib/jobs/trials.ts";
import {
  choiceFlag,
  numberFlag,
  optionalNumberFlag,
  type ParsedFlags,
  parseFlags,
  runMain,
  usage,
  UsageError,
} from "../lib/util/cli.ts";

const FLAGS = {
  grid: {
    type: "string",
    multiple: true,
    help: "flag=v1,v2,... (repeatable; the trials are the product)",
  },
  search: { type: "string", default: "grid", help: "grid (--grid or a --trials file) or random" },
  range: {
    type: "string",
    multiple: true,
    help: "random search: flag=loguniform:LOW:HIGH, uniform:LOW:HIGH, int:LOW:HIGH or " +
      "choice:a,b,c (repeatable)",
  },
  trials: {
    type: "string",
    help: "grid: a JSON file, a list of {flag: value} objects; random: the number of trials",
  },
  seed: { type: "string", default: "0", help: "random search: the seed (same seed, same trials)" },
  jobs: { type: "string", default: "1", help: "trials run at once (Slurm: the array's %J)" },
  metric: {
    type: "string",
    default: "testAccuracy",
    help: "results.json field compared in the report",
  },
  out: {
    type: "string",
    default: "out/sweep",
    help: "sweep folder (Slurm: on a file system the compute nodes see)",
  },
  engine: { type: "string", default: "local", help: "local (processes here) or slurm (job array)" },
  "cpus-per-task": { type: "string", help: "slurm: CPUs per trial" },
  mem: { type: "string", help: "slurm: memory per trial, e.g. 16G" },
  gpus: { type: "string", help: "slurm: GPUs per trial (--gres=gpu:N)" },
  time: { type: "string", help: "slurm: time limit per trial, e.g. 4:00:00" },
  partition: { type: "string", help: "slurm: partition" },
  account: { type: "string", help: "slurm: account" },
  sbatch: {
    type: "string",
    multiple: true,
    help: "slurm: any other sbatch option, as --sbatch=--qos=high (repeatable)",
  },
  detach: { type: "boolean", help: "slurm: submit, print the job id and return; rerun to collect" },
  poll: { type: "string", default: "10", help: "slurm: seconds between squeue polls" },
} as const;

const HELP = usage(
  "deno task sweep (--grid flag=a,b ... | --trials file.json | --search random --trials N " +
    "--range flag=kind:...) [options] -- <train flags>",
  "Run a sweep of train trials, resumably, here or on Slurm.",
  FLAGS,
);

async function trialsFrom(values: ParsedFlags["values"]): Promise<Trial[]> {
  const search = choiceFlag(values, "search", ["grid", "random"] as const);
  const list = (name: string) => (values[name] as string[] | undefined) ?? [];
  if (search === "random") {
    if (list("grid").length) throw new UsageError("--grid is for --search grid; use --range");
    return randomTrials(list("range"), {
      count: numberFlag(values, "trials", { integer: true, min: 1 }),
      seed: numberFlag(values, "seed", { integer: true, min: 0 }),
    });
  }
  if (list("range").length) throw new UsageError("--range needs --search random");
  if (values.trials) return await readTrialsFile(String(values.trials));
  if (list("grid").length === 0) {
    throw new UsageError(
      "give --grid flag=a,b (one or more), --trials file.json, or --search random",
    );
  }
  return gridTrials(list("grid"));
}

async function main(args: string[]) {
  const split = args.indexOf("--");
  const { values, positionals } = parseFlags(split < 0 ? args : args.slice(0, split), FLAGS);
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const engine = choiceFlag(values, "engine", ["local", "slurm"] as const);
  const slurmOnly = ["cpus-per-task", "mem", "gpus", "time", "partition", "account", "sbatch"];
  const given = slurmOnly.find((f) => values[f] !== undefined) ?? (values.detach ? "detach" : "");
  if (engine === "local" && given) throw new UsageError(`--${given} needs --engine slurm`);
  const int = (name: string) => optionalNumberFlag(values, name, { integer: true, min: 1 });
  const str = (name: string) => (values[name] === undefined ? undefined : String(values[name]));
  const out = String(values.out);
  const s = await sweep(await trialsFrom(values), {
    out,
    base: split < 0 ? [] : args.slice(split + 1),
    jobs: numberFlag(values, "jobs", { integer: true, min: 1 }),
    metric: String(values.metric),
    engine,
    slurm: {
      cpusPerTask: int("cpus-per-task"),
      mem: str("mem"),
      gpus: int("gpus"),
      time: str("time"),
      partition: str("partition"),
      account: str("account"),
      sbatch: values.sbatch as string[] | undefined,
      detach: values.detach === true,
      pollSeconds: numberFlag(values, "poll", { min: 0.1 }),
    },
  });
  if (s.waiting) {
    console.log(
      `submitted ${s.jobIds?.join(", ") || "(nothing new)"}: ${s.waiting} trial(s) queued or ` +
        `running; rerun the same command to wait for them and collect`,
    );
    return;
  }
  console.log(
    `${s.trials} trials: ${s.ran} ran, ${s.skipped} skipped (finished before), ${s.failed} failed; ` +
      `${out}/results.csv, ${out}/report.html`,
  );
  if (s.failed) Deno.exit(1);
}

if (import.meta.main) await runMain(main, HELP);
