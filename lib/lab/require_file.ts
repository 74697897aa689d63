/**
 * Making sure an exercise's input file is there: it is used if present,
 * downloaded with progress when a known download and the network allow,
 * otherwise the error says exactly what to fetch and where to put it.
 *
 * @module
 */
import { download, type DownloadSpec, KNOWN_DOWNLOADS } from "../data/download.ts";
import { readTar } from "../data/tar.ts";
import { writeFileAtomic } from "../util/atomic.ts";
import { exists, readRegularFile } from "../util/fs.ts";

/**
 * Returns `path` when it exists; else tries `download(known)` into the
 * folder of `path`; else throws naming the URL and the destination.
 */
export async function requireFile(
  path: string,
  known?: string | DownloadSpec,
): Promise<string> {
  if (await exists(path)) return path;
  const spec = typeof known === "string" ? KNOWN_DOWNLOADS[known] : known;
  if (spec) {
    const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : ".";
    let archive: string;
    try {
      archive = await download(spec, { dir });
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
    if (archive === path || !archive.endsWith(".tar.gz")) return archive;
    // A checkpoint inside its tarball (vgg_16_2016_08_28.tar.gz holds vgg_16.ckpt): extract it.
    const name = path.split("/").pop()!;
    const members = await readTar(await readRegularFile(archive, "archive"), archive);
    const member = members.find((e) => e.name.split("/").pop() === name);
    if (!member) throw new Error(`${archive}: has no member named ${name}`);
    await writeFileAtomic(path, member.data);
    return path;
  }
  throw new Error(
    `${path} is missing: put the file there${typeof known === "string" ? ` (${known})` : ""}`,
  );
}
