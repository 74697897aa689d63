/**
 * Runs lab notebooks the way a student does: in the live Notebook UI
 * (`jupyter-notebook`, the project's Deno kernel) in headless Chromium,
 * driven through puppeteer-core. For each notebook: Run All, wait, count
 * the charts drawn; reload the tab and count again; then clear every output,
 * reload (the page now has no plotly.js) and re-run the last chart cell,
 * which must still draw. Optionally writes a full-page screenshot after Run
 * All, for review.
 *
 *   deno task notebook-ui 01 03 --screenshots out/ui [--quick]
 *
 * Needs `jupyter-notebook` and `chromium`. Works on a copy of each notebook
 * (`notebooks/_ui_<name>.ipynb`, removed afterwards), so the committed
 * notebooks keep no outputs.
 *
 * @module
 */
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { parseFlags, runMain, usage } from "../lib/util/cli.ts";
import { installKernel, projectJupyterDir } from "./kernel.ts";
import { toolPath } from "../lib/util/mod.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** What one notebook did in the live UI. */
export interface UiRun {
  /** Notebook file name. */
  notebook: string;
  /** Chart outputs after Run All, and how many of them Plotly drew. */
  charts: number;
  /** Charts drawn after Run All. */
  drawn: number;
  /** Charts drawn after reloading the tab. */
  drawnAfterReload: number;
  /** Whether the last chart cell drew when re-run in a page without plotly.js. */
  redrawnWithoutPlotly: boolean | undefined;
  /** Text of every code cell's outputs, in order (for checks on where output lands). */
  cellOutputs: string[];
  /** Error outputs (ename: evalue), if any cell failed. */
  errors: string[];
  /** Seconds Run All took. */
  runSeconds: number;
  /** The screenshot written, if asked. */
  screenshot?: string;
}

