/**
 * `deno task notebook <name> [--html]`: executes a notebook through the
 * project's Deno kernel with the project's runner (it keeps reading the
 * kernel's late outputs, which `jupyter nbconvert --execute` drops at
 * random) and writes the executed `.ipynb`, and with `--html` an offline
 * HTML export (charts included, no CDN). Use it instead of
 * `nbconvert --execute`.
 *
 * @module
 */
import { parseFlags, runMain, usage, UsageError } from "../lib/util/cli.ts";
import { installKernel, projectJupyterDir } from "./kernel.ts";
import { toolPath } from "../lib/util/mod.ts";

const FLAGS = {
  html: { type: "boolean", help: "also write an offline HTML export" },
  out: { type: "string", default: "out/notebooks", help: "output folder" },
  quick: { type: "boolean", help: "the quick variant (TL_QUICK=1): stand-in data, a few steps" },
  timeout: { type: "string", default: "3600", help: "seconds a cell may run" },
} as const;

const HELP = usage(
  "deno task notebook <name or number> [--html] [--quick]",
  "Execute a notebook reliably and save it executed (and as HTML).",
  FLAGS,
);

const ROOT = new URL("..", import.meta.url).pathname;

/** `03`, `03_vgg16_finetune_fc8`, a `.ipynb` path: the notebook file. */
async function findNotebook(name: string): Promise<string> {
  if (name.endsWith(".ipynb")) return await Deno.realPath(name);
  const all = [...Deno.readDirSync(`${ROOT}notebooks`)].map((e) => e.name)
    .filter((n) => n.endsWith(".ipynb")).sort();
  const names = all.filter((n) => n.startsWith(name));
  if (names.length !== 1) {
    throw new UsageError(
      `'${name}' names ${names.length ? names.join(", ") : "no notebook"}: expected one of ${
        all.join(", ")
      } (or its number)`,
    );
  }
  return `${ROOT}notebooks/${names[0]}`;
}

async function run(cmd: string, args: string[], env: Record<string, string> = {}) {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(cmd, { args, env, stdout: "inherit", stderr: "piped" }).output();
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new Error(
        `'${cmd}' not found: notebooks need Jupyter (Debian: python3-nbclient, jupyter-nbconvert)`,
      );
    }
    throw err;
  }
  const stderr = new TextDecoder().decode(out.stderr).trim();
  if (!out.success) throw new Error(`${cmd} ${args[0]}: ${stderr.split("\n").slice(-3).join(" ")}`);
}

async function main(args: string[]) {
  const { values, positionals } = parseFlags(args, FLAGS);
  if (positionals.length !== 1) throw new UsageError("give one notebook (name or number)");
  const source = await findNotebook(positionals[0]);
  const out = String(values.out);
  await Deno.mkdir(out, { recursive: true });
  const executed = `${await Deno.realPath(out)}/${source.split("/").pop()}`;
  await installKernel();
  console.log(`running ${source} …`);
  await run(toolPath("python"), [
    `${ROOT}scripts/notebook_runner.py`,
    source,
    executed,
    "tl-lab-deno",
    String(values.timeout),
  ], { JUPYTER_PATH: projectJupyterDir(), ...(values.quick ? { TL_QUICK: "1" } : {}) });
  console.log(`executed: ${executed}`);
  if (values.html) {
    await run(toolPath("nbconvert"), ["--to", "html", executed, "--output-dir", out]);
    console.log(`html: ${executed.replace(/\.ipynb$/, ".html")}`);
  }
}

if (import.meta.main) await runMain(main, HELP);
