// %% [markdown]
// # Exercise 4 — VGG-16 from ImageNet, fine-tune all layers
//
// Same start as exercise 3 (restore all but `vgg_16/fc8`), but every layer trains, at a lower learning rate so the pretrained features are adjusted rather than overwritten.
//
// **Backend:** with `libdnnl2` installed (`apt-get install libdnnl2`) `auto` picks the `onednn` backend, whose tensors live in RAM. Without it the wasm backend's 4 GiB heap fits all-layer training at 224 only at batch 1; the cell then stops with an error saying so (set `imageSize: 112, batchSize: 16, exclude: ["vgg_16/fc6", "vgg_16/fc8"]` there: 2.6 GiB).
//
// **Data:** `cifar: "cifar10"` and `checkpoint: "vgg_16"` are the shared data folder's copies (`TL_DATA_DIR`, else your cache): `deno task download` fetches them once for every notebook.
//
// **What it costs** (measured by `deno task bench` on a {{fig:cpu}}, oneDNN backend, {{fig:date}}; your machine's rates differ, the progress bar shows them): all 16 layers at 224×224 train at {{fig:all8}} images/s at batch 8 (PyTorch 1.13 on the same machine: {{fig:all8.torch}} images/s), so one epoch of CIFAR-10 takes ~{{fig:all8.epoch}}: on a CPU run a few hundred steps (`maxSteps`) to see the curve move, or a GPU for whole epochs (not measured on this project's machines yet). Memory: weights, gradients and Adam's two slots are ~2.0 GiB, plus ~62 MiB per image: batch 8 peaks at ~{{fig:all8.rss}} GiB RSS (PyTorch {{fig:all8.torchRss}}), batch 32 needs ~4 GiB of tensors, the lab's batch 100 ~8 GiB. A step that cannot fit in the free RAM stops before it starts and names the largest batch that fits.
//
// **What to expect at full size** (ballpark figures from published transfer studies and common reports, not measured by this project: CIFAR-10 and the ImageNet checkpoints cannot be downloaded on its machines): every layer adapts to CIFAR-10, so accuracy passes the fc-only run of exercise 3 after one or two epochs and typically ends around 92–95 % after 5 (the low rate, 0.0001, matters: at 0.001 the pretrained features are destroyed in the first steps and the run looks like exercise 2). CPU: ~{{fig:all8.epoch}} per epoch (above). On a GPU, from arithmetic rather than measurement: a VGG-16 training step costs ~90 GFLOP per 224×224 image (forward ~31, backward twice that), so at a sustained 10–20 TFLOP/s an all-layer epoch of CIFAR-10 is ~4–8 minutes, and fc6–fc8 only (the frozen convolutions run forward only) ~2–3 minutes.
//
// Set `TL_QUICK=1` before starting Jupyter for the quick variant CI runs (small real-format stand-ins, a few steps).

// %%
// Parameters
const params = {
  // Lab files by name come from the shared data folder (deno task download); paths work too.
  cifar: "cifar10",
  checkpoint: "vgg_16", // TF-Slim's ImageNet checkpoint
  exclude: ["vgg_16/fc8"], // scopes not restored (new or reshaped layers)
  trainable: undefined as string[] | undefined, // undefined: every layer trains
  epochs: 5,
  imageSize: 224,
  batchSize: 32,
  learningRate: 0.0001, // Adam
  backend: "auto",
  maxSteps: undefined as number | undefined,
  logEvery: 100,
  // A lab session (about 30 min on a 2-core CPU; docs/sessions.md): imageSize: 112, perClass: 80, testPerClass: 50, epochs: 3.
  perClass: undefined as number | undefined, // training images per class (all when unset)
  testPerClass: undefined as number | undefined, // test images per class
  out: "../out/04",
};

// %%
// Quick mode (TL_QUICK=1, as CI runs the notebooks): small stand-ins and a few steps. Otherwise nothing.
import { quickExercise } from "../mod.ts";
await quickExercise("04", params);

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
const run = "VGG-16, all layers fine-tuned"; // names the progress bar and the charts
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
// 1. The lab's two stages: first the fc layers `fc6`–`fc8` (exercise 3's "your turn" 1), then all layers at a 10× smaller rate: `fineTune(model, train, { headScopes: ["vgg_16/fc6", "vgg_16/fc7", "vgg_16/fc8"], headEpochs: 1, epochs: 2, baseLr: 1e-3, checkpointDir: `${out}/stages` })` runs both, each stage in its own sub-folder. Without `headScopes` its first stage trains only the model's head scope, `vgg_16/fc8` (fastai's `fine_tune`).
// 2. Fine-tuning all layers with the head's learning rate: what happens to the first steps' loss, and why?
