/**
 * The Deno Jupyter kernel's display API, when this code runs inside it.
 *
 * @module
 */

/** The part of `Deno.jupyter` the toolkit uses. */
export interface JupyterDisplay {
  display(
    obj: Record<string, unknown>,
    options: { raw: boolean; display_id?: string; update?: boolean },
  ): Promise<void>;
}

/** `Deno.jupyter` inside the kernel, undefined elsewhere. */
export function jupyter(): JupyterDisplay | undefined {
  try {
    // The getter throws outside the `deno jupyter` kernel.
    return (Deno as unknown as { jupyter?: JupyterDisplay }).jupyter;
  } catch {
    return undefined;
  }
}

/** True inside the Deno Jupyter kernel. */
export function inNotebook(): boolean {
  return typeof jupyter()?.display === "function";
}
