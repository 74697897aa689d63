import assert from "node:assert/strict";
import { evaluationText } from "../../lib/report/evaluation_text.ts";
import { htmlTable, standaloneReport } from "../../lib/report/plotly.ts";
import {
  evaluationSections,
  summarySection,
  sweepSections,
  trainingSections,
} from "../../lib/report/sections.ts";
import type { Evaluation } from "../../lib/train/evaluate.ts";
import { metricsFromConfusion } from "../../lib/train/metrics.ts";

const confusion = [[8, 2, 0], [1, 9, 0], [0, 0, 0]];
const ev: Evaluation = {
  count: 20,
  accuracy: 17 / 20,
  top5: 1,
  confusion,
  metrics: metricsFromConfusion(confusion),
};

Deno.test("summary and evaluation sections: values to 4 decimals, matrices cut to the named classes", () => {
  const s = summarySection({ accuracy: 0.123456, model: "vgg_16" });
  assert.equal(s.title, "Summary");
  assert.ok(s.html!.includes("<td>0.1235</td>") && s.html!.includes("<td>vgg_16</td>"));
  const [heat, bars] = evaluationSections(ev, ["a", "b"]);
  assert.equal(heat.title, "Confusion matrix (test)");
  const z = (heat.figure!.data[0] as { z: number[][] }).z;
  assert.deepEqual(z, [[8, 2], [1, 9]]);
  assert.equal((bars.figure!.data as unknown[]).length, 3, "precision, recall, F1");
});

Deno.test("training and sweep sections", () => {
  const history = [1, 2, 3].map((step) => ({
    step,
    epoch: 1,
    loss: 1 / step,
    accuracy: step / 4,
    learningRate: 0.1,
  }));
  const [curves, lr] = trainingSections(history, []);
  assert.deepEqual((curves.figure!.data[0] as { y: number[] }).y, [1, 0.5, 1 / 3]);
  assert.equal(lr.title, "Learning rate");
  const rows = [
    { lr: "0.1", batch: "32", testAccuracy: 0.5 },
    { lr: "0.01", batch: "32", testAccuracy: 0.7 },
  ];
  const [chart, table] = sweepSections(rows, ["lr", "batch"], "testAccuracy");
  const bar = chart.figure!.data[0] as { x: string[]; y: number[]; name: string };
  assert.deepEqual(bar.x, ["lr=0.1", "lr=0.01"]);
  assert.deepEqual(bar.y, [0.5, 0.7]);
  assert.equal(bar.name, "batch=32");
  assert.ok(table.html!.startsWith("<table><thead><tr><th>lr</th><th>batch</th><th>testAccuracy"));
});

Deno.test("a standalone report inlines plotly.js once and escapes titles; tables escape cells", () => {
  const html = standaloneReport("a <b> report", [
    summarySection({ x: 1 }),
    ...trainingSections([], []),
  ]);
  assert.equal(html.split("var define=undefined").length - 1, 1);
  assert.ok(html.includes("<title>a &lt;b&gt; report</title>"));
  assert.equal(html.split("Plotly.newPlot").length - 1, 2);
  assert.equal(
    htmlTable([["h"], ["<x>"]]),
    "<table><thead><tr><th>h</th></tr></thead><tbody><tr><td>&lt;x&gt;</td></tr></tbody></table>",
  );
});

Deno.test("evaluation text: the headline and one aligned row per class", () => {
  const lines = evaluationText(ev, ["cat", "dog", "bird"]);
  assert.equal(
    lines[0],
    "20 images: top-1 85.00%, top-5 100.00%, balanced 85.00%, macro F1 " +
      ev.metrics.macroF1.toFixed(4),
  );
  assert.match(lines[1], /^class\s+precision\s+recall\s+f1\s+support$/);
  assert.match(lines[2], /^cat\s+0\.889\s+0\.800\s+0\.842\s+10$/);
  assert.equal(lines.length, 5);
  assert.ok(lines.slice(1).every((l) => l.length === lines[1].length));
});

Deno.test("sweep sections: bars for a few grid values, a scatter (log x across decades) for a random search", () => {
  const grid = sweepSections(
    [{ lr: "0.1", testAccuracy: 0.5 }, { lr: "0.01", testAccuracy: 0.7 }],
    ["lr"],
    "testAccuracy",
  );
  assert.equal(grid[0].figure!.data[0].type, "bar");
  const rows = [1e-4, 3e-4, 1e-3, 1e-2, 3e-2].map((lr, i) => ({
    lr: String(lr),
    batch: i % 2 ? "32" : "64",
    testAccuracy: i / 10,
  }));
  const [cmp, table] = sweepSections(rows, ["lr", "batch"], "testAccuracy");
  const fig = cmp.figure!;
  assert.deepEqual(fig.data.map((d) => [d.type, d.name]), [["scatter", "batch=64"], [
    "scatter",
    "batch=32",
  ]]);
  assert.deepEqual(fig.data[0].x, [1e-4, 1e-3, 3e-2]);
  assert.equal((fig.layout!.xaxis as { type: string }).type, "log");
  assert.match(table.html!, /<table>/);
});
