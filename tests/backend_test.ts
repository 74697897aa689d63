import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { type BackendChoice, useBackend } from "../lib/backend/mod.ts";

Deno.test("auto picks wasm offline and says once, in one line, how to get tfjs-node", async () => {
  const lines: string[] = [];
  const info = await useBackend("auto", { log: (l) => lines.push(l) });
  assert.equal(info.name, "wasm");
  assert.equal(tf.getBackend(), "wasm");
  await useBackend("auto", { log: (l) => lines.push(l) });
  // The notice may already have been shown by an earlier test in this process.
  assert.ok(lines.length <= 1, `at most one notice, got ${lines.length}`);
  for (const l of lines) {
    assert.ok(!l.includes("\n"), "one line");
    assert.match(l, /tfjs-node/);
    assert.match(l, /deno install --allow-scripts/);
  }
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
    /unknown backend 'webgl'.*auto, tensorflow, wasm, cpu/,
  );
});
