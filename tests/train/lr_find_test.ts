import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { useBackend } from "../../lib/backend/mod.ts";
import { lrFindChart } from "../../lib/report/charts.ts";
import { exponentialRamp, lrFind, suggestions } from "../../lib/train/lr_find.ts";
import { tinyData, tinyModel } from "../helpers/tiny.ts";

Deno.test("exponentialRamp spans start to end geometrically", () => {
  const r = exponentialRamp(1e-6, 1, 7);
  const rates = Array.from({ length: 7 }, (_, i) => r(i));
  rates.forEach((x, i) => assert.ok(Math.abs(Math.log10(x) - (-6 + i)) < 1e-9, `${i}: ${x}`));
  assert.equal(r(100), r(6));
});

Deno.test("suggestions: steepest descent and a tenth of the minimum, ignoring a NaN tail", () => {
  const rates = [1e-4, 1e-3, 1e-2, 1e-1, 1, 10];
  const losses = [2.0, 1.9, 1.2, 0.9, 3.0, NaN];
  const s = suggestions(rates, losses);
  assert.equal(s.steepest, 1e-2); // the largest fall per decade: 1.9 → 1.2
  assert.ok(Math.abs(s.minimumTenth - 1e-2) < 1e-15); // minimum at 0.1
  assert.ok(Number.isNaN(suggestions([1], [1]).steepest));
});

Deno.test("lrFind ramps the rate, stops on divergence and leaves the model as it was", async () => {
  await useBackend("wasm");
  const model = tinyModel();
  const before = model.store.list().map((v) => v.variable.dataSync().slice());
  const tensors = tf.memory().numTensors;
  const r = await lrFind(model, tinyData(40), {
    batchSize: 10,
    startLr: 1e-5,
    endLr: 100,
    steps: 40,
    optimizer: "adam",
    progress: false,
  });
  assert.ok(r.learningRates.length >= 5 && r.learningRates.length <= 40);
  assert.ok(Math.abs(r.learningRates[0] - 1e-5) < 1e-15);
  for (let i = 1; i < r.learningRates.length; i++) {
    assert.ok(r.learningRates[i] > r.learningRates[i - 1]);
  }
  assert.equal(r.losses.length, r.rawLosses.length);
  assert.ok(r.diverged, `Adam at 100 diverges (last loss ${r.losses.at(-1)})`);
  assert.ok(r.steepest >= 1e-5 && r.steepest <= 100);
  assert.ok(r.minimumTenth >= 1e-6 && r.minimumTenth <= 10);
  const after = model.store.list().map((v) => v.variable.dataSync());
  before.forEach((b, i) => assert.deepEqual(after[i], b));
  assert.equal(tf.memory().numTensors, tensors, "snapshot and optimizer freed");
  const fig = lrFindChart(r);
  const layout = fig.layout as { xaxis: { type: string } };
  assert.equal(layout.xaxis.type, "log");
  assert.equal((fig.data[0] as { y: number[] }).y.length, r.losses.length);
  assert.ok(fig.data.length >= 2, "suggestions are marked");
  model.store.dispose();
});

Deno.test("the range test chart clips the diverging tail to the start loss", () => {
  const r = {
    learningRates: [1e-5, 1e-4, 1e-3, 1e-2, 1e-1],
    losses: [2, 1.8, 1.0, 1.5, 40],
    rawLosses: [2, 1.8, 1.0, 1.5, 40],
    steepest: 1e-3,
    minimumTenth: 1e-4,
    diverged: true,
  };
  const range = (lrFindChart(r).layout as { yaxis: { range: number[] } }).yaxis.range;
  assert.ok(range[0] < 1 && range[0] > 0.8 && range[1] > 2 && range[1] < 2.2, `${range}`);
});
