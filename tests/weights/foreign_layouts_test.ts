/**
 * VGG weights from torchvision (`.pth`, safetensors) and Keras applications
 * (`.h5`, Keras 1 names) restored into vgg_16, checked against PyTorch's own
 * VGG-16 logits on the same input; ResNet weights of those libraries refused.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { useBackend } from "../../lib/backend/mod.ts";
import { writeSafetensors } from "../../lib/io/safetensors.ts";
import { INFERENCE } from "../../lib/models/model.ts";
import { buildModel } from "../../lib/models/zoo.ts";
import { restore } from "../../lib/weights/restore_model.ts";
import { oneDnnOr } from "../helpers/onednn.ts";
import { python, pythonHas } from "../helpers/tools.ts";
import { tempDir } from "../helpers/temp.ts";

const SCRIPT = new URL("../reference/foreign_vgg.py", import.meta.url).pathname;
const haveTorch = pythonHas(
  "torch, torchvision, h5py",
  "python3-torch, python3-torchvision and python3-h5py",
);

Deno.test({
  name:
    "VGG-16 from torchvision (.pth of both formats, safetensors) and Keras (.h5, Keras 3 .weights.h5): PyTorch's logits within 1e-4",
  ignore: !haveTorch,
  async fn() {
    await useBackend(oneDnnOr() ? "onednn" : "wasm");
    const dir = await tempDir();
    python(SCRIPT, "vgg16", dir);
    const input = new Float32Array((await Deno.readFile(`${dir}/input.f32`)).buffer);
    const want = new Float32Array((await Deno.readFile(`${dir}/logits.f32`)).buffer);
    const scale = Math.max(...want.map(Math.abs));
    assert.ok(scale > 0.1, `logits of a useful size (${scale})`);
    const model = buildModel("vgg_16", { numClasses: 1000, inputSize: 224 });
    const files = [
      "torchvision.pth",
      "torchvision_legacy.pth",
      "torchvision.safetensors",
      "keras.h5",
      // Keras 3 after fit: the optimizer's variables (int64/float32 scalars, slots) beside.
      "keras3.weights.h5",
    ];
    for (const file of files) {
      for (const v of model.store.list()) v.variable.assign(tf.zerosLike(v.variable));
      const lines: string[] = [];
      const report = await restore(model, `${dir}/${file}`, { log: (l) => lines.push(l) });
      assert.equal(report.restored.length, 32, file);
      assert.match(
        lines[0],
        new RegExp(
          `restored 32 variables of vgg_16 from .*${file} \\((torchvision|keras) layout\\)`,
        ),
      );
      const got = tf.tidy(() =>
        model.logits(tf.tensor4d(input, [2, 224, 224, 3]), INFERENCE).dataSync()
      );
      let worst = 0;
      got.forEach((g, i) => (worst = Math.max(worst, Math.abs(g - want[i]))));
      assert.ok(worst <= 1e-4 * scale, `${file}: max |Δlogit| ${worst} vs ${scale}`);
    }
    // Keras' "notop" file (convolutions only): restores with the fc layers excluded.
    python(
      "-c",
      `import h5py
d = lambda n: n.decode() if isinstance(n, bytes) else str(n)
src = h5py.File("${dir}/keras.h5", "r")
with h5py.File("${dir}/notop.h5", "w") as f:
    names = [d(n) for n in src.attrs["layer_names"] if d(n) not in ("flatten", "fc1", "fc2", "predictions")]
    f.attrs["layer_names"] = [n.encode() for n in names]
    for n in names:
        src.copy(src[n], f, n)`,
    );
    const convOnly = buildModel("vgg_16", { numClasses: 10, inputSize: 224 });
    const fcs = ["vgg_16/fc6", "vgg_16/fc7", "vgg_16/fc8"];
    const nr = await restore(convOnly, `${dir}/notop.h5`, { exclude: fcs, log: false });
    assert.equal(nr.restored.length, 26);
    for (const name of ["vgg_16/conv1/conv1_1/weights", "vgg_16/conv5/conv5_3/biases"]) {
      assert.deepEqual(convOnly.store.get(name).dataSync(), model.store.get(name).dataSync(), name);
    }
    convOnly.store.dispose();
    // Excluding fc8 works as for TF-Slim checkpoints (a 10-class head).
    const ten = buildModel("vgg_16", { numClasses: 10, inputSize: 224 });
    const r = await restore(ten, `${dir}/torchvision.pth`, { exclude: ["vgg_16/fc8"], log: false });
    assert.equal(r.restored.length, 30);
    assert.deepEqual(r.skipped, ["vgg_16/fc8/weights", "vgg_16/fc8/biases"]);
    model.store.dispose();
    ten.store.dispose();
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name: "VGG-19 from a torchvision .pth: PyTorch's logits within 1e-4",
  ignore: !haveTorch,
  async fn() {
    await useBackend(oneDnnOr() ? "onednn" : "wasm");
    const dir = await tempDir();
    python(SCRIPT, "vgg19", dir, "pth");
    const input = new Float32Array((await Deno.readFile(`${dir}/input.f32`)).buffer);
    const want = new Float32Array((await Deno.readFile(`${dir}/logits.f32`)).buffer);
    const model = buildModel("vgg_19", { numClasses: 1000, inputSize: 224 });
    const report = await restore(model, `${dir}/torchvision.pth`, { log: false });
    assert.equal(report.restored.length, 38);
    const got = tf.tidy(() =>
      model.logits(tf.tensor4d(input, [2, 224, 224, 3]), INFERENCE).dataSync()
    );
    const scale = Math.max(...want.map(Math.abs));
    let worst = 0;
    got.forEach((g, i) => (worst = Math.max(worst, Math.abs(g - want[i]))));
    assert.ok(worst <= 1e-4 * scale, `max |Δlogit| ${worst} vs ${scale}`);
    model.store.dispose();
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test("ResNet weights from torchvision or Keras are refused with the reason", async () => {
  await useBackend("wasm");
  const dir = await tempDir();
  const one = (name: string) => ({
    name,
    dtype: "float32" as const,
    shape: [1],
    data: new Float32Array(1),
  });
  await writeSafetensors(`${dir}/tv.safetensors`, [
    one("conv1.weight"),
    one("layer1.0.conv1.weight"),
  ]);
  await writeSafetensors(`${dir}/k.safetensors`, [one("res2a_branch2a/kernel")]);
  const model = buildModel("resnet_v1_50", { numClasses: 10, inputSize: 32 });
  for (const f of ["tv", "k"]) {
    await assert.rejects(
      () => restore(model, `${dir}/${f}.safetensors`, { log: false }),
      /ResNet weights from torchvision or Keras: their ResNet puts the stride .* use TF-Slim's resnet_v1_50\.ckpt/,
    );
  }
  model.store.dispose();
  await Deno.remove(dir, { recursive: true });
});
