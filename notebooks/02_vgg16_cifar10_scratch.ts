// %% [markdown]
// # Exercise 2 — VGG-16 on CIFAR-10 from scratch
//
// CIFAR-10 images (32×32) are resized to the network's input size batch by batch, as the lab does (32→224). The learning rate here is the lab's recipe (as `deno task train --schedule exponential --decay-epochs 5 --staircase`): 0.001, ×0.1 every 5 epochs, for 10 epochs. "Your turn" 2 compares it with a longer schedule for training from scratch: 50 epochs, ×0.2 every 10.
//
// **Data:** `cifar: "cifar10"` is the shared data folder's copy (`TL_DATA_DIR`, else your cache): `deno task download` fetches it once, for every notebook; a path to your own copy works too.
//
// **What it costs** (measured by `deno task bench` on a {{fig:cpu}}, oneDNN backend, {{fig:date}}; your machine's rates differ, the progress bar shows them): from scratch every layer trains: {{fig:all8}} images/s at 224 and batch 8 (PyTorch 1.13 on the same machine: {{fig:all8.torch}} images/s), so one epoch of CIFAR-10 takes ~{{fig:all8.epoch}}; at `imageSize: 32` {{fig:vgg32}} images/s (VGG-16 layout, batch 64). Memory at 224: ~2.0 GiB of weights, gradients and Adam slots plus ~62 MiB per image of the batch.
//
// **What to expect at full size** (ballpark figures from published transfer studies and common reports, not measured by this project: CIFAR-10 and the ImageNet checkpoints cannot be downloaded on its machines): VGG-16 has no BatchNorm, and from scratch with Adam at 0.001 the loss often sits at ln 10 ≈ 2.30 (chance, 10 %) for the first few hundred steps; if it is still there after ~1,000 steps, restart with `learningRate: 0.0001`. Once it moves, expect roughly 75–85 % test accuracy after 10 epochs without data augmentation: below what the fine-tuned networks of exercises 3–5 reach (see their notebooks), and after ten times the epochs. CPU: the 10 epochs are days at 224 (run `imageSize: 32` for a curve in about an hour). On a GPU, from arithmetic rather than measurement: a VGG-16 training step costs ~90 GFLOP per 224×224 image (forward ~31, backward twice that), so at a sustained 10–20 TFLOP/s an all-layer epoch of CIFAR-10 is ~4–8 minutes, and fc6–fc8 only (the frozen convolutions run forward only) ~2–3 minutes.
//
// Set `TL_QUICK=1` before starting Jupyter for the quick variant CI runs (small real-format stand-ins, a few steps).

// %%
// Parameters
const params = {
  cifar: "cifar10", // the shared data folder's (deno task download), or a path
  epochs: 10,
  imageSize: 224,
  batchSize: 32,
  learningRate: 0.001,
  backend: "auto",
  maxSteps: undefined as number | undefined,
  logEvery: 100, // a log line every N steps, as the lab prints
  // A lab session (about 30 min on a 2-core CPU; docs/sessions.md): imageSize: 32, learningRate: 0.0001, perClass: 1000, testPerClass: 200, epochs: 5.
  perClass: undefined as number | undefined, // training images per class (all when unset)
  testPerClass: undefined as number | undefined, // test images per class
  out: "../out/02", // each setting gets its own folder below (runFolder)
};

// %%
// Quick mode (TL_QUICK=1, as CI runs the notebooks): small stand-ins and a few steps. Otherwise nothing.
import { quickExercise } from "../mod.ts";
await quickExercise("02", params);

// %%
import { loadCifar, requireFile, takePerClass, useBackend } from "../mod.ts";
const backend = await useBackend(params.backend as "auto");
const source = await requireFile(params.cifar);
const allTrain = await loadCifar(source);
const allTest = await loadCifar(source, { split: "test" });
// A session's subset (params.perClass, params.testPerClass), else all of it.
const train = params.perClass ? takePerClass(allTrain, params.perClass) : allTrain;
const test = params.testPerClass ? takePerClass(allTest, params.testPerClass) : allTest;
console.log(
  `${train.labels.length} training / ${test.labels.length} test images, ${train.classNames.length} classes; backend: ${backend.description}`,
);

// %%
import {
  buildModel,
  exponentialDecay,
  fit,
  runFolder,
  STANDARDIZED_PREPROCESSING,
} from "../mod.ts";
const run = "VGG-16 from scratch"; // names the progress bar and the charts
const model = buildModel("vgg_16", {
  numClasses: 10,
  inputSize: params.imageSize,
  preprocessing: STANDARDIZED_PREPROCESSING,
});
const stepsPerEpoch = Math.ceil(train.labels.length / params.batchSize);
// A variant (another size, batch or rate) trains into its own folder instead of resuming this one.
const out = runFolder(params.out, {
  ...(params.perClass ? { perClass: params.perClass } : {}),
  size: params.imageSize,
  batch: params.batchSize,
  lr: params.learningRate,
});
console.log(`checkpoints: ${out}/checkpoints`);
const result = await fit(model, train, {
  epochs: params.epochs,
  batchSize: params.batchSize,
  maxSteps: params.maxSteps,
  learningRate: exponentialDecay(params.learningRate, {
    decaySteps: 5 * stepsPerEpoch,
    decayRate: 0.1,
    staircase: true,
  }),
  checkpointDir: `${out}/checkpoints`,
  logEvery: params.logEvery,
  progress: { label: run },
});
console.log(`trained ${result.step} steps at ${result.imagesPerSecond.toFixed(1)} images/s`);

// %%
import { showChart, trainingCurves } from "../mod.ts";
await showChart(trainingCurves(result.history, result.epochs, { name: run }));

// %%
import { confusionHeatmap, evaluateAsync } from "../mod.ts";
const ev = await evaluateAsync(model, test);
console.log(
  `test accuracy: ${(ev.accuracy * 100).toFixed(2)}% (top-5 ${(ev.top5 * 100).toFixed(2)}%)`,
);
await showChart(confusionHeatmap(ev.confusion, test.classNames, { name: run }));

// %% [markdown]
// ## Your turn
//
// 1. Train **VGG-19** instead of VGG-16 (`buildModel("vgg_19", ...)`): how many more parameters (see notebook 01), and how much slower is a step?
// 2. A longer schedule for training from scratch: 50 epochs, the rate ×0.2 every 10 epochs (`learningRate: piecewiseConstant(...)` or `deno task train --schedule piecewise --boundaries 10,20,30,40 --values 1e-3,2e-4,4e-5,8e-6,1.6e-6`). Compare the training curves with a constant rate.
// 3. Why does a network trained from scratch need far more epochs than the fine-tuned ones of exercises 3–5?
