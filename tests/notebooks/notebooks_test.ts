import assert from "node:assert/strict";
import { webgpuOr } from "../helpers/webgpu.ts";
import { loadOneDnn } from "../../lib/backend/onednn/library.ts";
import { available, PYTHON } from "../helpers/tools.ts";
import { inCi, requiredInCi } from "../helpers/ci.ts";
import { toolPath } from "../../lib/util/tools.ts";
import { tempDir } from "../helpers/temp.ts";

// Every notebook runs headless through the real Deno kernel in quick mode
// (TL_QUICK=1), with a runner that keeps reading iopub after "idle".
const ROOT = new URL("../..", import.meta.url).pathname;
const RUNNER = `${ROOT}scripts/notebook_runner.py`;

const haveJupyter = available(PYTHON, ["-c", "import nbclient, jupyter_client, nbformat"]) &&
  available(toolPath("nbconvert"), ["--version"]);
const haveChromium = available(toolPath("chromium"), ["--version"]);
for (
  const [ok, what] of [[haveJupyter, "python3-nbclient and jupyter-nbconvert"], [
    haveChromium,
    "chromium",
  ]] as const
) {
  requiredInCi(ok, what);
}

interface RawOutput {
  output_type: string;
  text?: string | string[];
  data?: Record<string, string | string[]>;
}
interface Output {
  output_type: string;
  text?: string;
  data?: Record<string, string>;
}
interface Cell {
  cell_type: string;
  source?: string | string[];
  outputs?: RawOutput[];
}

// nbformat stores multi-line strings as lists of lines.
const joined = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join("") : v);

