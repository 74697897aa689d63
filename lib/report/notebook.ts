/**
 * Showing charts and tables in the Deno Jupyter kernel: plotly.js goes out
 * once per kernel (notebook), then each chart is a small `text/html` output.
 *
 * @module
 */
import { inNotebook, jupyter } from "../util/jupyter.ts";
import { chartHtml, type Figure, plotlyScriptTag } from "./plotly.ts";

let plotlyShown = false;

/**
 * Displays a figure in the notebook; outside one it does nothing (scripts
 * write reports with `standaloneReport`).
 */
export async function showChart(
  figure: Figure,
  options: { height?: number } = {},
): Promise<void> {
  let html = chartHtml(figure, options);
  if (!plotlyShown) {
    html = plotlyScriptTag() + html;
    plotlyShown = true;
  }
  if (inNotebook()) {
    await jupyter()!.display({
      "text/html": html,
      "text/plain": `[chart: ${
        figure.layout?.title ? JSON.stringify(figure.layout.title) : "plot"
      }]`,
    }, { raw: true });
  }
}

/** Displays raw HTML (e.g. a results table) in the notebook. */
export async function showHtml(html: string, text = ""): Promise<void> {
  if (inNotebook()) {
    await jupyter()!.display({ "text/html": html, "text/plain": text || html }, { raw: true });
  } else console.log(text || html);
}
