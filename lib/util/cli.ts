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

/** Wraps `text` to lines of at most `width` characters (words longer than that stay whole). */
export function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return line ? [...lines, line] : lines;
}

/**
 * The `--help` text of a script: one flag a row, help wrapped to `width`
 * (default 100) in a column after the longest flag (at most 34 wide; a
 * longer flag puts its help on the next line).
 */
export function usage(
  command: string,
  summary: string,
  flags: Record<string, FlagSpec>,
  width = 100,
): string {
  const rows: [string, string][] = Object.entries(flags).map(([name, spec]) => {
    const arg = spec.type === "string" ? ` <${name.replace(/-/g, "_")}>` : "";
    const def = spec.default !== undefined && spec.default !== false
      ? ` (default: ${spec.default})`
      : "";
    return [`  --${name}${arg}`, `${spec.help}${def}`];
  });
  rows.push(["  --help", "Show this help"]);
  const column = Math.min(34, Math.max(...rows.map(([f]) => f.length)) + 2);
  const lines = [`Usage: ${command}`, "", ...wrapText(summary, width), "", "Options:"];
  const indent = " ".repeat(column);
  for (const [flag, help] of rows) {
    const wrapped = wrapText(help, width - column);
    if (flag.length + 2 > column) lines.push(flag, ...wrapped.map((l) => indent + l));
    else {
      lines.push(
        flag.padEnd(column) + (wrapped[0] ?? ""),
        ...wrapped.slice(1).map((l) => indent + l),
      );
    }
  }
  return lines.join("\n");
}

/**
 * `--lr -1` as `--lr=-1`: parseArgs takes a value starting with "-" for a
 * flag (and calls it ambiguous), but a negative number after a string flag
 * is a value; its range is checked where the flag is read.
 */
function joinNegativeValues(args: string[], flags: Record<string, FlagSpec>): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const name = args[i].startsWith("--") ? args[i].slice(2) : undefined;
    if (
      name && flags[name]?.type === "string" && i + 1 < args.length &&
      /^-(\d|\.\d)/.test(args[i + 1])
    ) {
      out.push(`${args[i]}=${args[++i]}`);
    } else out.push(args[i]);
  }
  return out;
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
      args: joinNegativeValues(args, flags),
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
    // node:util's first line names the flag; a second line, when there, is its hint.
    throw new UsageError((err as Error).message.split("\n").filter(Boolean).join(" "));
  }
}

/** Range checks of a numeric flag: `min`/`max` inclusive, `below` exclusive. */
export interface NumberCheck {
  integer?: boolean;
  min?: number;
  max?: number;
  below?: number;
}

/** Reads a flag as a number, naming the flag when it is not one or is out of range. */
export function numberFlag(
  values: ParsedFlags["values"],
  name: string,
  check: NumberCheck = {},
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
  if (check.max !== undefined && n > check.max) {
    throw new UsageError(`--${name}: expected at most ${check.max}, got ${n}`);
  }
  if (check.below !== undefined && n >= check.below) {
    throw new UsageError(`--${name}: expected less than ${check.below}, got ${n}`);
  }
  return n;
}

/** Reads a flag that must be one of `allowed`, naming the flag and the choices otherwise. */
export function choiceFlag<T extends string>(
  values: ParsedFlags["values"],
  name: string,
  allowed: readonly T[],
): T {
  const v = String(values[name]);
  if (!allowed.includes(v as T)) {
    throw new UsageError(`--${name}: expected one of ${allowed.join(", ")}, got '${v}'`);
  }
  return v as T;
}

/** Reads a comma-separated flag as a list (undefined when absent or empty). */
export function listFlag(values: ParsedFlags["values"], name: string): string[] | undefined {
  const v = values[name];
  return typeof v === "string" && v.trim()
    ? v.split(",").map((s) => s.trim()).filter(Boolean)
    : undefined;
}

/** Reads an optional number flag (undefined when absent), checked as {@linkcode numberFlag}. */
export function optionalNumberFlag(
  values: ParsedFlags["values"],
  name: string,
  check: NumberCheck = {},
): number | undefined {
  return values[name] === undefined ? undefined : numberFlag(values, name, check);
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
