/**
 * Output folders named by the settings that matter, so that a notebook's
 * variant (another scope, rate, size) never lands on another's checkpoint.
 *
 * @module
 */

function short(v: unknown): string {
  if (Array.isArray(v)) return v.map(short).join("+");
  if (v === undefined || v === null) return "all";
  const s = String(v);
  return s.includes("/") ? s.split("/").filter(Boolean).pop()! : s;
}

// FNV-1a: a stable short identity of the full settings (the readable part may be cut).
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (const c of new TextEncoder().encode(text)) h = Math.imul(h ^ c, 0x01000193) >>> 0;
  return h.toString(16).padStart(8, "0");
}

/**
 * `<base>/<key=value_...>-<hash>` for `settings`: readable, and distinct for
 * distinct settings (`undefined` reads as "all", as for trainable scopes).
 *
 * @example
 * ```ts
 * runFolder("../out/03", { trainable: ["vgg_16/fc8"], lr: 0.001 });
 * // "../out/03/trainable=fc8_lr=0.001-…"
 * ```
 */
export function runFolder(base: string, settings: Record<string, unknown>): string {
  const readable = Object.entries(settings).map(([k, v]) => `${k}=${short(v)}`).join("_")
    .replace(/[^A-Za-z0-9=+._-]/g, "-").slice(0, 72);
  const full = JSON.stringify(Object.entries(settings).map(([k, v]) => [k, v ?? null]));
  return `${base.replace(/\/+$/, "")}/${readable}-${hash(full)}`;
}
