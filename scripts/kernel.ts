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
import { optionalNumberFlag, parseFlags, runMain, usage, UsageError } from "../lib/util/cli.ts";

const FLAGS = {
  user: {
    type: "boolean",
    help: "install into ~/.local/share/jupyter/kernels instead of the project",
  },
  system: {
    type: "boolean",
    help: "install for every user of this machine (<prefix>/share/jupyter/kernels; needs root)",
  },
  prefix: { type: "string", default: "/usr/local", help: "with --system: the prefix" },
  name: { type: "string", default: "tl-lab-deno", help: "kernel name" },
  "data-dir": {
    type: "string",
    help: "the shared data folder every notebook of this kernel uses (sets TL_DATA_DIR)",
  },
  threads: {
    type: "string",
    help: "threads per notebook (OMP_NUM_THREADS), e.g. cores / seats on a shared server",
  },
  "memory-mib": {
    type: "string",
    help: "memory one notebook may plan for (TL_MEMORY_AVAILABLE_MIB), e.g. RAM / seats",
  },
} as const;

const HELP = usage(
  "deno task kernel [--user | --system [--prefix DIR]] [--data-dir DIR] [--threads N] [--memory-mib M]",
  "Register the project's Deno Jupyter kernel.",
  FLAGS,
);

/** The project's Jupyter folder (use as JUPYTER_PATH). */
export function projectJupyterDir(): string {
  return new URL("../.jupyter", import.meta.url).pathname;
}

/** Where and how {@linkcode installKernel} registers the kernel. */
export interface KernelInstallOptions {
  /** The user's Jupyter data folder instead of the project's. */
  user?: boolean;
  /** Every user's: `<prefix>/share/jupyter/kernels` (Jupyter searches `/usr/local` and `/usr`). */
  system?: boolean;
  /** With `system`: default `/usr/local`. */
  prefix?: string;
  /** Kernel name; default `tl-lab-deno`. */
  name?: string;
  /** `TL_DATA_DIR` for every notebook started with this kernel. */
  dataDir?: string;
  /** `OMP_NUM_THREADS` per notebook (a seat's share of the cores). */
  threads?: number;
  /** `TL_MEMORY_AVAILABLE_MIB` per notebook (a seat's share of the memory). */
  memoryMib?: number;
}

async function copyExecutable(from: string, to: string): Promise<void> {
  const tmp = `${to}.tmp-${Deno.pid}`;
  await Deno.copyFile(from, tmp);
  await Deno.chmod(tmp, 0o755);
  await Deno.rename(tmp, to);
}

/** Writes the kernelspec and returns its folder. */
export async function installKernel(options: KernelInstallOptions = {}): Promise<string> {
  const name = options.name ?? "tl-lab-deno";
  if (options.user && options.system) throw new Error("--user and --system exclude each other");
  for (const [flag, v] of [["--threads", options.threads], ["--memory-mib", options.memoryMib]]) {
    if (v !== undefined && !(Number.isInteger(v) && (v as number) > 0)) {
      throw new Error(`${flag}: expected a positive integer, got ${v}`);
    }
  }
  const base = options.system
    ? `${options.prefix ?? "/usr/local"}/share/jupyter`
    : options.user
    ? `${Deno.env.get("XDG_DATA_HOME") ?? `${Deno.env.get("HOME")}/.local/share`}/jupyter`
    : projectJupyterDir();
  const dir = `${base}/kernels/${name}`;
  await Deno.mkdir(dir, { recursive: true });
  // A copy of the running Deno, so that clearing npx's cache (or another user's home) does not
  // break it; for every user it lives in the kernel's own folder, readable by all.
  const binDir = options.system ? dir : `${projectJupyterDir()}/bin`;
  await Deno.mkdir(binDir, { recursive: true });
  const deno = `${binDir}/deno`;
  await copyExecutable(Deno.execPath(), deno);
  const env: Record<string, string> = {
    // Lets the toolkit hand a disposed model's memory back at once (releaseMemory).
    DENO_V8_FLAGS: "--expose-gc",
  };
  if (options.dataDir) env.TL_DATA_DIR = options.dataDir;
  if (options.threads) env.OMP_NUM_THREADS = String(options.threads);
  if (options.memoryMib) env.TL_MEMORY_AVAILABLE_MIB = String(options.memoryMib);
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
    env,
  };
  const file = `${dir}/kernel.json`;
  await Deno.writeTextFile(`${file}.tmp-${Deno.pid}`, JSON.stringify(spec, null, 2) + "\n");
  await Deno.rename(`${file}.tmp-${Deno.pid}`, file);
  if (options.system) {
    for (const p of [dir, file]) await Deno.chmod(p, p === dir ? 0o755 : 0o644);
  }
  return dir;
}

async function main(args: string[]) {
  const { values } = parseFlags(args, FLAGS);
  if (values.user && values.system) throw new UsageError("--user and --system exclude each other");
  const dir = await installKernel({
    user: values.user === true,
    system: values.system === true,
    prefix: String(values.prefix),
    name: String(values.name),
    dataDir: values["data-dir"] as string | undefined,
    threads: optionalNumberFlag(values, "threads", { integer: true, min: 1 }),
    memoryMib: optionalNumberFlag(values, "memory-mib", { integer: true, min: 64 }),
  });
  console.log(`kernel '${values.name}' installed in ${dir}`);
  if (!values.user && !values.system) {
    console.log(
      `start Jupyter with it:\n  JUPYTER_PATH=${projectJupyterDir()} jupyter notebook notebooks/`,
    );
  } else console.log("start Jupyter with: jupyter notebook notebooks/");
}

if (import.meta.main) await runMain(main, HELP);
