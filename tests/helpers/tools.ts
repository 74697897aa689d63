/**
 * Programs the tests use that a developer's machine may lack (Debian's
 * Python with torch/h5py, Chromium): found, skipped where missing, and an
 * error in CI, where `.ci/run` installs them.
 */
import { toolPath } from "../../lib/util/tools.ts";
import { requiredInCi } from "./ci.ts";

/** Debian's Python (the one with python3-torch, -h5py, -numpy; not a pyenv one), or TL_PYTHON. */
export const PYTHON = toolPath("python");
/** Chromium (TL_CHROMIUM overrides). */
export const CHROMIUM = toolPath("chromium");
/** jupyter-nbconvert (TL_NBCONVERT overrides). */
export const NBCONVERT = toolPath("nbconvert");

/** True when `cmd args` runs and succeeds. */
export function available(cmd: string, args: string[]): boolean {
  try {
    return new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).outputSync().success;
  } catch {
    return false;
  }
}

/** {@linkcode available}, but in CI a missing `what` is an error. */
export function requireTool(cmd: string, args: string[], what: string): boolean {
  return requiredInCi(available(cmd, args), what);
}

/** Whether Debian's Python can import `modules` (`"torch, h5py"`); required in CI. */
export function pythonHas(modules: string, what: string): boolean {
  return requireTool(PYTHON, ["-c", `import ${modules}`], what);
}

/** Runs a Python script (argument list, or `-c` code); throws its stderr when it fails. */
export function python(...args: string[]): void {
  const r = new Deno.Command(PYTHON, { args }).outputSync();
  if (!r.success) throw new Error(new TextDecoder().decode(r.stderr));
}
