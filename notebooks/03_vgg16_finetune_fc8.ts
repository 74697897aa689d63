// %% [markdown]
// # Exercise 3 — VGG-16 from ImageNet, fine-tune only the new fc8
//
// Start from TF-Slim's ImageNet checkpoint `vgg_16.ckpt` (V1, from `vgg_16_2016_08_28.tar.gz`), replace the 1000-class `fc8` by a 10-class one, and train only that new `fc8` with everything below it frozen, batch 100, Adam: a linear classifier on the ImageNet features. Only `fc8` gets gradients and optimizer state, and the frozen layers below it are computed once per image: in epoch 1 `fit` stores what they output (`fc6`'s 4,096 values per image for `fc8` alone, `pool5`'s 7×7×512 for `fc6`–`fc8`) and later epochs train on the stored values, with the same batches, dropout masks and results as recomputing them (a notice says so; `featureCache: false` turns it off). After its first steps `fit` prints how long the whole run will take on your machine. "Your turn" 1 widens it to the lab's fc layers (`fc6`–`fc8`); exercise 4 trains every layer.
//
// **Data:** `cifar: "cifar10"` and `checkpoint: "vgg_16"` are the shared data folder's copies (`TL_DATA_DIR`, else your cache): `deno task download` fetches them once for every notebook; paths to your own copies work too.
//
// **What it costs** (measured by `deno task bench` on a {{fig:cpu}}, oneDNN backend, {{fig:date}}; your machine's rates differ, the progress bar shows them): fc6–fc8 at 224×224 trains at {{fig:fc100}} images/s at batch 100 and {{fig:fc32}} images/s at batch 32 (PyTorch 1.13 on the same machine: {{fig:fc100.torch}} and {{fig:fc32.torch}} images/s), so the first epoch of CIFAR-10 (50,000 images) takes ~{{fig:fc100.epoch}}; later epochs reuse the stored `conv1`–`conv5` output, which was most of a step ({{fig:cache.ratio}} of the first epoch's time per image, measured by `deno task bench:features`). The stored features take ~5 GB for fc6–fc8 (what fits in 40 % of the free RAM stays in memory, the rest goes to a file in `~/.cache/tl-lab/features`, reused by reruns with the same weights and data). Peak RSS: ~{{fig:fc100.rss}} GiB at batch 100, ~{{fig:fc32.rss}} GiB at batch 32 (PyTorch: {{fig:fc100.torchRss}} and {{fig:fc32.torchRss}} GiB). A step that cannot fit in the free RAM stops before it starts and names the largest batch that fits. On a GPU (tfjs-node-gpu, where it installs) an epoch takes minutes; not measured on this project's machines yet.
//
// **What to expect at full size** (ballpark figures from published transfer studies and common reports, not measured by this project: CIFAR-10 and the ImageNet checkpoints cannot be downloaded on its machines): with the ImageNet features frozen, a new `fc8` alone reaches roughly 75–85 % test accuracy after the first epoch; training `fc6`–`fc8` adds a few points (roughly 80–86 % after one epoch, 86–90 % after 5). CPU: ~{{fig:fc100.epoch}} per epoch (above). On a GPU, from arithmetic rather than measurement: a VGG-16 training step costs ~90 GFLOP per 224×224 image (forward ~31, backward twice that), so at a sustained 10–20 TFLOP/s an all-layer epoch of CIFAR-10 is ~4–8 minutes, and the fc layers only (the frozen convolutions run forward only) ~2–3 minutes.
//
// Set `TL_QUICK=1` before starting Jupyter for the quick variant CI runs (small real-format stand-ins, a few steps).

// %%
// Parameters
const params = {
  // Lab files by name come from the shared data folder (deno task download); paths work too.
  cifar: "cifar10",
  checkpoint: "vgg_16", // TF-Slim's ImageNet checkpoint
  exclude: ["vgg_16/fc8"], // scopes not restored (new or reshaped layers)
  // only the new head; ["vgg_16/fc6", "vgg_16/fc7", "vgg_16/fc8"] for the fc layers
  trainable: ["vgg_16/fc8"] as string[] | undefined,
  epochs: 5,
  imageSize: 224,
  batchSize: 100,
  learningRate: 0.001, // Adam
  backend: "auto",
  maxSteps: undefined as number | undefined,
  logEvery: 100,
  // A lab session (about 30 min on a 2-core CPU; docs/sessions.md): perClass: 400, testPerClass: 100, epochs: 5.
  perClass: undefined as number | undefined, // training images per class (all when unset)
  testPerClass: undefined as number | undefined, // test images per class
  out: "../out/03",
};

