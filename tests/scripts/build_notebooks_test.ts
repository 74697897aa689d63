import assert from "node:assert/strict";
import {
  notebookJson,
  notebookSources,
  parseNotebookSource,
} from "../../scripts/build_notebooks.ts";

const NOTEBOOKS = new URL("../../notebooks", import.meta.url).pathname;

Deno.test("build-notebooks: every committed .ipynb is what its TypeScript source builds", async () => {
  const sources = await notebookSources(NOTEBOOKS);
  assert.ok(sources.length >= 8, `notebook sources found: ${sources.length}`);
  for (const source of sources) {
    const built = notebookJson(parseNotebookSource(await Deno.readTextFile(source), source));
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
