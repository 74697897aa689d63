import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { useBackend } from "../../lib/backend/mod.ts";
import { INFERENCE, type Model } from "../../lib/models/model.ts";
import { buildResnetV1, RESNET_V1_CONFIGS } from "../../lib/models/resnet.ts";
import { buildMobilenetV1 } from "../../lib/models/mobilenet_v1.ts";
import { buildMobilenetV2 } from "../../lib/models/mobilenet_v2.ts";
import { buildAlexnetV2 } from "../../lib/models/alexnet.ts";
import {
  buildInceptionV3,
  INCEPTION_V3_BLOCKS,
  INCEPTION_V3_STEM,
} from "../../lib/models/inception_v3.ts";
import { buildInceptionV1, INCEPTION_V1_LAYERS } from "../../lib/models/inception_v1.ts";
import { buildInceptionV2, INCEPTION_V2_LAYERS } from "../../lib/models/inception_v2.ts";
import { buildResnetV2, RESNET_V2_CONFIGS } from "../../lib/models/resnet_v2.ts";
import { buildVgg, VGG_CONFIGS } from "../../lib/models/vgg.ts";
import { seededRandom } from "../../lib/util/random.ts";
import { writeSafetensors } from "../../lib/io/safetensors.ts";
import { oneDnnOr } from "../helpers/onednn.ts";
import { startWebgpu, webgpuOr } from "../helpers/webgpu.ts";
import { randomiseStatistics } from "../helpers/batch_norm.ts";
import { requiredInCi } from "../helpers/ci.ts";
import { toolPath } from "../../lib/util/tools.ts";
import { tempDir } from "../helpers/temp.ts";

const SCRIPT = new URL("../reference/torch_reference.py", import.meta.url).pathname;
const PYTHON = toolPath("python");

function torchAvailable(): boolean {
  try {
    return new Deno.Command(PYTHON, { args: ["-c", "import torch"] }).outputSync().success;
  } catch {
    return false;
  }
}
const haveTorch = requiredInCi(torchAvailable(), "Debian's python3-torch");

/**
 * The compute paths every model is checked on: plain wasm, and the onednn
 * backend (tensors in RAM, oneDNN kernels) where oneDNN loads.
 */
const PATHS = [
  { label: "wasm", start: () => useBackend("wasm", { onednn: false, log: () => {} }) },
  ...(oneDnnOr() ? [{ label: "onednn", start: () => useBackend("onednn") }] : []),
];

/**
 * webgpu (software Vulkan in CI: slow) checks the lab's models only: small
 * VGG, VGG-16 and ResNet-V1-50.
 */
const GPU_PATH = { label: "webgpu", start: startWebgpu };
const LAB_PATHS = webgpuOr() ? [...PATHS, GPU_PATH] : PATHS;

/** Reads a float32 tensor (asynchronously: GPU backends cannot read synchronously). */
async function read(t: tf.Tensor): Promise<Float32Array> {
  const data = await t.data() as Float32Array;
  t.dispose();
  return data;
}

async function compare(model: Model, spec: Record<string, unknown>, size: number) {
  const random = seededRandom(5);
  const input = Float32Array.from({ length: 2 * size * size * 3 }, () => random() * 2 - 1);
  const ours = await read(
    tf.tidy(() => model.logits(tf.tensor4d(input, [2, size, size, 3]), INFERENCE)),
  );
  const weights = [];
  for (const v of model.store.list()) {
    const data = await v.variable.data() as Float32Array;
    weights.push({ name: v.name, dtype: "float32" as const, shape: v.variable.shape, data });
  }
  const dir = await tempDir();
  await writeSafetensors(`${dir}/w.safetensors`, [
    ...weights,
    { name: "input", dtype: "float32", shape: [2, size, size, 3], data: input },
  ]);
  await Deno.writeTextFile(`${dir}/spec.json`, JSON.stringify(spec));
  const res = await new Deno.Command(PYTHON, {
    args: [SCRIPT, `${dir}/spec.json`, `${dir}/w.safetensors`, `${dir}/out.f32`],
  }).output();
  assert.ok(res.success, new TextDecoder().decode(res.stderr));
  const ref = new Float32Array((await Deno.readFile(`${dir}/out.f32`)).buffer);
  await Deno.remove(dir, { recursive: true });
  assert.equal(ours.length, ref.length);
  let scale = 0, err = 0;
  for (let i = 0; i < ref.length; i++) {
    scale = Math.max(scale, Math.abs(ref[i]));
    err = Math.max(err, Math.abs(ref[i] - ours[i]));
  }
  assert.ok(scale > 0);
  assert.ok(err / scale < 1e-4, `${model.scope}: relative error ${err / scale}`);
  model.store.dispose();
}

for (
  const [name, size] of [["A", 32], ["A-LRN", 32], ["B", 32], ["C", 32], ["D", 64], ["E", 32], [
    "small",
    32,
  ]] as const
) {
  for (const path of name === "D" || name === "small" ? LAB_PATHS : PATHS) {
    Deno.test(
      {
        name: `[${path.label}] VGG ${name} at ${size}×${size} matches PyTorch`,
        ignore: !haveTorch,
      },
      async () => {
        await path.start();
        const model = buildVgg(name, { numClasses: 7, inputSize: size, seed: 3 });
        await compare(model, { kind: "vgg", numClasses: 7, ...VGG_CONFIGS[name] }, size);
      },
    );
  }
}

const RESNET_CASES = [
  { size: 64, classes: 5, seed: 4, statistics: 11, what: "strided padding, BatchNorm, shortcuts" },
  { size: 45, classes: 3, seed: 6, statistics: 12, what: "odd size: asymmetric SAME pooling" },
];

