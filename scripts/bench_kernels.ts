/**
 * `deno task bench:kernels [seconds]`: what each kernel of ours changes.
 * Small-VGG training images/s (batch 64, 32×32, Adam) as our wasm kernels
 * and then our oneDNN kernels are added one group at a time, and the time
 * split of one training step by kernel with everything on.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import {
  registerOneDnnKernels,
  registerWasmTrainingKernels,
  unregisterOneDnnKernels,
  useBackend,
  WASM_TRAINING_KERNELS,
} from "../lib/backend/mod.ts";
import { perSecond, timeRuns } from "../lib/bench/mod.ts";
import { buildVgg } from "../lib/models/mod.ts";
import { FusedAdamOptimizer } from "../lib/ops/mod.ts";
import { createTrainStep } from "../lib/train/mod.ts";

const seconds = Number(Deno.args[0] ?? 8);
if (!(seconds > 0)) {
  console.error(`bench:kernels: expected a positive number of seconds, got '${Deno.args[0]}'`);
  Deno.exit(2);
}

function smallVggStep() {
  const model = buildVgg("small", { numClasses: 10, inputSize: 32, seed: 1 });
  const step = createTrainStep(model, { optimizer: new FusedAdamOptimizer(1e-3) });
  const x = tf.randomNormal([64, 32, 32, 3]) as tf.Tensor4D;
  const y = tf.tensor1d(Array.from({ length: 64 }, (_, i) => i % 10), "int32");
  const run = () => step.run(x, y);
  const dispose = () => {
    model.store.dispose();
    step.optimizer.dispose();
    tf.dispose([x, y]);
  };
  return { run, dispose };
}

async function trainRate(): Promise<number> {
  const { run, dispose } = smallVggStep();
  const rate = perSecond(await timeRuns(run, { seconds }), 64);
  dispose();
  return rate;
}

function line(label: string, rate: number, base?: number) {
  const change = base
    ? ` (${rate >= base ? "+" : ""}${((rate / base - 1) * 100).toFixed(0)}%)`
    : "";
  console.log(`  ${label.padEnd(66)} ${rate.toFixed(1).padStart(7)} img/s${change}`);
}

await useBackend("wasm", { onednn: false, log: () => {} });
console.log(`small VGG training, batch 64, 32×32 (${seconds} s per case)`);
console.log("wasm kernels (single-threaded wasm):");
const required = ["Conv2DBackpropFilter"]; // the stock backend has none: training throws without it
registerWasmTrainingKernels({ only: required });
const stock = await trainRate();
line("stock wasm + our Conv2DBackpropFilter", stock);
for (const k of WASM_TRAINING_KERNELS.filter((k) => !required.includes(k))) {
  registerWasmTrainingKernels({ only: [...required, k] });
  line(`  + our wasm ${k}`, await trainRate(), stock);
}
registerWasmTrainingKernels();
const wasm = await trainRate();
line("all our wasm kernels", wasm, stock);

const groups: [string, string[]][] = [
  ["convolutions (forward, data and filter gradients)", [
    "Conv2D",
    "FusedConv2D",
    "Conv2DBackpropInput",
    "Conv2DBackpropFilter",
  ]],
  ["MaxPoolGrad", ["MaxPoolGrad"]],
  ["Sum over leading or trailing axes (bias gradients, totals)", ["Sum"]],
  ["BatchMatMul", ["BatchMatMul"]],
  ["element-wise (Add, Multiply, RealDiv, Sub, Sqrt, Square, Relu)", [
    "Add",
    "Multiply",
    "RealDiv",
    "Sub",
    "Sqrt",
    "Square",
    "Relu",
  ]],
];
const probe = registerOneDnnKernels({ only: [] });
if (typeof probe === "string") {
  console.log(`oneDNN kernels: not measured: ${probe}`);
} else {
  console.log(`oneDNN ${probe.version} kernels, added one group at a time:`);
  const on: string[] = [];
  let previous = wasm;
  for (const [label, names] of groups) {
    on.push(...names);
    unregisterOneDnnKernels();
    registerOneDnnKernels({ only: on });
    const rate = await trainRate();
    line(`+ ${label}`, rate, previous);
    previous = rate;
  }
  line("all oneDNN kernels vs all wasm kernels", previous, wasm);
}

// Time split of one step by kernel, with everything on.
await useBackend("wasm", { log: () => {} });
const { run, dispose } = smallVggStep();
run();
const profile = await tf.profile(() => {
  run();
});
dispose();
const byKernel = new Map<string, number>();
for (const k of profile.kernels) {
  if (k.name.includes("__op")) continue;
  byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + (k.kernelTimeMs as number));
}
const total = [...byKernel.values()].reduce((a, b) => a + b, 0);
console.log(`\ntime split of one step (${total.toFixed(0)} ms of kernel time):`);
for (const [name, ms] of [...byKernel].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
  console.log(
    `  ${name.padEnd(24)} ${ms.toFixed(1).padStart(8)} ms  ${((100 * ms) / total).toFixed(1)}%`,
  );
}
