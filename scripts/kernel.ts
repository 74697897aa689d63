/**
 * `deno task kernel`: registers a Deno Jupyter kernel for this project,
 * without touching the user's other kernels. The kernelspec goes to
 * `<project>/.jupyter/kernels/tl-lab-deno/` (found through `JUPYTER_PATH`),
 * or to the user's Jupyter data folder with `--user`; it points at a copy of
 * the running Deno binary so that clearing npx's cache does not break it,
 * and starts Deno's kernel behind `kernel_proxy.ts` (one cell at a time).
 *
 * @module
 */
import { parseFlags, runMain, usage } from "../lib/util/cli.ts";

const FLAGS = {
  user: {
    type: "boolean",
    help: "install into ~/.local/share/jupyter/kernels instead of the project",
  },
  name: { type: "string", default: "tl-lab-deno", help: "kernel name" },
} as const;

const HELP = usage(
  "deno task kernel [--user]",
  "Register the project's Deno Jupyter kernel.",
  FLAGS,
);

/** The project's Jupyter folder (use as JUPYTER_PATH). */
export function projectJupyterDir(): string {
  return new URL("../.jupyter", import.meta.url).pathname;
}

/** Writes the kernelspec and returns its folder. */
export async function installKernel(
  options: { user?: boolean; name?: string } = {},
): Promise<string> {
  const name = options.name ?? "tl-lab-deno";
  const base = options.user
    ? `${Deno.env.get("XDG_DATA_HOME") ?? `${Deno.env.get("HOME")}/.local/share`}/jupyter`
    : projectJupyterDir();
  const binDir = `${projectJupyterDir()}/bin`;
  await Deno.mkdir(binDir, { recursive: true });
  const deno = `${binDir}/deno`;
  const tmp = `${deno}.tmp-${Deno.pid}`;
  await Deno.copyFile(Deno.execPath(), tmp);
  await Deno.chmod(tmp, 0o755);
  await Deno.rename(tmp, deno);
  const dir = `${base}/kernels/${name}`;
  await Deno.mkdir(dir, { recursive: true });
  const spec = {
    // Deno's kernel behind a proxy that hands it one cell at a time (see kernel_proxy.ts):
    // under Run All each cell's output stays in its own cell.
    argv: [
      deno,
      "run",
      "-A",
      new URL("./kernel_proxy.ts", import.meta.url).pathname,
      "{connection_file}",
    ],
    display_name: "Deno (tl-lab)",
    language: "typescript",
    // Lets the toolkit hand a disposed model's memory back at once (releaseMemory).
    env: { DENO_V8_FLAGS: "--expose-gc" },
  };
  await Deno.writeTextFile(`${dir}/kernel.json`, JSON.stringify(spec, null, 2) + "\n");
  return dir;
}

async function main(args: string[]) {
  const { values } = parseFlags(args, FLAGS);
  const dir = await installKernel({ user: values.user === true, name: String(values.name) });
  console.log(`kernel '${values.name}' installed in ${dir}`);
  if (!values.user) {
    console.log(
      `start Jupyter with it:\n  JUPYTER_PATH=${projectJupyterDir()} jupyter notebook notebooks/`,
    );
  } else console.log("start Jupyter with: jupyter notebook notebooks/");
}

if (import.meta.main) await runMain(main, HELP);
