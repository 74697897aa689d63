/**
 * Export for the browser: a zoo model as a TF.js layers model (`model.json`
 * plus 4 MB binary weight shards, the converter's layout) that
 * `tf.loadLayersModel` loads with its own loader. The network is rebuilt
 * from the model's architecture with `tf.layers` (TF-Slim's explicit
 * `conv2d_same` padding as ZeroPadding2D, BatchNorm in inference form, the
 * fc convolutions as convolutions), given our weights, and saved by tfjs
 * itself. The preprocessing travels in `userDefinedMetadata`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { ResnetBlockSpec, VggLayer } from "../models/mod.ts";
import type { Model } from "../models/mod.ts";
import { writeFileAtomic } from "../util/mod.ts";

type SymbolicTensor = tf.SymbolicTensor;

/** A layer name tfjs accepts, from a TF-Slim scope (`vgg_16/conv1/conv1_1` → `vgg_16-conv1-conv1_1`). */
function layerName(scope: string): string {
  return scope.replaceAll("/", "-");
}

interface Builder {
  /** Applies a layer; records the weights to give it (TF-Slim names, in tfjs' order). */
  apply(layer: tf.layers.Layer, x: SymbolicTensor, weights?: string[]): SymbolicTensor;
}

function vggLayers(plan: VggLayer[], b: Builder, input: SymbolicTensor): SymbolicTensor {
  let x = input;
  for (const l of plan) {
    if (l.kind === "lrn") {
      throw new Error("VGG with local response normalisation (vgg_a_lrn) has no TF.js layer");
    }
    if (l.kind === "dropout") continue; // inference
    if (l.kind === "pool") {
      x = b.apply(tf.layers.maxPooling2d({ poolSize: 2, strides: 2, padding: "valid" }), x);
      continue;
    }
    x = b.apply(
      tf.layers.conv2d({
        name: layerName(l.name),
        filters: l.outChannels,
        kernelSize: l.kernel,
        padding: l.padding === "SAME" ? "same" : "valid",
        activation: l.relu ? "relu" : "linear",
      }),
      x,
      [`${l.name}/weights`, `${l.name}/biases`],
    );
  }
  return x;
}

/** conv (+ explicit `conv2d_same` padding when strided) + BatchNorm (+ ReLU), as ResNet-V1's. */
function convBn(
  b: Builder,
  x: SymbolicTensor,
  scope: string,
  o: { filters: number; kernel: number; stride: number; relu: boolean },
): SymbolicTensor {
  if (o.stride > 1 && o.kernel > 1) {
    const total = o.kernel - 1, beg = Math.floor(total / 2);
    x = b.apply(tf.layers.zeroPadding2d({ padding: [[beg, total - beg], [beg, total - beg]] }), x);
  }
  x = b.apply(
    tf.layers.conv2d({
      name: layerName(scope),
      filters: o.filters,
      kernelSize: o.kernel,
      strides: o.stride,
      padding: o.stride > 1 ? "valid" : "same",
      useBias: false,
    }),
    x,
    [`${scope}/weights`],
  );
  x = b.apply(
    tf.layers.batchNormalization({ name: `${layerName(scope)}-BatchNorm`, epsilon: 1e-5 }),
    x,
    ["gamma", "beta", "moving_mean", "moving_variance"].map((n) => `${scope}/BatchNorm/${n}`),
  );
  return o.relu ? b.apply(tf.layers.reLU(), x) : x;
}

function resnetLayers(
  model: Model,
  blocks: ResnetBlockSpec[],
  b: Builder,
  input: SymbolicTensor,
): SymbolicTensor {
  const scope = model.scope;
  let x = convBn(b, input, `${scope}/conv1`, { filters: 64, kernel: 7, stride: 2, relu: true });
  x = b.apply(tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: "same" }), x);
  let depthIn = 64;
  blocks.forEach((block, bi) => {
    for (let u = 0; u < block.units; u++) {
      const stride = u === block.units - 1 ? block.stride : 1;
      const depth = block.baseDepth * 4;
      const s = `${scope}/block${bi + 1}/unit_${u + 1}/bottleneck_v1`;
      const skip = depth === depthIn
        ? (stride === 1
          ? x
          : b.apply(tf.layers.maxPooling2d({ poolSize: 1, strides: stride, padding: "same" }), x))
        : convBn(b, x, `${s}/shortcut`, { filters: depth, kernel: 1, stride, relu: false });
      let r = convBn(b, x, `${s}/conv1`, {
        filters: block.baseDepth,
        kernel: 1,
        stride: 1,
        relu: true,
      });
      r = convBn(b, r, `${s}/conv2`, { filters: block.baseDepth, kernel: 3, stride, relu: true });
      r = convBn(b, r, `${s}/conv3`, { filters: depth, kernel: 1, stride: 1, relu: false });
      x = b.apply(
        tf.layers.reLU(),
        b.apply(tf.layers.add(), [skip, r] as unknown as SymbolicTensor),
      );
      depthIn = depth;
    }
  });
  x = b.apply(tf.layers.globalAveragePooling2d({ dataFormat: "channelsLast" }), x);
  x = b.apply(tf.layers.reshape({ targetShape: [1, 1, depthIn] }), x);
  return b.apply(
    tf.layers.conv2d({
      name: layerName(`${scope}/logits`),
      filters: model.numClasses,
      kernelSize: 1,
    }),
    x,
    [`${scope}/logits/weights`, `${scope}/logits/biases`],
  );
}

