/**
 * The lab's files by name, in one shared data folder: CIFAR-10/100 (binary
 * and python archives) and the TF-Slim checkpoint of every zoo model that has
 * one. {@linkcode fetchLabFile} downloads (with progress and resume), checks
 * the published MD5, unpacks checkpoints, and records size and SHA-256 in the
 * folder's manifest; every later use is checked against it.
 *
 * @module
 */
import {
  checkSums,
  download,
  downloadFileName,
  type DownloadSpec,
  KNOWN_DOWNLOADS,
} from "../data/mod.ts";
import { readManifest, recordFile, verifyFile } from "../data/mod.ts";
import { readTar, type TarEntry } from "../data/mod.ts";
import { PRETRAINED } from "../models/mod.ts";
import { writeFileAtomic } from "../util/mod.ts";
import { dataDir } from "../util/mod.ts";
import { waitForLock } from "../util/mod.ts";
import { exists, readRegularFile } from "../util/mod.ts";

/** One file of the lab, as published. */
export interface LabFile {
  /** Its name (`cifar10`, `vgg_16`). */
  name: string;
  /** `dataset` (used as the archive) or `checkpoint` (unpacked from it). */
  kind: "dataset" | "checkpoint";
  /** The archive's URL, published MD5 where one exists. */
  download: DownloadSpec;
  /** Folder of the data folder it goes into (`datasets`, `checkpoints`). */
  folder: string;
  /** What is used, relative to the data folder: the archive, or the checkpoint (prefix) unpacked. */
  use: string;
}

function datasetFile(name: string): LabFile {
  const spec = KNOWN_DOWNLOADS[name];
  return {
    name,
    kind: "dataset",
    download: spec,
    folder: "datasets",
    use: `datasets/${downloadFileName(spec)}`,
  };
}

/** Every file the lab knows by name (datasets first, then checkpoints by zoo name). */
export const LAB_FILES: Record<string, LabFile> = Object.fromEntries([
  ...Object.keys(KNOWN_DOWNLOADS).map((n) => [n, datasetFile(n)]),
  ...Object.entries(PRETRAINED).map(([name, p]) => [
    name,
    {
      name,
      kind: "checkpoint",
      // TF-Slim published no sums for its checkpoints: the manifest's SHA-256 is taken at fetch.
      download: { url: p.url },
      folder: "checkpoints",
      use: `checkpoints/${p.checkpoint}`,
    } satisfies LabFile,
  ]),
]);

/** What the exercises' notebooks use, fetched by `deno task download` without names. */
export const LAB_SET = ["cifar10", "vgg_16", "resnet_v1_50"];

/** Options of {@linkcode fetchLabFile}. */
export interface FetchLabFileOptions {
  /** The data folder; default `dataDir()` (`$TL_DATA_DIR`, else the cache). */
  dir?: string;
  /** Progress bars; default on. */
  progress?: boolean;
  /** Where notes go (unpacking, recording); default console.error. */
  log?: (line: string) => void;
  /** Only check what is there; never download. */
  offline?: boolean;
  /**
   * Fetch archives from this base URL instead of their publishers (a room's
   * own copy: `<mirror>/<archive name>`); default `$TL_DOWNLOAD_MIRROR`.
   */
  mirror?: string;
}

/** The URL `f` is fetched from: its publisher's, or the mirror's copy. */
export function sourceUrl(f: LabFile, mirror = Deno.env.get("TL_DOWNLOAD_MIRROR")): string {
  return mirror ? `${mirror.replace(/\/+$/, "")}/${downloadFileName(f.download)}` : f.download.url;
}

/** The entry of `name`, or an error listing the names. */
export function labFile(name: string): LabFile {
  const f = LAB_FILES[name];
  if (!f) {
    throw new Error(
      `unknown lab file '${name}': expected one of ${Object.keys(LAB_FILES).join(", ")}`,
    );
  }
  return f;
}

/** The path a lab file is used from, in `dir` (default the data folder). */
export function labFilePath(name: string, dir: string = dataDir()): string {
  return `${dir}/${labFile(name).use}`;
}

/** Where a file must go, and what to run, for a machine without internet. */
export function offlineInstructions(name: string, dir = dataDir()): string {
  const f = labFile(name);
  const archive = downloadFileName(f.download);
  return `fetch ${f.download.url} on a machine with internet access, put it at ` +
    `${dir}/${f.folder}/${archive}, then run 'deno task download ${name}' here` +
    (dir === dataDir() ? "" : ` with --to ${dir}`) + " to unpack and check it";
}

async function present(path: string, kind: LabFile["kind"]): Promise<boolean> {
  // A V2 checkpoint is a prefix: its index names it.
  return (await exists(path)) || (kind === "checkpoint" && (await exists(`${path}.index`)));
}

/** True when lab file `name` is in `dir` (a V1 file, or a V2 checkpoint's index). */
export function labFilePresent(name: string, dir: string = dataDir()): Promise<boolean> {
  return present(labFilePath(name, dir), labFile(name).kind);
}

/** The manifest's files recorded for `name`. */
async function recordedFiles(dir: string, name: string): Promise<string[]> {
  return Object.values(await readManifest(dir)).filter((e) => e.name === name).map((e) => e.file);
}

