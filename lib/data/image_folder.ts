/**
 * Image folders loaded whole into memory: one sub-folder per class (the
 * layout of the WBC lab data and of torchvision's ImageFolder), for folders
 * small enough to hold decoded. Large folders stream instead
 * (`indexImageFolder` + `batchStream`); with a size, both decode each image
 * the same way (`decodeImageFile`).
 *
 * @module
 */
import { type ImageDataset, validateDataset } from "./dataset.ts";
import { decodeFrame, decodeImageFile, indexImageFolder } from "./image_files.ts";

/** Options of {@linkcode loadImageFolder}. */
export interface ImageFolderOptions {
  /** Resize every image to `[height, width]`; otherwise all must share one size. */
  size?: [number, number];
  /** 3 (RGB, default) or 1 (grayscale). */
  channels?: 1 | 3;
  /** Where indexing notes (counts, skipped links) go; default console.error. */
  log?: (line: string) => void;
}

async function decodeNative(path: string, channels: 1 | 3) {
  try {
    const frame = await decodeFrame(await Deno.readFile(path), channels);
    const data = frame.data.slice();
    frame.release?.();
    return { data, height: frame.height, width: frame.width };
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
  const channels = options.channels ?? 3;
  const [h0, w0] = options.size ?? [1, 1];
  const index = await indexImageFolder(root, {
    size: h0,
    channels,
    log: options.log,
    progress: false,
  });
  const files = { ...index, height: h0, width: w0 };
  const n = files.files.length;
  let height = h0, width = w0, images: Uint8Array | undefined;
  const batch = 16;
  for (let i = 0; i < n; i += batch) {
    const chunk = files.files.slice(i, i + batch).map((_, k) => i + k);
    const decoded = await Promise.all(chunk.map(async (j) => {
      if (options.size) return { data: await decodeImageFile(files, j), height: h0, width: w0 };
      return await decodeNative(files.files[j], channels);
    }));
    if (!images) {
      [height, width] = [decoded[0].height, decoded[0].width];
      images = new Uint8Array(n * height * width * channels);
    }
    decoded.forEach((d, k) => {
      if (d.height !== height || d.width !== width) {
        throw new Error(
          `${files.files[chunk[k]]}: ${d.height}×${d.width} image among ${height}×${width} ones; ` +
            `pass size: [h, w] to resize`,
        );
      }
      images!.set(d.data, chunk[k] * height * width * channels);
    });
  }
  return validateDataset(
    {
      images: images!,
      labels: files.labels,
      height,
      width,
      channels,
      classNames: files.classNames,
    },
    root,
  );
}