for (const path of LAB_PATHS) {
  for (const c of RESNET_CASES) {
    Deno.test({
      name: `[${path.label}] ResNet-V1-50 at ${c.size}×${c.size} (${c.what}) matches PyTorch`,
      ignore: !haveTorch,
    }, async () => {
      await path.start();
      const model = buildResnetV1("resnet_v1_50", {
        numClasses: c.classes,
        inputSize: c.size,
        seed: c.seed,
      });
      randomiseStatistics(model, c.statistics);
      await compare(model, {
        kind: "resnet",
        scope: "resnet_v1_50",
        blocks: RESNET_V1_CONFIGS.resnet_v1_50,
      }, c.size);
    });
  }
}

const MOBILENET_CASES = [
  { multiplier: 1, size: 64, what: "depthwise layers, ReLU6, BatchNorm eps 0.001" },
  { multiplier: 0.25, size: 45, what: "odd size: TF's asymmetric SAME padding at every stride 2" },
  { multiplier: 0.5, size: 96, what: "multiplier 0.5" },
];

for (const path of PATHS) {
  for (const c of MOBILENET_CASES) {
    Deno.test({
      name:
        `[${path.label}] MobileNet-V1 ×${c.multiplier} at ${c.size}×${c.size} (${c.what}) matches PyTorch`,
      ignore: !haveTorch,
    }, async () => {
      await path.start();
      const model = buildMobilenetV1({
        numClasses: 11,
        inputSize: c.size,
        depthMultiplier: c.multiplier,
        seed: 8,
      });
      randomiseStatistics(model, 13);
      await compare(model, { kind: "mobilenet_v1", multiplier: c.multiplier }, c.size);
    });
  }
}

for (const path of LAB_PATHS) {
  for (const c of RESNET_CASES) {
    Deno.test({
      name:
        `[${path.label}] ResNet-V2-50 at ${c.size}×${c.size} (${c.what}, pre-activation) matches PyTorch`,
      ignore: !haveTorch,
    }, async () => {
      await path.start();
      const model = buildResnetV2("resnet_v2_50", {
        numClasses: c.classes,
        inputSize: c.size,
        seed: c.seed,
      });
      randomiseStatistics(model, c.statistics);
      await compare(model, {
        kind: "resnet_v2",
        scope: "resnet_v2_50",
        blocks: RESNET_V2_CONFIGS.resnet_v2_50,
      }, c.size);
    });
  }
}

for (const path of PATHS) {
  for (const size of [67, 99]) {
    Deno.test({
      name:
        `[${path.label}] AlexNet-V2 at ${size}×${size} (VALID 11×11/4, fc6 over the final map) matches PyTorch`,
      ignore: !haveTorch,
    }, async () => {
      await path.start();
      const model = buildAlexnetV2({ numClasses: 6, inputSize: size, seed: 12 });
      await compare(model, { kind: "alexnet_v2" }, size);
    });
  }
}

for (const path of PATHS) {
  for (const [size, multiplier] of [[107, 0.25], [139, 0.5]] as const) {
    Deno.test({
      name:
        `[${path.label}] Inception-V3 ×${multiplier} at ${size}×${size} (odd sizes, VALID stem, SAME avg pools) matches PyTorch`,
      ignore: !haveTorch,
    }, async () => {
      await path.start();
      const model = buildInceptionV3({
        numClasses: 9,
        inputSize: size,
        depthMultiplier: multiplier,
        seed: 14,
      });
      randomiseStatistics(model, 15);
      await compare(model, {
        kind: "inception_v3",
        multiplier,
        stem: INCEPTION_V3_STEM,
        blocks: INCEPTION_V3_BLOCKS,
      }, size);
    });
  }
}

for (const path of PATHS) {
  for (const [size, multiplier] of [[64, 1], [45, 1.4]] as const) {
    Deno.test({
      name:
        `[${path.label}] MobileNet-V2 ×${multiplier} at ${size}×${size} (inverted residuals, linear projections) matches PyTorch`,
      ignore: !haveTorch,
    }, async () => {
      await path.start();
      const model = buildMobilenetV2({
        numClasses: 7,
        inputSize: size,
        depthMultiplier: multiplier,
        seed: 16,
      });
      randomiseStatistics(model, 17);
      await compare(model, { kind: "mobilenet_v2", multiplier }, size);
    });
  }
}

for (const path of PATHS) {
  for (const size of [64, 71]) {
    Deno.test({
      name:
        `[${path.label}] Inception-V1 at ${size}×${size} (SAME max pools, TF-Slim's 3×3 branches) matches PyTorch`,
      ignore: !haveTorch,
    }, async () => {
      await path.start();
      const model = buildInceptionV1({ numClasses: 8, inputSize: size, seed: 18 });
      randomiseStatistics(model, 19);
      await compare(model, { kind: "inception_v1", layers: INCEPTION_V1_LAYERS }, size);
    });
  }
}

for (const path of PATHS) {
  // ×0.25 makes the stem's depthwise multiplier 5 (16 / 3), as TF-Slim computes it.
  for (const [size, multiplier] of [[64, 1], [45, 0.25]] as const) {
    Deno.test({
      name:
        `[${path.label}] Inception-V2 ×${multiplier} at ${size}×${size} (separable stem with biases, SAME pools) matches PyTorch`,
      ignore: !haveTorch,
    }, async () => {
      await path.start();
      const model = buildInceptionV2({
        numClasses: 8,
        inputSize: size,
        depthMultiplier: multiplier,
        seed: 20,
      });
      randomiseStatistics(model, 21);
      await compare(model, { kind: "inception_v2", multiplier, layers: INCEPTION_V2_LAYERS }, size);
    });
  }
}
