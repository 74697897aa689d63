/**
 * The manifest of a data folder (`manifest.json`): for every file fetched or
 * checked into it, its size and SHA-256, so that every later use can tell a
 * truncated, damaged or swapped file from the one that was fetched.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { writeFileAtomic } from "../util/mod.ts";
import { waitForLock } from "../util/mod.ts";

/** One file of the manifest. */
export interface ManifestEntry {
  /** Path relative to the data folder (`datasets/cifar-10-binary.tar.gz`). */
  file: string;
  /** Bytes. */
  size: number;
  /** SHA-256 (hex) of the whole file. */
  sha256: string;
  /** Where it came from (the URL of the archive it was fetched or extracted from). */
  source?: string;
  /** The download it belongs to (`cifar10`, `vgg_16`). */
  name?: string;
  /** ISO time it was recorded. */
  recorded: string;
}

/** The manifest file of a data folder. */
export function manifestPath(dir: string): string {
  return `${dir}/manifest.json`;
}

/** Reads the manifest of `dir` (an empty one when there is none); a damaged one is an error. */
export async function readManifest(dir: string): Promise<Record<string, ManifestEntry>> {
  const path = manifestPath(dir);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return {};
    throw new Error(`${path}: cannot read the data manifest (${(err as Error).message})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(
      `${path}: the data manifest is not valid JSON; delete it and run 'deno task download --check'`,
    );
  }
  const files = (parsed as { files?: unknown }).files;
  if (typeof files !== "object" || files === null) {
    throw new Error(`${path}: expected {"files": {...}} in the data manifest`);
  }
  return files as Record<string, ManifestEntry>;
}

/** SHA-256 (hex) of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const h = createHash("sha256");
  const file = await Deno.open(path);
  for await (const chunk of file.readable) h.update(chunk);
  return h.digest("hex");
}

// One read-modify-write at a time in this process (downloads of several files run in turn anyway).
let queue: Promise<unknown> = Promise.resolve();

/** Measures `file` (relative to `dir`) and records it in the manifest; returns the entry. */
export function recordFile(
  dir: string,
  file: string,
  options: { source?: string; name?: string } = {},
): Promise<ManifestEntry> {
  const run = async () => {
    const path = `${dir}/${file}`;
    const entry: ManifestEntry = {
      file,
      size: (await Deno.stat(path)).size,
      sha256: await sha256File(path),
      ...(options.source ? { source: options.source } : {}),
      ...(options.name ? { name: options.name } : {}),
      recorded: new Date().toISOString(),
    };
    // Other processes record other files into the same manifest: one update at a time.
    const release = await waitForLock(`${dir}/.manifest.lock`, {
      what: `updating ${manifestPath(dir)}`,
    });
    try {
      const files = await readManifest(dir);
      files[file] = entry;
      const sorted = Object.fromEntries(
        Object.entries(files).sort(([a], [b]) => a.localeCompare(b)),
      );
      await writeFileAtomic(manifestPath(dir), JSON.stringify({ files: sorted }, null, 2) + "\n");
    } finally {
      release();
    }
    verified.set(`${path}`, stamp(await Deno.stat(path)));
    return entry;
  };
  const p = queue.then(run, run);
  queue = p.catch(() => {});
  return p;
}

const verified = new Map<string, string>();
const stamp = (s: Deno.FileInfo) => `${s.size}:${s.mtime?.getTime()}`;

/**
 * Checks `file` (relative to `dir`) against its manifest entry: size, then
 * SHA-256 (hashed once per process while size and mtime stay the same).
 * Returns `"ok"`, `"unrecorded"` (no entry) or the mismatch as text.
 */
export async function verifyFile(dir: string, file: string): Promise<"ok" | "unrecorded" | string> {
  const entry = (await readManifest(dir))[file];
  if (!entry) return "unrecorded";
  const path = `${dir}/${file}`;
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch {
    return `${path} is missing (the manifest records ${entry.size} bytes)`;
  }
  if (info.size !== entry.size) {
    return `${path} has ${info.size} bytes, the manifest records ${entry.size} (truncated or replaced)`;
  }
  if (verified.get(path) === stamp(info)) return "ok";
  const sha = await sha256File(path);
  if (sha !== entry.sha256) {
    return `${path}: SHA-256 ${sha}, the manifest records ${entry.sha256} (damaged or replaced)`;
  }
  verified.set(path, stamp(info));
  return "ok";
}
