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
import { sweepComparison } from "../lib/report/charts.ts";
import { htmlTable, standaloneReport } from "../lib/report/plotly.ts";
import { writeFileAtomic } from "../lib/util/atomic.ts";
import { numberFlag, parseFlags, runMain, usage, UsageError } from "../lib/util/cli.ts";
import { TRAIN_FLAGS } from "./train.ts";
import { exists } from "../lib/util/fs.ts";

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

type Trial = Record<string, string>;

function trialName(t: Trial): string {
  return Object.entries(t).map(([k, v]) => `${k}=${v}`).join(",").replace(
    /[^A-Za-z0-9=.,_-]/g,
    "_",
  );
}

/** The cartesian product of `flag=v1,v2` specs. */
export function gridTrials(specs: string[]): Trial[] {
  let trials: Trial[] = [{}];
  for (const spec of specs) {
    const m = /^([a-z0-9-]+)=(.+)$/.exec(spec);
    if (!m) throw new UsageError(`--grid '${spec}': expected flag=v1,v2,...`);
    const [, flag, vals] = m;
    if (!(flag in TRAIN_FLAGS)) throw new UsageError(`--grid: '${flag}' is not a train flag`);
    trials = trials.flatMap((t) => vals.split(",").map((v) => ({ ...t, [flag]: v })));
  }
  return trials;
}

async function main(args: string[]) {
  const split = args.indexOf("--");
  const own = split < 0 ? args : args.slice(0, split);
  const base = split < 0 ? [] : args.slice(split + 1);
  const { values } = parseFlags(own, FLAGS);
  const jobs = numberFlag(values, "jobs", { integer: true, min: 1 });
  const out = String(values.out);
  let trials: Trial[];
  if (values.trials) {
    trials = JSON.parse(await Deno.readTextFile(String(values.trials)));
    if (!Array.isArray(trials)) {
      throw new UsageError(`--trials ${values.trials}: expected a JSON list of objects`);
    }
    for (const t of trials) {
      for (const k of Object.keys(t)) {
        if (!(k in TRAIN_FLAGS)) throw new UsageError(`--trials: '${k}' is not a train flag`);
      }
    }
  } else {
    const grid = (values.grid as string[] | undefined) ?? [];
    if (grid.length === 0) {
      throw new UsageError("give --grid flag=a,b (one or more) or --trials file.json");
    }
    trials = gridTrials(grid);
  }
  for (const a of base) {
    if (a.startsWith("--") && !(a.slice(2).split("=")[0] in TRAIN_FLAGS)) {
      throw new UsageError(`unknown train flag '${a}'`);
    }
  }
  await Deno.mkdir(out, { recursive: true });
  const trainScript = new URL("./train.ts", import.meta.url).pathname;
  const queue = trials.map((t) => ({ trial: t, dir: `${out}/${trialName(t)}` }));
  let skipped = 0, ran = 0, failed = 0;
  // Trials running side by side share the cores: oneDNN would otherwise
  // start one thread per core in every trial and they would thrash.
  const parallel = Math.min(jobs, queue.length);
  const threadEnv: Record<string, string> = parallel > 1 && !Deno.env.get("OMP_NUM_THREADS")
    ? { OMP_NUM_THREADS: String(Math.max(1, Math.floor(navigator.hardwareConcurrency / parallel))) }
    : {};
  const runOne = async ({ trial, dir }: { trial: Trial; dir: string }) => {
    if (await exists(`${dir}/results.json`)) {
      skipped++;
      console.log(`skip ${trialName(trial)} (finished)`);
      return;
    }
    await Deno.mkdir(dir, { recursive: true });
    const flags = Object.entries(trial).flatMap((
      [k, v],
    ) => (TRAIN_FLAGS[k].type === "boolean" ? (v === "true" ? [`--${k}`] : []) : [`--${k}`, v]));
    const cmd = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--v8-flags=--expose-gc", trainScript, ...base, ...flags, "--out", dir],
      env: threadEnv,
      stdout: "piped",
      stderr: "piped",
    });
    console.log(`run  ${trialName(trial)}`);
    const res = await cmd.output();
    await Deno.writeFile(`${dir}/log.txt`, new Uint8Array([...res.stdout, ...res.stderr]));
    if (res.success) ran++;
    else {
      failed++;
      console.error(`fail ${trialName(trial)}: exit ${res.code}; see ${dir}/log.txt`);
    }
  };
  const workers = Array.from({ length: parallel }, async () => {
    while (queue.length) await runOne(queue.shift()!);
  });
  await Promise.all(workers);
  const rows: Record<string, unknown>[] = [];
  for (const t of trials) {
    const p = `${out}/${trialName(t)}/results.json`;
    if (await exists(p)) rows.push({ ...t, ...JSON.parse(await Deno.readTextFile(p)) });
  }
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const csv =
    [keys.join(","), ...rows.map((r) => keys.map((k) => JSON.stringify(r[k] ?? "")).join(","))]
      .join("\n") + "\n";
  await writeFileAtomic(`${out}/results.csv`, csv);
  await writeFileAtomic(`${out}/results.json`, JSON.stringify(rows, null, 2));
  const metric = String(values.metric);
  const varied = Object.keys(trials[0] ?? {});
  await writeFileAtomic(
    `${out}/report.html`,
    standaloneReport("Sweep", [
      {
        title: `Comparison: ${metric}`,
        figure: sweepComparison(
          rows.map((r) => ({
            label: varied.slice(0, 1).map((k) => `${k}=${r[k]}`).join(""),
            group: varied.slice(1).map((k) => `${k}=${r[k]}`).join(", "),
            value: Number(r[metric]),
          })),
          metric,
        ),
      },
      {
        title: "All trials",
        html: htmlTable([keys, ...rows.map((r) => keys.map((k) => String(r[k] ?? "")))]),
      },
    ]),
  );
  console.log(
    `${trials.length} trials: ${ran} ran, ${skipped} skipped (finished before), ${failed} failed; ${out}/results.csv, ${out}/report.html`,
  );
  if (failed) Deno.exit(1);
}

if (import.meta.main) await runMain(main, HELP);
