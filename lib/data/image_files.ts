/**
 * Image folders streamed from disk: `indexImageFolder` keeps only the file
 * list and labels (with progress while it walks the folder), and
 * `decodeImageFile` decodes, resizes and crops one file with sharp (libvips)
 * when a batch needs it.
 *
 * @module
 */
import sharp from "sharp";
import { createProgress, type ProgressOptions } from "../util/mod.ts";
import type { ImageFiles, ResizeMode } from "./dataset.ts";
import { decodeAtLeast, frameToImage } from "./resize.ts";
import { type AtLeast, decodeJpeg } from "./turbo_jpeg.ts";

/** Options of {@linkcode indexImageFolder}. */
export interface IndexOptions {
  /** Square size images are decoded to (the model's input size). */
  size: number;
  /** Default `stretch`. */
  resize?: ResizeMode;
  /** 3 (RGB, default) or 1 (grayscale). */
  channels?: 1 | 3;
  /** Drop undecodable images from their batch instead of failing; default false. */
  skipBadImages?: boolean;
  /** Where warnings (dangling links, ignored files) and the class counts go; default console.log. */
  log?: (line: string) => void;
  /** Progress of the walk; `false` for none. */
  progress?: ProgressOptions | false;
}

/** Reusable decode buffers (JPEG frames before resizing). */
const scratch: Uint8Array[] = [];

// libvips' operation cache only helps repeated identical operations; every
// decode here is a new file, so it would cost time and hold memory.
sharp.cache(false);

/** Extensions decoded as images. */
const IMAGE_EXTENSIONS = /\.(png|jpe?g|webp|tiff?|bmp|gif)$/i;

/**
 * Lists `root/<class>/<image>` (classes: sorted sub-folder names; images:
 * sorted file names). Non-image files are ignored and counted; symlinks are
 * followed, and a dangling one is reported by path and skipped; an empty
 * class folder is an error.
 */
export async function indexImageFolder(root: string, options: IndexOptions): Promise<ImageFiles> {
  const log = options.log ?? ((l: string) => console.log(l));
  const classes: string[] = [];
  try {
    for await (const e of Deno.readDir(root)) {
      if (
        e.isDirectory || (e.isSymlink && (await statOrUndefined(`${root}/${e.name}`))?.isDirectory)
      ) {
        classes.push(e.name);
      }
    }
  } catch (err) {
    throw new Error(`${root}: cannot read image folder (${(err as Error).message})`);
  }
  classes.sort();
  if (classes.length === 0) {
    throw new Error(`${root}: no class sub-folders: expected <root>/<class>/<image>.png|jpg`);
  }
  const bar = options.progress === false
    ? undefined
    : createProgress(undefined, { label: "indexing", ...options.progress });
  const files: string[] = [];
  const labels: number[] = [];
  const counts: number[] = [];
  let ignored = 0;
  for (const [label, name] of classes.entries()) {
    const dir = `${root}/${name}`;
    const names: string[] = [];
    for await (const e of Deno.readDir(dir)) {
      if (!IMAGE_EXTENSIONS.test(e.name)) {
        if (!e.isDirectory) ignored++;
        continue;
      }
      if (e.isSymlink) {
        const target = await statOrUndefined(`${dir}/${e.name}`);
        if (!target?.isFile) {
          log(`warning: ${dir}/${e.name}: symlink to nothing readable; skipped`);
          continue;
        }
      } else if (!e.isFile) continue;
      names.push(e.name);
    }
    if (names.length === 0) {
      throw new Error(`${dir}: empty class folder: expected PNG or JPEG images`);
    }
    names.sort();
    for (const n of names) {
      files.push(`${dir}/${n}`);
      labels.push(label);
    }
    counts.push(names.length);
    bar?.update(files.length, { classes: `${label + 1}/${classes.length}`, last: name });
  }
  bar?.finish();
  log(
    `${root}: ${files.length} images in ${classes.length} classes (` +
      classes.map((c, i) => `${c} ${counts[i]}`).join(", ") + ")" +
      (ignored ? `; ${ignored} non-image files ignored` : ""),
  );
  return {
    files,
    labels: Int32Array.from(labels),
    classNames: classes,
    height: options.size,
    width: options.size,
    channels: options.channels ?? 3,
    resize: options.resize ?? "stretch",
    skipBadImages: options.skipBadImages ?? false,
    root,
  };
}

async function statOrUndefined(path: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.stat(path);
  } catch {
    return undefined;
  }
}

/**
 * Decodes file `index` of `ds` to `height × width × channels` uint8 (HWC).
 * `crop` places a random crop (`random-crop` mode): fractions in [0, 1) of
 * the free room on each axis. Throws naming the file when it cannot decode.
 */
export async function decodeImageFile(
  ds: ImageFiles,
  index: number,
  crop: { fy: number; fx: number } = { fy: 0.5, fx: 0.5 },
): Promise<Uint8Array> {
  const path = ds.files[index];
  try {
    const src = await decodeFrame(await Deno.readFile(path), ds.channels, decodeAtLeast(ds));
    const out = frameToImage(src, ds.channels, ds, crop);
    src.release?.();
    return out;
  } catch (err) {
    throw new Error(`${path}: cannot decode image (${(err as Error).message})`);
  }
}

/**
 * Decodes image bytes to RGB (or gray) pixels: at native size, or with
 * `atLeast`, no smaller than asked and at most about twice that, so that a
 * bilinear resize after it reads every pixel region. JPEGs through
 * libjpeg-turbo (DCT-domain scaling), the rest through sharp. Call `release`
 * when done with `data` (its buffer may be reused).
 */
export async function decodeFrame(
  bytes: Uint8Array,
  channels: number,
  atLeast?: AtLeast,
): Promise<{ data: Uint8Array; width: number; height: number; release?: () => void }> {
  if (channels === 3) {
    // Decoded frames are short-lived and large: reuse their buffers (fresh ones cost page faults).
    const buffer = scratch.pop();
    let used: Uint8Array | undefined;
    const jpeg = await decodeJpeg(
      bytes,
      atLeast,
      (n) => (used = buffer && buffer.length >= n ? buffer : new Uint8Array(n)).subarray(0, n),
    );
    const release = () => {
      if (scratch.length < 64) scratch.push(used ?? buffer!);
    };
    if (jpeg) return { ...jpeg, release };
    if (used ?? buffer) release();
  }
  let img = sharp(bytes, { failOn: "error" }).rotate().removeAlpha();
  img = channels === 1 ? img.grayscale() : img.toColourspace("srgb");
  if (atLeast) {
    const [bw, bh] = atLeast.shorter
      ? [2 * atLeast.shorter, 2 * atLeast.shorter]
      : [2 * atLeast.width!, 2 * atLeast.height!];
    img = img.resize(bw, bh, {
      fit: atLeast.shorter ? "outside" : "fill",
      withoutEnlargement: true,
      kernel: "linear",
    });
  }
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== channels) throw new Error(`decoded to ${info.channels} channels`);
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    width: info.width,
    height: info.height,
  };
}
