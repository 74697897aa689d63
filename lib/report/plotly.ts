/**
 * Plotly charts that render offline in Jupyter Notebook 6.4, in nbconvert's
 * HTML and in standalone report files: plotly.js from the npm package is
 * inlined once (as `text/html`), and each chart's script waits until its div
 * is attached and `window.Plotly` exists before drawing.
 *
 * @module
 */
import { escapeHtml } from "../util/mod.ts";

/** A Plotly figure: traces and layout, as plotly.js takes them. */
export interface Figure {
  /** Plotly traces. */
  data: Record<string, unknown>[];
  /** Plotly layout. */
  layout?: Record<string, unknown>;
}

let plotlySource: string | undefined;

/** plotly.js-dist-min's source, read from the project's node_modules. */
export function plotlyJs(): string {
  if (plotlySource) return plotlySource;
  const path =
    new URL("../../node_modules/plotly.js-dist-min/plotly.min.js", import.meta.url).pathname;
  try {
    plotlySource = Deno.readTextFileSync(path);
  } catch (err) {
    throw new Error(
      `${path}: cannot read plotly.js (${
        (err as Error).message
      }); run \`deno install\` in the project`,
    );
  }
  return plotlySource;
}

/**
 * The `<script>` defining `window.Plotly`. `define`/`module`/`exports` are
 * hidden so require.js (always present in Notebook 6.4) does not capture it.
 */
export function plotlyScriptTag(): string {
  return `<script type="text/javascript">${
    plotlyStandalone().replace(/<\/script/gi, "<\\/script")
  }</script>`;
}

/**
 * plotly.js wrapped so that it sets `window.Plotly` even where require.js
 * defines `define` (Notebook 6.4): the inline copy and the page-level file
 * {@linkcode PLOTLY_FILE} are this.
 */
export function plotlyStandalone(): string {
  return `(function(){var define=undefined,module=undefined,exports=undefined;\n${plotlyJs()}\n` +
    `if(typeof Plotly!=="undefined"){window.Plotly=Plotly;}}).call(window);`;
}

/**
 * The file next to a notebook that a chart loads plotly.js from when the page
 * has none (a reloaded tab whose first chart, which carried plotly.js, is
 * gone): served by the notebook server at `/files/<folder>/tl-plotly.min.js`.
 */
export const PLOTLY_FILE = "tl-plotly.min.js";

let counter = 0;

/** HTML for one chart: a div and a script that draws once Plotly is ready. */
export function chartHtml(figure: Figure, options: { height?: number } = {}): string {
  const id = `tl-chart-${Date.now().toString(36)}-${counter++}`;
  const json = JSON.stringify(figure).replace(/</g, "\\u003c");
  const height = options.height ?? 380;
  return `<div id="${id}" class="tl-chart" style="width:100%;height:${height}px"></div>
<script type="text/javascript">(function(){var fig=${json},tries=0;
function load(){if(window.Plotly||window.__tlPlotlyLoading)return;
var m=location.pathname.match(/^(.*?)[/](?:notebooks|lab[/]tree|doc[/]tree|tree)[/]((?:[^/]*[/])*)[^/]*$/);
if(!m)return;window.__tlPlotlyLoading=true;var s=document.createElement("script");
s.src=m[1]+"/files/"+m[2]+"${PLOTLY_FILE}";document.head.appendChild(s);}
function draw(){var el=document.getElementById("${id}");
if(!el||!window.Plotly){if(++tries===20)load();setTimeout(draw,50);return;}
window.Plotly.newPlot(el,fig.data,Object.assign({margin:{t:40,r:20,b:50,l:60}},fig.layout||{}),{responsive:true,displaylogo:false});}
draw();})();</script>`;
}

/** A section of a standalone report. */
export interface ReportSection {
  /** Section heading. */
  title: string;
  /** Chart, or raw HTML (a table, text). */
  figure?: Figure;
  /** Raw HTML after the figure (a table, text). */
  html?: string;
}

/** A self-contained offline HTML page: plotly.js inlined once, then sections. */
export function standaloneReport(title: string, sections: ReportSection[]): string {
  const body = sections.map((s) =>
    `<section><h2>${escapeHtml(s.title)}</h2>${s.figure ? chartHtml(s.figure) : ""}${
      s.html ?? ""
    }</section>`
  ).join("\n");
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#f4f4f4}</style>
${plotlyScriptTag()}</head><body><h1>${escapeHtml(title)}</h1>
${body}</body></html>`;
}

/** An HTML table from rows of cells (first row is the header). */
export function htmlTable(rows: (string | number)[][]): string {
  const cell = (v: string | number, tag: string) => `<${tag}>${escapeHtml(String(v))}</${tag}>`;
  const [head, ...rest] = rows;
  return `<table><thead><tr>${head.map((v) => cell(v, "th")).join("")}</tr></thead><tbody>${
    rest.map((r) => `<tr>${r.map((v) => cell(v, "td")).join("")}</tr>`).join("")
  }</tbody></table>`;
}
