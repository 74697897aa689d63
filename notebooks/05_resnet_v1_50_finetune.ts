// %% [markdown]
// # Exercise 5 — ResNet-V1-50 fine-tuned from a checkpoint
//
// TF-Slim's `resnet_v1_50.ckpt` (from `resnet_v1_50_2016_08_28.tar.gz`): restore everything but `resnet_v1_50/logits`, then train the new logits. BatchNorm of the frozen scopes runs in inference mode: its moving statistics are used and never updated.
//
// **Data:** `cifar: "cifar10"` and `checkpoint: "resnet_v1_50"` are the shared data folder's copies (`TL_DATA_DIR`, else your cache): `deno task download` fetches them once for every notebook.
//
// **What it costs** (measured by `deno task bench` on a {{fig:cpu}}, oneDNN backend, {{fig:date}}; your machine's rates differ, the progress bar shows them): training only the new logits is fast: the frozen blocks run once per image, in epoch 1, and later epochs train the logits on their stored 2,048 outputs per image (a notice says so; `featureCache: false` turns it off); all layers at 224×224 train at {{fig:resnet32}} images/s at batch 32 (PyTorch 1.13 on the same machine: {{fig:resnet32.torch}} images/s), ~{{fig:resnet32.epoch}} per CIFAR-10 epoch, peak RSS ~{{fig:resnet32.rss}} GiB (PyTorch {{fig:resnet32.torchRss}} GiB; ~0.3 GiB + ~81 MiB per image of tensors). Set `trainable: undefined` to train every layer.
//
// **What to expect at full size** (ballpark figures from published transfer studies and common reports, not measured by this project: CIFAR-10 and the ImageNet checkpoints cannot be downloaded on its machines): the new logits alone on frozen ResNet-V1-50 features give roughly 85–90 % after a few epochs; training every layer (`trainable: undefined`, learning rate 0.0001) typically reaches 95 % or more. CPU: a logits-only first epoch takes about half as long as an all-layers epoch (measured side by side at batch 32: the frozen blocks run forward only), later epochs seconds; all layers ~{{fig:resnet32.epoch}} (above). On a GPU, from arithmetic rather than measurement: ~25 GFLOP per 224×224 training image, so a whole-network epoch is ~1–2 minutes at a sustained 10–20 TFLOP/s.
//
// Set `TL_QUICK=1` before starting Jupyter for the quick variant CI runs (small real-format stand-ins, a few steps).

// %%
// Parameters
const params = {
  // Lab files by name come from the shared data folder (deno task download); paths work too.
  cifar: "cifar10",
  checkpoint: "resnet_v1_50", // TF-Slim's ImageNet checkpoint
  exclude: ["resnet_v1_50/logits"], // scopes not restored (new or reshaped layers)
  // the new head; undefined trains every layer
  trainable: ["resnet_v1_50/logits"] as string[] | undefined,
  epochs: 5,
  imageSize: 224,
  batchSize: 32,
  learningRate: 0.001, // Adam
  backend: "auto",
  maxSteps: undefined as number | undefined,
  logEvery: 100,
  // A lab session (about 30 min on a 2-core CPU; docs/sessions.md): batchSize: 100, perClass: 400, testPerClass: 50, epochs: 5.
  perClass: undefined as number | undefined, // training images per class (all when unset)
  testPerClass: undefined as number | undefined, // test images per class
  out: "../out/05",
};

// %%
// Quick mode (TL_QUICK=1, as CI runs the notebooks): small stand-ins and a few steps. Otherwise nothing.
import { quickExercise } from "../mod.ts";
await quickExercise("05", params);

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
// Build `resnet_v1_50` for 10 classes and restore everything except `resnet_v1_50/logits` (TF-Slim's `get_variables_to_restore(exclude=[...])`). Preprocessing travels with the checkpoint: RGB minus the ImageNet means, no scaling.

// %%
import { buildModel, restore, VGG_PREPROCESSING } from "../mod.ts";
const model = buildModel("resnet_v1_50", {
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
const run = "ResNet-V1-50, logits fine-tuned"; // names the progress bar and the charts
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
// 1. The run above trains only the new logits. Train every layer too (`trainable: undefined, learningRate: 0.0001`; it trains into its own folder): how much accuracy does it add per epoch, at what cost per step? And compare the logits-only run with VGG-16's fc8-only run of exercise 3: which network transfers better with a linear head?
// 2. ResNet's BatchNorm in frozen scopes runs on its moving statistics: what would go wrong if frozen layers updated them on 10-class CIFAR batches?
