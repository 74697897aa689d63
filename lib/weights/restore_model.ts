/**
 * The lab's restore call: open a checkpoint (any supported format), restore
 * every model variable except excluded scopes, and report what happened the
 * way the lab prints it.
 *
 * @module
 */
import type { Model } from "../models/mod.ts";
import { escapeHtml } from "../util/mod.ts";
import { inNotebook, jupyter } from "../util/mod.ts";
import { openWeights } from "../io/mod.ts";
import { type RestoreOptions, type RestoreReport, restoreVariables } from "./restore.ts";
import type { WeightSource } from "../io/mod.ts";
import { detectLayout, vggWeightsFrom, type WeightLayout } from "./foreign_layouts.ts";

/** Options of {@linkcode restore}. */
export interface RestoreModelOptions extends RestoreOptions {
  /** Where the summary goes; default console.log. `false` for silence. */
  log?: ((line: string) => void) | false;
  /** Also print every restored variable name (as the lab does); default false. */
  listRestored?: boolean;
  /**
   * The weights' layout: `tf-slim` names, or VGG weights from `keras` or
   * `torchvision`; default detected from the names.
   */
  from?: WeightLayout | "auto";
}

/**
 * The restored names: in a notebook one collapsed `<details>` (a count, the
 * list behind it), elsewhere one line each.
 */
async function listRestored(report: RestoreReport, log: (line: string) => void): Promise<void> {
  const nb = jupyter();
  if (!nb || !inNotebook()) {
    for (const name of report.restored) log(`  restored ${name}`);
    return;
  }
  const items = report.restored.map((n) => `<li><code>${escapeHtml(n)}</code></li>`).join("");
  await nb.display({
    "text/plain": report.restored.map((n) => `  restored ${n}`).join("\n"),
    "text/html": `<details><summary>${report.restored.length} restored variables</summary>` +
      `<ul style="columns:2;margin:0">${items}</ul></details>`,
  }, { raw: true });
}

/**
 * Restores `model` from a checkpoint path (or an open weight source) with
 * TF-Slim's `exclude` semantics, e.g. `{ exclude: ["vgg_16/fc8"] }`. VGG
 * weights from Keras applications or torchvision (`.h5`, `.pth`,
 * `.safetensors`) are detected by their names and converted.
 */
export async function restore(
  model: Model,
  checkpoint: string | WeightSource,
  options: RestoreModelOptions = {},
): Promise<RestoreReport> {
  const opened = typeof checkpoint === "string" ? await openWeights(checkpoint) : checkpoint;
  try {
    const layout = !options.from || options.from === "auto" ? detectLayout(opened) : options.from;
    const source = layout === "tf-slim" ? opened : vggWeightsFrom(opened, model, { layout });
    const report = await restoreVariables(model.store.list(), source, options);
    const log = options.log === false ? undefined : options.log ?? ((l: string) => console.log(l));
    if (log) {
      log(
        `restored ${report.restored.length} variables of ${model.scope} from ${source.description}` +
          (report.skipped.length
            ? `; kept ${report.skipped.length} initialised (${
              (options.exclude ?? []).join(", ") || "not included"
            })`
            : "") +
          (report.missing.length ? `; ${report.missing.length} missing from the checkpoint` : ""),
      );
      for (const scope of report.unmatchedScopes) {
        log(
          `warning: scope '${scope}' matches no variable of ${model.scope}: it excluded (or ` +
            `included) nothing; scopes are variable-name prefixes, e.g. ${
              model.headScope ?? model.scope
            }`,
        );
      }
      if (options.listRestored) await listRestored(report, log);
    }
    return report;
  } finally {
    if (typeof checkpoint === "string") (opened as WeightSource & { close(): void }).close();
  }
}
