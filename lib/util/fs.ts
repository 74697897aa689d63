/**
 * Small file-system predicates shared by loaders and scripts.
 *
 * @module
 */

/** True when something exists at `path`. */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}
