/**
 * An offline bundle for a room whose machines have no npm registry: this
 * checkout, its `node_modules` (every npm package the toolkit imports), the
 * running Deno binary and, optionally, the shared data folder with its
 * manifest, in one tar (gzip when the name ends in `.gz`/`.tgz`). Unpacked
 * anywhere, `tl-lab/bin/deno task demo` runs without a network.
 *
 * @module
 */
import { readManifest, verifyFile } from "../data/mod.ts";
import { tempSibling } from "../util/mod.ts";
import { dataDir } from "../util/mod.ts";
import { exists } from "../util/mod.ts";

/** What {@linkcode packRoom} puts in the bundle besides the checkout. */
export interface PackRoomOptions {
  /** The checkout to pack; default this toolkit's own. */
  root?: string;
  /** Also pack this data folder's recorded files (checked against its manifest first). */
  data?: boolean;
  /** The data folder; default `$TL_DATA_DIR`, else the cache's. */
  dataDir?: string;
  /** Progress lines; default stderr. */
  log?: (line: string) => void;
}

/** What went into a bundle. */
export interface RoomBundle {
  path: string;
  bytes: number;
  /** Checkout files (tracked and untracked-but-not-ignored). */
  files: number;
  /** Data files packed (with the manifest). */
  dataFiles: string[];
}

const HOW_TO = (data: boolean) =>
  `# tl-lab, packed for machines without a registry

    tar -xzf tl-lab-room.tar.gz        # or tar -xf for a .tar
    cd tl-lab
${data ? "    export TL_DATA_DIR=$PWD/data       # the lab's files, verified on use\n" : ""}\
    bin/deno task demo                 # or: bin/deno task kernel --system --data-dir ...

\`bin/deno\` is the Deno that packed it; \`node_modules/\` holds every npm package, so
nothing is fetched. Deno may print "Download …" lines while it looks for a registry:
they fail at once and are harmless.
`;

async function run(cmd: string, args: string[], what: string): Promise<string> {
  const r = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  if (!r.success) {
    throw new Error(`${what}: ${cmd} failed: ${new TextDecoder().decode(r.stderr).trim()}`);
  }
  return new TextDecoder().decode(r.stdout);
}

async function checkoutFiles(root: string): Promise<string[]> {
  if (!(await exists(`${root}/.git`))) {
    throw new Error(`${root}: not a git checkout (the bundle packs what git tracks)`);
  }
  const listed = (await run(
    "git",
    ["-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
    "listing the checkout",
  )).split("\0").filter(Boolean);
  const files: string[] = [];
  for (const f of listed) if (await exists(`${root}/${f}`)) files.push(f);
  return files;
}

/**
 * Packs the room bundle at `out` (written beside it, then renamed: never
 * half a bundle) and returns what went in. Needs GNU `tar` (and `gzip`).
 */
export async function packRoom(out: string, options: PackRoomOptions = {}): Promise<RoomBundle> {
  const root = options.root ?? new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
  const log = options.log ?? ((l: string) => console.error(l));
  if (!(await exists(`${root}/node_modules`))) {
    throw new Error(
      `${root}/node_modules is missing: run 'deno install' there (with a registry) first`,
    );
  }
  const files = await checkoutFiles(root);
  const dataFiles: string[] = [];
  const data = options.dataDir ?? dataDir();
  if (options.data) {
    const manifest = await readManifest(data);
    for (const file of Object.keys(manifest).sort()) {
      const state = await verifyFile(data, file);
      if (state !== "ok") throw new Error(`${data}/${file}: ${state}; not packing it`);
      dataFiles.push(file);
    }
    if (!dataFiles.length) {
      throw new Error(`${data}: no recorded files to pack (run 'deno task download' first)`);
    }
  }
  const gzip = /\.(tgz|gz)$/.test(out);
  const tar = `${tempSibling(out)}.tar`;
  const stage = await Deno.makeTempDir({ prefix: "tl-room-" });
  try {
    const list = `${stage}/files`;
    await Deno.writeTextFile(list, [...files, "node_modules"].join("\n") + "\n");
    await Deno.writeTextFile(`${stage}/ROOM.md`, HOW_TO(options.data === true));
    log(`packing ${files.length} checkout files and node_modules from ${root}`);
    // S and H: node_modules' symlinks keep their relative targets.
    const into = (prefix: string) => `--transform=s,^,${prefix},SH`;
    await run("tar", ["-cf", tar, "-C", root, into("tl-lab/"), "-T", list], "packing the checkout");
    const exe = Deno.execPath();
    const exeName = exe.split("/").pop()!;
    await run("tar", [
      "-rf",
      tar,
      "-C",
      exe.slice(0, -exeName.length - 1) || "/",
      `--transform=s,^${exeName.replace(/[.]/g, "\\.")}$,tl-lab/bin/deno,`,
      exeName,
    ], "packing Deno");
    await run("tar", ["-rf", tar, "-C", stage, into("tl-lab/"), "ROOM.md"], "packing ROOM.md");
    if (dataFiles.length) {
      log(`packing ${dataFiles.length} data files from ${data}`);
      await Deno.writeTextFile(list, ["manifest.json", ...dataFiles].join("\n") + "\n");
      await run("tar", ["-rf", tar, "-C", data, into("tl-lab/data/"), "-T", list], "packing data");
    }
    if (gzip) {
      log(`compressing ${out}`);
      const src = await Deno.open(tar);
      const dst = await Deno.open(`${tar}.gz`, { write: true, createNew: true });
      await src.readable.pipeThrough(new CompressionStream("gzip")).pipeTo(dst.writable);
      await Deno.remove(tar);
      await Deno.rename(`${tar}.gz`, out);
    } else await Deno.rename(tar, out);
    return { path: out, bytes: (await Deno.stat(out)).size, files: files.length, dataFiles };
  } catch (err) {
    for (const p of [tar, `${tar}.gz`]) await Deno.remove(p).catch(() => {});
    throw err;
  } finally {
    await Deno.remove(stage, { recursive: true });
  }
}
