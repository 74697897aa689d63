/**
 * Exercise 3's setting with and without the frozen-feature cache: VGG-16,
 * fc6–fc8 trainable, 224×224, batch 100, Adam, through `fit` on real images
 * (Fashion-MNIST's first N training images), 3 epochs each. Prints each
 * epoch's seconds and the projected full-size time (50,000 images × 5
 * epochs), and writes the JSON (default `docs/feature-cache.json`).
 *
 * `deno task bench:features [--images N] [--epochs E] [--batch B] [--size S] [--out F]`
 *
 * @module
 */
import { useBackend } from "../lib/backend/mod.ts";
import { loadFashionMnist, subset } from "../lib/data/mod.ts";
import { buildModel } from "../lib/models/mod.ts";
import { type Callback, fit } from "../lib/train/mod.ts";
import { machineInfo, machineSummary } from "../lib/util/machine.ts";
import { numberFlag, parseFlags, writeFileAtomic } from "../lib/util/mod.ts";

const { values } = parseFlags(Deno.args, {
  images: { type: "string", default: "300", help: "training images (the first N)" },
  epochs: { type: "string", default: "3", help: "epochs of each run" },
  batch: { type: "string", default: "100", help: "batch size" },
  size: { type: "string", default: "224", help: "image size" },
  out: { type: "string", default: "docs/feature-cache.json", help: "JSON written here" },
});
const int = { integer: true, min: 1 };
const flags = {
  images: numberFlag(values, "images", int),
  epochs: numberFlag(values, "epochs", { integer: true, min: 2 }),
  batch: numberFlag(values, "batch", int),
  size: numberFlag(values, "size", int),
  out: String(values.out),
};

const backend = await useBackend("auto");
const machine = machineInfo();
console.log(`machine: ${machineSummary(machine)}; backend ${backend.description}`);
const { dataset: all, source } = await loadFashionMnist();
const data = subset(all, Int32Array.from({ length: flags.images }, (_, i) => i));
console.log(`data: the first ${flags.images} Fashion-MNIST training images from ${source}`);
const cacheDir = await Deno.makeTempDir({ prefix: "tl-bench-features-" });

/** Seconds of each epoch of one run. */
async function run(cached: boolean): Promise<number[]> {
  const model = buildModel("vgg_16", { numClasses: 10, inputSize: flags.size });
  const seconds: number[] = [];
  let t0 = 0;
  const timer: Callback = {
    order: -1,
    beforeEpoch: () => void (t0 = performance.now()),
    afterEpoch: () => void seconds.push((performance.now() - t0) / 1000),
  };
  await fit(model, data, {
    epochs: flags.epochs,
    batchSize: flags.batch,
    trainableScopes: ["vgg_16/fc6", "vgg_16/fc7", "vgg_16/fc8"],
    featureCache: cached ? { dir: cacheDir } : false,
    progress: false,
    callbacks: [timer],
  });
  model.store.dispose();
  console.log(
    `${cached ? "with the cache" : "without it    "}: epochs ${
      seconds.map((s) => s.toFixed(1)).join(" s, ")
    } s`,
  );
  return seconds;
}

try {
  const plain = await run(false);
  const cached = await run(true);
  const n = flags.images;
  /** Mean seconds of the epochs after the first. */
  const later = (e: number[]) => e.slice(1).reduce((a, b) => a + b, 0) / (e.length - 1);
  /** Hours of 50,000 images × 5 epochs at these per-image rates. */
  const full = (e: number[]) => 50_000 * (e[0] + 4 * later(e)) / n / 3600;
  const result = {
    date: new Date().toISOString().slice(0, 10),
    machine,
    backend: backend.name,
    setting: { model: "vgg_16", trainable: "fc6–fc8", size: flags.size, batch: flags.batch },
    images: n,
    epochSeconds: { plain, cached },
    laterEpochRatio: later(cached) / later(plain),
    projectedHours: { plain: full(plain), cached: full(cached) },
  };
  console.log(
    `later epochs with the cache: ${(100 * result.laterEpochRatio).toFixed(1)} % of an epoch ` +
      `without it; 50,000 images × 5 epochs: ${result.projectedHours.plain.toFixed(1)} h → ` +
      `${result.projectedHours.cached.toFixed(1)} h`,
  );
  await writeFileAtomic(flags.out, JSON.stringify(result, null, 2) + "\n");
} finally {
  await Deno.remove(cacheDir, { recursive: true });
}
