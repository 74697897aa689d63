/**
 * Quick mode for the lab notebooks (`TL_QUICK=1`, used by CI): real-format
 * stand-ins built from data that exists offline — a CIFAR-10 binary folder
 * made of Fashion-MNIST images, and TF-Slim-named V1 checkpoints.
 *
 * @module
 */
import { classCounts, type ImageDataset, subset } from "../data/mod.ts";
import { loadFashionMnist } from "../data/mod.ts";
import { takePerClass } from "../data/mod.ts";
import type { Model } from "../models/mod.ts";
import sharp from "sharp";
import { encodeCifarBinary } from "../data/mod.ts";
import { saveModel } from "../weights/mod.ts";
import { inNotebook, jupyter } from "../util/mod.ts";

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

let bannerShown = false;

/**
 * True when the notebooks should run their quick (CI) variant. The first
 * time it is true inside a notebook it shows a banner saying so: quick-mode
 * numbers come from stand-in data and a few steps, and mean nothing.
 */
export function quickMode(): boolean {
  const quick = Deno.env.get("TL_QUICK") === "1";
  if (quick && !bannerShown && inNotebook()) {
    bannerShown = true;
    void jupyter()!.display({
      "text/plain": `QUICK MODE (TL_QUICK=1): ${QUICK_NOTE}`,
      "text/html": `<div style="border:2px solid #d4a017;background:#fff8dc;padding:6px 10px;` +
        `margin:4px 0"><b>Quick mode</b> (TL_QUICK=1): ${QUICK_NOTE}</div>`,
    }, { raw: true });
  }
  return quick;
}

const QUICK_NOTE = "stand-in data (Fashion-MNIST images in CIFAR's format, random " +
  "TF-Slim-named checkpoints) and a few steps, to check that everything runs; the " +
  "accuracies below mean nothing about VGG, ResNet or CIFAR-10. Unset TL_QUICK for the lab.";

/** 28×28 gray → 32×32 RGB (2-pixel zero border), as CIFAR-shaped stand-ins. */
function grayToRgb32(ds: ImageDataset): ImageDataset {
  const n = ds.labels.length;
  const images = new Uint8Array(n * 3072);
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) {
        const v = ds.images[i * 784 + y * 28 + x], p = i * 1024 + (y + 2) * 32 + (x + 2);
        images.fill(v, p * 3, p * 3 + 3);
      }
    }
  }
  return { ...ds, images, height: 32, width: 32, channels: 3 };
}

/**
 * Writes `<dir>/fashion-mnist-as-cifar-10-bin/` (data_batch_1..5.bin,
 * test_batch.bin, batches.meta.txt) in CIFAR-10's binary format from
 * Fashion-MNIST images: named so that it cannot pass for CIFAR-10 (its
 * classes are Fashion-MNIST's).
 */
export async function makeQuickCifar(
  dir: string,
  options: { perClass?: number; testPerClass?: number } = {},
): Promise<string> {
  const root = `${dir}/fashion-mnist-as-cifar-10-bin`;
  await Deno.mkdir(root, { recursive: true });
  const train = takePerClass((await loadFashionMnist()).dataset, options.perClass ?? 50);
  const test = takePerClass(
    (await loadFashionMnist({ split: "test" })).dataset,
    options.testPerClass ?? 20,
  );
  const records = (ds: ImageDataset, from: number, to: number) =>
    encodeCifarBinary(grayToRgb32(subset(ds, range(from, to))));
  const per = Math.ceil(train.labels.length / 5);
  for (let b = 0; b < 5; b++) {
    await Deno.writeFile(
      `${root}/data_batch_${b + 1}.bin`,
      records(train, b * per, Math.min(train.labels.length, (b + 1) * per)),
    );
  }
  await Deno.writeFile(`${root}/test_batch.bin`, records(test, 0, test.labels.length));
  await Deno.writeTextFile(`${root}/batches.meta.txt`, train.classNames.join("\n") + "\n");
  return root;
}

/**
 * Writes a TF-Slim-named V1 checkpoint of `model`'s (random) weights, as a
 * stand-in for a pretrained one (`saveModel` in V1 format); returns `path`.
 */
export async function makeQuickCheckpoint(model: Model, path: string): Promise<string> {
  await saveModel(model, path, { format: "v1" });
  return path;
}

/**
 * Writes `<dir>/<class>/<n>.png` from Fashion-MNIST images, `counts[c]`
 * images of class `c` (an imbalanced stand-in for the WBC folder, in the
 * layout the streaming loader reads); returns `dir`.
 */
export async function makeQuickImageFolder(dir: string, counts: number[]): Promise<string> {
  const ds = imbalancedSubset((await loadFashionMnist()).dataset, counts);
  // The index prefix keeps the label order (folders are read in sorted order).
  const names = ds.classNames.map((n, c) => `${c}_${n.replace(/[^A-Za-z0-9]+/g, "_")}`);
  for (const n of names) await Deno.mkdir(`${dir}/${n}`, { recursive: true });
  for (let i = 0; i < ds.labels.length; i++) {
    const pixels = ds.images.subarray(i * 784, (i + 1) * 784);
    await sharp(pixels, { raw: { width: 28, height: 28, channels: 1 } })
      .png()
      .toFile(`${dir}/${names[ds.labels[i]]}/${String(i).padStart(5, "0")}.png`);
  }
  return dir;
}

/**
 * An imbalanced subset in the WBC lab's shape: the first classes keep
 * `major` images, the rest `minor`.
 */
export function imbalancedSubset(ds: ImageDataset, counts: number[]): ImageDataset {
  const taken = counts.map(() => 0);
  const keep: number[] = [];
  ds.labels.forEach((l, i) => {
    if (l < counts.length && taken[l] < counts[l]) {
      taken[l]++;
      keep.push(i);
    }
  });
  const out = subset(ds, keep);
  out.classNames = ds.classNames.slice(0, counts.length);
  if (classCounts(out).some((c, i) => c !== counts[i])) {
    throw new Error(`not enough images for counts ${counts}`);
  }
  return out;
}
