/**
 * `deno task sweep`: run `train` over a grid (or list) of flag values as
 * separate processes with a concurrency limit. Resumable: a trial whose
 * `results.json` exists is not rerun. Writes `results.csv`, `results.json`
 * and `report.html` with a comparison chart.
 *
 * Example: `deno task sweep --grid lr=0.001,0.01 --grid per-class=20,200 --
 * --model small_vgg --epochs 1`
 *
 * @module
 */
import { gridTrials, readTrialsFile, runSweep, type Trial } from "../lib/jobs/sweep.ts";
import { numberFlag, parseFlags, runMain, usage, UsageError } from "../lib/util/cli.ts";

const FLAGS = {
  grid: {
    type: "string",
    multiple: true,
    help: "flag=v1,v2,... (repeatable; the trials are the product)",
  },
  trials: {
    type: "string",
    help: "JSON file: a list of {flag: value} objects (instead of --grid)",
  },
  jobs: { type: "string", default: "1", help: "trials run at once" },
  metric: {
    type: "string",
    default: "testAccuracy",
    help: "results.json field compared in the report",
  },
  out: { type: "string", default: "out/sweep", help: "sweep folder" },
} as const;

const HELP = usage(
  "deno task sweep --grid flag=a,b [--grid ...] [options] -- <train flags>",
  "Run a grid of train trials, resumably.",
  FLAGS,
);

async function main(args: string[]) {
  const split = args.indexOf("--");
  const { values } = parseFlags(split < 0 ? args : args.slice(0, split), FLAGS);
  let trials: Trial[];
  if (values.trials) {
    trials = await readTrialsFile(String(values.trials));
  } else {
    const grid = (values.grid as string[] | undefined) ?? [];
    if (grid.length === 0) {
      throw new UsageError("give --grid flag=a,b (one or more) or --trials file.json");
    }
    trials = gridTrials(grid);
  }
  const out = String(values.out);
  const s = await runSweep(trials, {
    out,
    base: split < 0 ? [] : args.slice(split + 1),
    jobs: numberFlag(values, "jobs", { integer: true, min: 1 }),
    metric: String(values.metric),
  });
  console.log(
    `${s.trials} trials: ${s.ran} ran, ${s.skipped} skipped (finished before), ${s.failed} failed; ` +
      `${out}/results.csv, ${out}/report.html`,
  );
  if (s.failed) Deno.exit(1);
}

if (import.meta.main) await runMain(main, HELP);
