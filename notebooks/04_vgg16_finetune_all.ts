// %% [markdown]
// # Exercise 4 — VGG-16 from ImageNet, fine-tune all layers
//
// Same start as exercise 3 (restore all but `vgg_16/fc8`), but every layer trains, at a lower learning rate so the pretrained features are adjusted rather than overwritten.
//
// **Backend:** with `libdnnl2` installed (`apt-get install libdnnl2`) `auto` picks the `onednn` backend, whose tensors live in RAM. Without it the wasm backend's 4 GiB heap fits all-layer training at 224 only at batch 1; the cell then stops with an error saying so (set `imageSize: 112, batchSize: 16, exclude: ["vgg_16/fc6", "vgg_16/fc8"]` there: 2.6 GiB).
//
// **What it costs (CPU, this project's 2-core AVX-512 machine, oneDNN backend):** all 16 layers at 224×224 train at ~2–3 images/s at batch 8 (PyTorch 1.13 on the same machine: ~1.25), so one epoch of CIFAR-10 takes ~5–7 hours: on a CPU run a few hundred steps (`maxSteps`) to see the curve move, or a GPU for whole epochs (not measured on this project's machines yet). Memory: weights, gradients and Adam's two slots are ~2.0 GiB, plus ~62 MiB per image: batch 8 needs ~2.5 GiB of tensors (peak RSS ~3.3 GiB; PyTorch 3.4), batch 32 ~4 GiB, the lab's batch 100 ~8 GiB. A step that cannot fit in the free RAM stops before it starts and names the largest batch that fits.
//
// **What to expect at full size** (ballpark figures from published transfer studies and common reports, not measured by this project: CIFAR-10 and the ImageNet checkpoints cannot be downloaded on its machines): every layer adapts to CIFAR-10, so accuracy passes the fc-only run of exercise 3 after one or two epochs and typically ends around 92–95 % after 5 (the low rate, 0.0001, matters: at 0.001 the pretrained features are destroyed in the first steps and the run looks like exercise 2). CPU: ~5–7 hours per epoch (above). On a GPU, from arithmetic rather than measurement: a VGG-16 training step costs ~90 GFLOP per 224×224 image (forward ~31, backward twice that), so at a sustained 10–20 TFLOP/s an all-layer epoch of CIFAR-10 is ~4–8 minutes, and fc6–fc8 only (the frozen convolutions run forward only) ~2–3 minutes.
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
  trainable: undefined as string[] | undefined, // undefined: every layer trains
  epochs: 5,
  imageSize: 224,
  batchSize: 32,
  learningRate: 0.0001, // Adam
  backend: "auto",
  maxSteps: undefined as number | undefined,
  logEvery: 100,
  out: "../out/04",
};

// %%
// Quick mode (TL_QUICK=1, as CI runs the notebooks): small stand-ins and a few steps. Otherwise nothing.
import { quickExercise } from "../mod.ts";
await quickExercise("04", params);

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
const run = "VGG-16, all layers fine-tuned"; // names the progress bar and the charts
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
// 1. The lab's two stages: first `fc6`–`fc8` (exercise 3), then all layers at a 10× smaller rate, resuming from the first stage's checkpoint (`fineTune(model, data, { headEpochs, epochs, baseLr })` does both).
// 2. Fine-tuning all layers with the head's learning rate: what happens to the first steps' loss, and why?
