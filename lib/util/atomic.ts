/**
 * Atomic file writes: write a temporary sibling, then rename over the target,
 * so a crash never leaves a half-written file under the final name.
 *
 * @module
 */

/** A temporary path next to `path` (same folder, so rename is atomic). */
export function tempSibling(path: string): string {
  const rand = crypto.getRandomValues(new Uint32Array(1))[0].toString(36);
  return `${path}.tmp-${Deno.pid}-${rand}`;
}

/** Writes `data` to `path` atomically. */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | string,
): Promise<void> {
  const tmp = tempSibling(path);
  try {
    if (typeof data === "string") await Deno.writeTextFile(tmp, data);
    else await Deno.writeFile(tmp, data);
    await Deno.rename(tmp, path);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw err;
  }
}
