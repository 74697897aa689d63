/**
 * Making sure an exercise's input file is there. A lab file's name
 * (`cifar10`, `vgg_16`) resolves through the shared data folder
 * (`TL_DATA_DIR`): checked against its manifest, downloaded when missing.
 * A path is used if present, else downloaded into its folder when a known
 * download and the network allow; otherwise the error says exactly what to
 * fetch and where to put it.
 *
 * @module
 */
import { download, type DownloadSpec, KNOWN_DOWNLOADS } from "../data/mod.ts";
import { writeFileAtomic } from "../util/mod.ts";
import { exists } from "../util/mod.ts";
import { checkpointMembers, fetchLabFile, LAB_FILES } from "./lab_files.ts";

/**
 * Returns the path of `nameOrPath`: a lab file's name (see `LAB_FILES`)
 * comes from the shared data folder; a path is returned when it exists,
 * else `known` is downloaded into its folder; else throws naming the URL and
 * the destination.
 */
export async function requireFile(
  nameOrPath: string,
  known?: string | DownloadSpec,
): Promise<string> {
  if (known === undefined && LAB_FILES[nameOrPath]) return await fetchLabFile(nameOrPath);
  const path = nameOrPath;
  if (await exists(path) || await exists(`${path}.index`)) return path;
  const spec = typeof known === "string"
    ? (KNOWN_DOWNLOADS[known] ?? LAB_FILES[known]?.download)
    : known;
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
          (/\.(tar\.gz|tgz)$/.test(spec.url)
            ? ` (then extract it there: tar xzf ${spec.url.split("/").pop()})`
            : ""),
      );
    }
    if (archive === path || !/\.(tar\.gz|tgz)$/.test(archive)) return archive;
    // A checkpoint inside its tarball (vgg_16_2016_08_28.tar.gz holds vgg_16.ckpt): extract it.
    for (const m of await checkpointMembers(archive, path.split("/").pop()!)) {
      await writeFileAtomic(`${dir}/${m.name.split("/").pop()}`, m.data);
    }
    return path;
  }
  throw new Error(
    `${path} is missing: put the file there${typeof known === "string" ? ` (${known})` : ""}`,
  );
}
