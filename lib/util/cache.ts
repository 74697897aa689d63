/**
 * The toolkit's cache folder: `$TL_CACHE_DIR`, else `$XDG_CACHE_HOME/tl-lab`,
 * else `~/.cache/tl-lab`.
 *
 * @module
 */

/** The cache folder (not created here). */
export function cacheDir(): string {
  const explicit = Deno.env.get("TL_CACHE_DIR");
  if (explicit) return explicit;
  const xdg = Deno.env.get("XDG_CACHE_HOME");
  if (xdg) return `${xdg}/tl-lab`;
  const home = Deno.env.get("HOME") ?? ".";
  return `${home}/.cache/tl-lab`;
}
