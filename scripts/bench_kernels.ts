/**
 * Measures what each wasm training kernel of ours changes: small-VGG
 * training images/s (batch 64, 32×32) with the stock kernel and with ours,
 * one kernel at a time, and the time split of one training step by kernel.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import {
  registerWasmTrainingKernels,
  useBackend,
  WASM_TRAINING_KERNELS,
} from "../lib/backend/mod.ts";
import { buildVgg } from "../lib/models/vgg.ts";
import { createTrainStep } from "../lib/train/step.ts";

const seconds = Number(Deno.args[0] ?? 8);

function trainRate(only: string[]): number {
  registerWasmTrainingKernels({ only });
  const model = buildVgg("small", { numClasses: 10, inputSize: 32, seed: 1 });
  const step = createTrainStep(model, { optimizer: tf.train.adam(1e-3) });
  const x = tf.randomNormal([64, 32, 32, 3]) as tf.Tensor4D;
  const y = tf.tensor1d(Array.from({ length: 64 }, (_, i) => i % 10), "int32");
  step.run(x, y);
  let n = 0;
  const t0 = performance.now();
  while ((performance.now() - t0) / 1000 < seconds) {
    step.run(x, y);
    n++;
  }
  const rate = (n * 64) / ((performance.now() - t0) / 1000);
  model.store.dispose();
  step.optimizer.dispose();
  tf.dispose([x, y]);
  return rate;
}

await useBackend("wasm", { log: () => {} });
const all = [...WASM_TRAINING_KERNELS];
const required = ["Conv2DBackpropFilter"]; // the stock backend has none: training throws without it
console.log(`small VGG training, batch 64, 32×32, wasm (${seconds} s per case):`);
const base = trainRate(required);
console.log(`  only Conv2DBackpropFilter (stock others):   ${base.toFixed(1)} img/s`);
for (const k of all.filter((k) => !required.includes(k))) {
  const r = trainRate([...required, k]);
  console.log(
    `  + our ${k.padEnd(22)}              ${r.toFixed(1)} img/s (${
      ((r / base - 1) * 100).toFixed(0)
    }%)`,
  );
}
const full = trainRate(all);
console.log(`  all of ours:                                ${full.toFixed(1)} img/s`);

// Time split of one step by kernel.
registerWasmTrainingKernels();
const model = buildVgg("small", { numClasses: 10, inputSize: 32, seed: 1 });
const step = createTrainStep(model, { optimizer: tf.train.adam(1e-3) });
const x = tf.randomNormal([64, 32, 32, 3]) as tf.Tensor4D;
const y = tf.tensor1d(Array.from({ length: 64 }, (_, i) => i % 10), "int32");
step.run(x, y);
const profile = await tf.profile(() => {
  step.run(x, y);
});
const byKernel = new Map<string, number>();
for (const k of profile.kernels) {
  if (k.name.includes("__op")) continue;
  byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + (k.kernelTimeMs as number));
}
const total = [...byKernel.values()].reduce((a, b) => a + b, 0);
console.log(`\ntime split of one step (${total.toFixed(0)} ms of kernel time):`);
for (const [name, ms] of [...byKernel].sort((a, b) => b[1] - a[1]).slice(0, 10)) {
  console.log(
    `  ${name.padEnd(24)} ${ms.toFixed(1).padStart(8)} ms  ${((100 * ms) / total).toFixed(1)}%`,
  );
}