let kernelReady: Promise<string> | undefined;
function kernel(): Promise<string> {
  kernelReady ??= (async () => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${ROOT}scripts/kernel.ts`],
    }).output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    return `${ROOT}.jupyter`;
  })();
  return kernelReady;
}

async function runNotebook(
  name: string,
  env: Record<string, string> = {},
): Promise<{ cells: Cell[]; path: string }> {
  return await runNotebookFile(`${ROOT}notebooks/${name}`, name, env);
}

async function runNotebookFile(
  source: string,
  name: string,
  env: Record<string, string> = {},
): Promise<{ cells: Cell[]; path: string }> {
  const jupyterPath = await kernel();
  const path = `${await tempDir()}/${name}`;
  const res = await new Deno.Command(PYTHON, {
    // --run-all: every cell's request sent at once, as the UI's Run All does; each output is
    // attributed to the request the kernel labelled it with, so a misplaced output fails the
    // checks on its cell.
    args: [RUNNER, source, path, "tl-lab-deno", "600", "--run-all"],
    env: { JUPYTER_PATH: jupyterPath, TL_QUICK: "1", NO_COLOR: "1", ...env },
  }).output();
  assert.ok(res.success, `${name}: ${new TextDecoder().decode(res.stderr).slice(-2000)}`);
  return { cells: JSON.parse(await Deno.readTextFile(path)).cells, path };
}

function outputs(cells: Cell[]): Output[] {
  return cells.flatMap((c) => c.outputs ?? []).map((o) => ({
    output_type: o.output_type,
    text: joined(o.text),
    data: o.data
      ? Object.fromEntries(Object.entries(o.data).map(([k, v]) => [k, joined(v)!]))
      : undefined,
  }));
}

function text(cells: Cell[]): string {
  return outputs(cells).map((o) => (o.output_type === "stream" ? o.text ?? "" : "")).join("");
}

function htmlOutputs(cells: Cell[]): string[] {
  return outputs(cells).map((o) => o.data?.["text/html"]).filter((h): h is string =>
    typeof h === "string"
  );
}

/** Charts drawn, plotly.js defined exactly once, progress shown as single one-line displays. */
function assertCharts(cells: Cell[], charts: number, progressBars: number, labels = ["train"]) {
  const html = htmlOutputs(cells);
  assert.equal(html.filter((h) => h.includes("Plotly.newPlot")).length, charts, "charts");
  assert.equal(
    html.filter((h) => h.includes("var define=undefined")).length,
    charts > 0 ? 1 : 0,
    "plotly.js once",
  );
  const hasQuickVariant = cells.some((c) => joined(c.source)?.includes("await quickExercise("));
  assert.equal(
    htmlOutputs(cells).filter((h) => h.includes("<b>Quick mode</b> (TL_QUICK=1): stand-in data"))
      .length,
    hasQuickVariant ? 1 : 0,
    "quick mode says, once, that its numbers mean nothing",
  );
  const params = cells.find((c) => c.cell_type === "code")!;
  assert.match(
    joined(params.source)!,
    /^\/\/ Parameters\n/,
    "the first code cell is the parameters",
  );
  assert.doesNotMatch(joined(params.source)!, /quick/i, "no quick-mode plumbing in the parameters");
  assert.ok(
    !(params.outputs ?? []).some((o) => o.output_type === "execute_result"),
    "the parameters cell echoes no raw object",
  );
  const bars = outputs(cells).filter((o) =>
    labels.some((l) => o.data?.["text/plain"]?.startsWith(`${l} [`))
  );
  assert.equal(bars.length, progressBars, "one live progress display per training run");
  for (const b of bars) {
    assert.match(b.data!["text/plain"], /100\.0%/);
    // One line: the HTML bar, not an HTML bar beside an ASCII one.
    assert.match(b.data!["text/html"], /<progress /);
    assert.ok(!b.data!["text/html"].includes("[#"), b.data!["text/html"]);
  }
}

const opts = { ignore: !haveJupyter, sanitizeResources: false, sanitizeOps: false };

Deno.test({
  name: "notebook 01: VGG architectures (counts and receptive fields computed)",
  ...opts,
}, async () => {
  const { cells } = await runNotebook("01_vgg_architectures.ipynb");
  const html = htmlOutputs(cells).join("\n");
  // Every row of A–E in its table, in its own cell, printed once (no console copy).
  assert.match(
    html,
    /<td>D<\/td><td>vgg_16<\/td><td>16<\/td><td>138\.4M<\/td><td>123\.6M<\/td><td>212×212<\/td>/,
  );
  assert.match(html, /<td>E<\/td><td>vgg_19<\/td><td>19<\/td><td>143\.7M<\/td>.*<td>268×268<\/td>/);
  assert.match(html, /<td>3× 3×3<\/td><td>7×7<\/td><td>1769472<\/td><td>3211264<\/td>/);
  // The families side by side, each at its native size with its checkpoint's classes.
  assert.match(
    html,
    /<td>mobilenet_v1<\/td><td>224×224<\/td><td>1001<\/td><td>4\.2M<\/td><td>0\.57G<\/td><td>28<\/td>/,
  );
  assert.match(
    html,
    /<td>inception_v3<\/td><td>299×299<\/td><td>1001<\/td><td>23\.8M<\/td><td>5\.71G<\/td>/,
  );
  assert.match(
    html,
    /<td>alexnet_v2<\/td><td>224×224<\/td><td>1000<\/td><td>50\.3M<\/td>.*<td>—<\/td>/,
  );
  assert.equal(text(cells).trim(), "", "nothing printed besides the tables");
  assertCharts(cells, 2, 0);
});

let exported: string | undefined;

Deno.test({ name: "notebook 02: VGG-16 on CIFAR-10 from scratch", ...opts }, async () => {
  const { cells, path } = await runNotebook("02_vgg16_cifar10_scratch.ipynb");
  const t = text(cells);
  assert.match(t, /60 training \/ 40 test images, 10 classes/);
  // The Deno kernel may use FFI: the notebook trains on oneDNN when it is installed.
  if (typeof loadOneDnn() !== "string") assert.match(t, /backend: onednn \(tensors in RAM/);
  assert.match(t, /step 1: loss \d+\.\d+/);
  assert.match(t, /test accuracy: \d+\.\d+%/);
  assertCharts(cells, 2, 1, ["VGG-16 from scratch"]);
  assert.ok(htmlOutputs(cells).some((h) => h.includes("Confusion matrix — VGG-16 from scratch")));
  exported = path;
});

for (
  const [name, restored, run] of [
    [
      "03_vgg16_finetune_fc8.ipynb",
      /restored 30 variables of vgg_16 .*kept 2 initialised \(vgg_16\/fc8\)/,
      "VGG-16, fc8 fine-tuned",
    ],
    [
      "04_vgg16_finetune_all.ipynb",
      /restored 30 variables of vgg_16/,
      "VGG-16, all layers fine-tuned",
    ],
    [
      "05_resnet_v1_50_finetune.ipynb",
      /restored 265 variables of resnet_v1_50 .*\(resnet_v1_50\/logits\)/,
      "ResNet-V1-50, logits fine-tuned",
    ],
  ] as const
) {
  Deno.test({
    name: `notebook ${name.slice(0, 2)}: fine-tuning restores, trains and evaluates`,
    ...opts,
  }, async () => {
    const { cells } = await runNotebook(name);
    const t = text(cells);
    assert.match(t, restored);
    // The restored names collapse behind one <details>, not 30 lines of text.
    assert.ok(!/ {2}restored /.test(t), "no restored-name lines in the text");
    assert.ok(
      htmlOutputs(cells).some((h) =>
        /<details><summary>\d+ restored variables<\/summary>/.test(h) &&
        /<code>[a-z_0-9]+\/conv1\/(\S+\/)?weights<\/code>/.test(h)
      ),
      "the restored list behind a <details>",
    );
    assert.match(t, /test accuracy: \d+\.\d+%/);
    // Every chart and the progress bar say which run they show.
    assertCharts(cells, 2, 1, [run]);
    for (const title of [`Training curves — ${run}`, `Confusion matrix — ${run}`]) {
      assert.ok(htmlOutputs(cells).some((h) => h.includes(title)), title);
    }
  });
}

Deno.test({
  name: "notebook 03 on the webgpu backend (software Vulkan in CI): trains, evaluates, charts",
  ...opts,
  ignore: opts.ignore || !webgpuOr(),
}, async () => {
  const { cells } = await runNotebook("03_vgg16_finetune_fc8.ipynb", { TL_BACKEND: "webgpu" });
  const t = text(cells);
  assert.match(t, /backend: webgpu on /);
  assert.match(t, /restored 30 variables of vgg_16/);
  assert.match(t, /step 3: loss \d+\.\d+/);
  assert.match(t, /test accuracy: \d+\.\d+%/);
  assertCharts(cells, 2, 1, ["VGG-16, fc8 fine-tuned"]);
});

Deno.test({
  name: "notebook 06: imbalanced classes — plain vs class weights vs balanced sampling",
  ...opts,
}, async () => {
  const { cells } = await runNotebook("06_imbalanced_classes.ipynb");
  const t = text(cells);
  // The comparison is one HTML table (a row per method), not printed lines.
  const tables = htmlOutputs(cells).filter((h) => h.includes("<th>balanced accuracy</th>"));
  assert.equal(tables.length, 1);
  for (const v of ["plain", "class weights", "balanced sampling"]) {
    assert.match(tables[0], new RegExp(`<td>${v}</td><td>\\d+\\.\\d%</td><td>\\d+\\.\\d%</td>`));
  }
  assert.match(
    t,
    /wbc: 89 images in 4 classes \(0_T_shirt_top 40, 1_Trouser 40, 2_Pullover 6, 3_Dress 3\)/,
  );
  assert.match(t, /split 66 train \/ 23 test images; saved .*\/split\.json/);
  assert.match(t, /class counts \(train\): 30, 30, 4, 2/);
  assertCharts(cells, 4, 3, ["plain", "class weights", "balanced sampling"]);
  const html = htmlOutputs(cells).join("\n");
  for (const name of ["plain", "class weights", "balanced sampling"]) {
    assert.ok(html.includes(`Confusion matrix — ${name}`), `the ${name} matrix is titled`);
  }
});

Deno.test({
  name: "notebook 07: the lecture's 2×2 measured, and the LR range test",
  ...opts,
}, async () => {
  const { cells } = await runNotebook("07_when_to_fine_tune.ipynb");
  const t = text(cells);
  assert.match(t, /saved the pretrained network as a TF-Slim-named V2 checkpoint/);
  assert.match(t, /very similar dataset\s+very different dataset/);
  for (const s of ["from scratch", "linear classifier on top", "fine-tune a few layers"]) {
    assert.equal(t.split("\n").filter((l) => l.startsWith(`  ${s} `)).length, 4, s);
  }
  assert.match(t, /restored \d+ variables of small_vgg .*\(small_vgg\/fc8\)/);
  assert.match(t, /steepest descent at \d\.\de[-+]\d+, minimum\/10 at \d\.\de[-+]\d+/);
  const html = htmlOutputs(cells);
  assert.ok(html.some((h) => h.includes("very little data") && h.includes("<table>")));
  assert.ok(html.some((h) => h.includes("Learning-rate range test")), "the lrFind chart");
  assertCharts(cells, 2, 0);
});

Deno.test({
  name: "exported HTML draws the Plotly charts in headless Chromium, offline",
  ignore: !haveJupyter || !haveChromium,
  sanitizeResources: false,
  sanitizeOps: false,
}, async () => {
  const nb = exported ?? (await runNotebook("02_vgg16_cifar10_scratch.ipynb")).path;
  const html = nb.replace(/\.ipynb$/, ".html");
  const conv = await new Deno.Command(toolPath("nbconvert"), {
    args: ["--to", "html", nb, "--output", html],
  }).output();
  assert.ok(conv.success, new TextDecoder().decode(conv.stderr));
  const profile = await tempDir();
  const dom = await new Deno.Command(toolPath("chromium"), {
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      `--user-data-dir=${profile}`,
      "--virtual-time-budget=15000",
      "--dump-dom",
      `file://${html}`,
    ],
    stderr: "null",
  }).output();
  const page = new TextDecoder().decode(dom.stdout);
  // Each drawn chart has plotly's main SVG; the curves are scatter traces.
  assert.ok((page.match(/class="main-svg"/g) ?? []).length >= 2, "charts drew SVGs");
  assert.ok((page.match(/class="trace scatter/g) ?? []).length >= 2, "curve traces exist");
  // A drawn heatmap is an <image> in plotly's `hm` group (the inlined plotly.js itself
  // contains "hm" and "heatmaplayer" many times, so those strings prove nothing).
  assert.match(page, /<g class="hm"><image\b/, "the confusion heatmap drew its image");
  await Deno.remove(profile, { recursive: true });
});

Deno.test({
  name: "notebook 08: a random-search sweep (on Slurm where it answers), with its chart",
  ...opts,
}, async () => {
  const { cells } = await runNotebook("08_sweeps.ipynb");
  const t = text(cells);
  const engine = /engine: (slurm|local)/.exec(t)?.[1];
  if (inCi()) assert.equal(engine, "slurm", "CI runs a Slurm cluster");
  assert.equal(t.split("\n").filter((l) => /^lr \d\S*\s+batch (32|64)$/.test(l)).length, 4);
  // Quick mode sweeps into a fresh folder: every trial runs.
  if (engine === "slurm") assert.match(t, /submitted job array \d+: 4 trial\(s\)/);
  assert.match(t, /4 trials: 4 ran, 0 finished before, 0 failed/);
  const bars = outputs(cells).filter((o) => o.data?.["text/plain"]?.startsWith("sweep "));
  assert.equal(bars.length, 1, "one live sweep display");
  assert.match(bars[0].data!["text/plain"], /100\.0% 4\/4 .*done 4 failed 0/);
  const html = htmlOutputs(cells);
  assert.equal(html.filter((h) => h.includes("Plotly.newPlot")).length, 1);
  assert.ok(html.some((h) => h.includes("Sweep: testAccuracy against lr")));
  const table = html.find((h) => h.includes("<table>"));
  assert.ok(table, "the trials table");
  assert.equal(table.includes("slurmJob"), engine === "slurm", "Slurm tasks recorded");
});

Deno.test({
  name:
    "deno task notebook --html: executed notebook and offline HTML keep every chart, 5 runs of 5",
  ...opts,
}, async () => {
  const out = await tempDir();
  for (let run = 0; run < 5; run++) {
    const r = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${ROOT}scripts/notebook.ts`, "01", "--html", "--quick", "--out", out],
      env: { NO_COLOR: "1" },
    }).output();
    assert.ok(r.success, new TextDecoder().decode(r.stderr));
    const nb = JSON.parse(await Deno.readTextFile(`${out}/01_vgg_architectures.ipynb`));
    assertCharts(nb.cells, 2, 0);
    const html = await Deno.readTextFile(`${out}/01_vgg_architectures.html`);
    assert.equal(html.split("Plotly.newPlot").length - 1, 2, `run ${run + 1}: both charts`);
    assert.ok(!/<script[^>]+src="[^"]*plot/i.test(html), "plotly.js inlined, not from a CDN");
  }
  const bad = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}scripts/notebook.ts`, "99"],
  }).output();
  assert.equal(bad.code, 2);
  assert.match(
    new TextDecoder().decode(bad.stderr),
    /'99' names no notebook: expected one of 01_vgg/,
  );
  await Deno.remove(out, { recursive: true });
});

