/**
 * One entry point for TensorFlow checkpoints: a V2 prefix, a V1 file, any of
 * a V2 checkpoint's files, or a folder with a `checkpoint` state file (as
 * `tf.train.latest_checkpoint`). The format is detected, not guessed from
 * the name.
 *
 * @module
 */
import { BundleReader } from "./bundle_reader.ts";
import { SliceReader } from "./slice_reader.ts";
import { exists, regularFile } from "../../util/mod.ts";

/** An opened checkpoint of either format. */
export type Checkpoint = BundleReader | SliceReader;

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch {
    return false;
  }
}

/**
 * Parses a `checkpoint` state file (text proto) into its paths, resolved
 * against `dir` when relative.
 */
export function parseCheckpointState(
  text: string,
  dir: string,
): { latest?: string; all: string[] } {
  const resolve = (p: string) => (p.startsWith("/") ? p : `${dir}/${p}`);
  const values = (key: string) =>
    [...text.matchAll(new RegExp(`^\\s*${key}\\s*:\\s*"((?:[^"\\\\]|\\\\.)*)"`, "gm"))].map((m) =>
      resolve(m[1].replace(/\\(.)/g, "$1"))
    );
  return { latest: values("model_checkpoint_path")[0], all: values("all_model_checkpoint_paths") };
}

/** The newest checkpoint prefix of a folder, from its `checkpoint` state file. */
export async function latestCheckpoint(dir: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(`${dir}/checkpoint`);
  } catch {
    return undefined;
  }
  return parseCheckpointState(text, dir).latest;
}

/** Resolves what a user passed to a V2 prefix or a V1 file path. */
export function resolveCheckpoint(
  path: string,
): Promise<{ kind: "v1" | "v2"; path: string }> {
  return resolveFrom(path, []);
}

async function resolveFrom(
  path: string,
  chain: string[],
): Promise<{ kind: "v1" | "v2"; path: string }> {
  const p = path.replace(/\/+$/, "");
  if (await isDir(p)) {
    // State files can name a folder (".", or two folders naming each other): follow, but never twice.
    const real = await Deno.realPath(p);
    const seen = chain.indexOf(real);
    if (seen >= 0) {
      throw new Error(
        `${chain[0]}: the 'checkpoint' state files form a cycle (${
          [...chain.slice(seen), real].map((d) => `${d}/checkpoint`).join(" → ")
        }): model_checkpoint_path must name a checkpoint prefix, not a folder`,
      );
    }
    // A training run's --out folder keeps its checkpoints in `checkpoints/`: take that run's latest.
    const latest = await latestCheckpoint(p) ??
      (chain.length === 0 ? await latestCheckpoint(`${p}/checkpoints`) : undefined);
    if (!latest) {
      throw new Error(`${p}: folder has no 'checkpoint' state file naming a model_checkpoint_path`);
    }
    return resolveFrom(latest, [...chain, real]);
  }
  const stripped = p.replace(/\.index$/, "").replace(/\.data-\d{5}-of-\d{5}$/, "");
  if (await isFile(`${stripped}.index`)) return { kind: "v2", path: stripped };
  if (await isFile(p)) return { kind: "v1", path: p };
  for (const f of [`${stripped}.index`, p]) {
    if (await exists(f)) await regularFile(f, "checkpoint file"); // throws: a FIFO, a socket…
  }
  const via = chain.length ? ` (named by ${chain[chain.length - 1]}/checkpoint)` : "";
  throw new Error(
    `${path}: no checkpoint there${via}: expected a V2 prefix (with ${stripped}.index), a V1 file, ` +
      `or a folder with a 'checkpoint' file`,
  );
}

/**
 * Opens a checkpoint and reads its listing (never the tensor data).
 *
 * @example
 * ```ts
 * const ckpt = await openCheckpoint("vgg_16.ckpt");
 * for (const t of ckpt.list()) console.log(t.name, t.shape);
 * const fc8 = await ckpt.read("vgg_16/fc8/weights");
 * ckpt.close();
 * ```
 */
export async function openCheckpoint(path: string): Promise<Checkpoint> {
  const r = await resolveCheckpoint(path);
  return r.kind === "v2" ? await BundleReader.open(r.path) : await SliceReader.open(r.path);
}
