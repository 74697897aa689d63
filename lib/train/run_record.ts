/**
 * A checkpoint folder's record of the run it holds (`run.json`): the
 * settings that decide what training does (model, data, trainable scopes,
 * optimizer, rate schedule, loss options, …, plus what the caller adds, such
 * as the restored checkpoint). A rerun into the folder resumes only when its
 * settings are the same; otherwise it stops and lists the differences, since
 * resuming would silently continue the other run instead.
 *
 * @module
 */
import type { Dataset } from "../data/mod.ts";
import { isImageFiles } from "../data/mod.ts";
import { writeFileAtomic } from "../util/mod.ts";
import type { Learner, LearnerOptions } from "./learner.ts";
import type { Schedule } from "./schedules.ts";

/** JSON values a record holds. */
export type RecordValue =
  | string
  | number
  | boolean
  | null
  | RecordValue[]
  | { [key: string]: RecordValue };

/** The settings of one run, as `run.json` stores them. */
export type RunSettings = Record<string, RecordValue>;

/** The fit options the record reads (see `FitOptions`): the learner's, typed once there. */
export type RecordedOptions =
  & Pick<
    LearnerOptions,
    | "trainableScopes"
    | "momentum"
    | "weightDecay"
    | "labelSmoothing"
    | "clipNorm"
    | "classWeights"
    | "focalGamma"
    | "labelsOffset"
  >
  & {
    learningRate?: number | Schedule;
    /** The caller's own settings (a job's dataset spec, restored checkpoint, image size …). */
    runInfo?: RunSettings;
  };

/** Steps at which the rate schedule is recorded: a changed schedule shows at one of them. */
const RATE_STEPS = [0, 1, 10, 100, 1000, 10000, 100000];

// FNV-1a over the label bytes (and file names): a cheap identity of the data.
function fingerprint(ds: Dataset): string {
  let h = 0x811c9dc5;
  const mix = (b: number) => h = Math.imul(h ^ b, 0x01000193) >>> 0;
  for (const b of new Uint8Array(ds.labels.buffer, ds.labels.byteOffset, ds.labels.byteLength)) {
    mix(b);
  }
  if (isImageFiles(ds)) {
    const enc = new TextEncoder();
    for (const f of ds.files) for (const b of enc.encode(f)) mix(b);
  }
  return h.toString(16).padStart(8, "0");
}

const round = (x: number) => Number(x.toPrecision(6));

/** The settings of the run `learner` is about to train, from `options`. */
export function runSettings(learner: Learner, options: RecordedOptions): RunSettings {
  const { model, data } = learner;
  const rate = options.learningRate;
  const schedule = typeof rate === "function" ? rate : () => rate ?? 1e-3;
  // A constant rate is one number; a schedule is its rate at a few steps.
  const rates = RATE_STEPS.map((s) => round(schedule(s)));
  return {
    model: model.scope,
    inputSize: model.inputSize,
    numClasses: model.numClasses,
    data: {
      images: data.labels.length,
      shape: [data.height, data.width, data.channels],
      classes: data.classNames,
      labels: fingerprint(data),
    },
    trainable: options.trainableScopes ?? "all",
    trainableVariables: learner.trainStep.trainable.length,
    optimizer: learner.optimizer.kind,
    momentum: options.momentum ?? null,
    learningRate: rates.every((r) => r === rates[0])
      ? rates[0]
      : Object.fromEntries(RATE_STEPS.map((s, i) => [`step ${s}`, rates[i]])),
    batchSize: learner.batchSize,
    weightDecay: options.weightDecay ?? model.weightDecay,
    labelSmoothing: options.labelSmoothing ?? 0,
    clipNorm: options.clipNorm ?? null,
    classWeights: options.classWeights ?? null,
    focalGamma: options.focalGamma ?? 0,
    labelsOffset: options.labelsOffset ?? 0,
    sampler: learner.sampler ?? "shuffle",
    augment: (learner.augment ?? null) as RecordValue,
    seed: learner.seed,
    ...(options.runInfo ?? {}),
  };
}

const isObject = (v: unknown): v is Record<string, RecordValue> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

function show(v: RecordValue | undefined, missing: string): string {
  if (v === undefined) return missing;
  return Array.isArray(v) ? v.map((x) => JSON.stringify(x)).join(", ") : JSON.stringify(v);
}

function diffInto(
  a: RecordValue | undefined,
  b: RecordValue | undefined,
  key: string,
  out: string[],
): void {
  if (isObject(a) && isObject(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      diffInto(a[k], b[k], key ? `${key} ${k}` : k, out);
    }
  } else if (JSON.stringify(a) !== JSON.stringify(b)) {
    out.push(`${key}: ${show(a, "(not recorded)")} → ${show(b, "(not set)")}`);
  }
}

/** The settings that differ, one line each: `trainable: "all" → "vgg_16/fc8"`. */
export function settingsDiff(recorded: RunSettings, now: RunSettings): string[] {
  const out: string[] = [];
  diffInto(recorded, now, "", out);
  return out;
}

/** The record file of a checkpoint folder. */
export function runRecordPath(dir: string): string {
  return `${dir}/run.json`;
}

/** Reads a folder's recorded settings, or undefined when it has none. */
export async function readRunRecord(dir: string): Promise<RunSettings | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(runRecordPath(dir));
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as { settings?: RunSettings };
    if (parsed.settings && typeof parsed.settings === "object") return parsed.settings;
  } catch { /* reported below */ }
  throw new Error(
    `${runRecordPath(dir)}: damaged run record (expected {"settings": {...}}); ` +
      `delete it to resume without the check`,
  );
}

/** Writes `settings` as the folder's record (atomically). */
export async function writeRunRecord(dir: string, settings: RunSettings): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  await writeFileAtomic(
    runRecordPath(dir),
    JSON.stringify({ version: 1, written: new Date().toISOString(), settings }, null, 2) + "\n",
  );
}

/** Raised when a rerun's settings differ from the run its folder holds. */
export class RunMismatchError extends Error {
  /** The differing settings, one line each. */
  readonly differences: string[];
  constructor(dir: string, differences: string[]) {
    super(
      `${dir} holds a run with other settings, and resuming it would continue that run, ` +
        `not yours:\n${differences.map((d) => `  ${d}`).join("\n")}\n` +
        `Either train into a new folder (--out, or checkpointDir), or start this one over ` +
        `(--restart, or restart: true), which deletes its checkpoints.`,
    );
    this.name = "RunMismatchError";
    this.differences = differences;
  }
}

/** Deletes a folder's checkpoints, state file and record (for a restart); returns their count. */
export async function clearCheckpoints(dir: string): Promise<number> {
  let n = 0;
  try {
    for await (const e of Deno.readDir(dir)) {
      if (
        e.isFile &&
        (/^model\.ckpt-\d+/.test(e.name) || e.name === "checkpoint" || e.name === "run.json")
      ) {
        await Deno.remove(`${dir}/${e.name}`);
        n++;
      }
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return n;
}
