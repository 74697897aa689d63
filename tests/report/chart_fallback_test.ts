/**
 * A chart in a page without plotly.js (a reloaded notebook tab whose first
 * chart, which carried it, is gone) loads plotly.js from the copy next to
 * the notebook through the notebook server's `/files/` route, and draws.
 */
import assert from "node:assert/strict";
import { chartHtml, PLOTLY_FILE, plotlyStandalone } from "../../lib/report/plotly.ts";
import { requireTool } from "../helpers/tools.ts";
import { toolPath } from "../../lib/util/tools.ts";
import { tempDir } from "../helpers/temp.ts";

const haveChromium = requireTool(toolPath("chromium"), ["--version"], "chromium");

Deno.test({
  name:
    "a chart without plotly.js in the page loads it from /files/<folder>/tl-plotly.min.js and draws",
  ignore: !haveChromium,
  async fn() {
    const chart = chartHtml({ data: [{ x: [1, 2, 3], y: [2, 1, 3], type: "scatter" }] });
    // As Notebook 6.4 serves it: the notebook page under /notebooks/, its folder's files under /files/.
    const page = `<!doctype html><html><head></head><body>${chart}</body></html>`;
    const requested: string[] = [];
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
      const path = new URL(req.url).pathname;
      requested.push(path);
      if (path === "/notebooks/lab/03.ipynb") {
        return new Response(page, { headers: { "content-type": "text/html" } });
      }
      if (path === `/files/lab/${PLOTLY_FILE}`) {
        return new Response(plotlyStandalone(), { headers: { "content-type": "text/javascript" } });
      }
      return new Response("not found", { status: 404 });
    });
    const profile = await tempDir();
    try {
      const out = await new Deno.Command(toolPath("chromium"), {
        args: [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--no-first-run",
          `--user-data-dir=${profile}`,
          "--virtual-time-budget=20000",
          "--dump-dom",
          `http://127.0.0.1:${server.addr.port}/notebooks/lab/03.ipynb`,
        ],
        stderr: "null",
      }).output();
      const dom = new TextDecoder().decode(out.stdout);
      assert.ok(requested.includes(`/files/lab/${PLOTLY_FILE}`), requested.join(" "));
      assert.match(dom, /class="main-svg"/, "the chart was drawn");
    } finally {
      await server.shutdown();
      await Deno.remove(profile, { recursive: true }).catch(() => {});
    }
  },
});