async function until<T>(
  what: string,
  seconds: number,
  probe: () => Promise<T | undefined | false>,
): Promise<T> {
  const end = Date.now() + seconds * 1000;
  for (;;) {
    const v = await probe().catch((err) => {
      if (/the kernel died/.test(String(err))) throw err;
      return undefined;
    });
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${seconds} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

// In the page: charts (divs written by chartHtml) and those Plotly drew into.
const COUNT_CHARTS = `(() => { const c = [...document.querySelectorAll(".tl-chart")];
  return { charts: c.length, drawn: c.filter((d) => d.querySelector("svg.main-svg")).length }; })()`;
const NOTEBOOK_READY = `!!(window.Jupyter && Jupyter.notebook && Jupyter.notebook._fully_loaded &&
  Jupyter.notebook.kernel && Jupyter.notebook.kernel.is_connected())`;
/** True once the code cells (all, or the one at `index`) have run and the kernel is idle. */
const DONE = (index?: number) =>
  `(() => { const code = Jupyter.notebook.get_cells().filter((c, i) =>
    c.cell_type === "code" && ${index === undefined ? "true" : `i === ${index}`});
  if (document.querySelector("#kernel_indicator_icon.kernel_dead_icon")) {
    throw new Error("the kernel died");
  }
  return code.every((c) => typeof c.input_prompt_number === "number") &&
    document.querySelector("#kernel_indicator_icon.kernel_idle_icon") !== null; })()`;
const OUTPUTS = `Jupyter.notebook.get_cells().filter((c) => c.cell_type === "code").map((c) =>
  c.output_area.outputs.map((o) => o.output_type === "stream" ? o.text :
    o.output_type === "error" ? "ERROR " + o.ename + ": " + o.evalue :
    (o.data && (o.data["text/plain"] || "")) || "").join(""))`;

/** A running Notebook server and headless Chromium, for one or more notebooks. */
export class NotebookUi {
  #server: Deno.ChildProcess;
  #browser: Browser;
  #page: Page;
  #base: string;
  #profile: string;

  private constructor(
    server: Deno.ChildProcess,
    browser: Browser,
    page: Page,
    base: string,
    profile: string,
  ) {
    this.#server = server;
    this.#browser = browser;
    this.#page = page;
    this.#base = base;
    this.#profile = profile;
  }

  /**
   * Starts `jupyter-notebook` on the project (its kernel registered in
   * `.jupyter/`) and headless Chromium. `env` is added to the kernel's
   * environment (e.g. `TL_QUICK`).
   */
  static async start(options: { env?: Record<string, string> } = {}): Promise<NotebookUi> {
    await installKernel();
    const port = freePort();
    const token = crypto.randomUUID().replaceAll("-", "");
    const profile = await Deno.makeTempDir({ prefix: "tl-notebook-ui-" });
    const server = new Deno.Command("jupyter-notebook", {
      args: [
        "--no-browser",
        `--port=${port}`,
        "--ip=127.0.0.1",
        `--notebook-dir=${ROOT}`,
        `--NotebookApp.token=${token}`,
        "--NotebookApp.disable_check_xsrf=True",
        "--allow-root",
      ],
      env: {
        JUPYTER_PATH: projectJupyterDir(),
        JUPYTER_RUNTIME_DIR: `${profile}/runtime`,
        JUPYTER_CONFIG_DIR: `${profile}/config`,
        NO_COLOR: "1",
        ...options.env,
      },
      stdout: "null",
      stderr: "null",
    }).spawn();
    const base = `http://127.0.0.1:${port}`;
    await until("the notebook server", 60, async () => {
      const r = await fetch(`${base}/api/status?token=${token}`);
      await r.body?.cancel();
      return r.ok;
    });
    const browser = await puppeteer.launch({
      executablePath: toolPath("chromium"),
      headless: true,
      userDataDir: `${profile}/chromium`,
      args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars"],
      defaultViewport: { width: 1280, height: 900 },
    });
    const page = (await browser.pages())[0] ?? await browser.newPage();
    // Leaving a notebook with a running kernel asks "leave this page?": yes, as a student would.
    page.on("dialog", (d) => void d.accept().catch(() => {}));
    const ui = new NotebookUi(server, browser, page, `${base}`, profile);
    ui.#token = token;
    return ui;
  }

  #token = "";

  /** Evaluates `expression` in the page (awaiting promises); returns its JSON value. */
  async #eval<T>(expression: string): Promise<T> {
    try {
      return await this.#page.evaluate(expression) as T;
    } catch (err) {
      throw new Error(`in the page: ${(err as Error).message} (${expression.slice(0, 80)})`);
    }
  }

  async #open(path: string) {
    await this.#page.goto(`${this.#base}/notebooks/${path}?token=${this.#token}`, {
      waitUntil: "domcontentloaded",
      timeout: 120_000,
    });
    await until(
      `${path} to load with a connected kernel`,
      120,
      () => this.#eval(NOTEBOOK_READY),
    );
  }

  /**
   * Starts cells with `command` and makes sure they started: right after a
   * (re)load the kernel can report connected and still drop the first
   * request, so a run that shows no sign of starting is asked again.
   */
  async #execute(command: string, cell: number | undefined) {
    const started = `Jupyter.notebook.get_cells().filter((c, i) => c.cell_type === "code" &&
      ${
      cell === undefined ? "true" : `i === ${cell}`
    }).some((c) => c.input_prompt_number !== null &&
      c.input_prompt_number !== undefined)`;
    for (let attempt = 1; attempt <= 3; attempt++) {
      await until("the kernel", 60, () => this.#eval(NOTEBOOK_READY));
      await this.#eval(`${command}, true`);
      const ok = await until("the cells to start", 20, () => this.#eval<boolean>(started))
        .then(() => true, () => false);
      if (ok) return;
    }
    throw new Error(`cells never started after 3 tries (${command})`);
  }

  /** Reloads the tab; waits for the new page (the old one answers until it is gone). */
  async #reload() {
    await this.#eval("window.__tlOldPage = true");
    await this.#page.reload({ waitUntil: "domcontentloaded", timeout: 120_000 });
    await until(
      "the reloaded page",
      120,
      () => this.#eval(`!window.__tlOldPage && ${NOTEBOOK_READY}`),
    );
  }

  async #charts(expected: number, seconds = 30): Promise<number> {
    let last = { charts: 0, drawn: 0 };
    await until("the charts to draw", seconds, async () => {
      last = await this.#eval<{ charts: number; drawn: number }>(COUNT_CHARTS);
      return last.drawn >= expected;
    }).catch(() => {});
    return last.drawn;
  }

  /** Runs `notebooks/<name>` in the UI: Run All, reload, clear-reload-rerun; see the module doc. */
  async run(
    name: string,
    options: { screenshot?: string; timeoutSeconds?: number; progress?: (step: string) => void } =
      {},
  ): Promise<UiRun> {
    const step = options.progress ?? (() => {});
    const copy = `_ui_${name}`;
    await Deno.copyFile(`${ROOT}/notebooks/${name}`, `${ROOT}/notebooks/${copy}`);
    try {
      step("open");
      await this.#open(`notebooks/${copy}`);
      step("Run All");
      const started = performance.now();
      await this.#execute("Jupyter.notebook.execute_all_cells()", undefined);
      await until(
        `Run All of ${name}`,
        options.timeoutSeconds ?? 900,
        () => this.#eval(DONE()),
      );
      const runSeconds = (performance.now() - started) / 1000;
      // Late outputs (a display after the reply) get a moment, as a student's eyes would.
      await new Promise((r) => setTimeout(r, 1500));
      const { charts } = await this.#eval<{ charts: number }>(COUNT_CHARTS);
      const drawn = await this.#charts(charts);
      const cellOutputs = await this.#eval<string[]>(OUTPUTS);
      const errors = cellOutputs.filter((t) => t.includes("ERROR ")).map((t) =>
        t.slice(t.indexOf("ERROR ") + 6, t.indexOf("ERROR ") + 400)
      );
      step("screenshot, save, reload");
      const screenshot = options.screenshot
        ? await this.#screenshot(options.screenshot)
        : undefined;
      await this.#eval("Jupyter.notebook.save_notebook(), true");
      await until("the save", 30, () => this.#eval("!Jupyter.notebook.dirty"));
      await this.#reload();
      const drawnAfterReload = await this.#charts(charts);
      let redrawnWithoutPlotly: boolean | undefined;
      const lastChartCell = await this.#eval<number>(
        `Jupyter.notebook.get_cells().map((c) => c.cell_type === "code" &&
          /\\bshowChart\\(/.test(c.get_text())).lastIndexOf(true)`,
      );
      if (charts > 0 && lastChartCell >= 0) {
        step("clear outputs, reload, re-run the last chart cell");
        await this.#eval(
          "Jupyter.notebook.clear_all_output(), Jupyter.notebook.save_notebook(), true",
        );
        await until("the save", 30, () => this.#eval("!Jupyter.notebook.dirty"));
        await this.#reload();
        const before = await this.#eval<{ charts: number }>(COUNT_CHARTS);
        const pageHadPlotly = await this.#eval<boolean>("window.Plotly !== undefined");
        await this.#execute(`Jupyter.notebook.get_cell(${lastChartCell}).execute()`, lastChartCell);
        await until(
          "the re-run cell",
          options.timeoutSeconds ?? 900,
          () => this.#eval(DONE(lastChartCell)),
        );
        const after = await this.#eval<{ charts: number }>(COUNT_CHARTS);
        redrawnWithoutPlotly = !pageHadPlotly && before.charts === 0 && after.charts > 0 &&
          (await this.#charts(after.charts)) === after.charts;
      }
      return {
        notebook: name,
        charts,
        drawn,
        drawnAfterReload,
        redrawnWithoutPlotly,
        cellOutputs,
        errors,
        runSeconds,
        screenshot,
      };
    } finally {
      await this.#page.goto("about:blank").catch(() => {});
      await shutdownKernels(this.#base, this.#token);
      await Deno.remove(`${ROOT}/notebooks/${copy}`).catch(() => {});
      const checkpoint = `${ROOT}/notebooks/.ipynb_checkpoints/${copy.replace(/\.ipynb$/, "")}`;
      await Deno.remove(`${checkpoint}-checkpoint.ipynb`).catch(() => {});
    }
  }

  /** A full-page PNG of the notebook as it stands: the window grown to the page's height. */
  async #screenshot(path: string): Promise<string> {
    const height = await this.#eval<number>(
      `document.getElementById("header").offsetHeight +
        document.getElementById("notebook-container").scrollHeight + 80`,
    );
    await this.#page.setViewport({ width: 1280, height });
    await this.#eval("window.dispatchEvent(new Event('resize')), true");
    await new Promise((r) => setTimeout(r, 1500));
    const shot = await this.#page.screenshot({ type: "png", captureBeyondViewport: true });
    await this.#page.setViewport({ width: 1280, height: 900 });
    await Deno.writeFile(path, shot);
    return path;
  }

  /** Stops Chromium and the notebook server (and with it the kernels). */
  async close(): Promise<void> {
    await this.#browser.close().catch(() => {});
    try {
      this.#server.kill("SIGTERM");
    } catch { /* already gone */ }
    await this.#server.status;
    await Deno.remove(this.#profile, { recursive: true }).catch(() => {});
  }
}

