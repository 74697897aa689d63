/**
 * `deno task bundle [--out FILE] [--data] [--data-dir DIR]`: pack this
 * checkout, its node_modules and Deno (and the shared data folder) for a
 * room whose machines cannot reach a registry. See lib/lab/room_bundle.ts.
 *
 * @module
 */
import { packRoom } from "../lib/lab/room_bundle.ts";
import { parseFlags, runMain, usage } from "../lib/util/cli.ts";

const FLAGS = {
  out: {
    type: "string",
    default: "tl-lab-room.tar.gz",
    help: "the bundle (.tar.gz/.tgz compressed, .tar not)",
  },
  data: { type: "boolean", help: "also pack the data folder's verified files and manifest" },
  "data-dir": { type: "string", help: "the data folder (default: $TL_DATA_DIR, else the cache)" },
} as const;

const HELP = usage(
  "deno task bundle [--out FILE] [--data] [--data-dir DIR]",
  "Pack the toolkit, its npm packages, Deno and optionally the lab's files for offline machines.",
  FLAGS,
);

async function main(args: string[]) {
  const { values } = parseFlags(args, FLAGS);
  const b = await packRoom(String(values.out), {
    data: values.data === true,
    dataDir: values["data-dir"] as string | undefined,
  });
  console.log(
    `${b.path}: ${(b.bytes / 2 ** 20).toFixed(0)} MiB (${b.files} checkout files, node_modules, ` +
      `Deno${b.dataFiles.length ? `, ${b.dataFiles.length} data files` : ""}); on each machine: ` +
      `tar -xf ${b.path.split("/").pop()} && tl-lab/bin/deno task demo (see tl-lab/ROOM.md)`,
  );
}

if (import.meta.main) await runMain(main, HELP);
