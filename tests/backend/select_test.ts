import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { type BackendChoice, explainHeapFailure, useBackend } from "../../lib/backend/mod.ts";
import { loadOneDnn } from "../../lib/backend/onednn/library.ts";
import { tempFile } from "../helpers/temp.ts";

const haveOneDnn = typeof loadOneDnn() !== "string";

Deno.test("auto picks onednn (or wasm without it) and says once, in one line, how to get tfjs-node", async () => {
  // A fresh process: in this one an earlier test may have shown the notice already.
  const code = `
    import * as tf from "@tensorflow/tfjs";
    import { useBackend } from "${new URL("../../lib/backend/mod.ts", import.meta.url).href}";
    const lines = [];
    const info = await useBackend("auto", { log: (l) => lines.push(l) });
    await useBackend("auto", { log: (l) => lines.push(l) });
    console.log(JSON.stringify({ name: info.name, backend: tf.getBackend(), description: info.description, lines }));
  `;
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=js", code],
    cwd: new URL("../..", import.meta.url).pathname,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
  const out = JSON.parse(new TextDecoder().decode(r.stdout).trim().split("\n").at(-1)!);
  const expected = haveOneDnn ? "onednn" : "wasm";
  assert.equal(out.name, expected);
  assert.equal(out.backend, expected);
  if (haveOneDnn) {
    assert.match(
      out.description,
      /^onednn \(tensors in RAM.*oneDNN \d+\.\d+\.\d+ on \d+ threads?\)/,
    );
  }
  // tfjs-node is not installed here (it cannot be): exactly one notice, of one line.
  assert.equal(out.lines.length, 1, out.lines.join("\n---\n"));
  assert.ok(!out.lines[0].includes("\n"), "one line");
  assert.match(out.lines[0], /tfjs-node/);
  assert.match(out.lines[0], /deno install --allow-scripts/);
});

Deno.test("an explicit tensorflow backend that is not installed is a clear error", async () => {
  await assert.rejects(
    () => useBackend("tensorflow"),
    (err: Error) => {
      assert.match(err.message, /backend 'tensorflow' unavailable: tfjs-node is not installed/);
      assert.match(err.message, /libtensorflow/);
      assert.ok(!err.stack?.includes("tfjs_binding"), "no native stack trace");
      return true;
    },
  );
});

Deno.test("explicit cpu and wasm choices are honoured; unknown names are rejected", async () => {
  assert.equal((await useBackend("cpu")).name, "cpu");
  assert.equal(tf.getBackend(), "cpu");
  assert.equal((await useBackend("wasm")).name, "wasm");
  await assert.rejects(
    () => useBackend("webgl" as BackendChoice),
    /unknown backend 'webgl'.*auto, tensorflow, webgpu, onednn, wasm, cpu/,
  );
});

Deno.test({
  name: "explicit onednn runs on its own backend; plain cpu keeps tfjs' own kernels",
  ignore: !haveOneDnn,
  fn: async () => {
    assert.equal((await useBackend("onednn")).name, "onednn");
    assert.equal(tf.getBackend(), "onednn");
    assert.ok(tf.getKernel("TLBatchNorm", "onednn"), "our kernels on onednn");
    await useBackend("cpu");
    assert.equal(tf.getKernel("TLBatchNorm", "cpu"), undefined, "cpu untouched");
    await assert.rejects(
      () => useBackend("onednn", { onednn: false }),
      /backend 'onednn' unavailable: oneDNN is turned off/,
    );
  },
});

/** Prints the backend's description and trains one conv step, in a fresh process. */
async function wasmInChild(
  permissions: string[],
  env: Record<string, string> = {},
  choice = "wasm",
) {
  const code = `
    import * as tf from "@tensorflow/tfjs";
    import { useBackend } from "${new URL("../../lib/backend/mod.ts", import.meta.url).href}";
    const { description } = await useBackend("${choice}", { log: () => {} });
    const x = tf.ones([2, 8, 8, 16]) as tf.Tensor4D, w = tf.ones([3, 3, 16, 8]) as tf.Tensor4D;
    const [, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, "same")))([x, w]);
    console.log(JSON.stringify({ description, dw: dw.dataSync()[0] }));
  `;
  const file = await tempFile({
    dir: new URL(".", import.meta.url).pathname,
    suffix: ".ts",
  });
  try {
    await Deno.writeTextFile(file, code);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", ...permissions, file],
      env,
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.ok(out.success, `exit ${out.code} ${out.signal}: ${stderr}`);
    return JSON.parse(new TextDecoder().decode(out.stdout)) as { description: string; dw: number };
  } finally {
    await Deno.remove(file);
  }
}

Deno.test("without FFI permission or without oneDNN, wasm trains and says why", async () => {
  const noFfi = await wasmInChild(["--allow-read", "--allow-env"]);
  assert.match(noFfi.description, /oneDNN needs FFI permission \(run with --allow-ffi or -A\)/);
  const missing = await wasmInChild(["-A"], { TL_ONEDNN_LIB: "/nonexistent/libdnnl.so.2" });
  assert.match(
    missing.description,
    /oneDNN is not installed \(\/nonexistent\/libdnnl\.so\.2: .*No such file.*apt-get install libdnnl2/,
  );
  const notDnnl = await wasmInChild(["-A"], { TL_ONEDNN_LIB: "libc.so.6" });
  assert.match(notDnnl.description, /libc\.so\.6 is not a oneDNN 2\.x library/);
  // dW of sum(conv(ones)) at a corner tap: 2 images × 7×7 positions with a neighbour there.
  for (const r of [noFfi, missing, notDnnl]) assert.equal(r.dw, 2 * 7 * 7);
});

Deno.test("auto falls back to wasm without oneDNN, and TL_ONEDNN=0 still turns it off", async () => {
  const missing = await wasmInChild(["-A"], { TL_ONEDNN_LIB: "/nonexistent/libdnnl.so.2" }, "auto");
  assert.match(
    missing.description,
    /^wasm \(SIMD, 1 thread\) \(convolutions on wasm: oneDNN is not installed/,
  );
  const off = await wasmInChild(["-A"], { TL_ONEDNN: "0" }, "auto");
  assert.equal(off.description, "wasm (SIMD, 1 thread)");
  for (const r of [missing, off]) assert.equal(r.dw, 2 * 7 * 7);
  if (haveOneDnn) {
    const on = await wasmInChild(["-A"], {}, "auto");
    assert.match(on.description, /^onednn /);
    assert.equal(on.dw, 2 * 7 * 7);
  }
});

Deno.test("running out of wasm heap becomes an error that names the work and the fix", async () => {
  await useBackend("wasm");
  const trap = new WebAssembly.RuntimeError("memory access out of bounds");
  const err = explainHeapFailure(trap, "training step (batch 2, vgg_16 at 224×224)") as Error;
  assert.match(err.message, /^training step \(batch 2, vgg_16 at 224×224\): the wasm heap ran out/);
  assert.match(err.message, /4096 MiB; heap \d+ MiB, tensors in use \d+ MiB/);
  assert.match(err.message, /smaller batch, train fewer scopes/);
  assert.match(err.message, /\(memory access out of bounds\)$/);
  const aborted = explainHeapFailure(new Error("Aborted(). Build with -sASSERTIONS"), "x");
  assert.match((aborted as Error).message, /wasm heap ran out/);
  // Anything else passes through untouched.
  const other = new Error("shape mismatch");
  assert.equal(explainHeapFailure(other, "x"), other);
});
