/**
 * Copies weights from any source into model variables by name, with TF-Slim's
 * exclude/include prefix semantics, a name mapping, and a full report.
 *
 * @module
 */
import { ownedTensor } from "../backend/mod.ts";
import { inScope, type NamedVariable } from "../models/mod.ts";
import { toFloat32, type WeightSource } from "../io/mod.ts";

/** Options of {@linkcode restoreVariables}. */
export interface RestoreOptions {
  /** Model-side scopes not to restore (TF-Slim `exclude`), e.g. `["vgg_16/fc8"]`. */
  exclude?: string[];
  /** Only restore variables under these scopes; default all. */
  include?: string[];
  /** Maps a model variable name to the source name; default identity. */
  mapName?: (modelName: string) => string;
  /** Leave variables missing from the source at their values instead of failing. */
  ignoreMissing?: boolean;
}

/** What a restore did, by model variable name. */
export interface RestoreReport {
  /** Assigned from the source. */
  restored: string[];
  /** Excluded (or not included) by scope. */
  skipped: string[];
  /** Not in the source (only without an error when `ignoreMissing`). */
  missing: string[];
  /** In the source with another shape: `name: model [..] vs source [..]`. */
  shapeMismatched: string[];
  /** Source entries that no model variable asked for. */
  unused: string[];
  /**
   * `exclude` / `include` scopes that match no model variable (a typo such as
   * `small_vgg/fc_8` for `small_vgg/fc8` would otherwise restore what it meant
   * to exclude, silently).
   */
  unmatchedScopes: string[];
}

/**
 * Source dtypes a float32 variable takes: the same, or a narrower float
 * widened exactly. Like TensorFlow, anything else (integers, float64, bool)
 * is refused rather than converted.
 */
export const RESTORABLE_DTYPES = ["float32", "float16", "bfloat16"] as const;

/**
 * Assigns each selected model variable the source's value of the same
 * (mapped) name. Shape mismatches always fail after the whole report is
 * built (nothing is assigned then); missing variables fail unless
 * `ignoreMissing`.
 */
export async function restoreVariables(
  variables: NamedVariable[],
  source: WeightSource,
  options: RestoreOptions = {},
): Promise<RestoreReport> {
  const map = options.mapName ?? ((n: string) => n);
  const available = new Map(source.list().map((w) => [w.name, w]));
  const used = new Set<string>();
  const report: RestoreReport = {
    restored: [],
    skipped: [],
    missing: [],
    shapeMismatched: [],
    unused: [],
    unmatchedScopes: [],
  };
  const dtypeMismatched: string[] = [];
  const todo: { v: NamedVariable; sourceName: string }[] = [];
  for (const v of variables) {
    const excluded = (options.exclude ?? []).some((s) => inScope(v.name, s)) ||
      (options.include !== undefined && !options.include.some((s) => inScope(v.name, s)));
    if (excluded) {
      report.skipped.push(v.name);
      continue;
    }
    const sourceName = map(v.name);
    const info = available.get(sourceName);
    if (!info) {
      report.missing.push(v.name);
      continue;
    }
    used.add(sourceName);
    const want = v.variable.shape;
    if (info.shape.length !== want.length || info.shape.some((d, i) => d !== want[i])) {
      report.shapeMismatched.push(
        `${v.name}: model [${want.join(",")}] vs ${sourceName} [${
          info.shape.join(",")
        }] in ${source.description}`,
      );
      continue;
    }
    if (!(RESTORABLE_DTYPES as readonly string[]).includes(info.dtype)) {
      dtypeMismatched.push(
        `${v.name}: model float32 vs ${sourceName} ${info.dtype} in ${source.description}`,
      );
      continue;
    }
    todo.push({ v, sourceName });
  }
  report.unused = [...available.keys()].filter((n) => !used.has(n));
  report.unmatchedScopes = [...options.exclude ?? [], ...options.include ?? []].filter((s) =>
    !variables.some((v) => inScope(v.name, s))
  );
  if (dtypeMismatched.length > 0) {
    throw new Error(
      `dtype mismatch restoring from ${source.description} (float32 variables take float32, ` +
        `float16 or bfloat16):\n  ${dtypeMismatched.join("\n  ")}`,
    );
  }
  if (report.shapeMismatched.length > 0) {
    throw new Error(
      `shape mismatch restoring from ${source.description}:\n  ${
        report.shapeMismatched.join("\n  ")
      }`,
    );
  }
  if (report.missing.length > 0 && !options.ignoreMissing) {
    throw new Error(
      `${source.description} lacks ${report.missing.length} variable(s): ${
        report.missing.slice(0, 5).join(", ")
      }` +
        `${report.missing.length > 5 ? ", ..." : ""} (exclude their scope, or pass ignoreMissing)`,
    );
  }
  for (const { v, sourceName } of todo) {
    const value = await source.read(sourceName);
    const data = toFloat32(value, `${source.description}: ${sourceName}`);
    const t = ownedTensor(data, v.variable.shape);
    v.variable.assign(t);
    t.dispose();
    report.restored.push(v.name);
  }
  return report;
}
