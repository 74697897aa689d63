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

/**
 * The lab's shared files (datasets, checkpoints, their manifest):
 * `$TL_DATA_DIR`, else `<cache folder>/data`. A TA points `TL_DATA_DIR` of
 * every seat at one folder (read-only for students is fine) and downloads
 * once for the room.
 */
export function dataDir(): string {
  return Deno.env.get("TL_DATA_DIR") || `${cacheDir()}/data`;
}
