/**
 * Sweeps: `train` over a grid (or list) of flag values, each trial a
 * separate process in its own folder, a few at a time; resumable (a trial
 * whose `results.json` exists is not rerun). Collects `results.csv`,
 * `results.json` and `report.html`.
 *
 * @module
 */
import { standaloneReport } from "../report/plotly.ts";
import { columnsOf, sweepSections } from "../report/sections.ts";
import { writeFileAtomic } from "../util/atomic.ts";
import { UsageError } from "../util/cli.ts";
import { exists, readRegularFile } from "../util/fs.ts";
import { TRAIN_FLAGS } from "./train_flags.ts";

/** One trial: train flag → value. */
export type Trial = Record<string, string>;

/** Options of {@linkcode runSweep}. */
export interface SweepOptions {
  /** Sweep folder; default `out/sweep`. */
  out?: string;
  /** Train flags shared by every trial. */
  base?: string[];
  /** Trials run at once; default 1. */
  jobs?: number;
  /** `results.json` field compared in the report; default `testAccuracy`. */
  metric?: string;
  /** Where progress lines go; default console.log (failures: console.error). */
  log?: (line: string) => void;
}

/** What {@linkcode runSweep} did. */
export interface SweepSummary {
  trials: number;
  ran: number;
  skipped: number;
  failed: number;
  /** One row per finished trial: its flags and its results. */
  rows: Record<string, unknown>[];
}

/** A trial's folder name: `flag=value,...` with unsafe characters replaced. */
export function trialName(t: Trial): string {
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

/**
 * Checks the trials before anything runs: each sets at least one flag, every
 * key and base flag is a train flag, and no two trials share a folder.
 * Errors name `source` and the trial's position (from 1).
 */
export function checkTrials(trials: Trial[], base: string[], source = "--trials"): void {
  if (trials.length === 0) throw new UsageError(`${source}: no trials`);
  const names = new Map<string, number>();
  trials.forEach((t, i) => {
    const at = `${source}: trial ${i + 1}`;
    if (Object.keys(t).length === 0) throw new UsageError(`${at} sets no flag`);
    for (const k of Object.keys(t)) {
      if (!(k in TRAIN_FLAGS)) throw new UsageError(`${at}: '${k}' is not a train flag`);
    }
    const name = trialName(t);
    const first = names.get(name);
    if (first !== undefined) {
      throw new UsageError(`${at} is the same as trial ${first} (folder '${name}')`);
    }
    names.set(name, i + 1);
  });
  for (const a of base) {
    if (a.startsWith("--") && !(a.slice(2).split("=")[0] in TRAIN_FLAGS)) {
      throw new UsageError(`unknown train flag '${a}'`);
    }
  }
}

/**
 * Reads a `--trials` JSON file: a non-empty list of `{flag: value}` objects,
 * values strings, numbers or booleans (kept as their text). Errors name the
 * file and the trial's position.
 */
export async function readTrialsFile(path: string): Promise<Trial[]> {
  const text = new TextDecoder().decode(await readRegularFile(path, "trials file (JSON)"));
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--trials ${path}: not JSON (${(err as Error).message})`);
  }
  const expected = `expected a non-empty JSON list of {flag: value} objects`;
  if (!Array.isArray(parsed) || parsed.length === 0) {
    throw new UsageError(`--trials ${path}: ${expected}, got ${JSON.stringify(parsed)}`);
  }
  const trials = parsed.map((t, i): Trial => {
    if (typeof t !== "object" || t === null || Array.isArray(t)) {
      throw new UsageError(
        `--trials ${path}: trial ${i + 1} is ${JSON.stringify(t)}: ${expected}`,
      );
    }
    return Object.fromEntries(
      Object.entries(t).map(([k, v]) => {
        if (!["string", "number", "boolean"].includes(typeof v)) {
          throw new UsageError(
            `--trials ${path}: trial ${i + 1}: '${k}' is ${
              JSON.stringify(v)
            }: expected a string, number or boolean`,
          );
        }
        return [k, String(v)];
      }),
    );
  });
  checkTrials(trials, [], `--trials ${path}`);
  return trials;
}

/** Rows of finished trials as CSV (a header of every key seen, values JSON-quoted). */
export function resultsCsv(rows: Record<string, unknown>[]): string {
  const keys = columnsOf(rows);
  return [keys.join(","), ...rows.map((r) => keys.map((k) => JSON.stringify(r[k] ?? "")).join(","))]
    .join("\n") + "\n";
}

const TRAIN_SCRIPT = new URL("../../scripts/train.ts", import.meta.url).pathname;

/** Runs the trials not finished yet, then collects every finished one. */
export async function runSweep(trials: Trial[], options: SweepOptions = {}): Promise<SweepSummary> {
  const out = options.out ?? "out/sweep";
  const base = options.base ?? [];
  const log = options.log ?? ((l: string) => console.log(l));
  checkTrials(trials, base);
  await Deno.mkdir(out, { recursive: true });
  const queue = trials.map((t) => ({ trial: t, dir: `${out}/${trialName(t)}` }));
  const summary: SweepSummary = { trials: trials.length, ran: 0, skipped: 0, failed: 0, rows: [] };
  // Trials running side by side share the cores: oneDNN would otherwise
  // start one thread per core in every trial and they would thrash.
  const parallel = Math.min(options.jobs ?? 1, queue.length);
  const threadEnv: Record<string, string> = parallel > 1 && !Deno.env.get("OMP_NUM_THREADS")
    ? { OMP_NUM_THREADS: String(Math.max(1, Math.floor(navigator.hardwareConcurrency / parallel))) }
    : {};
  const runOne = async ({ trial, dir }: { trial: Trial; dir: string }) => {
    if (await exists(`${dir}/results.json`)) {
      summary.skipped++;
      log(`skip ${trialName(trial)} (finished)`);
      return;
    }
    await Deno.mkdir(dir, { recursive: true });
    const flags = Object.entries(trial).flatMap(([k, v]) =>
      TRAIN_FLAGS[k].type === "boolean" ? (v === "true" ? [`--${k}`] : []) : [`--${k}`, v]
    );
    const cmd = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--v8-flags=--expose-gc", TRAIN_SCRIPT, ...base, ...flags, "--out", dir],
      env: threadEnv,
      stdout: "piped",
      stderr: "piped",
    });
    log(`run  ${trialName(trial)}`);
    const res = await cmd.output();
    await Deno.writeFile(`${dir}/log.txt`, new Uint8Array([...res.stdout, ...res.stderr]));
    if (res.success) summary.ran++;
    else {
      summary.failed++;
      console.error(`fail ${trialName(trial)}: exit ${res.code}; see ${dir}/log.txt`);
    }
  };
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (queue.length) await runOne(queue.shift()!);
  }));
  for (const t of trials) {
    const p = `${out}/${trialName(t)}/results.json`;
    if (await exists(p)) summary.rows.push({ ...t, ...JSON.parse(await Deno.readTextFile(p)) });
  }
  await writeFileAtomic(`${out}/results.csv`, resultsCsv(summary.rows));
  await writeFileAtomic(`${out}/results.json`, JSON.stringify(summary.rows, null, 2));
  const metric = options.metric ?? "testAccuracy";
  await writeFileAtomic(
    `${out}/report.html`,
    standaloneReport("Sweep", sweepSections(summary.rows, Object.keys(trials[0] ?? {}), metric)),
  );
  return summary;
}
