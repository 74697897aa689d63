/**
 * Small file-system predicates shared by loaders and scripts.
 *
 * @module
 */
import { statfsSync } from "node:fs";

/** True when something exists at `path`. */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

function kindOf(s: Deno.FileInfo): string {
  if (s.isDirectory) return "a directory";
  if (s.isFifo) return "a FIFO (named pipe)";
  if (s.isSocket) return "a socket";
  if (s.isCharDevice) return "a character device";
  if (s.isBlockDevice) return "a block device";
  return "not a regular file";
}

/**
 * Checks that `path` is a regular file (after following symlinks) and returns
 * its info. Opening a FIFO blocks forever and reading a directory fails with
 * a message that names no path, so every reader calls this first. `what`
 * says what the file was expected to be ("weight file", "data shard").
 */
export async function regularFile(path: string, what = "file"): Promise<Deno.FileInfo> {
  let s: Deno.FileInfo;
  try {
    s = await Deno.stat(path);
  } catch (err) {
    const why = err instanceof Deno.errors.NotFound ? "not found" : (err as Error).message;
    throw new Error(`${path}: cannot read the ${what}: ${why}`);
  }
  if (!s.isFile) throw new Error(`${path}: is ${kindOf(s)}, expected a ${what} (a regular file)`);
  return s;
}

/** Reads a whole regular file (see {@linkcode regularFile}); errors name `path`. */
export async function readRegularFile(path: string, what = "file"): Promise<Uint8Array> {
  await regularFile(path, what);
  try {
    return await Deno.readFile(path);
  } catch (err) {
    throw new Error(`${path}: cannot read the ${what} (${(err as Error).message})`);
  }
}

/**
 * Bytes available to this user on the file system holding `path` (`node:fs`
 * statfs), or undefined where that cannot be asked.
 */
export function freeBytes(path: string): number | undefined {
  try {
    const s = statfsSync(path);
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}

/** A byte count for people: "412.3 MB". */
export function formatBytes(n: number): string {
  const units = ["bytes", "kB", "MB", "GB", "TB"];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) n /= 1000, i++;
  return i === 0 ? `${n} bytes` : `${n.toFixed(1)} ${units[i]}`;
}

/**
 * Checks, before work that would be lost, that `dir` can take a file of
 * `bytes`: it is a folder (created if missing), a file can be created in it,
 * and (where the free space can be read) there is room. `what` names the
 * folder's role in the error ("checkpoint folder").
 */
export async function checkWritableFolder(
  dir: string,
  bytes: number,
  what = "output folder",
): Promise<void> {
  try {
    await Deno.mkdir(dir, { recursive: true });
  } catch (err) {
    throw new Error(`${dir}: cannot create the ${what} (${(err as Error).message})`);
  }
  const probe = `${dir}/.write-probe-${Deno.pid}`;
  try {
    await Deno.writeFile(probe, new Uint8Array(1));
  } catch (err) {
    throw new Error(
      `${dir}: the ${what} is not writable (${
        (err as Error).message.replace(/:.*$/, "")
      }): nothing could be saved there; choose another folder or fix its permissions`,
    );
  } finally {
    await Deno.remove(probe).catch(() => {});
  }
  const free = freeBytes(dir);
  if (free !== undefined && free < bytes) {
    throw new Error(
      `${dir}: the ${what} has ${formatBytes(free)} free, and one checkpoint needs ${
        formatBytes(bytes)
      }: free some space or choose another folder`,
    );
  }
}
