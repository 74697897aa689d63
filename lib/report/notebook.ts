/**
 * Showing charts and tables in the Deno Jupyter kernel: plotly.js goes out
 * once per kernel (notebook), then each chart is a small `text/html` output.
 * A page without plotly.js (a reloaded tab) loads it from a copy written
 * next to the notebook, served by the notebook server: charts never stay
 * blank, and no CDN is involved.
 *
 * @module
 */
import { inNotebook, jupyter } from "../util/mod.ts";
import { writeFileAtomic } from "../util/mod.ts";
import {
  chartHtml,
  type Figure,
  PLOTLY_FILE,
  plotlyScriptTag,
  plotlyStandalone,
} from "./plotly.ts";

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
    if (inNotebook()) await writePlotlyFile();
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

/** Writes plotly.js next to the notebook (the kernel's folder) once, for pages that lack it. */
async function writePlotlyFile(): Promise<void> {
  const path = `${Deno.cwd()}/${PLOTLY_FILE}`;
  try {
    const existing = await Deno.stat(path).catch(() => undefined);
    const text = plotlyStandalone();
    if (existing?.size !== new TextEncoder().encode(text).length) {
      await writeFileAtomic(path, text);
    }
  } catch { /* a read-only folder: the inline copy still serves this page */ }
}

/** Displays raw HTML (e.g. a results table) in the notebook. */
export async function showHtml(html: string, text = ""): Promise<void> {
  if (inNotebook()) {
    await jupyter()!.display({ "text/html": html, "text/plain": text || html }, { raw: true });
  } else console.log(text || html);
}
