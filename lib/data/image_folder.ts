/**
 * Image-folder datasets: one sub-folder per class holding PNG/JPEG files (the
 * layout of the WBC lab data and of torchvision's ImageFolder), decoded with
 * sharp (libvips).
 *
 * @module
 */
import sharp from "sharp";
import { type ImageDataset, validateDataset } from "./dataset.ts";

/** Options of {@linkcode loadImageFolder}. */
export interface ImageFolderOptions {
  /** Resize every image to `[height, width]`; otherwise all must share one size. */
  size?: [number, number];
  /** 3 (RGB, default) or 1 (grayscale). */
  channels?: 1 | 3;
}

const IMAGE_EXT = /\.(png|jpe?g)$/i;

async function decode(path: string, options: ImageFolderOptions) {
  try {
    let img = sharp(path).removeAlpha();
    img = options.channels === 1 ? img.grayscale() : img.toColourspace("srgb");
    if (options.size) {
      img = img.resize(options.size[1], options.size[0], { fit: "fill", kernel: "linear" });
    }
    const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), info };
  } catch (err) {
    throw new Error(`${path}: cannot decode image (${(err as Error).message})`);
  }
}

/**
 * Loads `root/<class>/<image>` into memory; classes are the sub-folder names
 * in sorted order.
 */
export async function loadImageFolder(
  root: string,
  options: ImageFolderOptions = {},
): Promise<ImageDataset> {
  const classes: string[] = [];
  try {
    for await (const e of Deno.readDir(root)) if (e.isDirectory) classes.push(e.name);
  } catch (err) {
    throw new Error(`${root}: cannot read image folder (${(err as Error).message})`);
  }
  classes.sort();
  if (classes.length === 0) {
    throw new Error(`${root}: no class sub-folders: expected <root>/<class>/<image>.png|jpg`);
  }
  const files: { path: string; label: number }[] = [];
  for (const [label, name] of classes.entries()) {
    const names: string[] = [];
    for await (const e of Deno.readDir(`${root}/${name}`)) {
      if (e.isFile && IMAGE_EXT.test(e.name)) names.push(e.name);
    }
    if (names.length === 0) {
      throw new Error(`${root}/${name}: empty class folder: expected PNG or JPEG images`);
    }
    names.sort();
    for (const n of names) files.push({ path: `${root}/${name}/${n}`, label });
  }
  const channels = options.channels ?? 3;
  const first = await decode(files[0].path, { ...options, channels });
  const height = first.info.height, width = first.info.width;
  const per = height * width * channels;
  const images = new Uint8Array(files.length * per);
  const labels = new Int32Array(files.length);
  const batch = 16;
  for (let i = 0; i < files.length; i += batch) {
    const chunk = files.slice(i, i + batch);
    const decoded = await Promise.all(chunk.map((f) => decode(f.path, { ...options, channels })));
    decoded.forEach((d, k) => {
      if (d.info.height !== height || d.info.width !== width) {
        throw new Error(
          `${
            chunk[k].path
          }: ${d.info.height}×${d.info.width} image among ${height}×${width} ones; ` +
            `pass size: [h, w] to resize`,
        );
      }
      images.set(d.data, (i + k) * per);
      labels[i + k] = chunk[k].label;
    });
  }
  return validateDataset({ images, labels, height, width, channels, classNames: classes }, root);
}
