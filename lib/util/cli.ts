/**
 * Command-line flags for the scripts, on `node:util` parseArgs (JSR's
 * `@std/cli` is unreachable here): strict parsing, `--help`, and one clear
 * line for unknown flags or bad values, exit code 2.
 *
 * @module
 */
import { parseArgs } from "node:util";

/** One flag: its type, default and help text. */
export interface FlagSpec {
  type: "string" | "boolean";
  default?: string | boolean;
  short?: string;
  multiple?: boolean;
  /** Help text shown by `--help`. */
  help: string;
}

/** Thrown for bad command lines; scripts print `message` and exit 2. */
export class UsageError extends Error {}

/** Parsed flags and positional arguments. */
export interface ParsedFlags {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** The `--help` text of a script. */
export function usage(command: string, summary: string, flags: Record<string, FlagSpec>): string {
  const lines = [`Usage: ${command}`, "", summary, "", "Options:"];
  for (const [name, spec] of Object.entries(flags)) {
    const arg = spec.type === "string" ? ` <${name.replace(/-/g, "_")}>` : "";
    const def = spec.default !== undefined && spec.default !== false
      ? ` (default: ${spec.default})`
      : "";
    lines.push(`  --${name}${arg}`.padEnd(30) + `${spec.help}${def}`);
  }
  lines.push("  --help".padEnd(30) + "Show this help");
  return lines.join("\n");
}

/**
 * Parses `args` strictly. Throws {@linkcode UsageError} naming the flag on
 * unknown flags or missing values.
 */
export function parseFlags(args: string[], flags: Record<string, FlagSpec>): ParsedFlags {
  const options: Record<
    string,
    { type: "string" | "boolean"; short?: string; multiple?: boolean }
  > = {
    help: { type: "boolean" },
  };
  for (const [name, spec] of Object.entries(flags)) {
    options[name] = { type: spec.type };
    if (spec.short) options[name].short = spec.short;
    if (spec.multiple) options[name].multiple = true;
  }
  try {
    const { values, positionals } = parseArgs({
      args,
      options,
      strict: true,
      allowPositionals: true,
    });
    const out = { ...values } as ParsedFlags["values"];
    for (const [name, spec] of Object.entries(flags)) {
      if (out[name] === undefined && spec.default !== undefined) out[name] = spec.default;
    }
    return { values: out, positionals };
  } catch (err) {
    throw new UsageError((err as Error).message.split("\n")[0]);
  }
}

/** Reads a flag as a number, naming the flag when it is not one. */
export function numberFlag(
  values: ParsedFlags["values"],
  name: string,
  check: { integer?: boolean; min?: number } = {},
): number {
  const raw = values[name];
  const n = Number(raw);
  if (
    raw === undefined || raw === "" || !Number.isFinite(n) ||
    (check.integer && !Number.isInteger(n))
  ) {
    throw new UsageError(
      `--${name}: expected ${check.integer ? "an integer" : "a number"}, got '${raw}'`,
    );
  }
  if (check.min !== undefined && n < check.min) {
    throw new UsageError(`--${name}: expected at least ${check.min}, got ${n}`);
  }
  return n;
}

/**
 * Runs a script's main with the common error handling: `--help` prints usage,
 * usage errors print one line and exit 2, other errors print their message
 * and exit 1.
 */
export async function runMain(
  main: (args: string[]) => Promise<void>,
  help: string,
  args: string[] = Deno.args,
): Promise<void> {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(help);
    return;
  }
  try {
    await main(args);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`error: ${err.message}\n(see --help)`);
      Deno.exit(2);
    }
    console.error(`error: ${(err as Error).message}`);
    if (Deno.env.get("TL_DEBUG")) console.error((err as Error).stack);
    Deno.exit(1);
  }
}