async function writable(dir: string): Promise<boolean> {
  const probe = `${dir}/.write-probe-${Deno.pid}`;
  try {
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeFile(probe, new Uint8Array(0));
    await Deno.remove(probe);
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks what the manifest records for `name`: `"ok"`, `"unrecorded"`, or
 * what is wrong (missing, truncated, damaged).
 */
export async function checkLabFile(name: string, dir = dataDir()): Promise<string> {
  const files = await recordedFiles(dir, name);
  if (!files.length) return "unrecorded";
  for (const file of files) {
    const r = await verifyFile(dir, file);
    if (r !== "ok") return r;
  }
  return "ok";
}

/**
 * Makes sure lab file `name` is in the data folder and intact, and returns
 * the path to use: checked against the manifest when recorded; else
 * downloaded (resumed from a `.part`), its MD5 checked where published,
 * checkpoints unpacked from their archive, and all recorded. A read-only
 * folder is only checked; an offline machine gets the URL and the place.
 */
export async function fetchLabFile(
  name: string,
  options: FetchLabFileOptions = {},
): Promise<string> {
  const f = labFile(name);
  const dir = options.dir ?? dataDir();
  const log = options.log ?? ((l: string) => console.error(l));
  const folder = `${dir}/${f.folder}`;
  if (!(await writable(folder))) return await fetchInto(f, dir, options, log);
  // Thirty seats starting at once fetch each file once: the others wait, then verify it.
  const release = await waitForLock(`${folder}/.${name}.lock`, {
    what: `fetching ${name} into ${folder}`,
    log,
  });
  try {
    return await fetchInto(f, dir, options, log);
  } finally {
    release();
  }
}

async function fetchInto(
  f: LabFile,
  dir: string,
  options: FetchLabFileOptions,
  log: (line: string) => void,
): Promise<string> {
  const name = f.name;
  const use = `${dir}/${f.use}`;
  if (await present(use, f.kind)) {
    const state = await checkLabFile(name, dir);
    if (state === "ok") return use;
    if (state === "unrecorded") {
      // Put there by hand (or before manifests): check what can be checked, then record it.
      if (f.kind === "dataset") {
        const bad = await checkSums(use, f.download);
        if (bad) {
          throw new Error(`${use}: ${bad}: the file is damaged; delete it and download again`);
        }
      }
      if (await writable(dir)) await recordUsed(dir, f, log);
      return use;
    }
    throw new Error(
      `${name}: ${state}. Delete it and run 'deno task download ${name}'` +
        (dir === dataDir() ? "" : ` --to ${dir}`),
    );
  }
  if (!(await writable(`${dir}/${f.folder}`))) {
    throw new Error(
      `${use} is missing and the data folder ${dir} is not writable (shared read-only?): ` +
        `ask whoever prepared it to run 'deno task download ${name} --to ${dir}', ` +
        `or set TL_DATA_DIR to a folder of your own`,
    );
  }
  if (options.offline) throw new Error(`${use} is missing: ${offlineInstructions(name, dir)}`);
  let archive: string;
  const url = sourceUrl(f, options.mirror);
  try {
    // Saved under the published name, so that a mirror's copy lands where a hand-placed one would.
    archive = await download({ ...f.download, url, fileName: downloadFileName(f.download) }, {
      dir: `${dir}/${f.folder}`,
      progress: options.progress,
    });
  } catch (err) {
    throw new Error(
      `${name}: ${(err as Error).message.split(". ")[0]}. Without internet: ` +
        offlineInstructions(name, dir),
    );
  }
  if (f.kind === "dataset") {
    await recordFile(dir, f.use, { source: url, name });
    return use;
  }
  await unpackCheckpoint(archive, dir, f, url, log);
  await Deno.remove(archive);
  return use;
}

/**
 * The members of checkpoint archive `archive` that make up checkpoint `base`
 * (`vgg_16.ckpt`: a V1 file, or `base.index` and its data shards), without
 * TF's `.meta` graph; an archive without them is an error naming both.
 */
export async function checkpointMembers(archive: string, base: string): Promise<TarEntry[]> {
  const members = (await readTar(await readRegularFile(archive, "archive"), archive)).filter(
    (e) => {
      const file = e.name.split("/").pop()!;
      // The .meta graph is TF's, not needed to restore.
      return file === base || (file.startsWith(`${base}.`) && !file.endsWith(".meta"));
    },
  );
  if (!members.length) throw new Error(`${archive}: holds no ${base} (nor ${base}.index)`);
  return members;
}

/** Unpacks the checkpoint's files (a V1 file, or a V2 index and data shards) next to the archive. */
async function unpackCheckpoint(
  archive: string,
  dir: string,
  f: LabFile,
  url: string,
  log: (line: string) => void,
): Promise<void> {
  const members = await checkpointMembers(archive, f.use.split("/").pop()!);
  for (const m of members) {
    const file = `${f.folder}/${m.name.split("/").pop()}`;
    await writeFileAtomic(`${dir}/${file}`, m.data);
    await recordFile(dir, file, { source: url, name: f.name });
  }
  log(
    `${f.name}: unpacked ${
      members.map((m) => m.name.split("/").pop()).join(", ")
    } into ${dir}/${f.folder}`,
  );
}

/** Records the files in use for `f` (found by hand in the folder). */
async function recordUsed(dir: string, f: LabFile, log: (line: string) => void): Promise<void> {
  const files: string[] = [];
  if (await exists(`${dir}/${f.use}`)) files.push(f.use);
  else {
    const base = f.use.split("/").pop()!;
    for await (const e of Deno.readDir(`${dir}/${f.folder}`)) {
      if (e.isFile && e.name.startsWith(`${base}.`) && !/\.(meta|part)$|\.tmp-/.test(e.name)) {
        files.push(`${f.folder}/${e.name}`);
      }
    }
  }
  for (const file of files.sort()) {
    await recordFile(dir, file, { source: "placed by hand", name: f.name });
  }
  log(`${f.name}: recorded ${files.join(", ")} in ${dir}/manifest.json`);
}
