import assert from "node:assert/strict";
import {
  choiceFlag,
  listFlag,
  numberFlag,
  optionalNumberFlag,
  parseFlags,
  usage,
  UsageError,
  wrapText,
} from "../../lib/util/cli.ts";
import { TRAIN_FLAGS } from "../../lib/jobs/train_flags.ts";

Deno.test("--help: every line fits 100 columns; long flags put their help on the next line", () => {
  const text = usage("deno task train [options]", "Train or fine-tune a model.", TRAIN_FLAGS);
  const lines = text.split("\n");
  for (const l of lines) assert.ok(l.length <= 100, `too long: ${l}`);
  const column = lines.find((l) => l.startsWith("  --model "))!.indexOf("one of");
  const i = lines.indexOf("  --test-per-class <test_per_class>");
  assert.ok(i > 0, "a flag wider than the column stands alone");
  assert.equal(
    lines[i + 1],
    " ".repeat(column) + "evaluate on at most this many test images per class",
  );
  for (const l of lines.filter((x) => /^ {2}--\S+( <\w+>)? {2,}\S/.test(x))) {
    assert.equal(l.search(/(?<= {2})\S(?!.* {2}\S)/), column, `help starts in the column: ${l}`);
  }
  assert.match(text, /--help\s+Show this help/);
  assert.match(text, /\(default: adam\)/);
});

Deno.test("wrapText keeps words whole", () => {
  assert.deepEqual(wrapText("a bb ccc dddd", 6), ["a bb", "ccc", "dddd"]);
  assert.deepEqual(wrapText("", 10), []);
  assert.deepEqual(wrapText("averyveryverylongword x", 5), ["averyveryverylongword", "x"]);
});

Deno.test("flag readers name the flag and what was expected", () => {
  const flags = {
    n: { type: "string" as const, help: "" },
    mode: { type: "string" as const, default: "a", help: "" },
    list: { type: "string" as const, help: "" },
  };
  const { values } = parseFlags(["--n", "3.5", "--list", " x, y ,,z"], flags);
  assert.equal(values.mode, "a", "defaults filled");
  assert.equal(numberFlag(values, "n"), 3.5);
  assert.throws(
    () => numberFlag(values, "n", { integer: true }),
    /--n: expected an integer, got '3.5'/,
  );
  assert.throws(() => numberFlag(values, "n", { min: 4 }), /--n: expected at least 4, got 3.5/);
  assert.equal(optionalNumberFlag(values, "absent"), undefined);
  assert.deepEqual(listFlag(values, "list"), ["x", "y", "z"]);
  assert.equal(listFlag(values, "absent"), undefined);
  assert.equal(choiceFlag(values, "mode", ["a", "b"] as const), "a");
  assert.throws(
    () => choiceFlag({ mode: "c" }, "mode", ["a", "b"]),
    (e) => e instanceof UsageError && /--mode: expected one of a, b, got 'c'/.test(e.message),
  );
  assert.throws(() => parseFlags(["--nope"], flags), (e) => e instanceof UsageError);
});

Deno.test("negative numbers are values of string flags; a flag after a flag is still a flag", () => {
  const flags = {
    offset: { type: "string" as const, help: "" },
    name: { type: "string" as const, help: "" },
    quiet: { type: "boolean" as const, help: "" },
  };
  const { values } = parseFlags(["--offset", "-3.5", "--name", "-.5"], flags);
  assert.equal(numberFlag(values, "offset"), -3.5);
  assert.equal(values.name, "-.5");
  assert.throws(
    () => numberFlag(values, "offset", { min: 0 }),
    /--offset: expected at least 0, got -3\.5/,
  );
  assert.throws(
    () => numberFlag({ p: "1" }, "p", { max: 0.5 }),
    /--p: expected at most 0\.5, got 1/,
  );
  assert.throws(
    () => numberFlag({ p: "1" }, "p", { below: 1 }),
    /--p: expected less than 1, got 1/,
  );
  // "-q" after --name is not a number: parseArgs' own message, hint included.
  assert.throws(
    () => parseFlags(["--name", "-q"], flags),
    (e) => e instanceof UsageError && /--name/.test(e.message) && /--name=-XYZ|=/.test(e.message),
  );
  assert.throws(() => parseFlags(["--quiet", "-1"], flags), UsageError, "booleans take no value");
});
