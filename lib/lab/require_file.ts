/**
 * Making sure an exercise's input file is there: it is used if present,
 * downloaded with progress when a known download and the network allow,
 * otherwise the error says exactly what to fetch and where to put it.
 *
 * @module
 */
import { download, KNOWN_DOWNLOADS } from "../data/download.ts";
import { exists } from "../util/fs.ts";

/**
 * Returns `path` when it exists; else tries `download(known)` into the
 * folder of `path`; else throws naming the URL and the destination.
 */
export async function requireFile(
  path: string,
  known?: keyof typeof KNOWN_DOWNLOADS | string,
): Promise<string> {
  if (await exists(path)) return path;
  const spec = known ? KNOWN_DOWNLOADS[known] : undefined;
  if (spec) {
    const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : ".";
    try {
      return await download(spec, { dir });
    } catch (err) {
      throw new Error(
        `${path} is missing and could not be downloaded (${
          (err as Error).message.split(". ")[0]
        }).\n` +
          `Download ${spec.url} on a machine with internet access and put it at ${dir}/${
            spec.url.split("/").pop()
          }` +
          (spec.url.endsWith(".tar.gz")
            ? ` (then extract it there: tar xzf ${spec.url.split("/").pop()})`
            : ""),
      );
    }
  }
  throw new Error(`${path} is missing: put the file there${known ? ` (${known})` : ""}`);
}