Deno.test({
  name:
    "Run All: every cell's output lands in its own cell (printed lines and cell values), 3 runs",
  ...opts,
}, async () => {
  const dir = await tempDir();
  const cells = Array.from({ length: 8 }, (_, i) => ({
    cell_type: "code",
    metadata: {},
    execution_count: null,
    outputs: [],
    id: `c${i}`,
    source: i % 2 === 0
      ? `for (let j = 0; j < 40; j++) console.log("cell ${i} line " + j);`
      : `const lines${i}: string[] = [];\nfor (let j = 0; j < 40; j++) lines${i}.push("cell ${i} line " + j);\n` +
        `await new Promise((r) => setTimeout(r, 5));\n` +
        `({ [Symbol.for("Jupyter.display")]() { return { "text/plain": lines${i}.join("\\n") }; } });`,
  }));
  const nb = {
    cells,
    metadata: {
      kernelspec: { display_name: "Deno (tl-lab)", language: "typescript", name: "tl-lab-deno" },
    },
    nbformat: 4,
    nbformat_minor: 5,
  };
  await Deno.writeTextFile(`${dir}/probe.ipynb`, JSON.stringify(nb));
  for (let run = 0; run < 3; run++) {
    const { cells: out } = await runNotebookFile(`${dir}/probe.ipynb`, "probe.ipynb");
    let total = 0;
    out.forEach((c, i) => {
      for (const o of outputs([c])) {
        const t = (o.text ?? "") + (o.data?.["text/plain"] ?? "");
        for (const m of t.matchAll(/cell (\d+) line/g)) {
          total++;
          assert.equal(Number(m[1]), i, `run ${run + 1}: a line of cell ${m[1]} under cell ${i}`);
        }
      }
    });
    assert.equal(total, 320, "every line arrived");
  }
  await Deno.remove(dir, { recursive: true });
});
