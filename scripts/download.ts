/**
 * `deno task download [names…] [--to DIR]`: fetch the lab's datasets and
 * TF-Slim checkpoints into one shared data folder (`TL_DATA_DIR`, else the
 * cache), with progress, resume, the published MD5 where one exists, and a
 * manifest of sizes and SHA-256 checked on every later use. Without names:
 * what the exercises use (CIFAR-10, VGG-16, ResNet-V1-50). Offline, it says
 * which URLs to fetch elsewhere and where to put them.
 *
 * @module
 */
import {
  checkLabFile,
  fetchLabFile,
  LAB_FILES,
  LAB_SET,
  labFilePresent,
  offlineInstructions,
} from "../lib/lab/lab_files.ts";
import { dataDir } from "../lib/util/cache.ts";
import { parseFlags, runMain, usage, UsageError } from "../lib/util/cli.ts";

const FLAGS = {
  to: { type: "string", help: "the data folder (default: $TL_DATA_DIR, else the cache)" },
  list: { type: "boolean", help: "list every name, its URL, where it goes, and its state" },
  check: { type: "boolean", help: "check what is there against the manifest; fetch nothing" },
  mirror: {
    type: "string",
    help: "fetch from this base URL (<mirror>/<archive>) instead of the publishers " +
      "(default: $TL_DOWNLOAD_MIRROR)",
  },
} as const;

const HELP = usage(
  "deno task download [names…|all] [--to DIR] [--list] [--check]",
  `Fetch the lab's files into the shared data folder. Names: ${
    Object.keys(LAB_FILES).join(", ")
  }; none: ${LAB_SET.join(", ")}.`,
  FLAGS,
);

async function state(name: string, dir: string): Promise<string> {
  if (!(await labFilePresent(name, dir))) return "missing";
  const s = await checkLabFile(name, dir);
  return s === "ok"
    ? "verified"
    : s === "unrecorded"
    ? "present (not in the manifest)"
    : `BAD: ${s}`;
}

async function main(args: string[]) {
  const { values, positionals } = parseFlags(args, FLAGS);
  const dir = values.to === undefined ? dataDir() : String(values.to);
  const names = positionals.length === 0
    ? LAB_SET
    : positionals.includes("all")
    ? Object.keys(LAB_FILES)
    : positionals;
  for (const n of names) {
    if (!LAB_FILES[n]) {
      throw new UsageError(
        `unknown name '${n}': expected all or ${Object.keys(LAB_FILES).join(", ")}`,
      );
    }
  }
  if (values.list) {
    console.log(`data folder: ${dir}`);
    for (const n of Object.keys(LAB_FILES)) {
      const f = LAB_FILES[n];
      console.log(
        `${n.padEnd(18)} ${f.kind.padEnd(10)} ${
          (await state(n, dir)).padEnd(9)
        } ${f.download.url} → ${dir}/${f.use}`,
      );
    }
    return;
  }
  const failed: string[] = [];
  for (const n of names) {
    if (values.check) {
      const s = await state(n, dir);
      console.log(`${n}: ${s}`);
      if (s === "missing" || s.startsWith("BAD")) failed.push(n);
      continue;
    }
    try {
      const path = await fetchLabFile(n, {
        dir,
        mirror: values.mirror === undefined ? undefined : String(values.mirror),
      });
      console.log(`${n}: ${path} (verified)`);
    } catch (err) {
      console.error(`${n}: ${(err as Error).message.split("\n")[0]}`);
      failed.push(n);
    }
  }
  if (failed.length) {
    if (!values.check) {
      console.error(
        `\n${failed.length} of ${names.length} not fetched. Without internet on this machine:`,
      );
      for (const n of failed) console.error(`  ${n}: ${offlineInstructions(n, dir)}`);
    }
    Deno.exit(1);
  }
  if (!values.check) console.log(`all ${names.length} in ${dir}; manifest ${dir}/manifest.json`);
}

if (import.meta.main) await runMain(main, HELP);
