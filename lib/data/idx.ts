/**
 * IDX files (MNIST, Fashion-MNIST), gzipped or not.
 *
 * @module
 */
import { readMaybeGzip } from "../util/mod.ts";
import { type ImageDataset, validateDataset } from "./dataset.ts";

/** A decoded IDX array of unsigned bytes. */
export interface IdxArray {
  shape: number[];
  data: Uint8Array;
}

/** Parses an IDX file of unsigned bytes (type code 0x08). */
export function parseIdx(bytes: Uint8Array, source: string): IdxArray {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    const magic = [...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, "0")).join("");
    throw new Error(
      `${source}: wrong magic number 0x${magic}: expected an IDX file starting 0x0000 (e.g. 0x00000803)`,
    );
  }
  if (bytes[2] !== 0x08) {
    throw new Error(
      `${source}: IDX element type 0x${
        bytes[2].toString(16)
      } not supported: expected 0x08 (unsigned byte)`,
    );
  }
  const rank = bytes[3];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (rank === 0 || bytes.length < 4 + 4 * rank) {
    throw new Error(`${source}: truncated IDX header (rank ${rank})`);
  }
  const shape = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const start = 4 + 4 * rank;
  if (bytes.length - start !== count) {
    throw new Error(
      `${source}: ${bytes.length - start} data bytes for shape [${
        shape.join(", ")
      }]: expected ${count}` +
        (bytes.length - start < count ? " (truncated file)" : ""),
    );
  }
  return { shape, data: bytes.subarray(start) };
}

/**
 * Loads an image file (rank 3: N×H×W) and a label file (rank 1: N) into a
 * grayscale dataset.
 */
export async function loadIdxPair(
  paths: { images: string; labels: string },
  classNames: string[],
): Promise<ImageDataset> {
  const images = parseIdx(await readMaybeGzip(paths.images), paths.images);
  const labels = parseIdx(await readMaybeGzip(paths.labels), paths.labels);
  if (images.shape.length !== 3) {
    throw new Error(`${paths.images}: rank ${images.shape.length} IDX: expected images N×H×W`);
  }
  if (labels.shape.length !== 1) {
    throw new Error(`${paths.labels}: rank ${labels.shape.length} IDX: expected labels N`);
  }
  if (labels.shape[0] !== images.shape[0]) {
    throw new Error(
      `${paths.labels}: ${labels.shape[0]} labels for ${images.shape[0]} images in ${paths.images}`,
    );
  }
  return validateDataset({
    images: images.data,
    labels: Int32Array.from(labels.data),
    height: images.shape[1],
    width: images.shape[2],
    channels: 1,
    classNames,
  }, paths.labels);
}
