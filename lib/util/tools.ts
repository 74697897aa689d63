/**
 * The outside programs the toolkit runs (benchmarks, notebooks, browser
 * checks), found one way: `TL_PYTHON`, `TL_CHROMIUM` or `TL_NBCONVERT`
 * when set, else Debian's path (`/usr/bin/python3`: the Python that has
 * python3-torch, -h5py and -nbclient, not a pyenv shim), else the name on
 * `PATH`.
 *
 * @module
 */

/** A program the toolkit can run. */
export type Tool = "python" | "chromium" | "nbconvert";

const TOOLS: Record<Tool, { env: string; debian: string; name: string }> = {
  python: { env: "TL_PYTHON", debian: "/usr/bin/python3", name: "python3" },
  chromium: { env: "TL_CHROMIUM", debian: "/usr/bin/chromium", name: "chromium" },
  nbconvert: {
    env: "TL_NBCONVERT",
    debian: "/usr/bin/jupyter-nbconvert",
    name: "jupyter-nbconvert",
  },
};

/** The command to run `tool` with (its override, Debian's path, or its name on PATH). */
export function toolPath(tool: Tool): string {
  const t = TOOLS[tool];
  const override = Deno.env.get(t.env);
  if (override) return override;
  try {
    if (Deno.statSync(t.debian).isFile) return t.debian;
  } catch { /* not there: PATH decides */ }
  return t.name;
}
