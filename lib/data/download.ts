/**
 * Downloads of dataset archives and checkpoints into the cache: progress,
 * checksum against the published sums, resume of an interrupted download
 * (HTTP Range), a clean retry after a corrupt one, and atomic completion.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { cacheDir } from "../util/mod.ts";
import { createProgress, type Progress } from "../util/mod.ts";

/** A file to fetch. */
export interface DownloadSpec {
  /** Where it is published. */
  url: string;
  /** Name in the cache folder; default: last URL segment. */
  fileName?: string;
  /** Published MD5 (hex). */
  md5?: string;
  /** Published SHA-256 (hex). */
  sha256?: string;
  /** Published SHA-512 (hex; npm's `integrity` is its base64). */
  sha512?: string;
}

/** The official dataset archives the lab uses, with their published sums (checkpoints: `lab`). */
export const KNOWN_DOWNLOADS: Record<string, DownloadSpec> = {
  "cifar10": {
    url: "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
    md5: "c32a1d4ab5d03f1284b67883e8d87530",
  },
  "cifar10-python": {
    url: "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
    md5: "c58f30108f718f92721af3b95e74349a",
  },
  "cifar100": {
    url: "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz",
    md5: "03b5dce01913d631647c71ecec9e9cb8",
  },
  "cifar100-python": {
    url: "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz",
    md5: "eb9058c3a382ffc7106e4002c42a8d85",
  },
};

/** Options of {@linkcode download}. */
export interface DownloadOptions {
  /** Target folder; default the toolkit cache. */
  dir?: string;
  /** Clean retries after a checksum mismatch or broken transfer; default 2. */
  retries?: number;
  /** Progress display; default a bar (or notebook display). `false` for none. */
  progress?: boolean;
  /** Request timeout in ms for connecting; default 30000. */
  timeoutMs?: number;
}

/** The file name a download is saved under. */
export function downloadFileName(spec: DownloadSpec): string {
  return spec.fileName ?? new URL(spec.url).pathname.split("/").pop()!;
}

async function hashFile(path: string, algo: "md5" | "sha256" | "sha512"): Promise<string> {
  const h = createHash(algo);
  const file = await Deno.open(path);
  for await (const chunk of file.readable) h.update(chunk);
  return h.digest("hex");
}

/** Verifies a file against the spec's sums; returns a mismatch message or undefined. */
export async function checkSums(path: string, spec: DownloadSpec): Promise<string | undefined> {
  for (const algo of ["sha512", "sha256", "md5"] as const) {
    const expected = spec[algo]?.toLowerCase();
    if (!expected) continue;
    const got = await hashFile(path, algo);
    if (got !== expected) return `${algo} ${got}, expected ${expected}`;
  }
  return undefined;
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await Deno.stat(path)).size;
  } catch {
    return 0;
  }
}

async function fetchInto(
  spec: DownloadSpec,
  part: string,
  options: DownloadOptions,
  bar: Progress | undefined,
): Promise<void> {
  const have = await fileSize(part);
  const headers: Record<string, string> = have > 0 ? { Range: `bytes=${have}-` } : {};
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? 30000);
  let res: Response;
  try {
    res = await fetch(spec.url, { headers, signal: controller.signal });
  } catch (err) {
    throw new Error(
      `cannot download ${spec.url}: ${(err as Error).message}. If this machine is offline, ` +
        `fetch the file elsewhere and put it at ${part.replace(/\.part$/, "")}`,
    );
  } finally {
    clearTimeout(timer);
  }
  if (res.status === 416 && have > 0) {
    // Range past the end: what we hold is already complete (checked by the caller).
    await res.body?.cancel();
    return;
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(`cannot download ${spec.url}: HTTP ${res.status} ${res.statusText}`);
  }
  const resumed = res.status === 206;
  const length = Number(res.headers.get("content-length") ?? NaN);
  const total = Number.isFinite(length) ? length + (resumed ? have : 0) : undefined;
  const file = await Deno.open(part, {
    write: true,
    create: true,
    append: resumed,
    truncate: !resumed,
  });
  let done = resumed ? have : 0;
  try {
    for await (const chunk of res.body!) {
      await writeAll(file, chunk);
      done += chunk.length;
      bar?.update(done, { MB: (done / 1e6).toFixed(1) }, total);
    }
  } finally {
    file.close();
  }
  if (total !== undefined && done !== total) {
    throw new Error(`download of ${spec.url} ended early: ${done} of ${total} bytes`);
  }
}

async function writeAll(file: Deno.FsFile, data: Uint8Array): Promise<void> {
  let off = 0;
  while (off < data.length) off += await file.write(data.subarray(off));
}

/**
 * Fetches `spec` into the cache (or `options.dir`) unless a verified copy is
 * there, and returns its path. An interrupted download resumes from its
 * `.part` file; a corrupt one is deleted and fetched again from scratch.
 */
export async function download(
  spec: DownloadSpec | string,
  options: DownloadOptions = {},
): Promise<string> {
  const s = typeof spec === "string" ? KNOWN_DOWNLOADS[spec] : spec;
  if (!s) {
    throw new Error(
      `unknown download '${spec}': expected one of ${
        Object.keys(KNOWN_DOWNLOADS).join(", ")
      } or {url, md5|sha256}`,
    );
  }
  const dir = options.dir ?? cacheDir();
  await Deno.mkdir(dir, { recursive: true });
  const dest = `${dir}/${downloadFileName(s)}`;
  const part = `${dest}.part`;
  if ((await fileSize(dest)) > 0) {
    const bad = await checkSums(dest, s);
    if (!bad) return dest;
    await Deno.remove(dest);
  }
  const attempts = 1 + (options.retries ?? 2);
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const bar = options.progress === false
      ? undefined
      : createProgress(undefined, { label: `download ${downloadFileName(s)}` });
    try {
      await fetchInto(s, part, options, bar);
      bar?.finish();
    } catch (err) {
      bar?.finish();
      lastError = err as Error;
      continue; // the .part stays for a Range resume on the next attempt
    }
    const bad = await checkSums(part, s);
    if (!bad) {
      await Deno.rename(part, dest);
      return dest;
    }
    lastError = new Error(`checksum mismatch for ${s.url}: got ${bad}`);
    await Deno.remove(part).catch(() => {});
  }
  throw lastError ?? new Error(`cannot download ${s.url}`);
}
