/**
 * The notebooks in the live Notebook 6.4 UI, as a student runs them: Run All
 * in headless Chromium, every chart drawn; reload the tab, every chart drawn
 * again; clear all outputs, reload (no plotly.js left in the page) and re-run
 * the last chart cell: it still draws (from the copy next to the notebook).
 */
import assert from "node:assert/strict";
import { NotebookUi } from "../../scripts/notebook_ui.ts";
import { requireTool } from "../helpers/tools.ts";
import { toolPath } from "../../lib/util/tools.ts";

const haveUi = requireTool("jupyter-notebook", ["--version"], "jupyter-notebook") &&
  requireTool(toolPath("chromium"), ["--version"], "chromium");

Deno.test({
  name: "live Notebook UI: Run All, reload, and a re-run in a page without plotly.js all draw",
  ignore: !haveUi,
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  const ui = await NotebookUi.start({ env: { TL_QUICK: "1" } });
  try {
    // 01: arithmetic, a table and a chart; 06: streamed folder, three training runs, four charts.
    for (
      const [name, charts] of [["01_vgg_architectures.ipynb", 2], [
        "06_imbalanced_classes.ipynb",
        4,
      ]] as const
    ) {
      const r = await ui.run(name, { timeoutSeconds: 600 });
      assert.deepEqual(r.errors, [], `${name}: cells failed`);
      assert.equal(r.charts, charts, `${name}: chart outputs after Run All`);
      assert.equal(r.drawn, charts, `${name}: charts drawn after Run All`);
      assert.equal(r.drawnAfterReload, charts, `${name}: charts drawn after a reload`);
      assert.equal(
        r.redrawnWithoutPlotly,
        true,
        `${name}: a chart re-run in a page without plotly.js`,
      );
      // Output in its own cell under the UI's Run All: the table cell holds the table's rows.
      if (name.startsWith("01")) {
        const tableCell = r.cellOutputs.findIndex((t) => t.includes("vgg_19"));
        assert.equal(
          tableCell,
          1,
          `the A–E table in the cell that makes it: ${JSON.stringify(r.cellOutputs)}`,
        );
      } else {
        assert.ok(r.cellOutputs.some((t) => /class counts \(train\): 30, 30, 4, 2/.test(t)));
      }
    }
  } finally {
    await ui.close();
  }
});
