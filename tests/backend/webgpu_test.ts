import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { useBackend } from "../../lib/backend/mod.ts";
import {
  describeAdapter,
  gpuDeviceNodePresent,
  isSoftwareAdapter,
  probeWebgpu,
} from "../../lib/backend/webgpu.ts";
import { convBiasRelu } from "../../lib/ops/conv_bias_relu.ts";
import { addRelu, relu6 } from "../../lib/ops/relu.ts";
import { assertClose, kernelChecks, onBothWith, values } from "../helpers/kernel_checks.ts";
import { oneDnnOr } from "../helpers/onednn.ts";
import { startWebgpu, webgpuOr } from "../helpers/webgpu.ts";
import { tempFile } from "../helpers/temp.ts";

const haveWebgpu = webgpuOr();
const test = (name: string, fn: () => void | Promise<void>) =>
  Deno.test({ name: `[webgpu] ${name}`, ignore: !haveWebgpu, fn });
const onBoth = onBothWith(startWebgpu);

// Every training kernel the zoo uses, against the cpu backend.
kernelChecks(test, onBoth);

test("our fused conv+bias+ReLU kernel and its gradients match cpu (strides 1/2)", async () => {
  for (const [stride, pad] of [[1, "same"], [2, "valid"]] as const) {
    const [ref, got] = await onBoth(
      [
        { shape: [2, 7, 7, 3], data: values([2, 7, 7, 3]) },
        { shape: [3, 3, 3, 6], data: values([3, 3, 3, 6]) },
        { shape: [6], data: values([6]) },
      ],
      (x, w, b) => {
        const f = (a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) =>
          convBiasRelu(a as tf.Tensor4D, { w: c as tf.Tensor4D, b: d as tf.Tensor1D }, {
            strides: stride,
            pad,
          });
        return [f(x, w, b), ...tf.grads((a, c, d) => tf.sum(tf.square(f(a, c, d))))([x, w, b])];
      },
    );
    for (let i = 0; i < 4; i++) assertClose(ref[i], got[i], `s${stride} output ${i}`);
  }
});

test("ReLU6 and the residual add+ReLU keep their gradients on webgpu", async () => {
  const shape = [2, 5, 5, 4];
  const [ref, got] = await onBoth(
    [{ shape, data: values(shape).map((v) => v * 16) }, { shape, data: values(shape) }],
    (x, y) => [
      ...tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(relu6(a))).add(tf.sum(b)))([
        x,
        y,
      ]),
      ...tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.square(addRelu(a as tf.Tensor4D, b as tf.Tensor4D)))
      )([x, y]),
    ],
  );
  for (let i = 0; i < 4; i++) assertClose(ref[i], got[i], `gradient ${i}`);
});

test("addN of more tensors than one shader can bind is exact (weight decay sums 53 parts)", async () => {
  await startWebgpu();
  for (const n of [2, 7, 8, 40, 53]) {
    const sum = tf.tidy(() => tf.addN(Array.from({ length: n }, (_, i) => tf.fill([2048], i + 1))));
    const values = await sum.data();
    sum.dispose();
    assert.equal(values[0], (n * (n + 1)) / 2, `${n} inputs`);
    assert.equal(values[2047], (n * (n + 1)) / 2, `${n} inputs, last element`);
  }
});

test("a GPU command that fails validation is reported on stderr, not silently wrong", async () => {
  const r = await fresh(`
    import * as tf from "@tensorflow/tfjs";
    import { useBackend } from "ROOT/lib/backend/mod.ts";
    import { restoreStockKernel } from "ROOT/lib/backend/kernel_registry.ts";
    await useBackend("webgpu", { log: () => {} });
    restoreStockKernel("AddN", "webgpu"); // tfjs' own: 20 inputs are more than a shader binds
    const s = tf.addN(Array.from({ length: 20 }, (_, i) => tf.fill([2048], i)));
    console.log((await s.data())[0]);
    await new Promise((r) => setTimeout(r, 300));
  `);
  assert.equal(r.code, 0, r.stderr);
  assert.notEqual(r.stdout.trim().split("\n").at(-1), "190", "tfjs' AddN is wrong here");
  assert.match(
    r.stderr,
    /webgpu: a GPU command failed, its results are wrong: .*AddNPackedProgram/,
  );
});

test("an explicit webgpu names its adapter, software ones included", async () => {
  const info = await startWebgpu();
  assert.equal(info.name, "webgpu");
  assert.equal(tf.getBackend(), "webgpu");
  const adapter = info.adapter!;
  assert.ok(adapter.device.length > 0);
  assert.ok(adapter.maxBindingBytes >= 2 ** 27, `binding limit ${adapter.maxBindingBytes}`);
  assert.ok(info.description.startsWith(`webgpu on ${adapter.device} (${adapter.vendor}`));
  if (adapter.software) assert.match(info.description, /software: slow, for testing/);
});

test("a synchronous read of a GPU tensor is a clear error, not a canvas TypeError", async () => {
  await startWebgpu();
  const x = tf.tidy(() => tf.matMul(tf.ones([64, 64]), tf.ones([64, 64])));
  assert.throws(() => x.dataSync(), /synchronous read .* use `await tensor\.data\(\)`/);
  assert.equal((await x.data())[0], 64);
  // Small tensors made on the CPU still read synchronously (their values never left it).
  const small = tf.tensor1d([1, 2, 3]);
  assert.deepEqual([...small.dataSync()], [1, 2, 3]);
  tf.dispose([x, small]);
});

