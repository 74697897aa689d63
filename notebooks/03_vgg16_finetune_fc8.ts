// %% [markdown]
// # Exercise 3 — VGG-16 from ImageNet, fine-tune the classifier (fc6–fc8)
//
// Start from TF-Slim's ImageNet checkpoint `vgg_16.ckpt` (V1, from `vgg_16_2016_08_28.tar.gz`), replace the 1000-class `fc8` by a 10-class one, and train the lab's first stage: `fc6`–`fc8` with `conv1`–`conv5` frozen, batch 100, Adam. The frozen convolutions run once per batch off the gradient tape; only the classifier gets gradients and optimizer state. For the narrowest variant train only `["vgg_16/fc8"]`.
//
// **What it costs (CPU, this project's 2-core AVX-512 machine, oneDNN backend):** fc6–fc8 training at 224×224 runs at ~7–9 images/s (batch 32–100), so one epoch of CIFAR-10 (50,000 images) takes ~1.5–2 hours; PyTorch 1.13 on the same machine: ~2.5–2.8 images/s. Tensor memory is RAM: batch 32 needs ~2.2 GiB, batch 100 ~3.9 GiB (peak RSS ~2.8 and ~4.5 GiB; PyTorch: 3.3 and 5.8 GiB). A step that cannot fit in the free RAM stops before it starts and names the largest batch that fits. On a GPU (tfjs-node-gpu, where it installs) an epoch takes minutes; not measured on this project's machines yet.
//
// **What to expect at full size** (ballpark figures from published transfer studies and common reports, not measured by this project: CIFAR-10 and the ImageNet checkpoints cannot be downloaded on its machines): with conv1–conv5 frozen the ImageNet features do most of the work: roughly 80–86 % test accuracy after the first epoch and 86–90 % after 5, training `fc8` only a few points lower. CPU: ~1.5–2 hours per epoch (above). On a GPU, from arithmetic rather than measurement: a VGG-16 training step costs ~90 GFLOP per 224×224 image (forward ~31, backward twice that), so at a sustained 10–20 TFLOP/s an all-layer epoch of CIFAR-10 is ~4–8 minutes, and fc6–fc8 only (the frozen convolutions run forward only) ~2–3 minutes.
//
// Set `TL_QUICK=1` before starting Jupyter for the quick variant CI runs (small real-format stand-ins, a few steps).

// %%
// Parameters
const params = {
  // https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz
  cifar: "../data/cifar-10-binary.tar.gz",
  // from http://download.tensorflow.org/models/vgg_16_2016_08_28.tar.gz (extract it)
  checkpoint: "../checkpoints/vgg_16.ckpt",
  exclude: ["vgg_16/fc8"], // scopes not restored (new or reshaped layers)
  // conv1–conv5 frozen; ["vgg_16/fc8"] for fc8 only
  trainable: ["vgg_16/fc6", "vgg_16/fc7", "vgg_16/fc8"] as string[] | undefined,
  epochs: 5,
  imageSize: 224,
  batchSize: 100,
  learningRate: 0.001, // Adam
  backend: "auto",
  maxSteps: undefined as number | undefined,
  logEvery: 100,
  out: "../out/03",
};

// %%
// Quick mode (TL_QUICK=1, as CI runs the notebooks): small stand-ins and a few steps. Otherwise nothing.
import { quickExercise } from "../mod.ts";
await quickExercise("03", params);

// %%
import { loadCifar, requireFile, useBackend } from "../mod.ts";
const backend = await useBackend(params.backend as "auto");
const cifar = await requireFile(params.cifar, "cifar10");
const checkpoint = await requireFile(params.checkpoint, "vgg_16");
const train = await loadCifar(cifar);
const test = await loadCifar(cifar, { split: "test" });
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
import { fit } from "../mod.ts";
const run = "VGG-16, fc6–fc8 fine-tuned"; // names the progress bar and the charts
const result = await fit(model, train, {
  epochs: params.epochs,
  batchSize: params.batchSize,
  maxSteps: params.maxSteps,
  learningRate: params.learningRate,
  trainableScopes: params.trainable,
  checkpointDir: `${params.out}/checkpoints`,
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
// 1. Train only `fc8` (`trainable: ["vgg_16/fc8"]`): how much faster is a step, and how much lower is the test accuracy after the same number of steps?
// 2. Why is `fc8` excluded when restoring but `fc6` and `fc7` are not? What would happen if you excluded `vgg_16/fc7` too?
// 3. The frozen `conv1`–`conv5` run off the gradient tape: compare the memory and step time with `trainable: undefined` (all layers, exercise 4).