// %%
// Quick mode (TL_QUICK=1, as CI runs the notebooks): small stand-ins and a few steps. Otherwise nothing.
import { quickExercise } from "../mod.ts";
await quickExercise("03", params);

// %%
import { loadCifar, requireFile, takePerClass, useBackend } from "../mod.ts";
const backend = await useBackend(params.backend as "auto");
const cifar = await requireFile(params.cifar);
const checkpoint = await requireFile(params.checkpoint);
const allTrain = await loadCifar(cifar);
const allTest = await loadCifar(cifar, { split: "test" });
// A session's subset (params.perClass, params.testPerClass), else all of it.
const train = params.perClass ? takePerClass(allTrain, params.perClass) : allTrain;
const test = params.testPerClass ? takePerClass(allTest, params.testPerClass) : allTest;
console.log(
  `${train.labels.length} training / ${test.labels.length} test images; backend: ${backend.description}`,
);

// %% [markdown]
// Build `vgg_16` for 10 classes and restore everything except `vgg_16/fc8` (TF-Slim's `get_variables_to_restore(exclude=[...])`). Preprocessing travels with the checkpoint: RGB minus the ImageNet means, no scaling.

// %%
import { buildModel, restore, VGG_PREPROCESSING } from "../mod.ts";
const model = buildModel("vgg_16", {
  numClasses: 10,
  inputSize: params.imageSize,
  preprocessing: VGG_PREPROCESSING,
});
const report = await restore(model, checkpoint, { exclude: params.exclude, listRestored: true });

// %%
import { fit, runFolder } from "../mod.ts";
// Each variant (scopes, rate, size, batch) trains into its own folder instead of resuming another.
const out = runFolder(params.out, {
  ...(params.perClass ? { perClass: params.perClass } : {}),
  trainable: params.trainable,
  lr: params.learningRate,
  size: params.imageSize,
  batch: params.batchSize,
});
console.log(`checkpoints: ${out}/checkpoints`);
const run = `VGG-16, ${
  params.trainable?.map((s) => s.split("/").pop()).join("+") ?? "all layers"
} fine-tuned`; // names the progress bar and the charts
const result = await fit(model, train, {
  epochs: params.epochs,
  batchSize: params.batchSize,
  maxSteps: params.maxSteps,
  learningRate: params.learningRate,
  trainableScopes: params.trainable,
  checkpointDir: `${out}/checkpoints`,
  logEvery: params.logEvery,
  progress: { label: run },
});
console.log(
  `trained ${result.step} steps of ${report.restored.length} restored variables' network`,
);

// %%
import { confusionHeatmap, evaluateAsync, showChart, trainingCurves } from "../mod.ts";
await showChart(trainingCurves(result.history, result.epochs, { name: run }));
const ev = await evaluateAsync(model, test);
console.log(`test accuracy: ${(ev.accuracy * 100).toFixed(2)}%`);
await showChart(confusionHeatmap(ev.confusion, test.classNames, { name: run }));

// %% [markdown]
// ## Your turn
//
// 1. Train the fc layers, as the lab's first stage does (`trainable: ["vgg_16/fc6", "vgg_16/fc7", "vgg_16/fc8"]`; it trains into its own folder): how much slower is a step, and how much higher is the test accuracy after the same number of steps?
// 2. Why is `fc8` excluded when restoring but `fc6` and `fc7` are not? What would happen if you excluded `vgg_16/fc7` too?
// 3. The frozen `conv1`–`conv5` are computed once and stored: compare epoch 1's time with epoch 2's, then rerun with `featureCache: false` and compare again. Why can the features not be stored once you add augmentation (`augment: { flip: true }`) or train all layers (exercise 4)?