async function shutdownKernels(base: string, token: string) {
  const sessions = await fetch(`${base}/api/sessions?token=${token}`).then((r) => r.json())
    .catch(() => []) as { id: string }[];
  for (const s of sessions) {
    await fetch(`${base}/api/sessions/${s.id}?token=${token}`, { method: "DELETE" })
      .then((r) => r.body?.cancel()).catch(() => {});
  }
}

const FLAGS = {
  screenshots: { type: "string", help: "write <dir>/<notebook>.png after Run All" },
  quick: { type: "boolean", help: "quick mode (TL_QUICK=1): stand-ins and a few steps" },
} as const;

const HELP = usage(
  "deno task notebook-ui <name>... [--screenshots DIR] [--quick]",
  "Run notebooks in the live Notebook UI (headless Chromium): Run All, reload, charts check.",
  FLAGS,
);

if (import.meta.main) {
  await runMain(async (args) => {
    const { values: flags, positionals } = parseFlags(args, FLAGS);
    const all = [...Deno.readDirSync(`${ROOT}/notebooks`)].map((e) => e.name)
      .filter((n) => /^\d\d_.*\.ipynb$/.test(n)).sort();
    const names = positionals.length === 0 ? all : positionals.map((p) => {
      const hit = all.find((n) => n.startsWith(p));
      if (!hit) throw new Error(`no notebook matches '${p}' (have ${all.join(", ")})`);
      return hit;
    });
    if (flags.screenshots) await Deno.mkdir(flags.screenshots as string, { recursive: true });
    const ui = await NotebookUi.start({ env: flags.quick ? { TL_QUICK: "1" } : {} });
    let failed = false;
    try {
      for (const name of names) {
        const dir = flags.screenshots as string | undefined;
        const r = await ui.run(name, {
          progress: (s) => console.error(`${name}: ${s}`),
          screenshot: dir ? `${dir}/${name.replace(/\.ipynb$/, ".png")}` : undefined,
        });
        const ok = r.errors.length === 0 && r.drawn === r.charts &&
          r.drawnAfterReload === r.charts && r.redrawnWithoutPlotly !== false;
        failed ||= !ok;
        console.log(
          `${ok ? "ok  " : "FAIL"} ${name}: Run All ${
            r.runSeconds.toFixed(0)
          } s, charts ${r.drawn}/${r.charts}` +
            `, after reload ${r.drawnAfterReload}/${r.charts}` +
            (r.redrawnWithoutPlotly === undefined
              ? ""
              : `, re-run without plotly.js in the page: ${
                r.redrawnWithoutPlotly ? "drawn" : "BLANK"
              }`) +
            (r.errors.length ? `\n  errors: ${r.errors.join("\n  ")}` : "") +
            (r.screenshot ? `\n  screenshot: ${r.screenshot}` : ""),
        );
      }
    } finally {
      await ui.close();
    }
    if (failed) Deno.exit(1);
  }, HELP);
}
