/**
 * Atomic file writes: write a temporary sibling, then rename over the target,
 * so a crash never leaves a half-written file under the final name.
 *
 * @module
 */

// Temps this process made: in a container every run can get the same PID, so a
// temp carrying our PID may still be a dead run's.
const mine = new Set<string>();

/** A temporary path next to `path` (same folder, so rename is atomic). */
export function tempSibling(path: string): string {
  const rand = crypto.getRandomValues(new Uint32Array(1))[0].toString(36);
  const tmp = `${path}.tmp-${Deno.pid}-${rand}`;
  mine.add(tmp.split("/").pop()!);
  return tmp;
}

/** True when this process made the temp file named `name` (see {@linkcode tempSibling}). */
export function isOwnTemp(name: string): boolean {
  return mine.has(name);
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
  } finally {
    mine.delete(tmp.split("/").pop()!);
  }
}
