/**
 * Builds `notebooks/*.ipynb` from their TypeScript sources `notebooks/*.ts`
 * (percent format: `// %%` starts a code cell, `// %% [markdown]` a markdown
 * cell whose lines are `// ` comments). The sources are what `deno check`,
 * `deno lint` and `deno fmt` cover; edit them, not the `.ipynb` files.
 * `{{fig:NAME}}` in markdown is filled from the committed benchmark baseline
 * (`docs/bench-baseline.json`, see `lib/lab/bench_figures.ts`) and the
 * feature-cache measurement (`docs/feature-cache.json`, `deno task bench:features`).
 *
 *   deno task build-notebooks           # rewrite the .ipynb files
 *   deno task build-notebooks --check   # exit 1 if any .ipynb is stale
 *
 * @module
 */
import { parseArgs } from "node:util";
import { benchFigures, featureCacheFigures, fillFigures } from "../lib/lab/bench_figures.ts";
import { writeFileAtomic } from "../lib/util/atomic.ts";

/** The figures of the committed benchmark baseline. */
export async function baselineFigures(): Promise<Record<string, string>> {
  const read = async (name: string) =>
    JSON.parse(await Deno.readTextFile(new URL(`../docs/${name}`, import.meta.url).pathname));
  return {
    ...benchFigures(await read("bench-baseline.json")),
    ...featureCacheFigures(await read("feature-cache.json")),
  };
}

/** `cells` with their markdown's `{{fig:NAME}}` filled in; `file` names it in errors. */
export function withFigures(
  cells: SourceCell[],
  figures: Record<string, string>,
  file: string,
): SourceCell[] {
  return cells.map((c) =>
    c.type === "markdown" ? { ...c, text: fillFigures(c.text, figures, file) } : c
  );
}

/** One notebook cell read from a source file. */
export interface SourceCell {
  /** "code" or "markdown". */
  type: "code" | "markdown";
  /** The cell's text, without the comment markers of markdown lines. */
  text: string;
}

const CODE = /^\/\/ %%\s*$/;
const MARKDOWN = /^\/\/ %% \[markdown\]\s*$/;

/**
 * Splits a percent-format source into cells; `file` names it in errors.
 * Leading and trailing blank lines of a cell are dropped.
 */
export function parseNotebookSource(text: string, file: string): SourceCell[] {
  const cells: SourceCell[] = [];
  let current: { type: SourceCell["type"]; lines: string[] } | undefined;
  const close = () => {
    if (!current) return;
    const lines = [...current.lines];
    while (lines.length > 0 && lines[0].trim() === "") lines.shift();
    while (lines.length > 0 && lines.at(-1)!.trim() === "") lines.pop();
    if (lines.length === 0) throw new Error(`${file}: cell ${cells.length + 1} is empty`);
    cells.push({ type: current.type, text: lines.join("\n") });
  };
  text.split("\n").forEach((line, i) => {
    if (MARKDOWN.test(line) || CODE.test(line)) {
      close();
      current = { type: MARKDOWN.test(line) ? "markdown" : "code", lines: [] };
    } else if (!current) {
      if (line.trim() !== "") {
        throw new Error(`${file}:${i + 1}: text before the first '// %%' cell marker`);
      }
    } else if (current.type === "markdown") {
      if (line.trim() !== "" && !/^\/\/( |$)/.test(line)) {
        throw new Error(
          `${file}:${i + 1}: a markdown cell's lines must be '// ' comments, got '${line}'`,
        );
      }
      current.lines.push(line.replace(/^\/\/ ?/, ""));
    } else {
      current.lines.push(line);
    }
  });
  close();
  if (cells.length === 0) throw new Error(`${file}: no '// %%' cells`);
  return cells;
}

const METADATA = {
  kernelspec: { display_name: "Deno (tl-lab)", language: "typescript", name: "tl-lab-deno" },
  language_info: {
    codemirror_mode: "typescript",
    file_extension: ".ts",
    mimetype: "text/x.typescript",
    name: "typescript",
  },
};

/** The `.ipynb` JSON text (nbformat 4.5, no outputs) of `cells`. */
export function notebookJson(cells: SourceCell[]): string {
  const lines = (text: string) =>
    text.split("\n").map((l, i, all) => i < all.length - 1 ? `${l}\n` : l);
  const nb = {
    cells: cells.map((c, i) => ({
      cell_type: c.type,
      ...(c.type === "code" ? { execution_count: null } : {}),
      id: `cell-${String(i + 1).padStart(2, "0")}`,
      metadata: {},
      ...(c.type === "code" ? { outputs: [] } : {}),
      source: lines(c.text),
    })),
    metadata: METADATA,
    nbformat: 4,
    nbformat_minor: 5,
  };
  return JSON.stringify(nb, null, 1) + "\n";
}

/** The notebook sources in `dir` (`NN_name.ts`), sorted. */
export async function notebookSources(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile && /^\d\d_\w+\.ts$/.test(e.name)) names.push(e.name);
  }
  return names.sort().map((n) => `${dir}/${n}`);
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { check: { type: "boolean" }, dir: { type: "string" } },
  });
  const dir = values.dir ?? new URL("../notebooks", import.meta.url).pathname;
  const stale: string[] = [];
  const figures = await baselineFigures();
  for (const source of await notebookSources(dir)) {
    const target = source.replace(/\.ts$/, ".ipynb");
    const cells = parseNotebookSource(await Deno.readTextFile(source), source);
    const json = notebookJson(withFigures(cells, figures, source));
    const current = await Deno.readTextFile(target).catch(() => undefined);
    if (current === json) continue;
    if (values.check) stale.push(target);
    else {
      await writeFileAtomic(target, new TextEncoder().encode(json));
      console.log(`wrote ${target}`);
    }
  }
  if (stale.length > 0) {
    console.error(
      `stale notebooks (run deno task build-notebooks): ${stale.join(", ")}`,
    );
    Deno.exit(1);
  }
}