/**
 * The model as a `tf.LayersModel` with our weights (logits [batch, classes]).
 * The caller disposes it.
 */
export function toLayersModel(model: Model): tf.LayersModel {
  const arch = model.architecture;
  if (!arch) {
    throw new Error(`${model.scope}: no architecture recorded: cannot rebuild it in TF.js`);
  }
  const assignments: [tf.layers.Layer, string[]][] = [];
  const b: Builder = {
    apply(layer, x, weights) {
      const y = layer.apply(x) as SymbolicTensor;
      if (weights) assignments.push([layer, weights]);
      return y;
    },
  };
  const input = tf.input({ shape: [model.inputSize, model.inputSize, model.inputChannels] });
  const out = arch.kind === "vgg"
    ? vggLayers(arch.plan, b, input)
    : resnetLayers(model, arch.blocks, b, input);
  const logits = tf.layers.flatten().apply(out) as SymbolicTensor;
  const built = tf.model({ inputs: input, outputs: logits, name: model.scope });
  for (const [layer, names] of assignments) {
    layer.setWeights(names.map((n) => model.store.get(n)));
  }
  return built;
}

/** What {@linkcode exportModel} wrote. */
export interface TfjsExport {
  /** `<dir>/model.json`. */
  modelJson: string;
  /** Weight shard files, in `<dir>`. */
  shards: string[];
  /** Bytes of weights. */
  bytes: number;
}

const SHARD_BYTES = 4 * 1024 * 1024;

/**
 * Writes `model` as a TF.js layers model into `dir`: `model.json` (topology,
 * weights manifest, and the preprocessing under `userDefinedMetadata`) and
 * `group1-shardNofM.bin` files. Load it with `tf.loadLayersModel(url)`.
 *
 * @example
 * ```ts
 * await exportModel(model, "out/web-model");
 * ```
 */
export async function exportModel(model: Model, dir: string): Promise<TfjsExport> {
  const layers = toLayersModel(model);
  try {
    let artifacts: tf.io.ModelArtifacts | undefined;
    await layers.save(tf.io.withSaveHandler((a) => {
      artifacts = a;
      return Promise.resolve({
        modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" },
      });
    }));
    const a = artifacts!;
    const data = new Uint8Array(
      tf.io.CompositeArrayBuffer.join(a.weightData as ArrayBuffer | ArrayBuffer[]),
    );
    await Deno.mkdir(dir, { recursive: true });
    const count = Math.max(1, Math.ceil(data.length / SHARD_BYTES));
    const shards = Array.from({ length: count }, (_, i) => `group1-shard${i + 1}of${count}.bin`);
    for (const [i, name] of shards.entries()) {
      await writeFileAtomic(
        `${dir}/${name}`,
        data.subarray(i * SHARD_BYTES, (i + 1) * SHARD_BYTES),
      );
    }
    const json = {
      format: "layers-model",
      generatedBy: `TensorFlow.js tfjs-layers v${tf.version["tfjs-layers"]}`,
      convertedBy: "tl-lab exportModel",
      modelTopology: a.modelTopology,
      weightsManifest: [{ paths: shards, weights: a.weightSpecs }],
      userDefinedMetadata: {
        scope: model.scope,
        numClasses: model.numClasses,
        inputSize: model.inputSize,
        // Input = (RGB pixels 0–255 in channelOrder − means) × scale, NHWC.
        preprocessing: model.preprocessing,
      },
    };
    // model.json last: a loader never sees a model whose shards are not all there.
    await writeFileAtomic(`${dir}/model.json`, JSON.stringify(json));
    return { modelJson: `${dir}/model.json`, shards, bytes: data.length };
  } finally {
    layers.dispose();
  }
}
