import assert from "node:assert/strict";
import {
  baselineFigures,
  notebookJson,
  notebookSources,
  parseNotebookSource,
  withFigures,
} from "../../scripts/build_notebooks.ts";
import { benchFigures, featureCacheFigures, fillFigures } from "../../lib/lab/bench_figures.ts";

const NOTEBOOKS = new URL("../../notebooks", import.meta.url).pathname;

Deno.test("build-notebooks: every committed .ipynb is what its TypeScript source builds", async () => {
  const sources = await notebookSources(NOTEBOOKS);
  assert.ok(sources.length >= 8, `notebook sources found: ${sources.length}`);
  const figures = await baselineFigures();
  for (const source of sources) {
    const cells = parseNotebookSource(await Deno.readTextFile(source), source);
    const built = notebookJson(withFigures(cells, figures, source));
    const committed = await Deno.readTextFile(source.replace(/\.ts$/, ".ipynb"));
    assert.equal(committed, built, `${source}: run deno task build-notebooks`);
    const nb = JSON.parse(committed);
    for (const c of nb.cells) {
      if (c.cell_type === "code") assert.deepEqual(c.outputs, [], "committed without outputs");
    }
  }
});

Deno.test("build-notebooks: percent-format cells, markdown from comments, blank edges dropped", () => {
  const cells = parseNotebookSource(
    "// %% [markdown]\n// # Title\n//\n// Some *text*.\n\n// %%\nconst a = 1;\n\nconsole.log(a);\n\n",
    "x.ts",
  );
  assert.deepEqual(cells, [
    { type: "markdown", text: "# Title\n\nSome *text*." },
    { type: "code", text: "const a = 1;\n\nconsole.log(a);" },
  ]);
  const nb = JSON.parse(notebookJson(cells));
  assert.deepEqual(nb.cells[1].source, ["const a = 1;\n", "\n", "console.log(a);"]);
  assert.equal(nb.metadata.kernelspec.name, "tl-lab-deno");
  assert.deepEqual(nb.cells.map((c: { id: string }) => c.id), ["cell-01", "cell-02"]);
});

Deno.test("build-notebooks: malformed sources are refused with file and line", () => {
  assert.throws(
    () => parseNotebookSource("const a = 1;\n// %%\n", "a.ts"),
    /a\.ts:1: text before the first '\/\/ %%' cell marker/,
  );
  assert.throws(
    () => parseNotebookSource("// %% [markdown]\n// ok\nnot a comment\n", "b.ts"),
    /b\.ts:3: a markdown cell's lines must be '\/\/ ' comments, got 'not a comment'/,
  );
  assert.throws(() => parseNotebookSource("// %%\n\n// %%\nx\n", "c.ts"), /c\.ts: cell 1 is empty/);
  assert.throws(() => parseNotebookSource("\n\n", "d.ts"), /d\.ts: no '\/\/ %%' cells/);
});

Deno.test("notebook figures come from the committed benchmark: every CPU rate is a {{fig:…}} of it", async () => {
  const baseline = JSON.parse(
    await Deno.readTextFile(new URL("../../docs/bench-baseline.json", import.meta.url)),
  );
  const figures = {
    ...benchFigures(baseline),
    ...featureCacheFigures(
      JSON.parse(
        await Deno.readTextFile(new URL("../../docs/feature-cache.json", import.meta.url)),
      ),
    ),
  };
  assert.match(figures["cache.ratio"], /^\d+(\.\d)? %$/);
  const fc100 = baseline.lab.find((c: { key: string }) => c.key === "vgg_16@224/fc6-fc8/b100");
  assert.equal(Number(figures.fc100), Number(fc100.ours.trainImagesPerSecond.toFixed(1)));
  assert.equal(Number(figures["fc100.torch"]), Number(fc100.torch.train.toFixed(1)));
  assert.match(
    figures.cpu,
    /^\d+-core .* \((AVX-512|AVX2|\d+-lane SIMD), peak \d+ GFLOP\/s fp32\)$/,
  );
  assert.match(figures["all8.epoch"], /^\d+(\.\d)? h$/);
  let used = 0;
  for (const source of await notebookSources(NOTEBOOKS)) {
    for (const c of parseNotebookSource(await Deno.readTextFile(source), source)) {
      if (c.type !== "markdown") continue;
      used += (c.text.match(/\{\{fig:/g) ?? []).length;
      fillFigures(c.text, figures, source); // every name resolves
      // A rate in images/s typed by hand would drift from the benchmark: only figures may say one.
      for (const m of c.text.matchAll(/(\S+)\s+images\/s/g)) {
        assert.match(
          m[1],
          /\{\{fig:[\w.]+\}\}\)?$/,
          `${source}: '${m[0]}' is not from the benchmark`,
        );
      }
    }
  }
  assert.ok(used >= 10, `figures used in notebooks: ${used}`);
  assert.throws(
    () => fillFigures("{{fig:nope}}", figures, "x.ts"),
    /x\.ts: unknown figure '\{\{fig:nope\}\}': expected one of cpu, /,
  );
});
