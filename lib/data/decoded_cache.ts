/**
 * A decoded cache for streamed image folders: every image decoded once at
 * the model's size into one uint8 file under the cache folder, keyed by the
 * files (path, size, modification time) and the decode settings; later
 * epochs and runs read slices of it instead of decoding. For repeated epochs
 * over small images; off by default (a large set at 224 is 150 KB an image).
 *
 * @module
 */
import { cacheDir } from "../util/mod.ts";
import { createProgress, type ProgressOptions } from "../util/mod.ts";
import type { ImageFiles } from "./dataset.ts";
import { decodeImageFile } from "./image_files.ts";

/** Options of {@linkcode cacheDecoded}. */
export interface DecodedCacheOptions {
  /** Folder of cache files; default `<cache>/decoded`. */
  dir?: string;
  /** Progress while filling; `false` for none. */
  progress?: ProgressOptions | false;
}

const open = new Map<string, Deno.FsFile>();

async function key(ds: ImageFiles): Promise<string> {
  const stats = await Promise.all(ds.files.map(async (f) => {
    const s = await Deno.stat(f);
    return `${f}\t${s.size}\t${s.mtime?.getTime() ?? 0}`;
  }));
  const text = [`v1 ${ds.height}x${ds.width}x${ds.channels} ${ds.resize}`, ...stats].join("\n");
  const hash = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(hash)].slice(0, 12).map((b) => b.toString(16).padStart(2, "0")).join(
    "",
  );
}

/**
 * Returns `ds` backed by its decoded cache, filling the cache first when it
 * does not exist (written to a temporary file, then renamed). Random crops
 * differ per epoch and cannot be cached.
 */
export async function cacheDecoded(
  ds: ImageFiles,
  options: DecodedCacheOptions = {},
): Promise<ImageFiles> {
  if (ds.resize === "random-crop") {
    throw new Error(
      `${ds.root}: random crops differ per epoch and cannot be cached: use center-crop or stretch`,
    );
  }
  const dir = options.dir ?? `${cacheDir()}/decoded`;
  await Deno.mkdir(dir, { recursive: true });
  const path = `${dir}/${await key(ds)}.u8`;
  const per = ds.height * ds.width * ds.channels;
  const n = ds.files.length;
  const slot = Int32Array.from({ length: n }, (_, i) => i);
  const size = (await Deno.stat(path).catch(() => undefined))?.size;
  if (size === n * per) return { ...ds, cache: { path, slot } };
  const tmp = `${path}.tmp-${Deno.pid}`;
  const file = await Deno.open(tmp, { write: true, create: true, truncate: true });
  const bar = options.progress === false
    ? undefined
    : createProgress(n, { label: "caching", ...options.progress });
  try {
    const chunk = 32;
    for (let i = 0; i < n; i += chunk) {
      const images = await Promise.all(
        Array.from(slot.subarray(i, i + chunk), (j) => decodeImageFile(ds, j)),
      );
      for (const img of images) {
        for (let at = 0; at < img.length;) at += await file.write(img.subarray(at));
      }
      bar?.update(Math.min(n, i + chunk));
    }
    file.close();
    await Deno.rename(tmp, path);
  } catch (err) {
    try {
      file.close();
    } catch { /* already closed */ }
    await Deno.remove(tmp).catch(() => {});
    throw err;
  } finally {
    bar?.finish();
  }
  return { ...ds, cache: { path, slot } };
}

/** Reads image `index` of `ds` from its decoded cache. */
export function readCached(ds: ImageFiles, index: number): Uint8Array {
  const { path, slot } = ds.cache!;
  let f = open.get(path);
  if (!f) open.set(path, f = Deno.openSync(path));
  const per = ds.height * ds.width * ds.channels;
  const out = new Uint8Array(per);
  // Synchronous seek + read: an async pair could interleave with another read on the shared handle.
  f.seekSync(slot[index] * per, Deno.SeekMode.Start);
  for (let done = 0; done < per;) {
    const n = f.readSync(out.subarray(done));
    if (n === null) throw new Error(`${path}: decoded cache is shorter than expected; delete it`);
    done += n;
  }
  return out;
}
