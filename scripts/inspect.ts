/**
 * `deno task inspect <checkpoint>`: like TensorFlow's inspect_checkpoint —
 * names, dtypes, shapes, parameter and byte totals; `--tensor NAME` prints
 * values; `--json` for scripts. Reads TF V1/V2 checkpoints, Keras HDF5 and
 * safetensors.
 *
 * @module
 */
import { parseFlags, runMain, usage, UsageError } from "../lib/util/cli.ts";
import { openWeights } from "../lib/io/open_weights.ts";
import { previewValues, summarizeWeights } from "../lib/io/weight_summary.ts";

const FLAGS = {
  tensor: { type: "string", help: "print the values of this tensor" },
  "all-tensors": { type: "boolean", help: "print the values of every tensor" },
  json: { type: "boolean", help: "machine-readable output" },
  limit: { type: "string", default: "20", help: "values shown per tensor (0 = all)" },
} as const;

const HELP = usage(
  "deno task inspect <checkpoint|folder|file.h5|file.safetensors> [options]",
  "List the variables of a weight file; print tensor values.",
  FLAGS,
);

async function main(args: string[]) {
  const { values: flags, positionals } = parseFlags(args, FLAGS);
  if (positionals.length !== 1) throw new UsageError("expected exactly one checkpoint path");
  const limit = Number(flags.limit);
  if (!Number.isInteger(limit) || limit < 0) {
    throw new UsageError(`--limit: expected a whole number, got '${flags.limit}'`);
  }
  const file = await openWeights(positionals[0]);
  try {
    const { tensors: list, parameters: params, bytes } = summarizeWeights(file);
    const wanted = flags["all-tensors"]
      ? list.map((t) => t.name)
      : flags.tensor
      ? [flags.tensor as string]
      : [];
    for (const name of wanted) {
      if (!list.some((t) => t.name === name)) {
        throw new Error(
          `${file.description}: no tensor named '${name}' (try without --tensor to list names)`,
        );
      }
    }
    const shown: Record<string, (number | string)[]> = {};
    for (const name of wanted) shown[name] = previewValues(await file.read(name), limit);
    if (flags.json) {
      console.log(
        JSON.stringify(
          {
            format: file.format,
            path: file.description,
            tensors: list,
            parameters: params,
            bytes,
            values: shown,
          },
          null,
          2,
        ),
      );
      return;
    }
    console.log(`${file.description} (${file.format})`);
    const width = Math.max(...list.map((t) => t.name.length), 4);
    for (const t of list) {
      console.log(`${t.name.padEnd(width)}  ${t.dtype.padEnd(8)} [${t.shape.join(", ")}]`);
    }
    console.log(
      `${list.length} tensors, ${params.toLocaleString("en-US")} parameters, ${
        (bytes / 2 ** 20).toFixed(2)
      } MiB`,
    );
    for (const [name, vals] of Object.entries(shown)) {
      console.log(
        `\ntensor_name: ${name}\n[${vals.join(", ")}${
          limit > 0 && vals.length === limit ? ", ..." : ""
        }]`,
      );
    }
  } finally {
    file.close();
  }
}

if (import.meta.main) await runMain(main, HELP);
