/**
 * Sweep trials: a trial is a set of train flag values; its folder is named
 * by them. Grids (the product of value lists), JSON trial files, and the
 * checks every trial list passes before anything runs.
 *
 * @module
 */
import { UsageError } from "../util/mod.ts";
import { readRegularFile } from "../util/mod.ts";
import { TRAIN_FLAGS } from "./train_flags.ts";

/** One trial: train flag → value. */
export type Trial = Record<string, string>;

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

/**
 * The train command line of one trial: the base flags, the trial's flags
 * (booleans as bare flags), and `--out` its folder.
 */
export function trialArgs(trial: Trial, base: string[], dir: string): string[] {
  const flags = Object.entries(trial).flatMap(([k, v]) =>
    TRAIN_FLAGS[k].type === "boolean" ? (v === "true" ? [`--${k}`] : []) : [`--${k}`, v]
  );
  return [...base, ...flags, "--out", dir];
}