test("a tensor larger than the adapter can bind is refused when its buffer is made", async () => {
  const { adapter } = await startWebgpu();
  const floats = adapter!.maxBindingBytes / 4 + 1024;
  if (floats > 2 ** 28) return; // a GPU with a multi-GiB limit: nothing small enough to try
  assert.throws(
    () => tf.tidy(() => tf.add(tf.fill([floats], 1), 1)),
    /larger than this adapter can bind \(maxStorageBufferBindingSize .* MiB\): use a smaller batch/,
  );
});

test("software adapters are recognised by name and by the fallback flag", () => {
  assert.ok(isSoftwareAdapter({ description: "llvmpipe (LLVM 15.0.6, 256 bits)" }));
  assert.ok(isSoftwareAdapter({ description: "SwiftShader Device (Subzero)" }));
  assert.ok(isSoftwareAdapter({ description: "NVIDIA H200", isFallbackAdapter: true }));
  assert.ok(!isSoftwareAdapter({ description: "NVIDIA H200" }));
  assert.ok(!isSoftwareAdapter({ description: "AMD Radeon RX 7900 XTX (RADV NAVI31)" }));
});

test("describeAdapter names PCI vendors and reads the adapter's limits", () => {
  const fake = {
    info: { vendor: String(0x10de), device: "8997", description: "NVIDIA H200" },
    limits: { maxStorageBufferBindingSize: 2 ** 31 },
    features: new Set(["timestamp-query", "shader-f16"]),
  } as unknown as GPUAdapter;
  const d = describeAdapter(fake);
  assert.equal(d.vendor, "NVIDIA");
  assert.equal(d.device, "NVIDIA H200");
  assert.equal(d.software, false);
  assert.deepEqual(d.features, ["shader-f16", "timestamp-query"]);
});

/** Runs a script in a fresh Deno (backends are per process) with `env`, XDG_RUNTIME_DIR unset. */
async function fresh(code: string, env: Record<string, string> = {}) {
  const file = await tempFile({ suffix: ".ts" });
  const root = new URL("../../", import.meta.url).pathname;
  await Deno.writeTextFile(file, code.replaceAll("ROOT/", root));
  const clean = { ...Deno.env.toObject(), ...env };
  delete clean.XDG_RUNTIME_DIR;
  delete clean.TL_BACKEND;
  Object.assign(clean, env);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `--config=${root}deno.json`, file],
    env: clean,
    clearEnv: true,
  }).output();
  await Deno.remove(file);
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

test("auto never picks a software adapter, says why, and prints no XDG warning", async () => {
  const probe = await probeWebgpu();
  if (typeof probe === "string" || !probe.software) return; // a real GPU: auto should take it
  const r = await fresh(`
    import { useBackend } from "ROOT/lib/backend/mod.ts";
    const lines: string[] = [];
    const info = await useBackend("auto", { log: (l) => lines.push(l) });
    console.log(JSON.stringify({ name: info.name, lines }));
  `);
  assert.equal(r.code, 0, r.stderr);
  const { name, lines } = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
  assert.notEqual(name, "webgpu");
  // Without a GPU device node auto does not even ask WebGPU (so no software adapter is made).
  const why = gpuDeviceNodePresent()
    ? /WebGPU adapter is a software one \(llvmpipe[^)]*\)/
    : /no GPU device \(\/dev\/nvidia0, \/dev\/kfd or \/dev\/dri\/renderD\*\) for webgpu/;
  assert.match(lines.join("\n"), why);
  assert.doesNotMatch(r.stderr, /XDG_RUNTIME_DIR/);
});

test("TL_BACKEND=webgpu makes auto take webgpu; a bad TL_BACKEND names the variable", async () => {
  const code = `
    import { useBackend } from "ROOT/lib/backend/mod.ts";
    const info = await useBackend("auto", { log: () => {} });
    console.log(info.name);
  `;
  const ok = await fresh(code, { TL_BACKEND: "webgpu" });
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout.trim().split("\n").at(-1), "webgpu");
  assert.doesNotMatch(ok.stderr, /XDG_RUNTIME_DIR/);
  const bad = await fresh(code, { TL_BACKEND: "cuda" });
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /TL_BACKEND=cuda: expected one of auto, tensorflow, webgpu, onednn/);
});

test("a process that made an adapter and then ran oneDNN exits cleanly (no SIGSEGV at exit)", async () => {
  if (!oneDnnOr()) return; // ignored here without libdnnl2; oneDnnOr throws in CI
  const r = await fresh(`
    import * as tf from "@tensorflow/tfjs";
    import { useBackend } from "ROOT/lib/backend/mod.ts";
    await useBackend("webgpu", { log: () => {} });
    const info = await useBackend("onednn", { log: () => {} });
    const x = tf.ones([2, 8, 8, 16]) as tf.Tensor4D, w = tf.ones([3, 3, 16, 8]) as tf.Tensor4D;
    const [, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, "same")))([x, w]);
    console.log(info.name, dw.dataSync()[0]);
  `);
  assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr.slice(-500)}`);
  assert.equal(r.stdout.trim().split("\n").at(-1), "onednn 98");
});

test("switching away from webgpu and back reuses the one adapter and device", async () => {
  await startWebgpu();
  const a = tf.tensor1d([1, 2, 3]);
  await useBackend("cpu");
  await startWebgpu();
  const b = tf.tidy(() => tf.mul(tf.ones([2048]), 3));
  assert.equal((await b.data())[2047], 3);
  tf.dispose([a, b]);
});
