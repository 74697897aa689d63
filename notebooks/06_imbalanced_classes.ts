// %% [markdown]
// # Exercise 6 — imbalanced classes (the WBC case)
//
// In the white-blood-cell data some classes have fewer than 200 images and others more than 40,000. A plain classifier then learns the prior. We compare three remedies on the same network: nothing, class weights (inverse frequency), and class-balanced sampling, by per-class recall and the confusion matrix.
//
// The folder is **streamed**: only its file list stays in memory, and each batch is decoded and resized on the fly, a few batches ahead of training (100,000 images at 224×224 would be 15 GB decoded). The train/validation split is saved as a file, so a rerun uses the same images.
//
// **What to expect at full size:** with the real WBC folder (tens of thousands of images, some classes under 200), the plain classifier's accuracy looks high because it follows the prior, while the rare classes' recall stays near 0; class weights and balanced sampling trade some accuracy for recall on the rare classes, which is what balanced accuracy shows. Time: `small_vgg` trains at {{fig:smallvgg}} images/s at 32×32 (batch 64, oneDNN, measured by `deno task bench` on a {{fig:cpu}}); at 64×64 each image costs about 4× the multiply-adds, and decoding the files adds to that. The rate depends on your machine and disk: the progress bar shows it, and an epoch of 100,000 images runs three times per run (one per variant).
//
// Set `TL_QUICK=1` before starting Jupyter for the quick variant CI runs (a small folder of Fashion-MNIST PNGs in the same layout, a few steps).

// %%
// Parameters
const params = {
  wbc: "../data/wbc", // one sub-folder per class of PNG/JPEG images
  imageSize: 64,
  resize: "center-crop" as "stretch" | "center-crop" | "random-crop",
  splitFile: "../out/notebook-06/split.json", // reused when it exists
  epochs: 3,
  batchSize: 32,
  learningRate: 0.001,
  backend: "auto",
  maxSteps: undefined as number | undefined,
  // without the WBC folder: Fashion-MNIST classes with these image counts instead
  counts: [400, 400, 400, 30, 10],
};

// %%
// Quick mode (TL_QUICK=1, as CI runs the notebooks): small stand-ins and a few steps. Otherwise nothing.
import { quickExercise } from "../mod.ts";
await quickExercise("06", params);

// %%
import {
  classCounts,
  imbalancedSubset,
  indexImageFolder,
  loadFashionMnist,
  splitImageFiles,
  stratifiedSplit,
  useBackend,
} from "../mod.ts";
await useBackend(params.backend as "auto");
let train, validation;
try {
  const all = await indexImageFolder(params.wbc, { size: params.imageSize, resize: params.resize });
  await Deno.mkdir(params.splitFile.replace(/\/[^/]*$/, ""), { recursive: true });
  ({ train, test: validation } = await splitImageFiles(all, {
    testFraction: 0.25,
    seed: 1,
    file: params.splitFile,
  }));
} catch (err) {
  console.log(
    `${(err as Error).message}\n→ using an imbalanced Fashion-MNIST subset in memory instead`,
  );
  ({ train, validation } = stratifiedSplit(
    imbalancedSubset((await loadFashionMnist()).dataset, params.counts),
    { validationFraction: 0.25, seed: 1 },
  ));
}
console.log(`class counts (train): ${classCounts(train).join(", ")}`);

// %%
import {
  buildModel,
  evaluateAsync,
  fit,
  htmlTable,
  showHtml,
  STANDARDIZED_PREPROCESSING,
} from "../mod.ts";
const variants = [
  { name: "plain", options: {} },
  { name: "class weights", options: { classWeights: "inverse" as const } },
  { name: "balanced sampling", options: { sampler: "balanced" as const } },
];
const results = [];
for (const v of variants) {
  const model = buildModel("small_vgg", {
    numClasses: train.classNames.length,
    inputSize: params.imageSize,
    preprocessing: STANDARDIZED_PREPROCESSING,
    seed: 1,
  });
  await fit(model, train, {
    epochs: params.epochs,
    batchSize: params.batchSize,
    maxSteps: params.maxSteps,
    learningRate: params.learningRate,
    seed: 1,
    log: () => {},
    progress: { label: v.name },
    ...v.options,
  });
  const ev = await evaluateAsync(model, validation);
  results.push({ name: v.name, ev });
  model.store.dispose();
}
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
await showHtml(htmlTable([
  ["method", "accuracy", "balanced accuracy", ...train.classNames.map((c) => `recall ${c}`)],
  ...results.map((
    r,
  ) => [
    r.name,
    pct(r.ev.accuracy),
    pct(r.ev.metrics.balancedAccuracy),
    ...r.ev.metrics.recall.map((x) => x.toFixed(2)),
  ]),
]));

// %%
import { confusionHeatmap, showChart } from "../mod.ts";
await showChart({
  data: results.map((r) => ({
    x: train.classNames,
    y: r.ev.metrics.recall,
    name: r.name,
    type: "bar",
  })),
  layout: { title: { text: "Recall per class" }, barmode: "group", yaxis: { range: [0, 1] } },
});
for (const r of results) {
  await showChart(confusionHeatmap(r.ev.confusion, train.classNames, { name: r.name }), {
    height: 320,
  });
}

// %% [markdown]
// ## Your turn
//
// 1. Which of the three methods would you use for the white-blood-cell lab, and which metric tells you so: accuracy or balanced accuracy?
// 2. Try `focalGamma: 2` as a fourth variant.
