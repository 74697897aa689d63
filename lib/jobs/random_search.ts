/**
 * Random search: each trial draws every flag from its range, reproducibly
 * from a seed (Bergstra & Bengio: for the same budget, random trials cover
 * the flags that matter better than a grid).
 *
 * Ranges: `lr=loguniform:1e-4:1e-1`, `weight-decay=uniform:0:1e-3`,
 * `batch=choice:32,64,100`, `epochs=int:1:5` (integers, both ends included).
 *
 * @module
 */
import { UsageError } from "../util/mod.ts";
import { seededRandom } from "../util/mod.ts";
import { TRAIN_FLAGS } from "./train_flags.ts";
import type { Trial } from "./trials.ts";

/** One flag's range. */
export type Range =
  | { flag: string; kind: "uniform" | "loguniform"; low: number; high: number }
  | { flag: string; kind: "int"; low: number; high: number }
  | { flag: string; kind: "choice"; values: string[] };

const FORMS = "flag=loguniform:LOW:HIGH, flag=uniform:LOW:HIGH, flag=int:LOW:HIGH or " +
  "flag=choice:a,b,c";

/** Parses `flag=kind:...`; a spec that does not parse names itself and the expected forms. */
export function parseRange(spec: string): Range {
  const bad = (why: string): never => {
    throw new UsageError(`--range '${spec}': ${why}; expected ${FORMS}`);
  };
  const m = /^([a-z0-9-]+)=([a-z]+):(.+)$/.exec(spec);
  if (!m) return bad("not of the form flag=kind:values");
  const [, flag, kind, rest] = m;
  if (!(flag in TRAIN_FLAGS) || TRAIN_FLAGS[flag].type !== "string") {
    bad(`'${flag}' is not a train flag that takes a value`);
  }
  if (kind === "choice") {
    const values = rest.split(",").map((v) => v.trim()).filter(Boolean);
    if (values.length === 0) bad("no values to choose from");
    return { flag, kind, values };
  }
  if (kind !== "uniform" && kind !== "loguniform" && kind !== "int") {
    return bad(`unknown kind '${kind}'`);
  }
  const ends = rest.split(":");
  const [low, high] = ends.map(Number);
  if (ends.length !== 2 || !Number.isFinite(low) || !Number.isFinite(high)) {
    bad("LOW and HIGH must be two numbers");
  }
  if (!(low <= high)) bad(`LOW ${low} is above HIGH ${high}`);
  if (kind === "loguniform" && !(low > 0)) bad("a log-uniform range needs LOW > 0");
  if (kind === "int" && !(Number.isInteger(low) && Number.isInteger(high))) {
    bad("an int range needs integer ends");
  }
  return { flag, kind, low, high };
}

/** Four significant digits: readable folder names, more precision than tuning needs. */
function round(x: number): string {
  return String(Number(x.toPrecision(4)));
}

function draw(r: Range, random: () => number): string {
  const u = random();
  switch (r.kind) {
    case "choice":
      return r.values[Math.min(r.values.length - 1, Math.floor(u * r.values.length))];
    case "int":
      return String(r.low + Math.min(r.high - r.low, Math.floor(u * (r.high - r.low + 1))));
    case "uniform":
      return round(r.low + u * (r.high - r.low));
    case "loguniform":
      return round(Math.exp(Math.log(r.low) + u * (Math.log(r.high) - Math.log(r.low))));
  }
}

/**
 * `count` trials, each flag drawn from its range; the same specs and seed
 * give the same trials. Trials that come out identical (small choice sets)
 * are drawn again, so every trial has its own folder.
 *
 * @example
 * ```ts
 * randomTrials(["lr=loguniform:1e-4:1e-1", "batch=choice:32,64"], { count: 8, seed: 1 });
 * ```
 */
export function randomTrials(specs: string[], options: { count: number; seed?: number }): Trial[] {
  const ranges = specs.map(parseRange);
  if (ranges.length === 0) throw new UsageError("--search random needs --range flag=kind:...");
  const flags = ranges.map((r) => r.flag);
  const twice = flags.find((f, i) => flags.indexOf(f) !== i);
  if (twice) throw new UsageError(`--range: '${twice}' is given twice`);
  if (!(Number.isInteger(options.count) && options.count >= 1)) {
    throw new UsageError(`--trials: expected a number of trials ≥ 1, got ${options.count}`);
  }
  const random = seededRandom(options.seed ?? 0);
  const seen = new Set<string>();
  const trials: Trial[] = [];
  for (let attempts = 0; trials.length < options.count; attempts++) {
    if (attempts > 100 * options.count) {
      throw new UsageError(
        `--range: only ${trials.length} distinct trials exist in these ranges, ${options.count} asked`,
      );
    }
    const t = Object.fromEntries(ranges.map((r) => [r.flag, draw(r, random)]));
    const key = JSON.stringify(t);
    if (seen.has(key)) continue;
    seen.add(key);
    trials.push(t);
  }
  return trials;
}
